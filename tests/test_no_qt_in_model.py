"""The model never imports Qt: every module of layers/, and a session measuring a layer, leave PySide6 unimported."""
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
        for module in pkgutil.walk_packages(layers.__path__, "layers."):
            importlib.import_module(module.name)
        from layers.io import read_vector
        from layers.session import Session
        gdf = gpd.GeoDataFrame({{"name": ["a"]}}, geometry=[shapely.Point(105.85, 21.03)], crs=4326)
        gdf.to_file(r"{tmp_path / 'stations.gpkg'}")
        session = Session()
        layer = session.add_layer(read_vector(r"{tmp_path / 'stations.gpkg'}"))
        assert session.working_crs.to_epsg() == 32648
        assert layer.in_crs(session.working_crs).crs.to_epsg() == 32648
        qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6"))
        print(",".join(qt))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
