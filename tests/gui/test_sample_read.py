"""The sample read once for the GUI tests (tests/gui/sample_read.py) is the sample as a read gives it,
and a copy shares nothing a test can change with the read or with another copy."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from layers.layer import RasterLayer, VectorLayer
from layers.session.project import SAMPLE_PROJECT, load_project
from planner_gui.map.geometry import prepared
from tests.gui.sample_read import reading_the_sample_once

pytestmark = pytest.mark.skipif(not SAMPLE_PROJECT.exists(), reason="needs the bundled Hanoi sample")


def _same_layer(copy, read) -> None:
    assert type(copy) is type(read)
    assert (copy.name, copy.source, copy.source_layer, copy.role, copy.visible, copy.opacity) == \
           (read.name, read.source, read.source_layer, read.role, read.visible, read.opacity)
    assert (copy.style, copy.fields, copy.warnings) == (read.style, read.fields, read.warnings)
    if isinstance(read, VectorLayer):
        assert copy.crs == read.crs
        assert copy.gdf.drop(columns="geometry").equals(read.gdf.drop(columns="geometry"))
        assert shapely.equals_exact(copy.gdf.geometry.values, read.gdf.geometry.values, tolerance=0).all()
    else:
        assert (copy.crs, copy.transform, copy.nodata) == (read.crs, read.transform, read.nodata)
        np.testing.assert_array_equal(copy.array, read.array)


def test_a_copy_is_the_sample_as_read_with_the_drawing_geometry_of_a_fresh_read():
    once = reading_the_sample_once(load_project)
    first, second, read = once(SAMPLE_PROJECT), once(SAMPLE_PROJECT), load_project(SAMPLE_PROJECT)
    assert len(first.layers) == len(read.layers) >= 10 and not read.failures
    for copy, other, layer in zip(first.layers, second.layers, read.layers):
        _same_layer(copy, layer)
        assert copy is not other
        if isinstance(layer, VectorLayer):
            assert copy.gdf is not other.gdf
            drawn, fresh = prepared(copy, first.working_crs), prepared(layer, read.working_crs)
            assert drawn is prepared(other, first.working_crs)  # made once, found by every copy
            for name in ("x", "y", "ring_end", "start", "stop", "bounds"):
                np.testing.assert_array_equal(getattr(drawn, name), getattr(fresh, name))
    assert (first.working_crs, first.view, first.analysis, first.sketch) == \
           (read.working_crs, read.view, read.analysis, read.sketch)


def test_what_a_test_changes_in_its_copy_reaches_no_other_copy():
    once = reading_the_sample_once(load_project)
    changed, read = once(SAMPLE_PROJECT), load_project(SAMPLE_PROJECT)
    for layer in changed.layers:
        layer.style.stroke = "#123456"
        layer.fields.name = "changed"
        layer.warnings.append("changed")
        if isinstance(layer, VectorLayer):
            layer.gdf["status"] = "changed"
            layer.gdf.loc[layer.gdf.index[0], "name"] = "changed"
            layer.gdf.geometry.values[0] = shapely.Point(0, 0)
        elif isinstance(layer, RasterLayer):
            layer.array[:] = -7
    changed.analysis["radius_m"] = 1
    later = once(SAMPLE_PROJECT)
    for copy, layer in zip(later.layers, read.layers):
        _same_layer(copy, layer)
    assert later.analysis == read.analysis
