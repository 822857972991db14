"""Follow-up map export for 2,000 findings against folium's own floor, in the same run.

The floor is the least folium can do for the same points: 2,000 plain `folium.Marker`s added
in a loop and rendered. Our export adds popups, colours, category layers, a legend and the
inlined Leaflet/markercluster, so a ratio near 1 means the extras cost little.
Run: .venv/bin/python bench/bench_map_export.py
"""
from __future__ import annotations

import statistics
import sys
import time
import types
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402

from walkapp.exports.folium_map import build_map, render_map  # noqa: E402
from walkapp.exports.queries import ExportFinding  # noqa: E402

COUNT = 2000
RUNS = 3
CATEGORIES = ["lighting", "graffiti", "vandalism", "vegetation", "hidden_corner", "access", "litter", "traffic"]


def sample_items() -> list[ExportFinding]:
    """2,000 findings with categories, ratings, text and a measure on every third."""
    org = types.SimpleNamespace(name="Københavns Kommune – TMF")
    cats = {c: types.SimpleNamespace(code=c, name=lambda lang, c=c: c.replace("_", " ").title()) for c in CATEGORIES}
    items = []
    for n in range(COUNT):
        finding = types.SimpleNamespace(
            id=uuid.uuid4(), category=cats[CATEGORIES[n % len(CATEGORIES)]], lat=55.660 + (n % 50) * 0.0002,
            lon=12.600 + (n // 50) * 0.0002, rating=n % 4, state="new",
            description=f"Fund nr. {n}: mørk sti bag blok {n % 12}, buskene skjuler indgangen <b>&</b>",
            observed_at=datetime(2026, 11, 29, 18, n % 60, tzinfo=UTC),
        )
        measures = []
        if n % 3 == 0:
            measures.append(types.SimpleNamespace(title="Ny belysning", status=["proposed", "agreed", "done"][n % 9 // 3],
                                                  responsible_org=org, due_on=date(2027, 5, 1)))
        items.append(ExportFinding(finding, [], measures))
    return items


def ours(items: list[ExportFinding]) -> str:
    route = [[55.660, 12.600], [55.665, 12.605], [55.669, 12.608]]
    return render_map(build_map(items, vendor_dir=ROOT / "static" / "vendor", route=route, title="Aftenvandring"))


def floor(items: list[ExportFinding]) -> str:
    m = folium.Map(location=[55.665, 12.605], zoom_start=16, tiles=None)
    for item in items:
        folium.Marker([item.finding.lat, item.finding.lon]).add_to(m)
    return m.get_root().render()


def timed(fn, items) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        html = fn(items)
        times.append(time.perf_counter() - start)
        size = len(html.encode())
    return statistics.median(times), size


def main() -> None:
    items = sample_items()
    ours(items[:10])  # warm caches (vendored assets, templates) for both sides
    floor(items[:10])
    t_floor, size_floor = timed(floor, items)
    t_ours, size_ours = timed(ours, items)
    print(f"findings: {COUNT}, runs: {RUNS} (median)")
    print(f"folium floor (plain markers): {t_floor * 1000:8.1f} ms  {size_floor / COUNT:8.0f} bytes/finding")
    print(f"our follow-up map:            {t_ours * 1000:8.1f} ms  {size_ours / COUNT:8.0f} bytes/finding "
          f"({size_ours / 1024:.0f} KiB total, incl. ~{len((ROOT / 'static/vendor/leaflet/leaflet.js').read_bytes()) // 1024} KiB Leaflet)")
    print(f"ratio ours / floor: {t_ours / t_floor:.2f}  (aim <= 1.5)")


if __name__ == "__main__":
    main()
