"""GTFS feeds read as layers (stations and lines), in the reader process."""
from __future__ import annotations

import datetime
import functools
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from layers.analysis.progress import Cancelled
from layers.io.formats import UnsafeFileError, check_feed, feed_location
from layers.io.isolated import ReadFailed, reading
from layers.io.load import short_text
from layers.io.sources import LayerLoadError
from layers.layer import VectorLayer, default_style


def read_feed_layers(path: str | os.PathLike, transit: FeedOptions | None = None) -> list[VectorLayer]:
    """A GTFS feed's stations and lines (`layers.transit`), its members checked first; every
    problem of the feed is a LayerLoadError naming it.

    gtfs-kit reads every table whole with pandas, and a feed can hold millions of stop times, so
    the feed is read and its layers made in the reader process (`feed_layers_here` there), under
    the time limit, the memory cap and Cancel of the enclosing `reading()` (as a vector read is);
    the layers come back as Arrow (geometries as WKB)."""
    path = Path(path)
    transit = transit or FeedOptions()
    location = feed_location(path) or path
    try:
        check_feed(location)
    except UnsafeFileError as exc:
        raise LayerLoadError(path, str(exc)) from None
    options = {"brt": list(transit.brt), "day": transit.day.isoformat() if transit.day else None,
               "window_s": list(transit.window_s) if transit.window_s else None}
    try:
        with reading() as reader:
            made = [reader.feed_layer(str(location), options, index) for index in range(len(FEED_LAYERS))]
    except Cancelled:
        raise
    except ReadFailed as exc:
        raise LayerLoadError(path, str(exc)) from None
    except Exception as exc:  # the reader's own failure (LibraryError): said, never a traceback
        raise LayerLoadError(path, f"is not a GTFS feed the planner can read ({short_text(exc)})") from None
    return [VectorLayer(name=meta["name"], source=Path(location), source_layer=meta["source_layer"],
                        role=meta["role"], style=default_style(meta["role"]), warnings=meta["warnings"],
                        gdf=gpd.GeoDataFrame.from_arrow(table)) for meta, table in made]


def feed_layers_here(location: str, options: dict) -> list[VectorLayer]:
    """The feed's layers read in this process: what the reader process does for `read_feed_layers`
    (`options`: FeedOptions as JSON). Problems are LayerLoadErrors naming the feed."""
    from layers.transit.feed_layers import feed_layers
    from layers.transit.gtfs import FeedError
    from layers.transit.service import MORNING_PEAK_S, ServiceWindow, default_window

    path = Path(location)
    day = datetime.date.fromisoformat(options["day"]) if options.get("day") else None
    window_s = tuple(options["window_s"]) if options.get("window_s") else None
    try:
        feed = _read_feed(str(path), _stamp(path))
        window = None
        if day is not None or window_s is not None:
            start, end = window_s or MORNING_PEAK_S
            window = ServiceWindow(day, start, end) if day else default_window(feed, start, end)
        return feed_layers(feed, window, tuple(options.get("brt") or ()))
    except (UnsafeFileError, FeedError, ValueError) as exc:
        raise LayerLoadError(path, str(exc)) from None
    except OSError as exc:
        raise LayerLoadError(path, f"cannot be read ({exc.strerror or short_text(exc)})") from None
    except Exception as exc:  # a table whose content no check above foresaw: said, never a traceback
        raise LayerLoadError(path, f"is not a GTFS feed the planner can read ({short_text(exc)})") from None


@dataclass(frozen=True)
class FeedOptions:
    """How a GTFS feed is opened: the bus routes the planner marks as BRT (route ids or short names,
    high capacity), the day and the window (seconds after midnight) in which service is counted
    (default: the busiest weekday, 07:00-09:00)."""

    brt: tuple[str, ...] = ()
    day: datetime.date | None = None
    window_s: tuple[int, int] | None = None


FEED_LAYERS = ("stations", "lines")


def feed_layer(path: Path, layer: str | None) -> VectorLayer:
    """One layer of a feed by its name inside it ('stations' or 'lines'), as a project names it."""
    if layer not in FEED_LAYERS:
        raise LayerLoadError(path, f"a transit feed has the layers {' and '.join(FEED_LAYERS)}, not '{layer}'")
    return read_feed_layers(path)[FEED_LAYERS.index(layer)]


def _stamp(location: Path) -> tuple:
    """What changes when a feed is replaced: its zip's, or its tables', sizes and times."""
    files = [location] if location.is_file() else sorted(p for p in location.iterdir() if p.suffix.lower() == ".txt")
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)


@functools.lru_cache(maxsize=2)
def _read_feed(location: str, stamp: tuple):
    """A feed read once while it is unchanged (a project opens its stations and lines apart; the
    reader process is asked for each layer of a feed in turn)."""
    from layers.transit.gtfs import read_feed

    return read_feed(Path(location))
