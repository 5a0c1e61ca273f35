"""Typed per-field events: each change of the session tells exactly the views of that field."""
from __future__ import annotations

import pytest

from layers.session import Session, StudyArea


def record(group) -> list:
    """(signal name, args) for every signal of a psygnal SignalGroup, in order."""
    seen = []
    group.all.connect(lambda info: seen.append((info.signal.name, info.args)))
    return seen


def test_a_radius_change_emits_the_radius_alone_once_with_its_value():
    session = Session()
    settings, events = record(session.settings.events), record(session.events)
    session.update(radius_m=700.0)
    assert settings == [("radius_m", (700.0,))]
    assert events == [("modified", (True,))]  # not the study area, zones, CRS or city
    session.update(radius_m=700.0)  # no change, no event
    assert len(settings) == 1


def test_several_settings_changed_at_once_are_each_told_once_after_all_are_in_place():
    session = Session()
    seen = []
    session.settings.events.measure.connect(lambda v: seen.append(("measure", v, session.settings.radius_m)))
    session.settings.events.radius_m.connect(lambda v: seen.append(("radius_m", v, session.settings.measure)))
    session.update(measure="sdg-11.2.1", radius_m=800.0)
    # the measure's view already reads the new radius, and the radius's view the new measure
    assert seen == [("measure", "sdg-11.2.1", 800.0), ("radius_m", 800.0, "sdg-11.2.1")]


def test_a_refused_setting_tells_nobody_and_changes_nothing():
    session = Session()
    settings = record(session.settings.events)
    with pytest.raises(ValueError, match="radius"):
        session.update(radius_m=-5.0)
    assert settings == [] and session.settings.radius_m is None and not session.modified


def test_settings_are_read_only_outside_update():
    session = Session()
    with pytest.raises(AttributeError):
        session.settings.radius_m = 3.0


def test_the_study_area_and_the_sketch_have_their_own_events(wards_gdf):
    from layers.layer import VectorLayer

    session = Session()
    session.add_layer(VectorLayer(name="wards", role="ward", gdf=wards_gdf))
    settings, events = record(session.settings.events), record(session.events)
    name = session.zone_names(session.layers.find("wards"))[0]
    session.set_study_area(StudyArea("wards", name))
    assert ("study_area", (StudyArea("wards", name),)) in events
    assert settings == [] and "crs" not in [e[0] for e in events]
