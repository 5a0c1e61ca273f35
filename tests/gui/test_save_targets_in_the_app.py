"""Saving from the app: a read-only project file is replaced only if the planner says yes; a pipe,
a link loop or a read-only export target is refused in the message bar, and left as it was."""
from __future__ import annotations

import os
import stat

import pytest

from planner_gui.export.menu import csv_export


@pytest.mark.parametrize("replace", [False, True])
def test_saving_over_a_read_only_project_asks_first(window, tmp_path, monkeypatch, replace):
    path = tmp_path / "plan.planner.json"
    path.write_text("kept")
    os.chmod(path, 0o444)
    asked = []
    monkeypatch.setattr(window, "replace_read_only", lambda refusal: asked.append(refusal) or replace)
    written = window.save_project(path)
    assert len(asked) == 1 and "plan.planner.json" in asked[0] and "read-only" in asked[0]
    if replace:
        assert written == path and path.read_text().startswith("{")
        assert stat.S_IMODE(path.stat().st_mode) == 0o444  # still read-only, as said
        assert window.project_path == path
    else:
        assert written is None and path.read_text() == "kept"
        assert any("not saved" in t for t in window.message_bar.texts())


@pytest.mark.parametrize("make", ["pipe", "loop"])
def test_saving_the_project_to_a_pipe_or_a_link_loop_is_a_message(window, tmp_path, make):
    path = tmp_path / "plan.planner.json"
    if make == "pipe":
        os.mkfifo(path)
    else:
        path.symlink_to(path)
    assert window.save_project(path) is None  # no question: there is nothing to ask
    said = " | ".join(window.message_bar.texts())
    assert "Could not save the project" in said and "plan.planner.json" in said
    assert ("named pipe" in said) if make == "pipe" else ("link loop" in said)
    assert stat.S_ISFIFO(os.lstat(path).st_mode) if make == "pipe" else path.is_symlink()


def test_an_export_to_a_read_only_file_is_refused_before_it_starts(window, tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text("kept")
    os.chmod(path, 0o444)
    made = []
    assert window.export_menu.start(lambda p: made.append(p) or csv_export(window.dashboard, p), str(path)) is False
    assert made == [] and path.read_text() == "kept"
    assert any("Could not export" in t and "read-only" in t for t in window.message_bar.texts())
