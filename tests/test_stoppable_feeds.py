"""GTFS feeds are read in the reader process too (gtfs-kit reads every table whole with pandas):
a feed whose read outlasts the time limit, or that the planner cancels, is stopped with a message
naming it, and the layers that come back from the reader process are those made in-process."""
from __future__ import annotations

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from layers.analysis.progress import Cancelled
from layers.io import LayerLoadError, read_layers
from layers.io.isolated import ReadLimits, reading
from layers.io.feed_load import feed_layers_here
from tests.feeds import write_feed
from tests.cancel import pressed_after


def huge_feed(folder):
    """The Cape Town test feed with 150,000 stop times (its timetable repeated)."""
    def many_stop_times(data):
        times = data["stop_times"]
        data["stop_times"] = pd.concat([times] * (150_000 // len(times) + 1), ignore_index=True)
    return write_feed(folder, edit=many_stop_times)


def test_a_feed_whose_read_outlasts_the_time_limit_is_stopped(tmp_path):
    path = huge_feed(tmp_path / "huge")
    # 150,000 stop times take gtfs-kit tens of milliseconds at least: a limit of 5 ms stops them on
    # any machine (0.2 s did not on an idle one)
    with reading(ReadLimits(timeout_s=0.005)) as reader:
        with pytest.raises(LayerLoadError, match=r"^feed.zip: reading did not finish within 0.005 s \(the time limit\)"):
            read_layers(path)
        assert reader._full_reader._proc.poll() is not None  # the reader that read it was killed
    small = write_feed(tmp_path / "small")
    assert [layer.source_layer for layer in read_layers(small)] == ["stations", "lines"]  # the next feed reads


def test_a_feed_read_stops_at_cancel(tmp_path):
    path = huge_feed(tmp_path / "huge")
    cancelled, _ = pressed_after(3)

    with pytest.raises(Cancelled):
        read_layers(path, cancelled=cancelled, limits=ReadLimits(timeout_s=60))


def test_the_layers_read_in_the_reader_process_are_those_made_in_process(tmp_path):
    path = write_feed(tmp_path / "feed", zipped=False)
    read = read_layers(path / "stops.txt")
    made = feed_layers_here(str(path), {"brt": [], "day": None, "window_s": None})
    assert [layer.name for layer in read] == [layer.name for layer in made]
    for got, expected in zip(read, made):
        assert (got.role, got.source_layer, got.warnings) == (expected.role, expected.source_layer, expected.warnings)
        assert_geodataframe_equal(got.gdf, expected.gdf, check_like=False)


def test_a_feed_the_planner_cannot_read_is_said_in_its_words(tmp_path):
    path = write_feed(tmp_path / "feed", drop=("routes",))
    with pytest.raises(LayerLoadError, match=r"^feed.zip: the feed lacks routes.txt"):
        read_layers(path)
