"""Irreversible blurring of areas of a stored photo. Pure module (Pillow only, no Flask).

Each box is pixelated (averaged into coarse blocks, which throws the detail away for good)
and then blurred with a wide gaussian, so neither sharpening nor "unpixelating" brings a face
or a number plate back: what is left in the box is a handful of smooth colours.
"""
from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass

from PIL import Image, ImageFilter

from walkapp.findings.images import JPEG_QUALITY, THUMB_QUALITY, make_thumbnail

MAX_BOXES = 20
# Blocks per box along its shorter side; fewer blocks = less left of what was there.
BLOCKS_ACROSS = 6
# Smallest block in pixels, so a tiny box is still blurred beyond reading.
MIN_BLOCK = 8

Box = tuple[int, int, int, int]  # left, top, right, bottom (right/bottom exclusive)


class InvalidBoxes(ValueError):
    """The boxes are not what the API accepts; the message says why (for the log, not the user)."""


@dataclass(frozen=True)
class RedactedImage:
    """The rewritten photo and thumbnail, ready to store."""

    jpeg: bytes
    thumb: bytes
    width: int
    height: int
    sha256: str


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_boxes(raw: object, width: int, height: int) -> list[Box]:
    """[[x, y, w, h], …] in the photo's pixels → pixel boxes, rounded outwards (so a box never
    blurs less than asked). Refused: not a list, none or more than MAX_BOXES, not four numbers,
    zero or negative size, or any part outside the photo."""
    if not isinstance(raw, list) or not raw:
        raise InvalidBoxes("boxes must be a non-empty list")
    if len(raw) > MAX_BOXES:
        raise InvalidBoxes(f"at most {MAX_BOXES} boxes")
    boxes = []
    for item in raw:
        if not isinstance(item, list) or len(item) != 4 or not all(_is_number(v) for v in item):
            raise InvalidBoxes("each box is [x, y, w, h]")
        x, y, w, h = (float(v) for v in item)
        if w <= 0 or h <= 0:
            raise InvalidBoxes("a box needs a positive width and height")
        if x < 0 or y < 0 or x + w > width or y + h > height:
            raise InvalidBoxes("a box reaches outside the photo")
        left, top = math.floor(x), math.floor(y)
        right, bottom = min(width, math.ceil(x + w)), min(height, math.ceil(y + h))
        boxes.append((left, top, right, bottom))
    return boxes


def blur_region(region: Image.Image) -> Image.Image:
    """The region pixelated into coarse blocks, then smoothed with a wide gaussian."""
    width, height = region.size
    block = max(MIN_BLOCK, math.ceil(min(width, height) / BLOCKS_ACROSS))
    small = region.resize(
        (max(1, math.ceil(width / block)), max(1, math.ceil(height / block))), Image.Resampling.BOX
    )
    blocky = small.resize((width, height), Image.Resampling.NEAREST)
    return blocky.filter(ImageFilter.GaussianBlur(radius=max(2.0, block / 2)))


def blur_boxes(img: Image.Image, boxes: list[Box]) -> Image.Image:
    """A copy of the image with every box blurred (overlapping boxes are fine)."""
    out = img.copy()
    for box in boxes:
        out.paste(blur_region(out.crop(box)), box[:2])
    return out


def encode_rewritten(img: Image.Image, quality: int) -> bytes:
    """JPEG bytes of a rewritten photo, without metadata, progressive with optimised Huffman
    tables: re-encoded like the upload, the unblurred part would come out as runs of the very
    same bytes as the original file, so the original's bytes could still be found (and are
    looked for, in the tests); coded differently, no run of them survives."""
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def redact_jpeg(data: bytes, raw_boxes: object) -> RedactedImage:
    """Blur the boxes of a stored photo (our own upright JPEG) and re-encode it and its
    thumbnail; the boxes are checked against the photo's decoded size."""
    # Stored photos are upright and carry no EXIF (the upload pipeline saw to it), so the
    # boxes drawn on the photo as shown are the boxes in these pixels.
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as opened:
        img = opened.convert("RGB")
    boxes = parse_boxes(raw_boxes, img.width, img.height)
    redacted = blur_boxes(img, boxes)
    redacted.info = {}
    # The quality of a fresh upload: the same quantisation, so the rest of the photo keeps its
    # look through one more generation.
    jpeg = encode_rewritten(redacted, JPEG_QUALITY)
    return RedactedImage(
        jpeg=jpeg, thumb=encode_rewritten(make_thumbnail(redacted), THUMB_QUALITY),
        width=redacted.width, height=redacted.height, sha256=hashlib.sha256(jpeg).hexdigest(),
    )
