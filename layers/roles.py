"""Roles and field mapping: what a layer is for the analysis, and which of its fields mean what.

A planner's files come with their agency's names: 'city_boundary.geojson' whose inner layer is
called 'hanoi', stations with a field 'ten_ga', an opening year in 'nam_kt'. So a role is
guessed from every clue at hand (the layer name, the file name, the geometry, the fields, and
for a polygon layer whether it is one outline around the rest), shown in the layer panel and
settable there, in the CLI (`--role FILE[:LAYER]=ROLE`) and in the project file. The field
mapping likewise: guessed from common names, settable, saved; the analysis reads the canonical
columns `status` and `opening_year` derived from the mapped fields, and zone names from the
mapped zone-name field.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # its tables are read by `planner measure`'s argument parser, before the reader process starts
    import pandas as pd
    import shapely

ROLES = (
    "metro_line",
    "metro_station",
    "low_capacity_stop",
    "transit_stop",
    "transit_line",
    "bridge",
    "green",
    "digital_zone",
    "boundary",
    "ward",
    "population",
    "water",
    "building",
    "facility",
    "street",
    "other",
)
ROLE_TITLES = {
    "metro_line": "metro line", "metro_station": "metro station",
    "low_capacity_stop": "bus or tram stop (low capacity)",
    "transit_stop": "transit stop or station (class per feature, from a feed)",
    "transit_line": "transit line (from a feed)", "bridge": "bridge", "green": "green space",
    "digital_zone": "digital zone", "boundary": "study area boundary", "ward": "zones (wards)",
    "population": "population", "water": "water", "building": "buildings (counted)",
    "facility": "facilities to count (schools, clinics, jobs)", "street": "street network (walking distance)",
    "other": "other (not measured)",
}
STATUSES = ("existing", "under_construction", "planned")
# Layers whose features make a catchment (a network or a facility), as opposed to the city's context.
MEASURED_ROLES = ("metro_station", "low_capacity_stop", "transit_stop", "metro_line", "transit_line", "bridge", "green",
                  "digital_zone")
# The capacity class (SDG 11.2.1: high 1 km, low 500 m) of every feature of a role; a role not
# here classes each feature by its CAPACITY_FIELD (a feed's stations), or has no class at all.
ROLE_CAPACITY = {"metro_station": "high", "low_capacity_stop": "low"}
CAPACITY_FIELD = "capacity"
HEADWAY_FIELD = "mean_headway_min"  # a station's mean headway in the service window (a feed's stations)
# Layers whose features are counted in a catchment (`layers.analysis.coverage.features`).
COUNTED_ROLES = ("building", "facility")

# Words in a file or layer name that say what the layer is, most specific first.
_ROLE_WORDS = (
    # SDG 11.2.1's low-capacity stops (500 m), apart from high-capacity stations (1 km)
    ("low_capacity_stop", ("tram", "bus_stop", "busstop", "bus_", "low_capacity", "tram_stop")),
    ("metro_station", ("station", "stop", "ga_", "nha_ga")),
    ("metro_line", ("metro", "rail", "line", "tuyen")),
    ("bridge", ("bridge", "cau_")),
    ("digital_zone", ("digital", "smart", "innovation", "hitech", "hi_tech")),
    ("green", ("green", "park", "corridor", "forest", "cong_vien")),
    ("population", ("population", "pop_", "people", "dan_so", "worldpop", "ghs_pop")),
    ("building", ("building", "footprint", "bldg", "toa_nha", "nha_o")),
    ("facility", ("school", "clinic", "hospital", "health", "facilit", "amenit", "job", "employment",
                  "truong_", "benh_vien")),
    ("water", ("water", "river", "lake", "song_", "ho_")),
    ("ward", ("ward", "district", "commune", "phuong", "quan_", "xa_", "admin", "zone", "arrondissement",
              "borough", "boro", "neighbourhood", "neighborhood", "subdistrict")),
    ("boundary", ("boundary", "outline", "border", "city", "study_area", "limit", "municipality")),
)

_STATUS_ALIASES = {
    "existing": "existing", "exists": "existing", "open": "existing", "opened": "existing",
    "operating": "existing", "operational": "existing", "in_service": "existing", "built": "existing",
    "under_construction": "under_construction", "construction": "under_construction",
    "building": "under_construction", "u/c": "under_construction", "uc": "under_construction",
    "planned": "planned", "plan": "planned", "proposed": "planned", "projected": "planned",
}
# Name fields as agencies publish them, in the order they are tried (case-insensitive; a field that
# starts with one and '_', such as NAZEV_MC or nom_com, is tried after the exact names).
NAME_FIELDS = (
    # field       whose files use it
    ("name",      "OpenStreetMap, most files in English"),
    ("name_en",   "bilingual files"),
    ("name_vi",   "Vietnam, bilingual"),
    ("boroname",  "New York City Planning (boroughs)"),
    ("ntaname",   "New York City Planning (neighbourhood tabulation areas)"),
    ("nom",       "France (IGN, Grand Lyon, Paris)"),
    ("nome",      "Brazil, Portugal, Italy (IBGE, Prefeitura de São Paulo)"),
    ("nombre",    "Spain and Latin America"),
    ("nimi",      "Finland (Helsinki, Statistics Finland)"),
    ("nazev",     "Czechia and Slovakia (IPR Praha, ČÚZK)"),
    ("naam",      "Netherlands, Flanders"),
    ("navn",      "Denmark, Norway"),
    ("namn",      "Sweden"),
    ("nazwa",     "Poland"),
    ("ten",       "Vietnam"),
    ("label",     "generic"),
    ("title",     "generic"),
)
# Population fields, first match wins (case-insensitive); a year may follow (POP2020, pop_2019).
POPULATION_FIELDS = ("population", "pop", "people", "inhabitants", "residents_total", "total_pop", "pop_total",
                     "habitantes", "pessoas", "populacao", "poblacion", "einwohner", "asukkaat", "vaesto",
                     "obyvatele", "pocet_obyv", "dan_so")
_YEAR_SUFFIX = r"[_ ]?(?:\d{2}|\d{4})?"
_NAMES = tuple(name for name, _ in NAME_FIELDS)
# Common field names, first match wins (case-insensitive). "opening_ye" is what a Shapefile makes
# of "opening_year" (10-character field names).
_FIELD_NAMES = {
    "name": _NAMES,
    "status": ("status", "state", "trang_thai", "condition"),
    "opening_year": ("opening_year", "opening_ye", "open_year", "year_open", "opened", "opening", "year"),
    "population": POPULATION_FIELDS,
    "zone_name": (*_NAMES, "ward", "district"),
}
# Numeric fields worth summing over the features of a catchment, guessed for counted layers.
_SUM_FIELD_NAMES = ("floor_area", "floor_area_m2", "gfa", "floorspace", "jobs", "employees", "workers",
                    "pupils", "students", "beds", "capacity", "residents", "dwellings", "units")


@dataclass
class FieldMapping:
    """Which field of a layer holds each thing the analysis asks about (None: the layer has none)."""

    name: str | None = None
    status: str | None = None
    opening_year: str | None = None
    population: str | None = None
    zone_name: str | None = None
    sum_fields: tuple[str, ...] = ()  # numeric fields summed over the features in a catchment

    def to_dict(self) -> dict:
        data = asdict(self)
        data["sum_fields"] = list(self.sum_fields)
        return data

    @classmethod
    def from_dict(cls, data: dict | None, columns=()) -> FieldMapping:
        """From a project file's entry; refuses a field the layer does not have, naming those it has."""
        known = {f.name for f in fields(cls)}
        if not isinstance(data, (dict, type(None))):
            raise ValueError(f"a field mapping is an object of field names, not {type(data).__name__}")
        data = dict(data or {})
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown field mapping key(s) {', '.join(sorted(unknown))} (have: {', '.join(sorted(known))})")
        sums = data.pop("sum_fields", None) or ()
        if isinstance(sums, str) or not all(isinstance(v, str) for v in sums):
            raise ValueError(f"sum_fields is a list of field names, not {sums!r}")
        for key, value in [*data.items(), *(("sum_fields", v) for v in sums)]:
            if value is not None and (not isinstance(value, str) or value not in columns):
                raise ValueError(f"no field '{value}' for {key} (the layer has: {', '.join(map(str, columns)) or 'no fields'})")
        return cls(**data, sum_fields=tuple(dict.fromkeys(sums)))


FIELD_KINDS = tuple(f.name for f in fields(FieldMapping) if f.name != "sum_fields")  # what --field sets


def guess_fields(gdf: pd.DataFrame) -> FieldMapping:
    """The mapping common field names suggest (case-insensitive), e.g. 'Ten' -> name, 'BoroName' ->
    zone name, 'POP2020' -> population (numbers only); 'nam_kt' is not guessed."""
    import pandas as pd

    by_lower = {str(c).lower(): c for c in gdf.columns if c != getattr(gdf, "geometry", pd.Series()).name}
    found = {}
    for key, names in _FIELD_NAMES.items():
        if key == "population":
            found[key] = next((by_lower[c] for n in names for c in by_lower
                               if re.fullmatch(re.escape(n) + _YEAR_SUFFIX, c)
                               and pd.api.types.is_numeric_dtype(gdf[by_lower[c]])), None)
            continue
        column = next((by_lower[n] for n in names if n in by_lower), None)
        if column is None and key in ("name", "zone_name"):
            column = next((by_lower[c] for n in names for c in by_lower if c.startswith(n + "_")), None)
        found[key] = column
    found["sum_fields"] = tuple(by_lower[n] for n in _SUM_FIELD_NAMES
                                if n in by_lower and pd.api.types.is_numeric_dtype(gdf[by_lower[n]]))
    return FieldMapping(**found)


def guess_role(names: list[str], geometry_kind: str | None = None, columns=(),
               fields: FieldMapping | None = None) -> str:
    """A layer's role from its names (layer name first, then file name), geometry and fields.

    'city_boundary' -> boundary, 'stations' with points -> metro_station, lines with a 'line'
    and a 'status' field -> metro_line; polygons with a population field (`fields`, as
    `guess_fields` found it: São Paulo's hexagons, Lyon's quarters) -> census zones (role
    'population', `role_note` says why); polygons whose zone-name field names a kind of zone
    (NYC's 'BoroName') -> ward. Guesses that need the other layers (the one raster of counts is the
    population, one outline around the rest is the boundary) are
    `layers.session.Session.guess_roles`'s.
    """
    for name in names:
        role = _role_from_name(name, geometry_kind)
        if role != "other":
            return role
    if geometry_kind == "polygon" and fields is not None and fields.population is not None:
        return "population"
    zone_name = fields.zone_name if fields is not None else None
    if geometry_kind == "polygon" and zone_name is not None and _role_from_name(zone_name, geometry_kind) == "ward":
        return "ward"
    lower = {str(c).lower() for c in columns}
    if geometry_kind in ("line", "point") and lower & {"line", "line_id", "route"} and lower & {"status", "opening_year"}:
        return "metro_line" if geometry_kind == "line" else "metro_station"
    return "other"


def role_note(layer) -> str | None:
    """Why a layer got its role from its fields, in words for the planner (None: its names said)."""
    if layer.role == "population" and getattr(layer, "geometry_kind", None) == "polygon" and layer.fields.population:
        return (f"proposed as census zones (role 'population'): its field '{layer.fields.population}' holds each "
                "zone's people; the figures count people from it. Set another role in the Layers dock (or --role) "
                "if it is not")
    return None


def _role_from_name(name: str, geometry_kind: str | None) -> str:
    slug = "_" + re.sub(r"[^a-z0-9/]+", "_", name.lower()) + "_"
    for role, words in _ROLE_WORDS:
        if any(word.strip("_") and ("_" + word.strip("_")) in slug for word in words):
            if role in ("metro_line", "metro_station") and geometry_kind == "point":
                return "metro_station"
            if role == "metro_station" and geometry_kind == "line":
                return "metro_line"
            if role == "population" and geometry_kind not in (None, "raster", "polygon"):
                continue
            return role
    return "other"


def outline_role(outline: shapely.Geometry, others: list[shapely.Geometry]) -> bool:
    """True if one polygon covers the extent of the other layers (it is the study area's boundary).

    'Covers' allows 2 % of the others' combined bounding box outside: boundaries from two sources
    rarely agree to the metre.
    """
    import numpy as np
    import shapely

    if outline is None or outline.is_empty or not others:
        return False
    box = shapely.box(*shapely.total_bounds(np.asarray(others, dtype=object)))
    if box.area <= 0:
        return outline.covers(box)
    return shapely.intersection(outline, box).area >= 0.98 * box.area


def normalise_status(values: pd.Series) -> tuple[pd.Series, int]:
    """Map free-text status values onto STATUSES; return the column and the count not understood."""
    text = values.astype("string").str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    mapped = text.map(lambda v: _STATUS_ALIASES.get(v) if isinstance(v, str) else None)
    unknown = int((mapped.isna() & text.notna()).sum())
    return mapped.astype("string"), unknown


def apply_fields(layer) -> list[str]:
    """Derive the canonical `status` and `opening_year` columns of a vector layer from its mapping.

    `status` values are normalised onto STATUSES (values not understood are left empty, never
    guessed); the opening year is the first four-digit year in the mapped field (numbers or
    dates alike). Returns warnings for the layer.
    """
    import pandas as pd

    gdf, mapping, warnings = layer.gdf, layer.fields, []
    if mapping.status is not None:
        gdf["status"], unknown = normalise_status(gdf[mapping.status])
        if unknown:
            warnings.append(f"{unknown} feature(s) have a status that is not one of {', '.join(STATUSES)}; left blank")
    if mapping.opening_year is not None:
        years = gdf[mapping.opening_year].astype("string").str.extract(r"((?:1[89]|20|21)\d\d)", expand=False)
        gdf["opening_year"] = pd.to_numeric(years, errors="coerce").astype("Int64")
    return warnings


def role_from_data(gdf: pd.DataFrame) -> str | None:
    """A `role` column whose features all agree (the sample's own files say what they are)."""
    if "role" not in gdf.columns:
        return None
    roles = set(gdf["role"].dropna().astype(str).str.strip().str.lower())
    return roles.pop() if len(roles) == 1 and next(iter(roles)) in ROLES else None
