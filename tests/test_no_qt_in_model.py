"""The model never imports Qt: loading and reprojecting a layer leaves PySide6 unimported."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def test_layers_does_not_import_qt(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys, pkgutil, importlib
        import geopandas as gpd, shapely
        import layers
        for module in pkgutil.iter_modules(layers.__path__):
            importlib.import_module("layers." + module.name)
        from layers.io import read_vector
        from layers.crs import to_metric
        gdf = gpd.GeoDataFrame({{"name": ["a"]}}, geometry=[shapely.Point(105.85, 21.03)], crs=4326)
        gdf.to_file(r"{tmp_path / 'stations.gpkg'}")
        metric = to_metric(read_vector(r"{tmp_path / 'stations.gpkg'}").gdf)
        assert metric.crs.to_epsg() == 32648
        qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6"))
        print(",".join(qt))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
