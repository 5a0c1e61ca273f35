"""Odd but valid files load right; broken ones are refused at load time with the field or feature
named, never loaded to fail later: text encodings, geometry collections, old GeoJSON CRS members."""
from __future__ import annotations

import json

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.io import LayerLoadError, read_layers, read_vector

PARIS = ["Café de la Gare", "Hôtel de Ville", "Saint-Germain-des-Prés"]
HANOI = ["Phường Văn Miếu - Quốc Tử Giám", "Hoàn Kiếm", "Ô Chợ Dừa"]


def squares(names, crs=2154, x0=652_000.0, y0=6_862_000.0):
    """Side-by-side 1 km squares (default: Lambert-93, Paris)."""
    return gpd.GeoDataFrame({"name": names}, crs=crs, geometry=[
        shapely.box(x0 + 1000 * i, y0, x0 + 1000 * (i + 1), y0 + 1000) for i in range(len(names))])


@pytest.mark.parametrize("encoding, keep_cpg", [("cp1252", True), ("latin1", False), ("utf-8", True)])
def test_a_shapefile_in_its_own_code_page_reads_its_names(tmp_path, encoding, keep_cpg):
    path = tmp_path / "quartiers.shp"
    pyogrio.write_dataframe(squares(PARIS), path, encoding=encoding)
    if not keep_cpg:  # no .cpg: GDAL's rule for a DBF without one is ISO-8859-1
        path.with_suffix(".cpg").unlink(missing_ok=True)
    assert read_vector(path).gdf["name"].tolist() == PARIS


def test_a_geojson_with_a_byte_order_mark_loads(tmp_path):
    path = tmp_path / "wards.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + squares(HANOI, crs=32648, x0=585_000, y0=2_325_000).to_crs(4326)
                     .to_json(ensure_ascii=False).encode("utf-8"))
    assert read_vector(path).gdf["name"].tolist() == HANOI


def test_a_geojson_not_in_utf8_is_refused_naming_the_field_and_feature(tmp_path):
    path = tmp_path / "quartiers.geojson"
    path.write_bytes(squares(PARIS).to_crs(4326).to_json(ensure_ascii=False).encode("latin-1"))
    with pytest.raises(LayerLoadError, match=r"quartiers\.geojson: .*field 'name' is not UTF-8 \(feature 1"):
        read_layers(path)
    path.write_bytes(squares(PARIS).to_crs(4326).to_json().encode("utf-16"))
    with pytest.raises(LayerLoadError, match=r"quartiers\.geojson: .*UTF-16"):
        read_layers(path)


def test_geometry_collections_of_one_kind_load_as_multi_part(tmp_path):
    """São Paulo (UTM 23S): a district in two pieces and a street in two pieces, each written as
    a GeometryCollection; a third collection mixes a point and a polygon and is refused."""
    x, y = 333_000.0, 7_394_000.0
    pieces = [shapely.box(x, y, x + 500, y + 500), shapely.box(x + 600, y, x + 900, y + 500)]
    lines = [shapely.LineString([(x, y), (x + 100, y)]), shapely.LineString([(x + 200, y), (x + 400, y)])]
    frame = gpd.GeoDataFrame({"name": ["Sé", "Rua Direita"]}, crs=31983, geometry=[
        shapely.GeometryCollection(pieces), shapely.GeometryCollection([shapely.MultiLineString(lines)])])
    frame.iloc[[0]].to_file(tmp_path / "districts.gpkg")
    frame.iloc[[1]].to_crs(4326).to_file(tmp_path / "streets.geojson")
    district = read_vector(tmp_path / "districts.gpkg")
    assert district.gdf.geom_type.tolist() == ["MultiPolygon"]
    assert district.gdf.area.iloc[0] == pytest.approx(500 * 500 + 300 * 500)
    assert any("GeometryCollection" in w for w in district.warnings)
    street = read_vector(tmp_path / "streets.geojson")
    assert street.gdf.geom_type.tolist() == ["MultiLineString"]
    assert shapely.get_num_geometries(street.gdf.geometry.iloc[0]) == 2
    mixed = frame.iloc[[0]].set_geometry([shapely.GeometryCollection([shapely.Point(x, y), pieces[0]])], crs=31983)
    mixed.to_file(tmp_path / "mixed.gpkg")
    with pytest.raises(LayerLoadError, match=r"mixed\.gpkg: .*1 feature\(s\) mix points, lines and polygons"):
        read_vector(tmp_path / "mixed.gpkg")


def test_an_old_geojson_crs_member_is_honoured(tmp_path):
    document = json.loads(squares(PARIS).to_crs(3857).to_json())
    document["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    path = tmp_path / "quartiers_mercator.geojson"
    path.write_text(json.dumps(document))
    layer = read_vector(path)
    assert layer.crs.to_epsg() == 3857
    assert layer.gdf.to_crs(2154).area.tolist() == pytest.approx(squares(PARIS).area.tolist(), rel=1e-9)
