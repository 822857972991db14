"""The follow-up map's popup image of a photo, as stored bytes (no decode at export).

The one place the map export reads photo files, so a storage backend can take it over. Photos
ingested before `_map.jpg` existed get it made once from their thumbnail, on first use.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

from walkapp.findings.images import map_thumbnail_from_thumb
from walkapp.findings.storage import map_thumb_path, photo_path, save_map_thumb


def map_thumbnail_bytes(root: Path, storage_key: str) -> bytes | None:
    """The JPEG of the photo's map popup image; None when the photo's files are gone."""
    try:
        return map_thumb_path(root, storage_key).read_bytes()
    except FileNotFoundError:
        pass
    try:
        thumb = photo_path(root, storage_key, thumb=True).read_bytes()
    except FileNotFoundError:
        return None
    data = map_thumbnail_from_thumb(thumb)
    # A read-only or full disk only costs the next export the same small decode again.
    with contextlib.suppress(OSError):
        save_map_thumb(root, storage_key, data)
    return data
