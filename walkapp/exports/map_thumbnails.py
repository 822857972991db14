"""The follow-up map's popup image of a photo, as stored bytes (no decode at export).

The one place the map export reads photos. Photos ingested before `_map.jpg` existed get it made
once from their thumbnail, on first use, and kept in the photo store.
"""
from __future__ import annotations

from walkapp.findings.images import map_thumbnail_from_thumb
from walkapp.findings.object_store import PhotoStore, StorageUnavailable
from walkapp.findings.storage import map_name, photo_name


def map_thumbnail_bytes(store: PhotoStore, storage_key: str) -> bytes | None:
    """The JPEG of the photo's map popup image; None when the photo's files are gone."""
    data = store.read(map_name(storage_key))
    if data is not None:
        return data
    thumb = store.read(photo_name(storage_key, thumb=True))
    if thumb is None:
        return None
    data = map_thumbnail_from_thumb(thumb)
    # A read-only disk or a refusing bucket only costs the next export the same small decode.
    try:
        store.put(map_name(storage_key), data)
    except (StorageUnavailable, OSError):
        pass
    return data
