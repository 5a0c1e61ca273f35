"""View > Basemap: none, OpenStreetMap (online, the default) or an MBTiles file (offline); the choice
is kept in the app's settings. `PLANNER_BASEMAP` ('none', 'osm' or a file's path) overrides it: the
tests set 'none', so no test ever asks a tile server it did not start itself."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from planner_gui.map.tiles import MbtilesSource, XyzSource

BASEMAP_ENV = "PLANNER_BASEMAP"
SETTING = "basemap/source"
DEFAULT = "osm"


def tile_cache_dir() -> Path:
    """Where downloaded tiles are kept: the app's cache folder (beside the test settings in tests)."""
    folder = os.environ.get("PLANNER_SETTINGS_DIR")
    if folder:
        return Path(folder) / "tiles"
    return Path(QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.StandardLocation.CacheLocation)) / "tiles"


class BasemapMenu(QtWidgets.QMenu):
    def __init__(self, canvas, settings: QtCore.QSettings, message_bar, parent=None):
        super().__init__("&Basemap", parent)
        self.canvas, self.settings, self.message_bar = canvas, settings, message_bar
        group = QtGui.QActionGroup(self)
        self.actions_by_choice = {}
        for choice, text, tip in (("none", "&None", "No basemap under the layers"),
                                  ("osm", "&OpenStreetMap (online)", "OpenStreetMap's tiles, cached on disk; "
                                   "nothing is shown without a network"),
                                  ("mbtiles", "&MBTiles file…", "Tiles from an MBTiles file, offline")):
            action = self.addAction(text, lambda choice=choice: self._chosen(choice))
            action.setCheckable(True)
            action.setToolTip(tip)
            group.addAction(action)
            self.actions_by_choice[choice] = action
        self.setToolTipsVisible(True)
        self.choose(os.environ.get(BASEMAP_ENV) or str(settings.value(SETTING, DEFAULT)), save=False)

    def _chosen(self, choice: str) -> None:
        if choice == "mbtiles":
            path, _ = QtWidgets.QFileDialog.getOpenFileName(self.parentWidget(), "Basemap", "", "MBTiles (*.mbtiles)")
            if not path:
                self.choose(self.current, save=False)
                return
            choice = path
        self.choose(choice)

    def choose(self, choice: str, save: bool = True) -> bool:
        """'none', 'osm' or an MBTiles file's path; False (and the basemap as it was) if the file cannot be read."""
        if choice == "none":
            source = None
        elif choice == "osm":
            source = XyzSource(cache_dir=tile_cache_dir())
        else:
            try:
                source = MbtilesSource(choice)
            except ValueError as exc:
                self.message_bar.push("Basemap not changed", str(exc), "warning")
                return False
        self.current = choice
        self.canvas.basemap.set_source(source)
        self.actions_by_choice["none" if choice == "none" else "osm" if choice == "osm" else "mbtiles"].setChecked(True)
        if save:
            self.settings.setValue(SETTING, choice)
        self.canvas.refresh()
        return True
