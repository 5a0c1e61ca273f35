"""Render the bundled Hanoi sample to docs/hanoi_sample.png (headless).

Run from the repository root::

    python docs/render_sample.py

This is a developer tool for the documentation picture only. It needs matplotlib, which is
NOT a dependency of the planner app (install it into your dev environment with
`pip install matplotlib`). It reads only the committed outputs in sample_data/ and draws
them in EPSG:32648 (WGS 84 / UTM 48N): the whole city on the left, central Hanoi on the right.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import geopandas as gpd  # noqa: E402
import rasterio  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
OUT = REPO / "docs" / "hanoi_sample.png"
UTM = "EPSG:32648"
ATTRIBUTION = ("© OpenStreetMap contributors (ODbL) · Boundaries: Government of Viet Nam / OCHA ROAP via "
               "geoBoundaries (CC BY 3.0 IGO) · Made with Natural Earth")
STATUS_STYLE = {"existing": "-", "under_construction": "--", "planned": ":"}
BRIDGE_COLOUR = {"existing": "#212121", "under_construction": "#757575", "planned": "#bdbdbd"}
CENTRE = (573_500, 2_313_500, 593_500, 2_333_500)  # central Hanoi window, metres


def layer(name):
    return gpd.read_file(SAMPLE / "hanoi.gpkg", layer=name).to_crs(UTM)


def draw(ax, L, pop, extent, labels):
    arr, ext = pop
    shown = np.ma.masked_less_equal(arr, 0)
    ax.imshow(shown, extent=ext, cmap="viridis", norm=LogNorm(vmin=20, vmax=shown.max()), alpha=0.6,
              interpolation="nearest", zorder=0)
    L["wards"].boundary.plot(ax=ax, color="#9e9e9e", linewidth=0.3, zorder=1)
    L["city_boundary"].boundary.plot(ax=ax, color="#222222", linewidth=1.2, zorder=2)
    L["water"].plot(ax=ax, color="#6fa8dc", edgecolor="#2b6cb0", linewidth=0.4, zorder=3)
    L["green"].plot(ax=ax, color="#66bb6a", alpha=0.8, edgecolor="#2e7d32", linewidth=0.3, zorder=4)
    L["digital_zones"].plot(ax=ax, color="#9c27b0", alpha=0.18, edgecolor="#6a1b9a", linewidth=0.8, zorder=5)
    for st, g in L["bridges"].groupby("status"):
        g.plot(ax=ax, color=BRIDGE_COLOUR[st], linewidth=2.2, zorder=6)
    for r in L["metro_lines"].itertuples():
        xs, ys = r.geometry.xy
        ax.plot(xs, ys, color=r.colour, linestyle=STATUS_STYLE[r.status],
                linewidth=3.0 if r.status == "existing" else 2.2, zorder=7, solid_capstyle="round")
    st = L["metro_stations"]
    ax.scatter(st.geometry.x, st.geometry.y, s=14 if labels else 6, c="white", edgecolors="#111111",
               linewidths=0.7, zorder=8)
    if labels:
        x0, y0, x1, y1 = extent
        for r in st.itertuples():
            x, y = r.geometry.x, r.geometry.y
            if x0 < x < x1 and y0 < y < y1:
                ax.annotate(r.name, (x, y), xytext=(3, 2), textcoords="offset points", fontsize=6.5, zorder=9,
                            color="#111111")
        for r in L["water"].itertuples():
            if r.kind == "lake":
                c = r.geometry.representative_point()
                ax.annotate(r.name, (c.x, c.y), fontsize=7, color="#0d47a1", ha="center", zorder=9, style="italic")
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7)
    ax.ticklabel_format(style="plain", useOffset=False)


def main():
    names = ["city_boundary", "wards", "water", "green", "digital_zones", "bridges", "metro_lines", "metro_stations"]
    L = {n: layer(n) for n in names}
    with rasterio.open(SAMPLE / "hanoi_population_250m.tif") as src:
        arr = src.read(1)
        b = src.bounds
        pop = (np.where(arr == src.nodata, 0, arr), (b.left, b.right, b.bottom, b.top))
    city = L["city_boundary"].total_bounds
    pad = 1500
    city_ext = (city[0] - pad, city[1] - pad, city[2] + pad, city[3] + pad)

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(16, 9.6), dpi=100, gridspec_kw={"width_ratios": [0.85, 1]})
    draw(a1, L, pop, city_ext, labels=False)
    a1.add_patch(Rectangle(CENTRE[:2], CENTRE[2] - CENTRE[0], CENTRE[3] - CENTRE[1], fill=False,
                           edgecolor="red", linewidth=1.2, zorder=10))
    a1.set_title("Hà Nội: whole city (EPSG:32648, metres)", fontsize=10)
    draw(a2, L, pop, CENTRE, labels=True)
    a2.set_title("Central Hà Nội (red box)", fontsize=10)

    lines = L["metro_lines"].drop_duplicates("line").sort_values("line")
    handles = [Line2D([], [], color=r.colour, linewidth=3, label=f"Metro {r.line}") for r in lines.itertuples()]
    handles += [Line2D([], [], color="#555", linestyle=ls, linewidth=2, label=st.replace("_", " "))
                for st, ls in STATUS_STYLE.items()]
    handles += [Line2D([], [], color=c, linewidth=2.5, label=f"bridge, {st.replace('_', ' ')}")
                for st, c in BRIDGE_COLOUR.items()]
    handles += [Patch(color="#6fa8dc", label="water"), Patch(color="#66bb6a", label="green"),
                Patch(facecolor="#9c27b0", alpha=0.3, edgecolor="#6a1b9a", label="digital zone"),
                Line2D([], [], marker="o", color="w", markeredgecolor="#111", label="metro station")]
    a2.legend(handles=handles, loc="lower right", fontsize=7, ncol=2, framealpha=0.9)
    fig.suptitle("planner: Hà Nội sample data (approximate sample data, not for engineering)",
                 fontsize=14, fontweight="bold")
    fig.text(0.5, 0.035, "Population: synthetic 250 m grid (total = 2019 census 8,053,663), log colour scale. "
             "Metro, bridges, lakes, parks and zones are drawn from approximate fact coordinates "
             "(±0.3-1 km); planned routes are schematic.", ha="center", fontsize=8)
    fig.text(0.5, 0.015, ATTRIBUTION, ha="center", fontsize=8)
    fig.subplots_adjust(left=0.04, right=0.99, top=0.92, bottom=0.08, wspace=0.12)
    fig.savefig(OUT, dpi=100)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
