"""The attribute table of a large layer: opening, sorting and filtering it never ask Qt for every
cell (a QSortFilterProxyModel did: a million-row table took nine minutes to open), and the rows it
shows are pandas' answer (`shown_rows`)."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from PySide6 import QtCore

from layers.layer import VectorLayer
from planner_gui.docks.attribute_table import AttributeTable, GeoDataFrameModel, shown_rows


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["Cát Linh", "láng", None, "Thái Hà", "Cát Linh 2", "Hà Đông"],
        "floors": [3, 12, 7, 3, 1, 20],
        "area_m2": [1234.5, np.nan, 80.0, 1234.5, 99999.0, 0.5],
        "mixed": ["a", 2, "b", 1, None, "c"],
    })


def test_the_filter_matches_any_column_as_shown_in_any_case():
    frame = _frame()
    columns = list(frame.columns)
    assert list(shown_rows(frame, columns, "CÁT LINH")) == [0, 4]
    assert list(shown_rows(frame, columns, "1,234.5")) == [0, 3]  # a number as the table writes it
    assert list(shown_rows(frame, columns, "12")) == [1]  # 12 floors; 1,234.5 is not "12"
    assert list(shown_rows(frame, columns, "99,999")) == [4]
    assert list(shown_rows(frame, columns, "")) == list(range(6))
    assert list(shown_rows(frame, columns, "nothing like it")) == []


def test_sorting_puts_missing_values_last_keeps_ties_in_layer_order_and_survives_mixed_kinds():
    frame = _frame()
    columns = list(frame.columns)
    assert list(shown_rows(frame, columns, sort_by="floors")) == [4, 0, 3, 2, 1, 5]
    assert list(shown_rows(frame, columns, sort_by="floors", descending=True)) == [5, 1, 2, 0, 3, 4]
    assert list(shown_rows(frame, columns, sort_by="area_m2")) == [5, 2, 0, 3, 4, 1]  # NaN last
    assert list(shown_rows(frame, columns, sort_by="name")) == [0, 4, 5, 3, 1, 2]  # None last
    assert list(shown_rows(frame, columns, sort_by="mixed")) == [3, 1, 0, 2, 5, 4]  # as text: '1' < '2' < 'a'
    assert list(shown_rows(frame, columns, "cát", sort_by="floors", descending=True)) == [0, 4]


@pytest.fixture
def large_layer():
    n = 200_000
    rng = np.random.default_rng(3)
    x, y = rng.uniform(580_000, 600_000, n), rng.uniform(2_310_000, 2_330_000, n)
    gdf = gpd.GeoDataFrame({"use": rng.choice(["home", "shop", "office"], n), "height_m": rng.uniform(3, 60, n)},
                           geometry=shapely.box(x, y, x + 10, y + 10), crs=32648)
    return VectorLayer(name="footprints", source=None, role="building", gdf=gdf)


def test_a_large_table_opens_sorts_and_filters_reading_only_the_cells_on_screen(qtbot, large_layer, monkeypatch):
    asked = []
    real = GeoDataFrameModel.data
    monkeypatch.setattr(GeoDataFrameModel, "data", lambda self, index, role=0: asked.append(1) or real(self, index, role))
    table = AttributeTable(large_layer)
    qtbot.addWidget(table)
    table.resize(700, 500)
    table.show()
    qtbot.waitExposed(table)
    assert len(asked) < 5_000  # a screenful of cells, not 200,000 rows
    asked.clear()
    with qtbot.waitSignal(table.rows_shown, timeout=30_000):
        table.table.sortByColumn(table.model.columns.index("height_m"), QtCore.Qt.SortOrder.DescendingOrder)
    heights = large_layer.gdf["height_m"].to_numpy()
    assert np.all(np.diff(heights[table.model.rows]) <= 0)
    assert table.model.rowCount() == len(large_layer.gdf)
    with qtbot.waitSignal(table.rows_shown, timeout=30_000):
        table.filter.setText("SHOP")
    uses = large_layer.gdf["use"].to_numpy()[table.model.rows]
    assert set(uses) == {"shop"} and len(uses) == int((large_layer.gdf["use"] == "shop").sum())
    assert np.all(np.diff(heights[table.model.rows]) <= 0)  # still sorted
    qtbot.wait(50)  # let the view paint what it shows
    assert len(asked) < 10_000
    assert f"{len(uses):,} of 200,000 features shown" == table.count.text()
