"""The session's city is built where the docks ask for it (their worker threads): one build at a
time, and one built while the session changed is handed to its caller but not kept."""
from __future__ import annotations

import threading

from layers.analysis.city import CityData
from layers.session.project import SAMPLE_PROJECT, open_project


def test_a_city_built_while_a_layer_is_hidden_is_not_kept(monkeypatch):
    session, _ = open_project(SAMPLE_PROJECT)
    stations = session.layers.by_role("metro_station")[0]
    started, release = threading.Event(), threading.Event()
    real = CityData.from_layers.__func__

    def held(cls, *args, **kwargs):
        started.set()
        assert release.wait(60)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(CityData, "from_layers", classmethod(held))
    built = []
    worker = threading.Thread(target=lambda: built.append(session.city()))
    worker.start()
    assert started.wait(60)
    session.layers.set_visible(stations, False)  # the GUI thread changes the session meanwhile
    release.set()
    worker.join(60)
    monkeypatch.setattr(CityData, "from_layers", classmethod(real))
    assert len(built) == 1  # the worker got its city
    now = session.city()
    assert now is not built[0] and stations not in now.layers.get("metro_station", [])
    assert session.city() is now  # kept once built for the session as it is


def test_everything_follows_the_city_version():
    session, _ = open_project(SAMPLE_PROJECT)
    everything, version = session.everything(), session.city_version(filtered=False)
    assert session.everything() is everything
    session.update(year=2030)  # the timeline's filter: the filtered city changes, everything does not
    assert session.city_version(filtered=False) == version and session.everything() is everything
    session.layers.set_visible(session.layers.by_role("metro_station")[0], False)
    assert session.city_version(filtered=False) != version and session.everything() is not everything


def test_a_sketch_edit_keeps_the_city_but_moves_its_version_on():
    """The city reads the sketch's layers live (its caches stay, the sketch's gain is quick), but a
    view keyed on the version (the timeline's curve) sees that what it measures changed."""
    session, _ = open_project(SAMPLE_PROJECT)
    x0, y0, x1, y1 = session.layers.by_role("boundary")[0].in_crs(session.working_crs).total_bounds
    for dx in (0, 2000):  # the first two add the sketch's layers (stations, then its line)
        session.sketch_add_station((x0 + x1) / 2 + dx, (y0 + y1) / 2)
    city, version = session.everything(), session.city_version(filtered=False)
    session.sketch_add_station((x0 + x1) / 2 + 4000, (y0 + y1) / 2)
    assert session.everything() is city and session.city_version(filtered=False) != version
