"""Layer model, GIS I/O and analysis for the planner. Never imports Qt."""
