"""A style's key (`Style.key`) is what the legend, the symbology cache and the Layers dock key their
pictures on: it must tell apart any two styles that draw differently, and be the same for equal ones."""
from __future__ import annotations

import dataclasses

from layers.layer import DEFAULT_STYLES, Style


def test_a_styles_key_is_its_values_and_changes_with_each_of_them():
    for style in DEFAULT_STYLES.values():
        assert style.key() == dataclasses.astuple(style)
        assert hash(style.key()) == hash(dataclasses.replace(style).key())
    base = Style()
    changed = {"stroke": "#123456", "fill": "#abcdef", "fill_alpha": 0.9, "width": 2.5, "point_size": 9.0,
               "category_field": "status", "colour_field": "colour", "label_field": "name", "colormap": "magma"}
    assert set(changed) == {f.name for f in dataclasses.fields(Style)}  # every field is tried
    for name, value in changed.items():
        assert dataclasses.replace(base, **{name: value}).key() != base.key(), name
