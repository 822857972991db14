"""Streaming ZIP archive of a walk's photos and voice notes. Pure module: no Flask imports.

Entries are named `<category code>-<finding short id>-<n>.jpg` (short id: the first 8 hex
digits of the finding's UUID; n counts that finding's visible photos from 1). Hidden photos
are never passed in. The archive is produced chunk by chunk: zipfile writes to a sink that
cannot seek (so it uses data descriptors) and each chunk is handed on as soon as it is
written, so memory stays flat however many photos there are. The bytes come from the photo
store through callables (a file path locally, an object streamed from the bucket on S3), one
entry open at a time.
"""
from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from walkapp.exports.queries import ExportFinding

CHUNK = 64 * 1024


class _Sink:
    """A write-only, non-seekable file object whose written bytes are collected and drained."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


# A voice note's entry ends in its container's usual extension, so a player opens it.
AUDIO_EXTENSIONS = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a"}


def _is_file(source: Any) -> bool:
    return Path(source).is_file()


def archive_entries(
    items: Iterable[ExportFinding], path_for: Callable[[object], Any],
    audio_for: Callable[[ExportFinding], Iterable[tuple[str, Any]]] | None = None,
    exists: Callable[[Any], bool] = _is_file,
) -> list[tuple[str, Any]]:
    """(entry name, source) for every visible photo whose source `exists`, and every voice note
    (`audio_for(item)` → (mime, source) of the finding's voice notes) named
    `<category code>-<finding short id>-voice-<n>.<webm|ogg|m4a>`. A source is a file path, or
    whatever the `exists` and `open_source` given here and to `stream_zip` understand."""
    entries = []
    for item in items:
        if audio_for is not None:
            n = 0
            for mime, source in audio_for(item):
                if not exists(source):
                    continue
                n += 1
                extension = AUDIO_EXTENSIONS.get(mime, "audio")
                entries.append((f"{item.finding.category.code}-{item.short_id}-voice-{n}.{extension}", source))
        n = 0
        for photo in item.photos:
            if photo.hidden:
                continue
            source = path_for(photo)
            if not exists(source):
                continue
            n += 1
            entries.append((f"{item.finding.category.code}-{item.short_id}-{n}.jpg", source))
    return entries


def _open_file(source: Any) -> BinaryIO:
    return Path(source).open("rb")


def stream_zip(
    entries: Iterable[tuple[str, Any]], open_source: Callable[[Any], BinaryIO | None] = _open_file,
) -> Iterator[bytes]:
    """Yield a ZIP archive of the sources chunk by chunk (stored: JPEGs do not compress); a
    source gone since `archive_entries` looked (`open_source` → None) is left out."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name, source_ref in entries:
            handle = open_source(source_ref)
            if handle is None:
                continue
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_STORED
            with handle as source, archive.open(info, mode="w") as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    if data := sink.drain():
                        yield data
            if data := sink.drain():
                yield data
    if data := sink.drain():
        yield data
