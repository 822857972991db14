"""Test images made in memory: plain JPEGs, a marked landscape, a phone photo with EXIF."""
from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def jpeg_bytes(img: Image.Image, **save_args) -> bytes:
    """Encode an image as JPEG in memory."""
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", **save_args)
    return buffer.getvalue()


def marked_landscape(width: int = 400, height: int = 200) -> Image.Image:
    """Grey landscape image with a red block in the top-left corner."""
    img = Image.new("RGB", (width, height), (128, 128, 128))
    img.paste((255, 0, 0), (0, 0, width // 4, height // 4))
    return img


def phone_jpeg_rotated_with_gps() -> bytes:
    """Like a phone photo held upright: pixels stored sideways, orientation 6, GPS and a date."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (55.0, 40.0, 0.0), 3: "E", 4: (12.0, 36.0, 0.0)})
    exif.get_ifd(EXIF_IFD).update({0x9003: "2026:11:24 19:42:10", 0x9011: "+01:00"})
    return jpeg_bytes(marked_landscape(), exif=exif, quality=95, comment=b"secret comment")


def is_red(pixel) -> bool:
    """Whether a pixel is the red of marked_landscape's corner block (after JPEG loss)."""
    r, g, b = pixel[:3]
    return r > 200 and g < 60 and b < 60
