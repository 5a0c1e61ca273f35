"""Licence statements are read from the layers' source fields, whatever the city."""
from __future__ import annotations

import geopandas as gpd
import shapely

from layers.attribution import attribution_lines, licence_statement, sources_text
from layers.layer import VectorLayer


def test_licence_statements_are_cut_from_source_texts():
    assert licence_statement("OpenStreetMap relation 1903516 (Nominatim export), © OpenStreetMap "
                             "contributors, ODbL") == "© OpenStreetMap contributors, ODbL"
    assert licence_statement("boundary: geoBoundaries VNM-ADM2 2020 (Government of Viet Nam / OCHA ROAP), "
                             "CC BY 3.0 IGO, simplified 25 m") == (
        "geoBoundaries VNM-ADM2 2020 (Government of Viet Nam / OCHA ROAP), CC BY 3.0 IGO")
    assert licence_statement(" Natural Earth 1:10m rivers (public domain) for the course") == (
        "Natural Earth 1:10m rivers (public domain)")
    assert licence_statement("Wikipedia 'West Lake (Hanoi)'; schematic ellipse") is None


def test_each_statement_once_in_layer_order_with_the_files(tmp_path):
    def layer(name, sources, file):
        gdf = gpd.GeoDataFrame({"Source": sources}, geometry=[shapely.Point(i, 0) for i in range(len(sources))],
                               crs=32723)
        return VectorLayer(name=name, source=tmp_path / file, gdf=gdf)

    layers = [layer("stops", ["SPTrans GTFS; CC BY 4.0", "SPTrans GTFS; CC BY 4.0", None], "sp.gpkg"),
              layer("wards", ["IBGE 2022, Licença: CC BY-SA 4.0; simplified"], "sp.gpkg"),
              layer("parks", ["survey 2023"], "parks.geojson")]
    lines = attribution_lines(layers)
    assert lines == ["SPTrans GTFS, CC BY 4.0", "IBGE 2022, Licença: CC BY-SA 4.0"]
    assert sources_text(layers) == ["Data: sp.gpkg, parks.geojson", *lines]
