"""Photo files under `<instance>/photos/`, named by a generated key (never by the upload name).

Pure module: callers pass the photos root folder. Writes are atomic (temporary file in the
same folder, then os.replace), so a crash never leaves a half-written photo behind a row.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from pathlib import Path

THUMB_SUFFIX = "_thumb.jpg"
MAIN_SUFFIX = ".jpg"


def new_storage_key() -> str:
    """A fresh key "ab/<uuid hex>"; the two-character folder keeps directories small."""
    name = uuid.uuid4().hex
    return f"{name[:2]}/{name}"


def _check_key(storage_key: str) -> None:
    prefix, _, name = storage_key.partition("/")
    if len(prefix) != 2 or len(name) != 32 or not (prefix + name).isalnum() or name[:2] != prefix:
        raise ValueError(f"not a storage key: {storage_key!r}")


def photo_path(root: Path, storage_key: str, thumb: bool = False) -> Path:
    """Where the photo (or its thumbnail) with this key lives."""
    _check_key(storage_key)
    return Path(root) / (storage_key + (THUMB_SUFFIX if thumb else MAIN_SUFFIX))


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def save_photo_files(root: Path, storage_key: str, jpeg: bytes, thumb: bytes) -> None:
    """Write the photo and its thumbnail; on failure nothing is left behind."""
    try:
        _write_atomic(photo_path(root, storage_key), jpeg)
        _write_atomic(photo_path(root, storage_key, thumb=True), thumb)
    except BaseException:
        delete_photo_files(root, storage_key)
        raise


def delete_photo_files(root: Path, storage_key: str) -> None:
    """Remove a photo and its thumbnail; missing files are fine (cleanup may run twice)."""
    for thumb in (False, True):
        with contextlib.suppress(FileNotFoundError):
            photo_path(root, storage_key, thumb=thumb).unlink()
