"""What went wrong reading a file, in the planner's words, from the error a library raised.

GDAL, pyogrio, rasterio, GEOS and pyarrow say what failed in their own terms ("ParseException:
Input buffer is smaller than requested object size", "sqlite3_prepare_v2(SELECT ...) failed",
"`x.json' not recognized as being in a supported file format"). A planner needs to know what is
wrong with the file and what to do; the library's own text stays on the error (`detail`) for a
bug report, never in the message.
"""
from __future__ import annotations

import re

# (pattern in the library's text, the reason; {kind} is the format in words), first match wins
_REASONS: tuple[tuple[str, str], ...] = (
    (r"permission denied", "cannot be read (permission denied)"),
    (r"\.shx\b|\bshx\b", "the Shapefile's index (.shx) is missing or damaged: copy the .shx and .dbf "
                         "of the same name beside the .shp"),
    (r"\.dbf\b|\bdbf\b", "the Shapefile's table (.dbf) is missing or damaged: copy the .dbf of the same "
                         "name beside the .shp"),
    (r"encrypted|password", "is encrypted (password-protected): save it again without a password"),
    (r"unsupported geometry|geometry type", "holds a kind of geometry the planner does not read (it reads "
                                            "points, lines and polygons)"),
    (r"parseexception|input buffer is smaller|wkb|geometry", "holds a damaged geometry (its stored bytes "
                                                             "are cut off or invalid)"),
    (r"trigger and/or view|steal data", "holds views or triggers calling functions that can read other files "
                                         "or reach the network; the planner does not run them"),
    (r"required geopackage tables|application_id", "is an SQLite database but not a GeoPackage (it has not "
                                                   "the tables a GeoPackage must have)"),
    (r"sqlite|database|malformed|gpkg", "the {kind} is damaged: its database cannot be read (is it "
                                        "complete? was it copied while being written?)"),
    (r"json|unexpected end|unterminated|syntax", "is not valid {kind}: it is cut off, damaged, or JSON of "
                                                 "another kind"),
    (r"tiff|ireadblock|read failed|decod|compress", "the {kind} is damaged: its pixels cannot be read"),
    (r"not recognized|not supported|unsupported", "is not a {kind} file the planner can read"),
    (r"i/o|out of bounds|truncat|unexpected|reading feature|end of file|eof", "the {kind} is cut off or "
                                                                                "damaged: it cannot be read to the end"),
    (r"crs|projection|proj_|spatial reference|srs", "its coordinate reference system (CRS) cannot be understood"),
)


def reason_for(exc: BaseException, kind: str) -> str:
    """The planner's words for `exc`, raised reading a file of the format `kind` ('GeoPackage')."""
    if isinstance(exc, MemoryError):
        return "is too large to read into this computer's memory"
    text = f"{type(exc).__name__}: {exc}".lower()
    for pattern, reason in _REASONS:
        if re.search(pattern, text):
            return reason.format(kind=kind)
    return f"could not be read as a {kind} file: it is damaged or not one"


def library_text(exc: BaseException) -> str:
    """The library's own words, first line, for `LayerLoadError.detail`."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300]
