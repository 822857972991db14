"""The pure photo pipeline (walkapp.findings.images): no Flask, no database."""
from __future__ import annotations

import hashlib
import io
import time
from datetime import UTC, datetime
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image

from tests.image_helpers import is_red, jpeg_bytes, marked_landscape, phone_jpeg_rotated_with_gps
from walkapp.findings.images import ImageRejected, process_upload, sniff_format

RESOURCES = Path(__file__).parent / "resources" / "images"


def decoded(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_exif_orientation_6_is_stored_upright_without_exif_gps_or_comment():
    result = process_upload(phone_jpeg_rotated_with_gps())
    # 400×200 stored sideways with orientation 6 shows as 200×400 portrait.
    assert (result.width, result.height) == (200, 400)
    out = decoded(result.jpeg)
    assert out.size == (200, 400)
    # The red top-left block ends up top-right after a 90° clockwise turn.
    assert is_red(out.getpixel((190, 10)))
    assert not is_red(out.getpixel((10, 10)))
    assert not is_red(out.getpixel((10, 390)))
    assert dict(out.getexif()) == {}
    for key in ("exif", "icc_profile", "xmp", "comment", "XML:com.adobe.xmp"):
        assert key not in out.info
    assert b"PhoneMaker" not in result.jpeg and b"secret comment" not in result.jpeg
    thumb = decoded(result.thumb)
    assert dict(thumb.getexif()) == {} and "exif" not in thumb.info


def test_taken_at_comes_from_exif_date_time_original():
    result = process_upload(phone_jpeg_rotated_with_gps())
    assert result.taken_at == datetime(2026, 11, 24, 18, 42, 10, tzinfo=UTC)


def test_sha256_is_of_the_original_upload():
    data = phone_jpeg_rotated_with_gps()
    assert process_upload(data).sha256 == hashlib.sha256(data).hexdigest()


def test_large_photo_is_scaled_to_2048_and_thumbnail_to_400():
    data = jpeg_bytes(Image.effect_noise((4096, 3072), 40).convert("RGB"), quality=85)
    result = process_upload(data)
    assert (result.width, result.height) == (2048, 1536)
    assert decoded(result.jpeg).size == (2048, 1536)
    assert max(decoded(result.thumb).size) == 400
    assert decoded(result.jpeg).format == "JPEG"


def test_small_photo_is_not_enlarged():
    result = process_upload(jpeg_bytes(marked_landscape(300, 100)))
    assert (result.width, result.height) == (300, 100)


def test_png_with_transparency_becomes_jpeg_on_white():
    img = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    out = decoded(process_upload(buffer.getvalue()).jpeg)
    assert out.mode == "RGB"
    assert min(out.getpixel((25, 25))) > 240


def test_webp_is_accepted():
    buffer = io.BytesIO()
    marked_landscape().save(buffer, format="WEBP", quality=80)
    result = process_upload(buffer.getvalue())
    assert (result.width, result.height) == (400, 200)
    assert decoded(result.jpeg).format == "JPEG"


def test_heic_from_an_iphone_is_accepted():
    buffer = io.BytesIO()
    pillow_heif.from_pillow(marked_landscape()).save(buffer, format="HEIF", quality=80)
    data = buffer.getvalue()
    assert sniff_format(data) == "HEIF"
    result = process_upload(data)
    assert (result.width, result.height) == (400, 200)
    out = decoded(result.jpeg)
    assert out.format == "JPEG" and is_red(out.getpixel((10, 10)))


@pytest.mark.parametrize(
    ("name", "code", "status"),
    [
        ("html-page.jpg", "unsupported_image", 415),
        ("vector.svg", "unsupported_image", 415),
        ("scan.tif", "unsupported_image", 415),
        ("layers.psd", "unsupported_image", 415),
        ("figure.eps", "unsupported_image", 415),
        ("truncated.jpg", "invalid_image", 400),
        ("bomb-10000.png", "image_too_large", 413),
        ("bomb-20000.png", "image_too_large", 413),
    ],
)
def test_bad_files_are_rejected_quickly(name, code, status):
    data = (RESOURCES / name).read_bytes()
    started = time.perf_counter()
    with pytest.raises(ImageRejected) as caught:
        process_upload(data)
    assert time.perf_counter() - started < 2
    assert (caught.value.code, caught.value.status) == (code, status)


def test_own_pixel_cap_applies_below_pillows_limit():
    # 10 MP is far below Pillow's own bomb limit; our cap (here 5 MP) must still refuse it.
    data = jpeg_bytes(Image.new("RGB", (4000, 2500), (9, 9, 9)))
    with pytest.raises(ImageRejected) as caught:
        process_upload(data, max_pixels=5_000_000)
    assert caught.value.code == "image_too_large"
    assert process_upload(data, max_pixels=10_000_000).width == 2048


def test_jpeg_with_broken_header_is_invalid_not_a_crash():
    data = b"\xff\xd8\xff\xe0" + b"\x00" * 200
    with pytest.raises(ImageRejected) as caught:
        process_upload(data)
    assert (caught.value.code, caught.value.status) == ("invalid_image", 400)


def test_empty_upload_is_invalid():
    with pytest.raises(ImageRejected) as caught:
        process_upload(b"")
    assert caught.value.status == 400
