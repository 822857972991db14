"""A walk's route and numbered points as an SVG box: the printed overview's and the feedback
page's map (pure, no Flask)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class SvgMap:
    """An SVG viewBox with the route as a path and the points placed in it."""

    view_box: str
    route_path: str
    points: list[dict[str, Any]]
    width: int
    height: int


def project_map(
    route: Sequence[Sequence[float]], points: Sequence[tuple[float, float, Any]],
    width: int = 640, height: int = 400, pad: int = 24,
) -> SvgMap | None:
    """Project [lon, lat] route positions and (lat, lon, payload) points into an SVG box.

    Equirectangular with longitude scaled by cos(latitude): at walk scale (a few hundred
    metres) that is indistinguishable from Web Mercator and needs no tiles, so the printout
    is crisp and works offline."""
    lons = [p[0] for p in route] + [p[1] for p in points]
    lats = [p[1] for p in route] + [p[0] for p in points]
    if not lons:
        return None
    mid_lat = math.radians((min(lats) + max(lats)) / 2)
    kx = math.cos(mid_lat)
    min_x, max_x = min(lons) * kx, max(lons) * kx
    min_y, max_y = min(lats), max(lats)
    span = max(max_x - min_x, max_y - min_y, 1e-5)
    scale = min((width - 2 * pad) / max(max_x - min_x, span * 1e-3, 1e-9),
                (height - 2 * pad) / max(max_y - min_y, span * 1e-3, 1e-9))
    used_w, used_h = (max_x - min_x) * scale, (max_y - min_y) * scale
    off_x, off_y = (width - used_w) / 2, (height - used_h) / 2

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (round(off_x + (lon * kx - min_x) * scale, 1),
                round(height - off_y - (lat - min_y) * scale, 1))

    path = " ".join(
        ("M" if i == 0 else "L") + "{:.1f},{:.1f}".format(*xy(lat, lon))
        for i, (lon, lat) in enumerate(route)
    )
    projected = []
    for lat, lon, payload in points:
        x, y = xy(lat, lon)
        projected.append({"x": x, "y": y, "item": payload})
    return SvgMap(f"0 0 {width} {height}", path, projected, width, height)
