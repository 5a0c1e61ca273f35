"""A chosen study area is outlined and zoomed to on the map (before: neither)."""
from __future__ import annotations

import shapely

from layers.session import StudyArea


def test_a_chosen_district_is_outlined_and_zoomed_to(qtbot, sample_window):
    window, session = sample_window, sample_window.session
    window.canvas.full_extent()
    zones = session.zone_layers()[0]
    name = sorted(session.zone_names(zones))[len(zones.gdf) // 2]
    session.set_study_area(StudyArea(zones.name, name))
    district = shapely.union_all(zones.in_crs(session.working_crs).geometry[
        [n == name for n in session.zone_names(zones)]].values)
    view = shapely.box(*window.canvas.view_bounds())
    assert view.contains(district)  # all of it in view
    assert district.area > 0.2 * view.area or max(
        district.bounds[2] - district.bounds[0], district.bounds[3] - district.bounds[1]) > 0.5 * min(
        view.bounds[2] - view.bounds[0], view.bounds[3] - view.bounds[1])  # and the view is about it
    assert not window.canvas._highlight.path().isEmpty()  # outlined
    session.set_study_area(StudyArea())  # the whole city again: no outline
    assert window.canvas._highlight.path().isEmpty()
