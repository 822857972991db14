"""Voice notes: which container an upload really is, read from its bytes (never its name or
Content-Type), and its duration as the phone reported it. Pure module: no Flask, no database.

Allowed by list, as MediaRecorder writes them: WebM with Opus (Chrome, Firefox), Ogg with Opus
(Firefox), MP4 with AAC (Safari). Anything else, however it is named, is refused.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

AUDIO_MAX_BYTES = 5 * 1024 * 1024
# MediaRecorder stops at 120 s; the margin covers the phone's timer running late.
DURATION_MAX_S = 130.0

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EBML_DOCTYPE_ID = b"\x42\x82"
OGG_MAGIC = b"OggS"
# MP4 brands a recorder or converter writes for audio-only files.
MP4_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"mp41", b"isom", b"iso2", b"iso5", b"iso6", b"dash"}
# Where the codec must show: a WebM's Tracks element and an Ogg's first page come right after
# the header, so a short prefix is enough and a large upload is not scanned for nothing.
HEAD_BYTES = 4096


class AudioRejected(Exception):
    """An upload that is not an allowed voice note; `status` and `code` are the API's answer."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class CheckedAudio:
    """An accepted voice note: its bytes, the container's MIME type and the bytes' SHA-256."""

    data: bytes
    mime: str
    sha256: str


def _is_webm_opus(data: bytes) -> bool:
    if not data.startswith(EBML_MAGIC):
        return False
    head = data[:HEAD_BYTES]
    doctype = head.find(EBML_DOCTYPE_ID, 4, 64)
    # DocType element: its id, a one-byte size (0x80 | length), then the ASCII doc type.
    if doctype < 0 or head[doctype + 2:doctype + 3] != b"\x84" or head[doctype + 3:doctype + 7] != b"webm":
        return False
    return b"A_OPUS" in head


def _is_ogg_opus(data: bytes) -> bool:
    # The first page (27-byte header, its segment table) holds the OpusHead packet.
    return data.startswith(OGG_MAGIC) and b"OpusHead" in data[27:64]


def _is_mp4_aac(data: bytes) -> bool:
    if data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[0:4], "big")
    if size < 16 or size > 256:
        return False
    brands = {data[i:i + 4] for i in range(8, size, 4) if i != 12}  # major brand, then compatibles
    # The sample entry of an AAC track; a fragmented recording has it in the moov up front, a
    # converted file may keep the moov last, so the whole (≤ 5 MB) file is searched.
    return bool(brands & MP4_AUDIO_BRANDS) and b"mp4a" in data


_CONTAINERS = (
    ("audio/webm", _is_webm_opus),
    ("audio/ogg", _is_ogg_opus),
    ("audio/mp4", _is_mp4_aac),
)


def check_audio(data: bytes, max_bytes: int = AUDIO_MAX_BYTES) -> CheckedAudio:
    """The upload if its bytes are an allowed voice note (413 `audio_too_large` above
    max_bytes, 415 `unsupported_audio` for anything else)."""
    if len(data) > max_bytes:
        raise AudioRejected(413, "audio_too_large")
    for mime, matches in _CONTAINERS:
        if matches(data):
            return CheckedAudio(data=data, mime=mime, sha256=hashlib.sha256(data).hexdigest())
    raise AudioRejected(415, "unsupported_audio")


def parse_duration(value: str | None) -> float | None:
    """The phone's duration in seconds (None when not sent); ValueError unless 0–130 s."""
    if value is None or value.strip() == "":
        return None
    seconds = float(value)
    if not math.isfinite(seconds) or not 0 <= seconds <= DURATION_MAX_S:
        raise ValueError(f"duration out of range: {value!r}")
    return round(seconds, 1)
