"""Render travel time on the Hanoi sample to docs/travel_time.png (offscreen, no display needed).

Run: python docs/screenshot_travel_time.py [output.png]
It opens the bundled project and the sample's metro feed (sample_data/hanoi_metro_gtfs.zip), routes
from Cầu Giấy in the Travel time dock (bands of 15/30/45/60 minutes, the median over departures
07:00-09:00), then sketches a four-station line from Cầu Giấy to the south-west and waits for the dock to say how
many more people it brings within 30 minutes, and grabs the window.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from shots import ROOT, close, grab, main_window, until, wait

# from beside Cầu Giấy south-west into the wards between lines 2A and 3 that neither serves
STATIONS_UTM = [(583_300, 2_325_300), (581_000, 2_323_300), (578_800, 2_321_300), (576_600, 2_319_300)]


def main(out: str | os.PathLike = ROOT / "docs" / "travel_time.png") -> Path:
    app, window = main_window()
    window.open_files([str(ROOT / "sample_data" / "hanoi_metro_gtfs.zip")])
    wait(window.loading_finished, window.loader.busy)
    window.canvas.legend.set_enabled(False)
    dock = window.travel_time
    window.travel_time_dock.raise_()
    until(app, lambda: dock.origin.findText("Cầu Giấy") >= 0)
    dock.origin.setCurrentText("Cầu Giấy")
    dock.button.click()
    wait(dock.shown)
    line = window.session.sketch_new_line()
    for x, y in STATIONS_UTM:
        window.session.sketch_add_station(x, y, line)
    until(app, lambda: "The sketch" in dock.gain.text() and not dock.runner.busy())
    window.canvas.set_view((567_000, 2_313_000, 593_000, 2_331_000))
    path = grab(app, window, out)
    dock.runner.cancel()
    dock.runner.wait(5000)
    close(window)
    return path


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
