"""Scenarios: which features count (by status, opening year, and lines left out), and differences.

Rules (one place, used by the GUI, the CLI and the indicators):

* `Scenario.as_of(Y)` ("as of 2025", "plan 2030", the timeline's year): a feature with an
  `opening_year` counts if that year is <= Y, whatever its status (so line 3, existing since
  2024, does not count as of 2020). A feature with no year counts only if its status is
  'existing'; a planned or under-construction feature with no year never counts.
* A layer without a `status` column is taken as existing (its undated features count, dated
  ones from their year); a feature whose status is blank counts only through its opening year,
  like a planned one.
* `Scenario.existing()` counts status 'existing' only; `Scenario.all()` counts everything.
* `.without("line", "2")` leaves out features whose field `line` is "2" (in every layer
  that has the field: metro lines and stations), e.g. "what does metro line 2 add?".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Scenario:
    name: str = "all"
    as_of_year: int | None = None
    statuses: tuple[str, ...] | None = None  # None: status does not matter (unless as_of_year)
    excluded: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # (field, values)

    @classmethod
    def all(cls) -> Scenario:
        return cls("all features")

    @classmethod
    def existing(cls) -> Scenario:
        return cls("existing", statuses=("existing",))

    @classmethod
    def as_of(cls, year: int, name: str | None = None) -> Scenario:
        return cls(name or f"as of {int(year)}", as_of_year=int(year))

    @classmethod
    def plan(cls, year: int) -> Scenario:
        return cls.as_of(year, f"plan {int(year)}")

    def without(self, field_name: str, *values) -> Scenario:
        """The same scenario without the features whose `field_name` is one of `values`."""
        values = tuple(str(v) for v in values)
        label = f"{self.name} without {field_name} {', '.join(values)}"
        return replace(self, name=label, excluded=self.excluded + ((field_name, values),))

    def mask(self, gdf: gpd.GeoDataFrame, dated: DatedFields | None = None) -> np.ndarray:
        """True for the features that count in this scenario. `dated`: `DatedFields.of(gdf)`,
        where the caller keeps it (a timeline asks one layer for year after year)."""
        dated = DatedFields.of(gdf) if dated is None else dated
        keep = np.ones(len(gdf), dtype=bool)
        if self.as_of_year is not None:
            keep &= (dated.year <= self.as_of_year) | (np.isnan(dated.year) & dated.existing)
        if self.statuses is not None and dated.status_codes is not None:
            keep &= dated.has_status(self.statuses)
        for field_name, values in self.excluded:
            if field_name in gdf.columns:
                keep &= ~gdf[field_name].astype("string").str.strip().isin(list(values)).fillna(False).to_numpy(dtype=bool)
        return keep

    def select(self, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return gdf[self.mask(gdf)]


@dataclass(frozen=True, eq=False)
class DatedFields:
    """A layer's status and opening year as the rules above read them, parsed once (pandas: a few
    milliseconds a layer however few its features, tens for a large one), so that the mask of one
    year more is a comparison of arrays. The status is kept as a code per feature, a byte for a
    few distinct values (as text: 15.5 MB for a million features, pandas' Arrow strings)."""

    year: np.ndarray  # float; NaN: no year (missing, or not a number)
    existing: np.ndarray  # bool: status 'existing' (every feature, where there is no status column)
    status_codes: np.ndarray | None  # index into status_names; -1: no status; None: no status column
    status_names: tuple[str, ...] = ()

    @classmethod
    def of(cls, gdf: gpd.GeoDataFrame) -> DatedFields:
        n = len(gdf)
        year = (pd.to_numeric(gdf["opening_year"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                if "opening_year" in gdf.columns else np.full(n, np.nan))
        if "status" not in gdf.columns:
            return cls(year, np.ones(n, dtype=bool), None)
        status = pd.Categorical(gdf["status"].astype("string"))
        names = tuple(str(name) for name in status.categories)
        return cls(year, np.asarray(status == "existing"), np.asarray(status.codes), names)

    def has_status(self, statuses) -> np.ndarray:
        """True for the features whose status is one of `statuses` (none without a status column)."""
        statuses = set(statuses)
        wanted = [i for i, name in enumerate(self.status_names) if name in statuses]
        return np.isin(self.status_codes, wanted)


def parse_scenario(text: str | None) -> Scenario:
    """'all', 'existing', '2025' / 'as-of-2025', 'plan-2030', each optionally '...-without-line-2'
    (repeatable: '...-without-line-2-without-line-S1', as a sketch's gain over such a plan is asked).

    Examples: 'plan-2035-without-line-2', 'existing'. Raises ValueError with the accepted forms.
    """
    if text is None or str(text).strip() == "":
        return Scenario.all()
    raw = str(text).strip().lower().replace(" ", "-").replace("_", "-")
    base, *rest = re.split(r"-without-", raw)
    if base in ("all", "all-features"):
        scenario = Scenario.all()
    elif base in ("existing", "now"):
        scenario = Scenario.existing()
    elif m := re.fullmatch(r"(?:as-?of-?)?((?:1[89]|20|21)\d\d)", base):
        scenario = Scenario.as_of(int(m.group(1)))
    elif m := re.fullmatch(r"plan-?((?:1[89]|20|21)\d\d)", base):
        scenario = Scenario.plan(int(m.group(1)))
    else:
        raise ValueError(
            f"unknown scenario '{text}': use all, existing, 2025 (as of a year), plan-2030, "
            "optionally followed by -without-line-2"
        )
    for clause in rest:
        m = re.fullmatch(r"([a-z_]+)-(.+)", clause)
        if not m:
            raise ValueError(f"unknown scenario '{text}': write e.g. plan-2030-without-line-2")
        scenario = scenario.without(m.group(1), *m.group(2).upper().split(","))
    return scenario


def check_scenario(scenario: Scenario, frames) -> None:
    """Refuse a scenario that leaves out something the data does not have, listing what it has.

    'plan 2030 without lin 2' (no field 'lin') or 'without line 9' (no line 9) would otherwise
    be measured as the plan with nothing left out, a figure that answers another question.
    """
    for field_name, values in scenario.excluded:
        columns = [gdf[field_name] for gdf in frames if field_name in gdf.columns]
        if not columns:
            fields = sorted({str(c) for gdf in frames for c in gdf.columns if c != getattr(gdf, "active_geometry_name", None)})
            raise ValueError(f"scenario '{scenario.name}': no layer has a field '{field_name}' "
                             f"(fields: {', '.join(fields) or 'none'})")
        present = set(pd.concat(columns).dropna().astype("string").str.strip())
        missing = [v for v in values if v not in present]
        if missing:
            raise ValueError(f"scenario '{scenario.name}': no feature has {field_name} {', '.join(missing)} "
                             f"(the data has {field_name}: {', '.join(sorted(present)) or 'none'})")
