"""Labels that wrap a path too (a QLabel wraps only at spaces), without touching the text they hold."""
from __future__ import annotations

from planner_gui.docks.fitting import LONGEST_UNBROKEN, ZERO_WIDTH_SPACE, WrappingLabel, breakable

PATH = "/home/planner/street_networks/vietnam_north_geofabrik_extract_clipped_to_the_city_boundary.osm.pbf"


def test_a_path_gets_break_points_and_a_number_none():
    broken = breakable(f"10.46 % of people; {PATH}")
    assert broken.replace(ZERO_WIDTH_SPACE, "") == f"10.46 % of people; {PATH}"
    assert broken.startswith("10.46 % of people; /")  # nothing inserted into the number
    assert all(len(run) <= LONGEST_UNBROKEN for part in broken.split() for run in part.split(ZERO_WIDTH_SPACE))


def test_the_label_wraps_a_path_in_a_narrow_column_and_keeps_its_text(qtbot):
    label = WrappingLabel(f"cannot read {PATH}")
    qtbot.addWidget(label)
    assert label.text() == f"cannot read {PATH}"
    assert label.minimumSizeHint().width() < 220  # a dock column's width, not the path's ~700 px
    assert label.heightForWidth(220) > 2 * label.fontMetrics().lineSpacing()
