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
import struct
import zipfile
from pathlib import Path

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


MAX_ZIP_MEMBERS = 1_000  # a zipped Shapefile holds a handful of files; 100,000 take seconds to list


def _check_zip(path: Path) -> None:
    """A zipped Shapefile: at most MAX_ZIP_MEMBERS files (counted from the archive's end record,
    before its directory is read), and every .shp inside a Shapefile (GDAL reads them by content)."""
    members = _zip_member_count(path)
    if members > MAX_ZIP_MEMBERS:
        raise UnsafeFileError(f"the zip archive holds {members:,} files, more than {MAX_ZIP_MEMBERS:,}; "
                              "a zipped Shapefile holds a few: unzip it and open the Shapefile")
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.lower().endswith(".shp"):
                    with archive.open(name) as member:
                        check_content(Path(name), member.read(64))
    except zipfile.BadZipFile:
        raise UnsafeFileError("is not a valid zip archive") from None


_END = struct.Struct("<4s4H2LH")  # a zip's end of central directory record (signature PK\5\6)
_END64_LOCATOR = struct.Struct("<4sLQL")  # before it in a ZIP64 archive: where its ZIP64 end record is


def _zip_member_count(path: Path) -> int:
    """How many members a zip archive says it holds, from its end record (the last 22 bytes and a
    comment of at most 64 KiB) and, in a ZIP64 archive, its ZIP64 end record: reading the whole
    directory to count it is what a zip of 100,000 members makes slow."""
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        tail_start = max(0, size - _END.size - 0xFFFF)
        f.seek(tail_start)
        tail = f.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _END.size:
            raise UnsafeFileError("is not a valid zip archive")
        count = _END.unpack_from(tail, at)[4]
        if count != 0xFFFF or at < _END64_LOCATOR.size:
            return count
        signature, _, end64_offset, _ = _END64_LOCATOR.unpack_from(tail, at - _END64_LOCATOR.size)
        if signature != b"PK\x06\x07":
            return count
        f.seek(end64_offset)
        record = f.read(40)
        if len(record) < 40 or not record.startswith(b"PK\x06\x06"):
            raise UnsafeFileError("is not a valid zip archive")
        return struct.unpack_from("<Q", record, 32)[0]


def _looks_like(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return "its content is XML, such as a GDAL VRT, which can point at other files and URLs; refused"
    if not text:
        return "it is empty"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "its text is UTF-16; save it again as UTF-8 (the encoding GeoJSON requires)"
    return "its first bytes are not those of one"


def zip_member(path: Path) -> str:
    """The first Shapefile inside a zip, as a path GDAL reads through /vsizip/ (checked first)."""
    with zipfile.ZipFile(path) as archive:
        shapefiles = [n for n in archive.namelist() if n.lower().endswith(".shp")]
    if not shapefiles:
        raise UnsafeFileError("the zip archive holds no Shapefile (.shp)")
    return f"/vsizip/{path}/{shapefiles[0]}"
