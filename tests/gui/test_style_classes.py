"""Style classes worked out on integer codes (`planner_gui.map.symbology.feature_classes`) are the
ones a plain per-feature reading of the style rules gives: same classes, same order, same rows."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from layers.layer import Style
from planner_gui.map.symbology import PALETTE, STATUS_PATTERNS, feature_classes

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _by_the_rules(frame: pd.DataFrame, style: Style) -> list[tuple[tuple, list[int]]]:
    """Each feature's (colour, fill, pattern, label) by the rules in the module's docstring, grouped."""
    field = style.category_field if style.category_field in frame.columns else None
    own = style.colour_field if style.colour_field in frame.columns else None
    categories = sorted({"" if pd.isna(v) else str(v) for v in frame[field]}) if field else []
    groups: dict[tuple, list[int]] = {}
    for row in range(len(frame)):
        colour, pattern, label = style.stroke, "solid", ""
        if field:
            value = frame[field].iloc[row]
            label = "" if pd.isna(value) else str(value)
            if field == "status":
                pattern = STATUS_PATTERNS.get(label, "solid")
            else:
                colour = PALETTE[categories.index(label) % len(PALETTE)]
        if own:
            mine = frame[own].iloc[row]
            if not pd.isna(mine) and HEX.match(str(mine)):
                colour = str(mine).lower()
        fill = (colour if colour != style.stroke else style.fill) if style.fill else None
        groups.setdefault((colour, fill or "", pattern, label), []).append(row)
    return sorted(groups.items())


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    status = rng.choice(np.array(["existing", "under_construction", "planned", "closed", None], dtype=object), n)
    use = rng.choice(np.array([f"use {i}" for i in range(20)] + [None], dtype=object), n)  # more than the palette
    colour = rng.choice(np.array(["#A1B2C3", "#d62728", "red", "#12345", None, "#333333"], dtype=object), n)
    return pd.DataFrame({"status": status, "use": use, "colour": colour, "floors": rng.integers(1, 6, n)})


@pytest.mark.parametrize("style", [
    Style(category_field="status"),
    Style(category_field="status", colour_field="colour", fill="#eeeeee"),
    Style(category_field="use", fill="#cccccc"),
    Style(category_field="use", colour_field="colour"),
    Style(colour_field="colour", fill="#ffffff"),
    Style(category_field="floors", stroke="#333333", fill="#333333"),
    Style(category_field="no such field"),
    Style(),
])
def test_classes_are_those_of_the_rules(style):
    frame = _frame(3_000, seed=len(str(style)))
    classes = feature_classes(frame, style)
    got = [((c.colour, c.fill or "", c.pattern, c.label), rows.tolist()) for c, rows in classes]
    assert got == _by_the_rules(frame, style)
    assert all(rows.dtype == np.int64 for _, rows in classes)
