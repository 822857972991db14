"""Bytes sent per photo after the phone's downscale (static/js/photo.js), measured in Chromium.

A 12-megapixel photo-like JPEG (4000×3000, gradient + noise, quality 92, like a phone camera's
output) goes through PhotoTools.downscale in the browser; the script prints the original size,
the size that would be uploaded, and the ratio (aim: ≥ 5× smaller). Not part of the tests.

    .venv/bin/python bench/bench_photo_bytes.py [--runs 3]
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "http://bench.invalid"  # never reaches a network: every request is answered by a route
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGE = """<!doctype html><meta charset="utf-8"><title>bench</title>
<script src="/photo.js"></script>"""


def phone_like_jpeg(width: int = 4000, height: int = 3000, quality: int = 92) -> bytes:
    """Gradient sky, some shapes and sensor-like noise: compresses about like a real photo."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), (40, 90, 150))
    image = Image.blend(base, tint, 0.4)
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (i * 397) % width, (i * 211) % height
        draw.rectangle([x, y, x + 300, y + 180], fill=((i * 53) % 255, (i * 91) % 255, (i * 17) % 255))
    image = image.filter(ImageFilter.GaussianBlur(2))
    # Texture at several scales (foliage, brick, asphalt): fine sensor noise alone would average
    # away in the downscale and flatter the ratio.
    for divisor, amount in ((8, 0.18), (2, 0.15), (1, 0.12)):
        size = (width // divisor, height // divisor)
        noise = Image.effect_noise(size, 60).resize((width, height), Image.BICUBIC).convert("RGB")
        image = Image.blend(image, noise, amount)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    original = phone_like_jpeg()
    photo_js = (ROOT / "static" / "js" / "photo.js").read_bytes()
    files = {"/": ("text/html", PAGE.encode()), "/photo.js": ("application/javascript", photo_js),
             "/photo.jpg": ("image/jpeg", original)}

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()

        def serve(route):
            path = route.request.url[len(ORIGIN):] or "/"
            content_type, body = files[path]
            route.fulfill(status=200, content_type=content_type, body=body)

        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/")
        results = []
        for _ in range(args.runs):
            started = time.perf_counter()
            result = page.evaluate("""async () => {
                const blob = await (await fetch('/photo.jpg')).blob();
                const file = new File([blob], 'IMG_0001.jpg', {type: 'image/jpeg'});
                const t0 = performance.now();
                const out = await PhotoTools.downscale(file);
                return {sent: out.blob.size, width: out.width, height: out.height,
                        downscaled: out.downscaled, ms: performance.now() - t0};
            }""")
            result["wall_ms"] = (time.perf_counter() - started) * 1000
            results.append(result)
        browser.close()

    best = min(results, key=lambda r: r["ms"])
    sent = best["sent"]
    print("Photo bytes per upload (12 MP phone JPEG → photo.js downscale, in Chromium)")
    print(f"  original: 4000x3000, {len(original):,} bytes")
    print(f"  sent:     {best['width']}x{best['height']}, {sent:,} bytes (downscaled={best['downscaled']})")
    print(f"  downscale time in the browser: {best['ms']:.0f} ms (best of {len(results)})")
    ratio = len(original) / sent
    print(f"  ratio original/sent: {ratio:.1f}x  (aim >= 5x) {'OK' if ratio >= 5 else 'BELOW AIM'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
