"""A planner's work as one object, and everything that belongs to it.

`session` (the Session: layers, roles, working CRS, study area, sketch, results), `settings` (the
analysis settings: their schema and one typed event each),
`sketch` and `sketch_editing` (lines drawn in the app and the session's undoable edits of them),
`undo` (the undo stack), `project` and `project_schema` (the session written down as a file, and
the check of what a file may hold). `from layers.session import Session` is the usual entry.
"""
from layers.session.session import (  # noqa: F401 (the package's public names)
    BAND_RANGE_M, DISTANCES, LAYER_RADIUS_M, MAP_SCENARIO, NETWORK_ROLES, RADIUS_RANGE_M, SEGMENTS_RANGE,
    YEAR_RANGE, AnalysisSettings, Session, SessionEvents, Settings, StudyArea,
)
