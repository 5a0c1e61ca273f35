"""A project that names files outside its own folder: the app lists them and asks, reads none of
them before the answer, and opens the project only on yes (the current work stays on no)."""
from __future__ import annotations

import json

import pytest

from tests.gui.conftest import make_synthetic_hanoi
from tests.gui.helpers import load


@pytest.mark.parametrize("answer", [False, True])
def test_a_project_naming_outside_files_asks_first_and_reads_nothing_before(qtbot, window, tmp_path, monkeypatch,
                                                                          reads, answer):
    own = make_synthetic_hanoi(tmp_path / "data")
    document = json.loads(own.read_text())
    for entry in document["layers"]:
        entry["source"] = str((own.parent / entry["source"]).resolve())  # absolute: as a mailed project may
    mailed = tmp_path / "mail" / "from a colleague.planner.json"
    mailed.parent.mkdir()
    mailed.write_text(json.dumps(document))
    asked = []

    def ask(name, files):
        asked.append((name, sorted(map(str, files)), list(reads)))
        return answer

    monkeypatch.setattr(window, "open_outside_files", ask)
    load(qtbot, window, [mailed])
    expected = sorted(str((own.parent / n).resolve()) for n in ("hanoi.gpkg", "hanoi_population_250m.tif"))
    assert asked == [("from a colleague.planner.json", expected, [])]  # listed, and nothing read before the answer
    if answer:
        qtbot.waitUntil(lambda: len(window.stack) == len(document["layers"]), timeout=20_000)
        assert window.project_path == mailed
        assert sorted({str(r) for r in reads}) == expected
    else:
        assert list(window.stack) == [] and reads == [] and window.project_path is None
        assert any("was not opened" in t and "none was read" in t for t in window.message_bar.texts())


def test_a_project_with_its_files_beside_it_opens_without_a_question(qtbot, window, tmp_path, monkeypatch):
    own = make_synthetic_hanoi(tmp_path / "city")
    monkeypatch.setattr(window, "open_outside_files", lambda name, files: pytest.fail(f"asked about {files}"))
    load(qtbot, window, [own])
    qtbot.waitUntil(lambda: len(window.stack) > 0, timeout=20_000)
    assert window.project_path == own
