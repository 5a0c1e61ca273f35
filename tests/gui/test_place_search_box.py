"""The place search box offers each place once with its layer, and Enter on an entry chosen from
the list goes to that entry's place (it went to the first place of that name, whatever the layer)."""
from __future__ import annotations

from layers.layer import VectorLayer
from layers.session import Session
from planner_gui.place_search import PlaceSearch
from tests.test_place_search import COMMUNES, STATIONS


def _box(qtbot) -> PlaceSearch:
    session = Session()
    session.add_layer(VectorLayer(name="Communes", role="ward", gdf=COMMUNES))
    session.add_layer(VectorLayer(name="Metro stations", role="metro_station", gdf=STATIONS))
    box = PlaceSearch(session)
    qtbot.addWidget(box)
    return box


def test_each_place_is_offered_once_with_its_layer(qtbot):
    box = _box(qtbot)
    box.textEdited.emit("baquedano")
    offered = box.model.stringList()
    assert len(offered) == len(set(offered)) == 3
    assert all(" — " in label for label in offered)
    assert "Baquedano — Communes" in offered


def test_enter_on_a_chosen_entry_goes_to_that_layers_place(qtbot):
    box = _box(qtbot)
    box.textEdited.emit("baquedano")
    box.setText("Baquedano — Communes")  # what the completer puts in the box
    with qtbot.waitSignal(box.found) as found:
        box.go()
    place = found.args[0]
    assert place.layer.name == "Communes" and place.rows == (0,)
