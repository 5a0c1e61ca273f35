"""The indicator presets as data: what each measures, how far, against what, and who says so.

A preset is a record: the layer roles whose features make its catchment; its radius (the one the
planner's radius setting changes) and, for public transport, a radius per capacity class (SDG
11.2.1: high-capacity stations at 1 km and low-capacity stops at 500 m, in one catchment); whether
the indicator's frequent-service criterion applies; its benchmark and its source. The figures
(`layers.analysis.indicators`) read these records; adding an indicator is adding a record.

A feature's capacity class comes from its role (`layers.roles.ROLE_CAPACITY`: a metro station is
high, a bus or tram stop low) or, for a feed's stations (role 'transit_stop'), from its own
`capacity` field.
"""
from __future__ import annotations

from dataclasses import dataclass

# How a straight-line catchment is measured, a clause of each preset's method (replaced by the
# walking network's own clause, `network.method_text`, for walking distance). No parentheses of
# its own: the method sentences keep to one level of them.
STRAIGHT = "by straight-line distance, not along streets, which overstates walking access"
TRANSIT_ROLES = ("metro_station", "low_capacity_stop", "transit_stop")


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    roles: tuple[str, ...]  # the layer roles whose features make the catchment
    radius_m: float  # the catchment's radius, the one a radius setting changes (0: the features themselves)
    method: str  # one sentence; {radius} is filled in
    source: str
    # capacity class -> its radius (None: `radius_m`); empty: every feature, classed or not
    class_radius_m: tuple[tuple[str, float | None], ...] = ()
    frequent_service: bool = False  # the indicator's frequent-service criterion applies (a headway threshold)
    min_area_m2: float = 0.0  # features smaller than this do not count (green >= 0.5 ha)
    unit: str = "share of population"
    measure: str = "catchment"  # 'catchment' (a share within reach) or 'area_per_resident'
    benchmark: str = ""  # what the figure is compared with, and whose figure that is
    benchmark_value: float | None = None

    def applies_to(self, roles) -> bool:
        """Whether layers of these roles give this preset something to measure."""
        return any(role in roles for role in self.roles)

    def reaches(self, radius_m: float) -> list[tuple[str | None, float]]:
        """(capacity class or None for every feature, radius) pairs whose catchments make the preset's."""
        if not self.class_radius_m:
            return [(None, radius_m)]
        return [(klass, radius_m if fixed is None else fixed) for klass, fixed in self.class_radius_m]


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "sdg-11.2.1", "SDG 11.2.1 convenient access to public transport", TRANSIT_ROLES, 1000.0,
            "Share of the study area's population within {radius} m of a high-capacity station "
            "(metro/rail/ferry) or within 500 m of a low-capacity stop (bus, tram), in one catchment, "
            + STRAIGHT + "; people weighted by the exact fraction of each population cell inside.",
            "UN SDG indicator metadata 11.2.1 (rev. Sept 2021), custodian UN-Habitat",
            class_radius_m=(("high", None), ("low", 500.0)), frequent_service=True,
            benchmark="SDG target 11.2: convenient access to public transport for all by 2030 (100 %)",
            benchmark_value=1.0,
        ),
        Preset(
            "itdp-pnt", "ITDP People Near Transit", ("metro_station", "transit_stop"), 1000.0,
            "Share of the study area's population within {radius} m of a rapid-transit (metro) station, "
            + STRAIGHT + "; people weighted by the exact fraction of each population cell inside.",
            "ITDP, People Near Transit (2016), itdp.org/pnt",
            class_radius_m=(("high", None),),
            benchmark="none set: ITDP compares cities with one another",
        ),
        Preset(
            "green-access", "Access to green space (WHO Europe / EU A4)", ("green",), 300.0,
            "Share of the study area's population within {radius} m of a green area of at least 0.5 ha "
            "(5,000 m2, each feature's own area), " + STRAIGHT + "; exact fractional population cells.",
            "WHO Regional Office for Europe, Urban green spaces and health (2016); European Common "
            "Indicators A4 (EC, 2000-2003)",
            min_area_m2=5000.0,
            benchmark="every resident within 300 m of a green area of 0.5 ha or more (WHO Europe 2016)",
            benchmark_value=1.0,
        ),
        Preset(
            "green-per-resident", "Green area per resident", ("green",), 0.0,
            "Square metres of green area inside the study area (planar, overlaps counted once) divided by "
            "the population of the study area, overall and by zone; the often-quoted 9 m2 per resident is a "
            "common benchmark, not a WHO figure.",
            "Common benchmark 9 m2/resident (traced to a 1968 Italian standard; not in any WHO document)",
            unit="m2 per resident", measure="area_per_resident",
            benchmark="common benchmark, not a WHO figure", benchmark_value=9.0,
        ),
        Preset(
            "digital-coverage", "Digital coverage (ITU U4SSC style)", ("digital_zone",), 0.0,
            "Share of the study area's population (and, in the figures, of its area) inside the digital-space "
            "zones (the zones themselves, no buffer); exact fractional population cells.",
            "ITU-T Y.4903 / U4SSC key performance indicators (A1.1.6 style)",
        ),
        Preset(
            "river-crossing", "River-crossing access", ("bridge",), 2000.0,
            "Share of the study area's population within {radius} m of a Red River bridge (every feature of "
            "the bridge layers), " + STRAIGHT + "; exact fractional population cells.",
            "planner definition (no international standard); radius is a parameter",
        ),
    )
}
