"""The docks: views of the session (layers, coverage, scenarios, timeline, overlap, attribute table)."""
