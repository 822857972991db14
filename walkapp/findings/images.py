"""Photo pipeline: check, decode, turn upright, strip metadata and re-encode uploads.

Pure module (Pillow only, no Flask): everything here runs before any database work, so a
slow or hostile file never holds a transaction open.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pillow_heif
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from walkapp.dates import LOCAL_TZ

pillow_heif.register_heif_opener()

# A truncated upload must fail the decode rather than come out half grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

MAX_SIDE = 2048
THUMB_SIDE = 400
JPEG_QUALITY = 82
THUMB_QUALITY = 78
# The follow-up map inlines one photo per finding in its popup (base64, in a single HTML file):
# the 400 px thumbnail is ~6x the bytes of this one, and the popup shows it at 160 px.
MAP_THUMB_SIDE = 160
MAP_THUMB_QUALITY = 70
DEFAULT_MAX_PIXELS = 40_000_000
# Phones without an offset tag write local time; our walks happen in Denmark.

EXIF_IFD = 0x8769
TAG_DATETIME_ORIGINAL = 0x9003
TAG_OFFSET_TIME_ORIGINAL = 0x9011

# HEIF brands written by phones (iPhone: heic/mif1; some Android: heix/hevc).
HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)


class ImageRejected(Exception):
    """An upload we refuse; `code` is the stable API error code, `status` the HTTP status."""

    def __init__(self, code: str, status: int, detail: str = ""):
        super().__init__(detail or code)
        self.code = code
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class ProcessedImage:
    """The re-encoded photo and thumbnail, ready to store."""

    jpeg: bytes
    thumb: bytes
    width: int
    height: int
    sha256: str
    taken_at: datetime | None
    source_format: str
    # The follow-up map's popup image (MAP_THUMB_SIDE); stored as `<key>_map.jpg`.
    map_thumb: bytes = b""


def sniff_format(data: bytes) -> str | None:
    """The Pillow format name for an allowed image type, judged by magic bytes only."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "HEIF"
    return None


def process_upload(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int = MAX_SIDE,
    thumb_side: int = THUMB_SIDE,
    quality: int = JPEG_QUALITY,
) -> ProcessedImage:
    """Decode an upload fully and return an upright, metadata-free JPEG and thumbnail."""
    if not data:
        raise ImageRejected("invalid_image", 400, "empty file")
    fmt = sniff_format(data)
    if fmt is None:
        # HTML, SVG, TIFF, PSD, EPS, … never reach a decoder.
        raise ImageRejected("unsupported_image", 415, "not a JPEG, PNG, WebP or HEIC file")
    digest = hashlib.sha256(data).hexdigest()

    with warnings.catch_warnings():
        # Pillow only warns about decompression bombs below twice its own limit; we refuse.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[fmt])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("image_too_large", 413, str(exc)) from exc
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise ImageRejected("invalid_image", 400, str(exc)) from exc
        try:
            return _process_open_image(img, fmt, digest, max_pixels, max_side, thumb_side, quality)
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("image_too_large", 413, str(exc)) from exc
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
            raise ImageRejected("invalid_image", 400, str(exc)) from exc
        finally:
            img.close()


def _process_open_image(
    img: Image.Image,
    fmt: str,
    digest: str,
    max_pixels: int,
    max_side: int,
    thumb_side: int,
    quality: int,
) -> ProcessedImage:
    width, height = img.size
    # Checked on the header, before a single pixel is decoded.
    if width <= 0 or height <= 0:
        raise ImageRejected("invalid_image", 400, "image has no pixels")
    if width * height > max_pixels:
        raise ImageRejected("image_too_large", 413, f"{width}x{height} pixels")

    taken_at = _taken_at(img)
    if fmt == "JPEG" and max(width, height) >= 2 * max_side:
        # Let libjpeg scale by 1/2, 1/4 or 1/8 while decoding: far less work for big photos.
        target = _fit(width, height, max_side)
        img.draft("RGB", target)
    img.load()
    # In place: a copy of a 12 MP image costs as much as a resize.
    ImageOps.exif_transpose(img, in_place=True)
    img = _to_rgb(img)

    if max(img.size) > max_side:
        img = img.resize(_fit(*img.size, max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    thumb = make_thumbnail(img, thumb_side)
    return ProcessedImage(
        jpeg=_encode(img, quality),
        thumb=_encode(thumb, THUMB_QUALITY),
        width=img.width,
        height=img.height,
        sha256=digest,
        taken_at=taken_at,
        source_format=fmt,
        # From the thumbnail, not the photo: a 400 px resize is far cheaper than a 2048 px one.
        map_thumb=_encode(make_thumbnail(thumb, MAP_THUMB_SIDE), MAP_THUMB_QUALITY),
    )


def map_thumbnail_from_thumb(thumb_jpeg: bytes) -> bytes:
    """The map popup JPEG made from a stored thumbnail (photos ingested before `_map.jpg`)."""
    with Image.open(io.BytesIO(thumb_jpeg), formats=["JPEG"]) as img:
        # libjpeg scales by 1/2 while decoding when that still covers the map image's size.
        img.draft("RGB", _fit(*img.size, MAP_THUMB_SIDE))
        img.load()
        small = make_thumbnail(_to_rgb(img), MAP_THUMB_SIDE)
    return _encode(small, MAP_THUMB_QUALITY)


def make_thumbnail(img: Image.Image, thumb_side: int = THUMB_SIDE) -> Image.Image:
    """The thumbnail of an upright RGB image (longest side at most `thumb_side`)."""
    if max(img.size) <= thumb_side:
        return img.copy()
    return img.resize(_fit(*img.size, thumb_side), Image.Resampling.BICUBIC, reducing_gap=2.0)


def _fit(width: int, height: int, side: int) -> tuple[int, int]:
    """Size scaled so the longest side is at most `side`, keeping the aspect ratio."""
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB for the JPEG encoder; transparent areas become white, not black."""
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if img.mode.startswith("I;16") or img.mode in ("I", "F"):
        # 16-bit and float images: scale to 8 bits before conversion.
        img = img.convert("I").point(lambda v: v / 256).convert("L")
    return img.convert("RGB")


def _encode(img: Image.Image, quality: int) -> bytes:
    """JPEG bytes without EXIF, GPS, XMP, ICC or comments (Pillow copies some from .info)."""
    img.info = {}
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=quality, optimize=False)
    return buffer.getvalue()


def _taken_at(img: Image.Image) -> datetime | None:
    """EXIF DateTimeOriginal as an aware UTC datetime, or None when missing or unreadable."""
    try:
        exif_ifd = img.getexif().get_ifd(EXIF_IFD)
    except Exception:  # noqa: BLE001 - broken EXIF is common and never a reason to refuse a photo
        return None
    raw = exif_ifd.get(TAG_DATETIME_ORIGINAL)
    if not isinstance(raw, str):
        return None
    try:
        local = datetime.strptime(raw.strip("\x00 ").strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = _parse_offset(exif_ifd.get(TAG_OFFSET_TIME_ORIGINAL))
    try:
        zone = timezone(offset) if offset is not None else LOCAL_TZ
        return local.replace(tzinfo=zone).astimezone(UTC)
    except (OverflowError, ValueError):
        # A camera clock at 0001-01-01 east of UTC, or an offset of a day or more, has no UTC
        # time; the photo is kept without one.
        return None


def _parse_offset(raw: object) -> timedelta | None:
    """EXIF OffsetTimeOriginal ("+01:00") as a timedelta."""
    if not isinstance(raw, str):
        return None
    text = raw.strip("\x00 ").strip()
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    sign = 1 if text[0] == "+" else -1
    return sign * timedelta(hours=hours, minutes=minutes)
