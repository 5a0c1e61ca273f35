"""Walks for the router: along the streets equal to the grid's block distance, straight lines by hypot."""
from __future__ import annotations

import math

import numpy as np
import shapely

from layers.analysis.network import StreetGraph
from layers.transit.walking import WalkRule, table_pairs

# a 5 x 5 street grid of 100 m blocks in UTM 10N (Vancouver): between junctions, the walk is the block distance
X0, Y0 = 490_000.0, 5_457_000.0
CRS = "EPSG:32610"


def grid() -> StreetGraph:
    lines = [shapely.LineString([(X0 + m * 100, Y0 + k * 100) for m in range(5)]) for k in range(5)]
    lines += [shapely.LineString([(X0 + k * 100, Y0 + m * 100) for m in range(5)]) for k in range(5)]
    return StreetGraph.from_lines(np.array(lines), CRS)


def test_street_walks_are_block_distances_plus_the_walk_to_the_street():
    rule = WalkRule(graph=grid(), speed_kmh=3.6)  # 1 m/s: seconds are metres
    a = np.array([[X0, Y0], [X0 + 150, Y0 + 20]])  # a junction; 20 m off a street, mid-block
    b = np.array([[X0 + 300, Y0 + 200], [X0 + 150, Y0 + 30], [X0 + 400, Y0 + 400]])
    i, j, s = table_pairs(rule.walk_table(a, b, 10_000))
    got = {(int(p), int(q)): int(t) for p, q, t in zip(i, j, s)}
    assert got[(0, 0)] == 500 and got[(0, 2)] == 800
    assert got[(1, 1)] == 50  # both join the street y=0 (20 m and 30 m off it) at the same point
    assert got[(0, 1)] == 150 + 30
    assert got[(1, 0)] == 20 + 50 + 100 + 200  # off-street 20 m, 50 m along to x=200, then 300 m of blocks
    limited = table_pairs(rule.walk_table(a, b, 500))
    assert set(zip(limited[0].tolist(), limited[1].tolist())) == {(0, 0), (0, 1), (1, 1), (1, 0)}


def test_straight_walks_round_up_to_the_second():
    rule = WalkRule()  # 4.8 km/h
    a, b = np.array([[0.0, 0.0]]), np.array([[300.0, 400.0], [0.0, 0.0], [2000.0, 0.0]])
    i, j, s = table_pairs(rule.walk_table(a, b, 1000))
    assert j.tolist() == [0, 1] and s.tolist() == [math.ceil(500 / (4.8 / 3.6)), 0]


def test_a_short_limit_searches_a_box_of_streets_and_finds_the_same_walks():
    rng = np.random.default_rng(4)
    n = 30
    jitter = rng.uniform(-15, 15, (n, n, 2))
    xy = np.stack(np.meshgrid(np.arange(n) * 100.0, np.arange(n) * 100.0), axis=-1) + jitter + (X0, Y0)
    lines = [shapely.LineString(xy[k]) for k in range(n)] + [shapely.LineString(xy[:, k]) for k in range(n)]
    rule = WalkRule(graph=StreetGraph.from_lines(np.array(lines), CRS), speed_kmh=3.6)  # 1 m/s: ceil(metres)
    a = rng.uniform((X0, Y0), (X0 + 2900, Y0 + 2900), (70, 2))
    b = rng.uniform((X0, Y0), (X0 + 2900, Y0 + 2900), (40, 2))
    everything = dict(((p, q), t) for p, q, t in zip(*table_pairs(rule.walk_table(a, b, 10_000))))
    near = dict(((p, q), t) for p, q, t in zip(*table_pairs(rule.walk_table(a, b, 600))))
    assert len(near) > 20 and near == {key: t for key, t in everything.items() if t <= 600}
