"""Server photo ingest of a 12-megapixel phone JPEG: walkapp's pipeline against bare Pillow.

The pipeline (walkapp.findings.images.process_upload) does more than the reference — sha256
of the upload, magic-byte sniffing, pixel cap, full decode check, EXIF orientation, metadata
stripping and a 400 px thumbnail — so the aim is a ratio of at most 1.3, not 1.0.

Run: .venv/bin/python bench/bench_photo_ingest.py [runs]   (default 10)
"""
from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from walkapp.findings.images import JPEG_QUALITY, MAX_SIDE, process_upload  # noqa: E402

WIDTH, HEIGHT = 4000, 3000
AIM = 1.3


def phone_like_jpeg() -> bytes:
    """A 4000×3000 JPEG that compresses like a photo: smooth gradients plus sensor noise."""
    red = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    green = Image.radial_gradient("L").resize((WIDTH, HEIGHT))
    blue = red.transpose(Image.Transpose.ROTATE_180)
    base = Image.merge("RGB", (red, green, blue))
    noise = Image.effect_noise((WIDTH, HEIGHT), 48).convert("RGB")
    photo = Image.blend(base, noise, 0.35)
    exif = Image.Exif()
    exif[0x0112] = 1  # upright, as most phones write it
    exif[0x010F] = "BenchPhone"
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=92, exif=exif)
    return buffer.getvalue()


def bare_pillow(data: bytes) -> bytes:
    """The reference: open, draft, resize to 2048, save JPEG — nothing else."""
    img = Image.open(io.BytesIO(data))
    img.draft("RGB", (MAX_SIDE, MAX_SIDE))
    scale = MAX_SIDE / max(img.size)
    img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def timed(func, data: bytes) -> float:
    started = time.perf_counter()
    func(data)
    return time.perf_counter() - started


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    data = phone_like_jpeg()
    print(f"input: {WIDTH}x{HEIGHT} JPEG, {len(data) / 1e6:.2f} MB, {runs} runs each (interleaved)")
    timed(bare_pillow, data), timed(process_upload, data)  # warm-up: imports, codec tables
    ref_times, app_times = [], []
    for _ in range(runs):
        ref_times.append(timed(bare_pillow, data))
        app_times.append(timed(process_upload, data))
    ref, app = statistics.median(ref_times), statistics.median(app_times)
    result = process_upload(data)
    print(f"bare Pillow (open, draft, resize, save): median {ref * 1000:7.1f} ms/photo "
          f"(min {min(ref_times) * 1000:.1f})")
    print(f"walkapp process_upload:                  median {app * 1000:7.1f} ms/photo "
          f"(min {min(app_times) * 1000:.1f})")
    print(f"output: {result.width}x{result.height} JPEG {len(result.jpeg) / 1e3:.0f} kB "
          f"+ thumbnail {len(result.thumb) / 1e3:.0f} kB")
    ratio = app / ref
    print(f"ratio walkapp / bare Pillow: {ratio:.2f} (aim <= {AIM})"
          + ("" if ratio <= AIM else "  ABOVE AIM"))


if __name__ == "__main__":
    main()
