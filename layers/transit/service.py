"""Service frequency at each station in a time window: departures per hour and mean headway.

SDG 11.2.1 counts a stop only with "frequent service" where the planner applies that criterion,
so each station carries how often vehicles leave it in a window (default: the feed's busiest
weekday, 07:00-09:00, the morning peak). A departure is a run (a vehicle journey) leaving one of
the station's stops at a time in [start, end) of the window's day: every stop of the run but its
last, where it only arrives. Runs of the day before that go on past midnight count at their
times less 24 h.

Departures per hour = departures / the window's hours, both directions together. Mean headway =
the window's minutes / the departures in the station's busier direction (GTFS `direction_id`;
a feed without it counts every departure as one direction): a rider waits for a vehicle going
their way, so a line every 10 minutes each way is a 10-minute headway, not 5.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layers.transit.gtfs import TransitFeed

DAY_S = 86_400
MORNING_PEAK_S = (7 * 3600, 9 * 3600)


@dataclass(frozen=True)
class ServiceWindow:
    """A day and the seconds after its midnight [start_s, end_s) in which departures are counted."""

    day: dt.date
    start_s: int = MORNING_PEAK_S[0]
    end_s: int = MORNING_PEAK_S[1]

    def __post_init__(self) -> None:
        if not 0 <= self.start_s < self.end_s <= 2 * DAY_S:
            raise ValueError(f"a service window runs from a time to a later one, not {self.start_s} s to {self.end_s} s")

    @property
    def hours(self) -> float:
        return (self.end_s - self.start_s) / 3600.0

    @property
    def text(self) -> str:
        return f"{self.day:%A %Y-%m-%d}, {_clock(self.start_s)}-{_clock(self.end_s)}"


def busiest_weekday(feed: TransitFeed) -> dt.date | None:
    """The weekday (Monday to Friday) on which the most runs run (the earliest of equals), None if
    the feed runs on no weekday."""
    per_day = feed.runs_per_day()
    day = np.datetime64(feed.first_day) + np.arange(len(per_day)).astype("timedelta64[D]")
    weekday = (day.view(np.int64) - 4) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    per_day = np.where(weekday < 5, per_day, 0)
    if not per_day.any():
        return None
    return feed.first_day + dt.timedelta(days=int(np.argmax(per_day)))


def default_window(feed: TransitFeed, start_s: int = MORNING_PEAK_S[0], end_s: int = MORNING_PEAK_S[1]) -> ServiceWindow:
    """The window on the feed's busiest weekday; a feed that runs on no weekday: its busiest day."""
    day = busiest_weekday(feed)
    if day is None:
        day = feed.first_day + dt.timedelta(days=int(np.argmax(feed.runs_per_day())))
    return ServiceWindow(day, start_s, end_s)


def station_service(feed: TransitFeed, window: ServiceWindow) -> pd.DataFrame:
    """Per station (rows of `feed.stations`): departures in the window, departures_per_hour and
    mean_headway_min (NaN without departures)."""
    station_of_event = feed.stops["station"].to_numpy()[feed.event_stop]
    counts = np.zeros((len(feed.stations), 2), dtype=np.int64)
    for day_offset, day in ((0, window.day), (DAY_S, window.day - dt.timedelta(days=1))):
        leaving = _departures(feed, day, window.start_s + day_offset, window.end_s + day_offset)
        run = np.repeat(np.arange(feed.run_count), np.diff(feed.run_start))[leaving]
        direction = (feed.trips["direction"].to_numpy()[feed.run_trip[run]] == 1).astype(np.int64)
        counts += np.bincount(station_of_event[leaving] * 2 + direction,
                              minlength=2 * len(feed.stations)).reshape(-1, 2)
    departures = counts.sum(axis=1)
    busier = counts.max(axis=1)
    with np.errstate(divide="ignore"):
        headway = np.where(busier > 0, window.hours * 60.0 / np.maximum(busier, 1), np.nan)
    return pd.DataFrame({"departures": departures, "departures_per_hour": departures / window.hours,
                         "mean_headway_min": headway})


def _departures(feed: TransitFeed, day: dt.date, start_s: int, end_s: int) -> np.ndarray:
    """Bool per event: a departure of a run of `day` at a time in [start_s, end_s)."""
    runs = feed.runs_on(day)
    counts = np.diff(feed.run_start)
    running = np.repeat(runs, counts)
    last = np.zeros(len(feed.event_stop), dtype=bool)
    last[feed.run_start[1:][counts > 0] - 1] = True
    t = feed.event_departure_s
    return running & ~last & (t >= start_s) & (t < end_s)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
