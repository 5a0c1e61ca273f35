"""Opening untrusted files: only the format their name promises, with that format's driver alone.

GDAL picks a driver from a file's content, not its name, and some formats are recipes that
point elsewhere: a GDAL VRT renamed `.tif` or `.gpkg` makes GDAL fetch URLs written inside it
or read any file on the machine (`/etc/passwd` as pixels); a `.json` holding a GDAL "streamed
pipeline" reads any file. Every file a planner opens comes by mail or USB stick, so before GDAL
sees a file its first bytes must be those of the format its suffix names (a GeoTIFF's
byte-order mark, a GeoPackage's SQLite header, a Shapefile's file code, ...), and GDAL then opens
it with that format's driver named (`gdal_source`, `FORMATS`; `layers.io.gdal_guard` unloads the
other drivers). A file that is something else is refused with a message that says what it looks
like. A Shapefile's parts (.shx, .dbf, .prj, ...) and a GeoPackage's journal files are read by
name beside it: each must be a regular file in the same folder (`check_parts`), never a pipe that
would block the read for good, a device, or a link to a file elsewhere.

A GeoJSON `crs` member may be a link or a URL, which GDAL fetches (whatever proxy settings say),
or a file path: such members are refused (`crs_problem`), in any object of the file, whatever
the case of the key and however it is escaped, as GDAL reads them.
"""
from __future__ import annotations

import json
import mmap
import re
import stat
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Format:
    """A format the planner reads: its name in words, the byte strings one of which a file must
    start with, and how GDAL opens it (`driver`; None: read by pyarrow or pandas, not GDAL). `prefix`
    is the driver's own "DRIVER:path" syntax where it has one: then no other driver is even asked.
    A `text` format (a CSV table) has no signature: it must be text, not XML, not binary.
    `declares_count`: its header says how many features it holds, so GDAL tells without reading
    them (a GeoJSON file would be parsed whole again to count)."""

    kind: str
    signatures: tuple[bytes, ...]
    driver: str | None
    prefix: str = ""
    text: bool = False
    declares_count: bool = False


_JSON = (b"{",)
FORMATS: dict[str, Format] = {
    ".tif": Format("GeoTIFF", (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"), "GTiff"),
    ".gpkg": Format("GeoPackage", (b"SQLite format 3\x00",), "GPKG", declares_count=True),
    ".shp": Format("Shapefile", (b"\x00\x00\x27\x0a",), "ESRI Shapefile", declares_count=True),
    ".fgb": Format("FlatGeobuf", (b"fgb\x03fgb",), "FlatGeobuf", declares_count=True),  # magic: 'fgb', major version 3, 'fgb'
    ".parquet": Format("GeoParquet", (b"PAR1",), None),
    ".geojson": Format("GeoJSON", _JSON, "GeoJSON", "GeoJSON:"),
    ".topojson": Format("TopoJSON", _JSON, "TopoJSON", "TopoJSON:"),
    ".csv": Format("CSV table", (), None, text=True),  # read by pandas (layers.io.csv), never GDAL's CSV driver
}
FORMATS[".tiff"] = FORMATS[".tif"]
FORMATS[".geoparquet"] = FORMATS[".parquet"]
FORMATS[".json"] = FORMATS[".geojson"]
FORMATS[".zip"] = FORMATS[".shp"]  # a zipped Shapefile
# the files GDAL reads beside a file, by name, as parts of its format
PARTS = {
    ".shp": (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"),
    ".gpkg": ("-wal", "-shm", "-journal"),
}


class UnsafeFileError(ValueError):
    """The file's content is not the format its name says; str() says what it looks like."""


def gdal_source(path: Path) -> str:
    """What GDAL opens for `path`: the name with its format's driver named where GDAL has a
    syntax for that; the first Shapefile of a zip through /vsizip/."""
    if path.suffix.lower() == ".zip":
        return zip_member(path)
    return FORMATS[path.suffix.lower()].prefix + str(path)


def check_content(path: Path, head: bytes | None = None) -> None:
    """Refuse `path` unless its first bytes are those of the format its suffix names (and, for
    GeoJSON and TopoJSON, unless its `crs` members name a CRS rather than point elsewhere).

    `head` is the file's first bytes when they come from elsewhere (a Shapefile inside a zip).
    """
    suffix = path.suffix.lower()
    if head is None:
        if suffix == ".zip":
            _check_zip(path)
            return
        with open(path, "rb") as f:
            head = f.read(64)
    fmt = FORMATS[suffix]
    if fmt.text:
        if head.lstrip(b"\xef\xbb\xbf").lstrip().startswith(b"<") or b"\x00" in head:
            raise UnsafeFileError(f"is not a {fmt.kind}: {_looks_like(head)}")
        return
    text = head.lstrip(b"\xef\xbb\xbf").lstrip() if fmt.signatures == _JSON else head
    if not any(text.startswith(s) for s in fmt.signatures):
        raise UnsafeFileError(f"is not a {fmt.kind} file: {_looks_like(head)}")
    if fmt.signatures == _JSON:
        problem = crs_problem(path)
        if problem:
            raise UnsafeFileError(problem)


def check_parts(path: Path) -> None:
    """Refuse `path` if a part GDAL would read beside it (a Shapefile's .shx, .dbf, .prj, ...)
    is not a regular file in the same folder: a pipe blocks the read for good, a device never
    ends, a link may lead anywhere on the machine."""
    folder = path.parent.resolve()
    stem = path.name[: -len(path.suffix)]
    for ending in PARTS.get(path.suffix.lower(), ()):
        names = {stem + ending.lower(), stem + ending.upper()} if ending.startswith(".") else {path.name + ending}
        for part in (path.with_name(name) for name in names):
            try:
                part.lstat()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise UnsafeFileError(f"its part {part.name} cannot be read ({exc.strerror})") from None
            try:
                target = part.resolve(strict=True)
                mode = target.stat().st_mode
            except (OSError, RuntimeError):
                raise UnsafeFileError(f"its part {part.name} is a link that leads to no file") from None
            if target.parent != folder:
                raise UnsafeFileError(f"its part {part.name} is a link to a file in another folder "
                                      f"({target.parent}); copy the file beside it instead")
            if not stat.S_ISREG(mode):
                raise UnsafeFileError(f"its part {part.name} is not a regular file (a pipe, a device or a folder)")


# A JSON object member named "crs" as GDAL finds it: any case, any letter written as \u00XX.
_CRS_MEMBER = re.compile(rb'"(?:[cC]|\\u00[46]3)(?:[rR]|\\u00[57]2)(?:[sS]|\\u00[57]3)"\s*:\s*')
# A CRS given by name: an authority code or URN (EPSG:4326, urn:ogc:def:crs:OGC:1.3:CRS84), never a
# URL (GDAL fetches it) or a path (GDAL reads the file).
_CRS_NAME = re.compile(r"[A-Za-z0-9_.:+ -]*\Z")
_CRS_WINDOW = 65_536  # bytes read after a "crs" member for its value (a CRS object is a few hundred)


def crs_problem(path: Path) -> str | None:
    """None if every `crs` member of the JSON file at `path` names a CRS, else what one does.

    GDAL reads a `crs` member on the top object and on every geometry, by the case-insensitive
    name, and takes its type, name, href and url the same way. One pass of a regular expression
    over the file's bytes, memory-mapped: 0.4 s for 77 MB, where GDAL's parse took 8 s
    (bench/bench_untrusted_read.py)."""
    with open(path, "rb") as f:
        if not f.seek(0, 2):
            return None
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            for match in _CRS_MEMBER.finditer(data):
                window = data[match.end(): match.end() + _CRS_WINDOW]
                try:
                    value, _ = json.JSONDecoder().raw_decode(window.decode("utf-8", "replace"))
                except ValueError:
                    if len(window) == _CRS_WINDOW:  # a CRS object this long hides something
                        return (f"its 'crs' member is longer than {_CRS_WINDOW // 1024} KB, which no "
                                "coordinate system is; name the CRS (e.g. EPSG:4326) or remove the member")
                    continue  # not JSON here: GDAL refuses the file itself
                problem = _crs_member_problem(value)
                if problem:
                    return problem
    return None


def _crs_member_problem(value) -> str | None:
    if not isinstance(value, dict):
        return None  # GDAL reads only an object
    members = {str(k).lower(): v for k, v in value.items()}
    kind = str(members.get("type", "")).lower()
    props = members.get("properties")
    props = {str(k).lower(): v for k, v in props.items()} if isinstance(props, dict) else {}
    named = [str(props[k]) for k in ("name", "code", "urn", "href", "url") if k in props]
    elsewhere = [n for n in named if not _CRS_NAME.match(n)]
    if not elsewhere and kind != "link" and not kind.startswith("url"):
        return None  # a name or a code, or nothing GDAL reads
    where = (elsewhere or named or [""])[0]
    return (f"its 'crs' member points elsewhere (type '{members.get('type', '')}'{': ' + where[:80] if where else ''}); "
            "the planner fetches no coordinate system from a link, a URL or a file: name it (e.g. "
            "EPSG:4326) or remove the member (GeoJSON is then longitude/latitude, WGS 84)")


def _check_zip(path: Path) -> None:
    """A zipped Shapefile: at most MAX_ARCHIVE_MEMBERS files (counted from the archive's end
    record, before its directory is read), every .shp inside a Shapefile (GDAL reads them by content)."""
    _refuse_many_members(path)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.lower().endswith(".shp"):
                    if info.flag_bits & 0x1:
                        raise UnsafeFileError(f"{info.filename} in the zip archive is encrypted (password-protected); "
                                              "unzip it with its password and open the Shapefile itself")
                    with archive.open(info) as member:
                        check_content(Path(info.filename), member.read(64))
    except zipfile.BadZipFile:
        raise UnsafeFileError("is not a valid zip archive") from None
    except NotImplementedError:  # a compression method zipfile (and GDAL) cannot read
        raise UnsafeFileError("the zip archive is compressed in a way the planner cannot read; "
                              "unzip it and open the Shapefile itself") from None


def _refuse_many_members(path: Path) -> None:
    members = zip_member_count(path)
    if members > MAX_ARCHIVE_MEMBERS:
        raise UnsafeFileError(f"the zip archive holds {members:,} files, more than the "
                              f"{MAX_ARCHIVE_MEMBERS:,} a GIS file or a transit feed has")


_END = struct.Struct("<4s4H2LH")  # a zip's end of central directory record (signature PK\5\6)
_END64_LOCATOR = struct.Struct("<4sLQL")  # before it in a ZIP64 archive: where its ZIP64 end record is


def zip_member_count(path: Path) -> int:
    """How many members a zip archive says it holds, from its end record (the last 22 bytes and a
    comment of at most 64 KiB) and, in a ZIP64 archive, its ZIP64 end record: Python's zipfile
    reads the whole directory first, 2 s for 100,000 members."""
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - _END.size - 0xFFFF))
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
    if b"\x00" in head:
        return "it holds binary data, not text"
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
            if zip_member_count(path) > MAX_ARCHIVE_MEMBERS:
                return None  # not listed (seconds for 100,000 members): refused as a zip by check_content
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
