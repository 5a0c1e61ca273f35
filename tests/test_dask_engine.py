"""`planner measure --engine dask`: the footprints in spatial partitions on a Dask cluster (a
LocalCluster of 2 workers, threads, in this process), each counted by the in-process engine and
summed: the same figures as the in-process engine (counts exact, the rest to 1e-9), total and by
zone, in Sao Paulo and Oslo, from a frame in memory, from a GeoParquet dataset, and through the CLI.
The in-process engine itself is checked against a GEOS brute force in test_features.py; here the
partitioned sums are also checked against that brute force once."""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from distributed import Client, LocalCluster

from layers.analysis.coverage import FeatureSet
from layers.analysis.distributed import open_geoparquet, partition_frame, write_partitioned
from layers.cli import main
from tests.cities import CITIES, buildings, schools, truth, write_city, write_features
from tests.reference import features_brute_force
from tests.test_features import RADIUS_M, reference_regions

TWO_CITIES = [c for c in CITIES if c.name in ("sao_paulo", "oslo")]
FIELDS = ("floor_area", "jobs")


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=":0") as cluster, Client(cluster) as c:
        yield c


def regions_of(city):
    t = truth(city)
    catchment, pieces = reference_regions(t.boundary, t.wards, t.stations)
    return np.asarray([catchment, *pieces.values()], dtype=object)


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    for column in expected.columns:
        if column.startswith("count"):
            assert got[column].dtype == np.int64
            np.testing.assert_array_equal(got[column].to_numpy(), expected[column].to_numpy(), err_msg=column)
        else:
            np.testing.assert_allclose(got[column].to_numpy(), expected[column].to_numpy(), rtol=1e-9, atol=1e-6,
                                       err_msg=column)


@pytest.mark.parametrize("city", TWO_CITIES, ids=lambda c: c.name)
def test_partitioned_sums_equal_the_in_process_engine_total_and_by_ward(city, client):
    gdf = buildings(city)
    regions = regions_of(city)
    spread = partition_frame(gdf, client, FIELDS, rows_per_partition=250)
    assert len(spread.partitions) == 7 and len(spread) == len(gdf)
    got = spread.measure(regions)
    assert_same(got, FeatureSet.from_frame(gdf, FIELDS).measure(regions))
    assert spread.measure(regions).equals(got)  # partitions added in their order: the same bits again
    # one ward against GEOS directly, so a shared mistake of both engines would show
    values = {f: gdf[f] for f in FIELDS}
    expected = features_brute_force(gdf.geometry.values, regions[1], values)
    for key, value in expected.items():
        assert got.iloc[1][key] == pytest.approx(value, rel=1e-9, abs=1e-6), key
    # the partitions are spatial: a small region meets only some of them, and is still exact
    small = np.asarray([shapely.Point(*regions[0].representative_point().coords[0]).buffer(400.0)], dtype=object)
    got_small = spread.measure(small)
    assert 0 < spread.partitions_read < len(spread.partitions)
    assert_same(got_small, FeatureSet.from_frame(gdf, FIELDS).measure(small))
    assert got_small["count_intersecting"][0] > 0


def test_a_layer_of_points_and_polygons_has_the_in_process_figures(client):
    """Partitions of points only report no area of their own; the layer's figures are chosen
    from all its kinds and the zeros add, as in one process."""
    city = TWO_CITIES[0]
    points = schools(city).rename(columns={"pupils": "jobs"})
    far = points.translate(xoff=40_000.0)  # a run of the Hilbert curve of points alone
    gdf = pd.concat([buildings(city)[["jobs", "geometry"]], points, points.set_geometry(far)], ignore_index=True)
    gdf = gpd.GeoDataFrame(gdf, crs=truth(city).crs)
    regions = regions_of(city)
    spread = partition_frame(gdf, client, ("jobs",), rows_per_partition=50)
    kinds = [set(part.geom_type) for part in client.gather(spread.partitions)]
    assert {"Point"} in kinds and any("Polygon" in k for k in kinds)
    got = spread.measure(regions)
    assert_same(got, FeatureSet.from_frame(gdf, ["jobs"]).measure(regions))
    points = partition_frame(schools(city), client, ("pupils",), rows_per_partition=20)
    assert points.columns() == FeatureSet.from_frame(schools(city), ["pupils"]).columns() == [
        "count_intersecting", "count_by_centroid", "pupils_sum"]
    assert_same(points.measure(regions), FeatureSet.from_frame(schools(city), ["pupils"]).measure(regions))


@pytest.mark.parametrize("city", TWO_CITIES, ids=lambda c: c.name)
def test_a_geoparquet_dataset_in_another_crs_streams_to_the_same_figures(city, client, tmp_path):
    """Footprints written in the city's data CRS (Web Mercator, lon/lat) as a Hilbert-ordered
    dataset, in chunks; the workers read and reproject them; the figures equal those of the
    frame reprojected in one process."""
    t = truth(city)
    gdf = buildings(city)
    shipped = gdf.to_crs(city.crs(city.data_crs))
    bounds = shipped.total_bounds
    chunks = (shipped.iloc[i:i + 600] for i in range(0, len(shipped), 600))
    files = write_partitioned(chunks, tmp_path / "footprints", bounds, rows_per_file=200)
    assert len(files) == 8 and not list((tmp_path / "footprints").glob(".*"))
    spread = open_geoparquet(tmp_path / "footprints", t.crs, client, FIELDS)
    assert len(spread) == len(gdf) and spread.columns() == FeatureSet.from_frame(gdf, FIELDS).columns()
    regions = regions_of(city)
    in_process = FeatureSet.from_frame(gpd.read_parquet(tmp_path / "footprints").to_crs(t.crs), FIELDS)
    assert_same(spread.measure(regions), in_process.measure(regions))


def test_geoparquet_that_cannot_be_right_is_refused_by_name(client, tmp_path):
    (tmp_path / "fake.parquet").write_text("id,geometry\n1,POINT (0 0)\n")
    with pytest.raises(ValueError, match="fake.parquet: is not a GeoParquet file"):
        open_geoparquet(tmp_path / "fake.parquet", "EPSG:32723", client)
    with pytest.raises(ValueError, match="empty: a folder with no .parquet files"):
        (tmp_path / "empty").mkdir()
        open_geoparquet(tmp_path / "empty", "EPSG:32723", client)
    g = buildings(TWO_CITIES[0]).iloc[:5]
    g.to_parquet(tmp_path / "b.parquet")
    with pytest.raises(ValueError, match="b.parquet: no field 'storeys' to sum"):
        open_geoparquet(tmp_path / "b.parquet", g.crs, client, ("storeys",))


@pytest.mark.parametrize("city, on", [(TWO_CITIES[0], "local cluster"), (TWO_CITIES[1], "scheduler")],
                         ids=["sao_paulo-own-local-cluster-of-processes", "oslo-by-scheduler-address"])
def test_planner_measure_engine_dask_gives_the_default_engines_figures(city, on, client, tmp_path, capsys,
                                                                      monkeypatch):
    """On a cluster named by its address, and on the LocalCluster of worker processes that
    `--engine dask` starts by default (the features and the engine cross process boundaries; one
    worker process here, where it starts one a core: each imports the engine, seconds on a loaded
    machine)."""
    monkeypatch.setattr("layers.analysis.distributed.os.cpu_count", lambda: 1)
    gpkg, tif = write_city(city, tmp_path)
    b, s = write_features(city, tmp_path)
    args = [str(gpkg), str(tif), str(b), str(s), "-p", "itdp-pnt", "-r", str(RADIUS_M), "--zones",
            "--sum-field", "floor_area", "--sum-field", "jobs", "--sum-field", "pupils", "-f", "json"]
    assert main(args) == 0
    [local] = json.loads(capsys.readouterr().out)
    where = ["--scheduler", client.scheduler.address] if on == "scheduler" else []
    assert main([*args, "--engine", "dask", *where]) == 0
    [dask] = json.loads(capsys.readouterr().out)
    assert set(dask["features"]) == set(local["features"]) == {"buildings", f"{city.name}_schools"}
    for layer, figures in local["features"].items():
        assert set(dask["features"][layer]) == set(figures)
        for key, value in figures.items():
            assert dask["features"][layer][key] == (value if key.startswith("count") else pytest.approx(value, rel=1e-9))
    assert [z["zone"] for z in dask["zones"]] == [z["zone"] for z in local["zones"]] == ["SW", "NW", "SE", "NE"]
    for got, expected in zip(dask["zones"], local["zones"]):
        assert set(got) == set(expected)
        for key, value in expected.items():
            exact = not isinstance(value, float) or "count" in key
            assert got[key] == (value if exact else pytest.approx(value, rel=1e-9, abs=1e-9)), (got["zone"], key)
    assert dask["numerator"] == local["numerator"] and dask["value"] == local["value"]  # people: the same code


def test_planner_measure_engine_dask_says_what_is_wrong(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("layers.analysis.distributed.CONNECT_TIMEOUT_S", 1)
    city = TWO_CITIES[0]
    gpkg, tif = write_city(city, tmp_path)
    assert main([str(gpkg), str(tif), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err
    assert main([str(gpkg), str(tif), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "no Dask scheduler answers at tcp://127.0.0.1:9" in capsys.readouterr().err


def test_counts_by_the_exact_distance_on_the_cluster(client):
    """Features 1 cm either side of a 1 km circle cut by two wards (test_exact_distance.py's), spread
    over partitions: counted by the exact distance, as the brute force counts them."""
    from layers.analysis.coverage import Within, catchment, measure_catchment
    from tests.test_exact_distance import PRAGUE, R, STATIONS, check, expected_counts, features_near, study_and_wards

    stations = STATIONS["one"]
    feats = features_near(stations)
    jobs = np.arange(len(feats), dtype=float)
    study, wards = study_and_wards()
    sources = shapely.points(stations)
    spread = partition_frame(gpd.GeoDataFrame({"jobs": jobs}, geometry=feats, crs=PRAGUE), client, ("jobs",),
                             rows_per_partition=1_000)
    assert len(spread.partitions) > 1
    result = measure_catchment(catchment(sources, R, study), study, PRAGUE, features={"b": spread}, zones=wards,
                               within=Within.of(sources, R))
    check(result, "b", *expected_counts(feats, stations, study, wards, {"jobs": jobs}))
