"""A walk's findings numbered in route order: the one numbering every map and list of a walk
uses (overview, meeting, exports, feedback page, agenda)."""
from __future__ import annotations

from dataclasses import dataclass

from walkapp.findings.models import Finding
from walkapp.findings.queries import walk_findings
from walkapp.geo import project_onto_line
from walkapp.walks.models import Walk

# Findings farther than this from the route were made on a detour; they come after the rest.
OFF_ROUTE_M = 50.0


@dataclass(frozen=True)
class RouteStop:
    """A finding with its number on this walk and its place relative to the route (None
    without a route)."""

    number: int
    finding: Finding
    along_route_m: float | None
    off_route_m: float | None

    @property
    def on_route(self) -> bool:
        return self.off_route_m is not None and self.off_route_m <= OFF_ROUTE_M


def route_coordinates(walk: Walk) -> list[list[float]]:
    """The walk's route as GeoJSON [lon, lat] positions, or [] without a route."""
    route = walk.route or {}
    return list(route.get("coordinates") or []) if route.get("type") == "LineString" else []


def route_stops(walk: Walk, findings: list[Finding] | None = None) -> list[RouteStop]:
    """Every finding of the walk (or the given ones, all of that walk) numbered 1… in route
    order: those within 50 m of the route by metres along it, then the detours, each by its
    nearest point of the route; ties and walks without a route by the time they were seen.

    Numbers count every finding of the walk, dismissed and duplicates too, so a number means
    the same finding on every map and list however they are filtered."""
    if findings is None:
        findings = walk_findings(walk)
    line = route_coordinates(walk)
    placed = []
    for finding in findings:
        along, off = project_onto_line(finding.lat, finding.lon, line) if line else (None, None)
        detour = off is not None and off > OFF_ROUTE_M
        placed.append(((detour, along or 0.0, finding.observed_at, str(finding.id)), finding, along, off))
    placed.sort(key=lambda item: item[0])
    return [
        RouteStop(number, finding, _round(along), _round(off))
        for number, (_, finding, along, off) in enumerate(placed, start=1)
    ]


def numbers_by_finding(stops: list[RouteStop]) -> dict:
    """finding id → its number on this walk."""
    return {stop.finding.id: stop.number for stop in stops}


def _round(metres: float | None) -> float | None:
    # A decimetre is far below GPS precision; rounding keeps exports and JSON readable.
    return None if metres is None else round(metres, 1)
