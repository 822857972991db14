"""Follow-up map export for 2,000 findings against folium's own floor, in the same run.

The floor is the least folium can do for the same points: 2,000 plain `folium.Marker`s added
in a loop and rendered. Our export adds popups, colours, category layers, a legend and the
inlined Leaflet/markercluster, so a ratio near 1 means the extras cost little.

Then the same map with a photo per finding (real JPEG files made by the ingest pipeline in a
temporary photos folder), against the same map without photos measured in the same run:
- "before": every export decodes each photo's 400 px thumbnail again (the former export);
- "after": the `_map.jpg` stored at ingest, base64-encoded as it is (no decode);
- "after, first export of old photos": no `_map.jpg` yet, made once from the thumbnail.
Run: .venv/bin/python bench/bench_map_export.py
"""
from __future__ import annotations

import io
import shutil
import statistics
import sys
import tempfile
import time
import types
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from walkapp.exports.folium_map import build_map, render_map  # noqa: E402
from walkapp.exports.map_thumbnails import map_thumbnail_bytes  # noqa: E402
from walkapp.exports.queries import ExportFinding  # noqa: E402
from walkapp.findings.images import process_upload  # noqa: E402
from walkapp.findings.storage import map_thumb_path, new_storage_key, photo_path, save_photo_files  # noqa: E402

COUNT = 2000
RUNS = 3
DISTINCT_PHOTOS = 16  # each processed once by the ingest; the 2,000 files are copies of these
CATEGORIES = ["lighting", "graffiti", "vandalism", "vegetation", "hidden_corner", "access", "litter", "traffic"]


def sample_items() -> list[ExportFinding]:
    """2,000 findings with categories, ratings, text and a measure on every third."""
    org = types.SimpleNamespace(name="Københavns Kommune – TMF")
    cats = {c: types.SimpleNamespace(code=c, name=lambda lang, c=c: c.replace("_", " ").title()) for c in CATEGORIES}
    items = []
    for n in range(COUNT):
        finding = types.SimpleNamespace(
            id=uuid.uuid4(), category=cats[CATEGORIES[n % len(CATEGORIES)]], lat=55.660 + (n % 50) * 0.0002,
            lon=12.600 + (n // 50) * 0.0002, rating=n % 4, state="new", kind="problem",
            description=f"Fund nr. {n}: mørk sti bag blok {n % 12}, buskene skjuler indgangen <b>&</b>",
            observed_at=datetime(2026, 11, 29, 18, n % 60, tzinfo=UTC),
        )
        measures = []
        if n % 3 == 0:
            measures.append(types.SimpleNamespace(title="Ny belysning", status=["proposed", "agreed", "done"][n % 9 // 3],
                                                  responsible_org=org, due_on=date(2027, 5, 1)))
        items.append(ExportFinding(finding, [], measures))
    return items


def camera_like_jpeg(n: int) -> bytes:
    """A 1600×1200 photo with noise, shapes and gradients, so JPEG sizes are like a phone's."""
    img = Image.merge("RGB", [Image.effect_noise((1600, 1200), 40 + 5 * c).point(lambda v, c=c: (v + 60 * c + 20 * n) % 256)
                              for c in range(3)])
    img = Image.blend(img, Image.radial_gradient("L").resize((1600, 1200)).convert("RGB"), 0.6)
    draw = ImageDraw.Draw(img)
    for k in range(12):
        x, y = (k * 137 + n * 59) % 1400, (k * 89 + n * 31) % 1000
        draw.rectangle([x, y, x + 200, y + 150], fill=((k * 40) % 256, (n * 30) % 256, 120))
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def store_photos(root: Path, items: list[ExportFinding]) -> None:
    """One stored photo (photo, thumbnail, map image) per finding."""
    processed = [process_upload(camera_like_jpeg(n)) for n in range(DISTINCT_PHOTOS)]
    for n, item in enumerate(items):
        image = processed[n % DISTINCT_PHOTOS]
        key = new_storage_key()
        save_photo_files(root, key, image.jpeg, image.thumb, image.map_thumb)
        item.photos.append(types.SimpleNamespace(storage_key=key))
    sizes = processed[0]
    print(f"stored per photo: photo {len(sizes.jpeg) / 1024:.0f} KiB, thumbnail {len(sizes.thumb) / 1024:.1f} KiB "
          f"(400 px), map image {len(sizes.map_thumb) / 1024:.1f} KiB (160 px)")


def decode_thumb_each_time(root: Path):
    """The former export: decode the stored 400 px thumbnail and re-encode it at 160 px."""
    def thumb_bytes(photo) -> bytes:
        with Image.open(photo_path(root, photo.storage_key, thumb=True)) as image:
            image.thumbnail((160, 160))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=70)
        return buffer.getvalue()
    return thumb_bytes


def ours(items: list[ExportFinding], thumb_bytes=None) -> str:
    route = [[55.660, 12.600], [55.665, 12.605], [55.669, 12.608]]
    return render_map(build_map(items, vendor_dir=ROOT / "static" / "vendor", route=route, title="Aftenvandring",
                                thumb_bytes=thumb_bytes))


def floor(items: list[ExportFinding]) -> str:
    m = folium.Map(location=[55.665, 12.605], zoom_start=16, tiles=None)
    for item in items:
        folium.Marker([item.finding.lat, item.finding.lon]).add_to(m)
    return m.get_root().render()


def timed(fn, items, runs: int = RUNS, before_each=None) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(runs):
        if before_each:
            before_each()
        start = time.perf_counter()
        html = fn(items)
        times.append(time.perf_counter() - start)
        size = len(html.encode())
    return statistics.median(times), size


def photo_maps(items: list[ExportFinding]) -> None:
    """The map with a photo per finding: before, after and old photos, against no photos."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-map-"))
    try:
        root = tmp / "photos"
        store_photos(root, items)
        stored = lambda photo: map_thumbnail_bytes(root, photo.storage_key)  # noqa: E731

        def drop_map_images() -> None:
            for item in items:
                map_thumb_path(root, item.photos[0].storage_key).unlink(missing_ok=True)

        t_none, size_none = timed(ours, [ExportFinding(i.finding, [], i.measures) for i in items])
        t_before, size_before = timed(lambda its: ours(its, decode_thumb_each_time(root)), items)
        t_old, size_old = timed(lambda its: ours(its, stored), items, before_each=drop_map_images)
        t_after, size_after = timed(lambda its: ours(its, stored), items)
    finally:
        shutil.rmtree(tmp)
    mb = 1024 * 1024
    print(f"with a photo per finding ({COUNT}), runs: {RUNS} (median):")
    rows = [("no photos (reference)", t_none, size_none), ("before: decode each thumbnail", t_before, size_before),
            ("after, first export of old photos", t_old, size_old), ("after: stored map image", t_after, size_after)]
    for name, seconds, size in rows:
        print(f"  {name:36} {seconds:6.2f} s  {size / mb:6.1f} MB  ratio to no photos {seconds / t_none:5.2f}")
    print(f"after / before: {t_after / t_before:.2f} time, {size_after / size_before:.2f} size  (aim <= 1 s)")


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
    photo_maps(items)


if __name__ == "__main__":
    main()
