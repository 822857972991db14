"""Photo files under `<instance>/photos/`, named by a generated key (never by the upload name).
Voice notes live there too, one file `<key>.audio` each (the container is in the audio row).
The same names are the object keys (under S3_PREFIX) when photos are kept in a bucket; callers
go through walkapp.findings.object_store, which uses the local functions here.

Pure module: callers pass the photos root folder. Writes are atomic (temporary file in the
same folder, then os.replace), so a crash never leaves a half-written photo behind a row; a
crash (kill -9) can leave the temporary file itself, which `stale_temporary_files` finds.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

THUMB_SUFFIX = "_thumb.jpg"
# The follow-up map's popup image; optional (photos stored before it have none).
MAP_SUFFIX = "_map.jpg"
MAIN_SUFFIX = ".jpg"
AUDIO_SUFFIX = ".audio"
TEMP_PREFIX = ".tmp-"
TEMP_SUFFIX = ".part"
# A file without a row younger than this may belong to an upload still under way (files are
# written before the row is committed, and may take a while on a busy server): left alone.
LEFTOVER_AGE_S = 3600


def photos_root(instance_path: str | os.PathLike[str]) -> Path:
    """The folder all photo files live under: `<instance>/photos`."""
    return Path(instance_path) / "photos"


def new_storage_key() -> str:
    """A fresh key "ab/<uuid hex>"; the two-character folder keeps directories small."""
    name = uuid.uuid4().hex
    return f"{name[:2]}/{name}"


def _check_key(storage_key: str) -> None:
    prefix, _, name = storage_key.partition("/")
    if len(prefix) != 2 or len(name) != 32 or not (prefix + name).isalnum() or name[:2] != prefix:
        raise ValueError(f"not a storage key: {storage_key!r}")


def photo_name(storage_key: str, thumb: bool = False) -> str:
    """The stored name ("ab/<hex>.jpg" or "ab/<hex>_thumb.jpg") of a photo or its thumbnail:
    a path under the photos folder, or an object key under S3_PREFIX."""
    _check_key(storage_key)
    return storage_key + (THUMB_SUFFIX if thumb else MAIN_SUFFIX)


def audio_name(storage_key: str) -> str:
    """The stored name ("ab/<hex>.audio") of the voice note with this key."""
    _check_key(storage_key)
    return storage_key + AUDIO_SUFFIX


def map_name(storage_key: str) -> str:
    """The stored name ("ab/<hex>_map.jpg") of a photo's small follow-up map image."""
    _check_key(storage_key)
    return storage_key + MAP_SUFFIX


def stored_names(storage_key: str) -> tuple[str, str, str, str]:
    """Every name a key can be stored under (photo, thumbnail, map image, voice note)."""
    return (photo_name(storage_key), photo_name(storage_key, thumb=True), map_name(storage_key),
            audio_name(storage_key))


def photo_path(root: Path, storage_key: str, thumb: bool = False) -> Path:
    """Where the photo (or its thumbnail) with this key lives."""
    return Path(root) / photo_name(storage_key, thumb)


def map_thumb_path(root: Path, storage_key: str) -> Path:
    """Where the map popup image of the photo with this key lives."""
    _check_key(storage_key)
    return Path(root) / (storage_key + MAP_SUFFIX)


def audio_path(root: Path, storage_key: str) -> Path:
    """Where the voice note with this key lives."""
    return Path(root) / audio_name(storage_key)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that it either appears whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
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


def save_photo_files(root: Path, storage_key: str, jpeg: bytes, thumb: bytes, map_thumb: bytes = b"") -> None:
    """Write the photo, its thumbnail and (when given) its map image; on failure nothing is
    left behind."""
    try:
        write_atomic(photo_path(root, storage_key), jpeg)
        write_atomic(photo_path(root, storage_key, thumb=True), thumb)
        if map_thumb:
            write_atomic(map_thumb_path(root, storage_key), map_thumb)
    except BaseException:
        delete_photo_files(root, storage_key)
        raise


def save_map_thumb(root: Path, storage_key: str, data: bytes) -> None:
    """Write a photo's map image atomically (made later for a photo stored without one)."""
    write_atomic(map_thumb_path(root, storage_key), data)


def save_audio_file(root: Path, storage_key: str, data: bytes) -> None:
    """Write a voice note atomically (a failed write leaves nothing behind)."""
    write_atomic(audio_path(root, storage_key), data)


def delete_photo_files(root: Path, storage_key: str) -> None:
    """Remove a photo and its thumbnail, or a voice note (keys are unique across both, so every
    deletion path handles both); missing files are fine (cleanup may run twice)."""
    for path in (photo_path(root, storage_key), photo_path(root, storage_key, thumb=True),
                 map_thumb_path(root, storage_key), audio_path(root, storage_key)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@dataclass(frozen=True)
class StoredFile:
    """One file found under the photos folder (or one object in the bucket)."""

    path: Path | None  # None for an object in a bucket
    relative: str  # "ab/<hex>.jpg", as shown to an operator (the object key less S3_PREFIX)
    age_s: float  # since its last modification
    storage_key: str | None = None  # the photo it belongs to, when named like one of ours
    thumb: bool = False
    temporary: bool = False  # a write that never reached os.replace
    audio: bool = False  # a voice note's file
    map_thumb: bool = False  # a photo's map popup image


def classify(relative: str, age: float, path: Path | None = None) -> StoredFile:
    """What a stored name is: one of our photo, thumbnail or voice-note names, a temporary
    file of an interrupted write, or something we never write."""
    base = relative.rsplit("/", 1)[-1]
    if base.startswith(TEMP_PREFIX) and base.endswith(TEMP_SUFFIX):
        return StoredFile(path, relative, age, temporary=True)
    # The ".jpg" of the photo itself last: the thumbnail and map image end with it too.
    for suffix, kind in ((THUMB_SUFFIX, "thumb"), (MAP_SUFFIX, "map_thumb"), (MAIN_SUFFIX, ""),
                         (AUDIO_SUFFIX, "audio")):
        if relative.endswith(suffix):
            key = relative[: -len(suffix)]
            try:
                _check_key(key)
            except ValueError:
                break
            return StoredFile(path, relative, age, storage_key=key, thumb=kind == "thumb",
                              audio=kind == "audio", map_thumb=kind == "map_thumb")
    return StoredFile(path, relative, age)


def stored_files(root: Path, now: float | None = None) -> list[StoredFile]:
    """Every file under the photos folder (none when the folder does not exist yet)."""
    root = Path(root)
    now = time.time() if now is None else now
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            with contextlib.suppress(FileNotFoundError):  # removed while we looked
                found.append(classify(path.relative_to(root).as_posix(), now - path.stat().st_mtime, path))
    return sorted(found, key=lambda f: f.relative)


def stale_temporary_files(root: Path, older_than_s: float = LEFTOVER_AGE_S) -> list[StoredFile]:
    """Temporary files of interrupted writes, older than `older_than_s` (younger ones may be
    written right now by another worker)."""
    return [f for f in stored_files(root) if f.temporary and f.age_s > older_than_s]


def remove_files(files: list[StoredFile]) -> list[StoredFile]:
    """Delete these files; the ones actually removed (gone already is fine)."""
    removed = []
    for stored in files:
        with contextlib.suppress(FileNotFoundError):
            stored.path.unlink()
            removed.append(stored)
    return removed


@dataclass
class PhotoCheck:
    """Photo rows and files compared (see `check_photo_files`)."""

    rows: int = 0
    audio_rows: int = 0
    files: int = 0
    # (photo id, finding id, storage key, what is missing: "photo" and/or "thumbnail", or "audio")
    rows_without_files: list[tuple[str, str, str, list[str]]] = field(default_factory=list)
    orphans: list[StoredFile] = field(default_factory=list)  # photo-named, no row, old
    leftovers: list[StoredFile] = field(default_factory=list)  # temporary files, old
    recent: list[StoredFile] = field(default_factory=list)  # either, but young: maybe uploading
    unknown: list[StoredFile] = field(default_factory=list)  # not a name we write: left alone

    @property
    def removable(self) -> list[StoredFile]:
        return self.orphans + self.leftovers


def _kind(stored: StoredFile) -> str:
    if stored.map_thumb:
        return "map"
    return "audio" if stored.audio else "thumbnail" if stored.thumb else "photo"


def check_photo_files(
    rows: list[tuple[object, object, str]], files: list[StoredFile], older_than_s: float = LEFTOVER_AGE_S,
    audio_rows: list[tuple[object, object, str]] = (),
) -> PhotoCheck:
    """Compare photo rows and voice-note rows (id, finding id, storage key) with the files
    `stored_files` found. List the files before reading the rows: a photo's files are written
    before its row, so a file listed then has its row by the time the rows are read, unless it
    really is an orphan."""
    check = PhotoCheck(rows=len(rows), audio_rows=len(audio_rows), files=len(files))
    present = {(f.storage_key, _kind(f)) for f in files if f.storage_key}
    keys = set()
    expected = [(row, ("photo", "thumbnail")) for row in rows] + [(row, ("audio",)) for row in audio_rows]
    for (row_id, finding_id, storage_key), kinds in expected:
        keys.add(storage_key)
        missing = [kind for kind in kinds if (storage_key, kind) not in present]
        if missing:
            check.rows_without_files.append((str(row_id), str(finding_id), storage_key, missing))
    for stored in files:
        if stored.storage_key is None and not stored.temporary:
            check.unknown.append(stored)
        elif stored.storage_key in keys:
            continue
        elif stored.age_s <= older_than_s:
            check.recent.append(stored)
        elif stored.temporary:
            check.leftovers.append(stored)
        else:
            check.orphans.append(stored)
    return check
