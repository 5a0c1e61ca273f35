"""Opening untrusted files: only the format their name promises, never one that follows paths or URLs.

GDAL picks a driver from a file's content, not its name, and some formats are recipes that
point elsewhere: a GDAL VRT renamed `.tif` or `.gpkg` makes GDAL fetch URLs written inside it
or read any file on the machine (`/etc/passwd` as pixels). Every file a planner opens comes by
mail or USB stick, so before GDAL sees a file its first bytes must be those of the format its
suffix names (a GeoTIFF's byte-order mark, a GeoPackage's SQLite header, a Shapefile's file
code, ...), and rasters open with GDAL restricted to the GeoTIFF driver. A file that is
something else is refused with a message that says what it looks like.

And GDAL reaches no network at all, whatever it is given: its URL file systems (/vsicurl/,
/vsis3/, ...) accept no file name (CPL_VSIL_CURL_ALLOWED_EXTENSIONS names an extension no file
has) and any other HTTP request goes to a proxy on the local discard port, where nothing
answers. GDAL reads its configuration from the environment on every call, so setting it here,
before anything is read, covers rasterio and pyogrio alike.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path, PurePosixPath

NO_NETWORK = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".planner-reads-no-urls",
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_MAX_RETRY": "0",
}
os.environ.update(NO_NETWORK)

# suffix -> (the format in words, the byte strings one of which the file must start with)
_SIGNATURES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".tif": ("GeoTIFF", (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")),
    ".gpkg": ("GeoPackage", (b"SQLite format 3\x00",)),
    ".shp": ("Shapefile", (b"\x00\x00\x27\x0a",)),
    ".fgb": ("FlatGeobuf", (b"fgb\x03",)),
    ".parquet": ("GeoParquet", (b"PAR1",)),
}
_SIGNATURES[".tiff"] = _SIGNATURES[".tif"]
_SIGNATURES[".geoparquet"] = _SIGNATURES[".parquet"]
_JSON_SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".topojson": "TopoJSON"}
RASTER_DRIVER = "GTiff"  # the one driver rasterio may open a raster with


class UnsafeFileError(ValueError):
    """The file's content is not the format its name says; str() says what it looks like."""


def check_content(path: Path, head: bytes | None = None) -> None:
    """Refuse `path` unless its first bytes are those of the format its suffix names.

    `head` is the file's first bytes when they come from elsewhere (a Shapefile inside a zip).
    """
    suffix = path.suffix.lower()
    if head is None:
        if suffix == ".zip":
            _check_zip(path)
            return
        with open(path, "rb") as f:
            head = f.read(64)
    if suffix in _JSON_SUFFIXES:
        text = head.lstrip(b"\xef\xbb\xbf").lstrip()
        if not text.startswith(b"{"):
            raise UnsafeFileError(f"is not a {_JSON_SUFFIXES[suffix]} file: {_looks_like(head)}")
        return
    kind, signatures = _SIGNATURES[suffix]
    if not any(head.startswith(s) for s in signatures):
        raise UnsafeFileError(f"is not a {kind} file: {_looks_like(head)}")


def _check_zip(path: Path) -> None:
    """A zipped Shapefile: every .shp inside must be a Shapefile (GDAL reads them by content)."""
    try:
        with zipfile.ZipFile(path) as archive:
            if len(archive.infolist()) > MAX_ARCHIVE_MEMBERS:
                raise UnsafeFileError(f"the zip archive holds {len(archive.infolist()):,} files, more than the "
                                      f"{MAX_ARCHIVE_MEMBERS:,} a GIS file or a transit feed has")
            for name in archive.namelist():
                if name.lower().endswith(".shp"):
                    with archive.open(name) as member:
                        check_content(Path(name), member.read(64))
    except zipfile.BadZipFile:
        raise UnsafeFileError("is not a valid zip archive") from None


def _looks_like(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return "its content is XML, such as a GDAL VRT, which can point at other files and URLs; refused"
    if not text:
        return "it is empty"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "its text is UTF-16; save it again as UTF-8 (the encoding GeoJSON requires)"
    return "its first bytes are not those of one"


# A GTFS feed (a zip or a folder of its tables) is told by its members: stops.txt and
# stop_times.txt make one, whatever else the archive holds (a zip with a .shp and no stops.txt
# stays a Shapefile). Its tables are read whole into memory, so their sizes are checked first
# (the sizes a zip declares are what Python's zipfile reads at most).
GTFS_TABLES = ("agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates", "frequencies",
               "shapes", "transfers", "feed_info", "fare_attributes", "fare_rules", "attributions")
GTFS_MARKERS = ("stops.txt", "stop_times.txt")
MAX_ARCHIVE_MEMBERS = 10_000
MAX_FEED_BYTES = 4 * 1024**3  # the tables of a feed together, as text (a national feed is about 2 GB)


def feed_location(path: Path) -> Path | None:
    """The GTFS feed `path` is (a zip or folder holding stops.txt and stop_times.txt; a folder's
    stops.txt stands for its folder, as a file dialog picks it), or None."""
    try:
        if path.name.lower() == "stops.txt" and path.is_file():
            path = path.parent
        if path.is_dir():
            names = {p.name.lower() for p in path.iterdir()}
        elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = {PurePosixPath(n).name.lower() for n in archive.namelist()[:MAX_ARCHIVE_MEMBERS + 1]}
        else:
            return None
    except OSError:
        return None
    return path if all(marker in names for marker in GTFS_MARKERS) else None


def check_feed(path: Path) -> None:
    """Refuse a feed whose tables could take the reader outside it or past memory: a member name
    that climbs out (absolute, '..'), a table found twice, a link in a feed folder, too many
    members, tables larger than MAX_FEED_BYTES together."""
    tables: dict[str, int] = {}
    if path.is_dir():
        members = list(path.iterdir())
        if len(members) > MAX_ARCHIVE_MEMBERS:
            raise UnsafeFileError(f"the feed folder holds {len(members):,} files, more than a feed has")
        for member in members:
            if member.suffix.lower() == ".txt" and member.stem in GTFS_TABLES:
                if member.is_symlink() or not member.is_file():
                    raise UnsafeFileError(f"{member.name} in the feed folder is a link or not a regular file; "
                                          "copy the real file into the folder")
                tables[member.stem] = member.stat().st_size
    else:
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
        except zipfile.BadZipFile:
            raise UnsafeFileError("is not a valid zip archive") from None
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise UnsafeFileError(f"the zip archive holds {len(infos):,} files, more than a feed has")
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or ":" in info.filename:
                raise UnsafeFileError(f"the archive holds a file named '{info.filename}', which points outside it")
            if name.suffix.lower() == ".txt" and name.stem in GTFS_TABLES and not info.is_dir():
                if name.stem in tables:
                    raise UnsafeFileError(f"the archive holds {name.name} twice; a feed has one of each table")
                tables[name.stem] = info.file_size
    total = sum(tables.values())
    if total > MAX_FEED_BYTES:
        raise UnsafeFileError(f"the feed's tables hold {total / 1024**3:,.1f} GB of text, more than the "
                              f"{MAX_FEED_BYTES / 1024**3:,.0f} GB the planner reads; cut the feed to the city first")


def zip_member(path: Path) -> str:
    """The first Shapefile inside a zip, as a path GDAL reads through /vsizip/ (checked first)."""
    with zipfile.ZipFile(path) as archive:
        shapefiles = [n for n in archive.namelist() if n.lower().endswith(".shp")]
    if not shapefiles:
        raise UnsafeFileError("the zip archive holds no Shapefile (.shp)")
    return f"/vsizip/{path}/{shapefiles[0]}"
