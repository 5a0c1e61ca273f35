"""The analysis: coverage engine, indicators, scenarios and the jobs the docks ask for. No Qt."""
