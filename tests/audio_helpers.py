"""Voice notes for tests: a real recording from Chromium's MediaRecorder (WebM/Opus), and Ogg/Opus
and MP4/AAC files built box by box and page by page as the recorders of Firefox and Safari write
them (no encoder on the test machine; the server only reads the containers)."""
from __future__ import annotations

import io
import struct
from pathlib import Path

from tests.capture_api_helpers import send

AUDIO_DIR = Path(__file__).parent / "resources" / "audio"


def webm_opus() -> bytes:
    """One second recorded by Chromium (fake microphone), audio/webm;codecs=opus."""
    return (AUDIO_DIR / "chrome-1s.webm").read_bytes()


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(packet: bytes, sequence: int, granule: int, flags: int) -> bytes:
    lacing = bytes([255] * (len(packet) // 255) + [len(packet) % 255])
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, 0x5A17, sequence, 0, len(lacing))
    page = header + lacing + packet
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def ogg_opus(frames: int = 50) -> bytes:
    """An Ogg/Opus file: OpusHead, OpusTags, then `frames` 20 ms frames of silence (one TOC byte)."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 7) + b"walkapp" + struct.pack("<I", 0)
    pages = [_ogg_page(head, 0, 0, 0x02), _ogg_page(tags, 1, 0, 0)]
    for n in range(frames):
        pages.append(_ogg_page(b"\xf8", n + 2, (n + 1) * 960, 0x04 if n == frames - 1 else 0))
    return b"".join(pages)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_aac(brand: bytes = b"M4A ", with_track: bool = True) -> bytes:
    """An MP4 as Safari's MediaRecorder writes it: ftyp, then a moov whose sample entry is mp4a."""
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x00\x00" + b"M4A isommp42")
    entry = _box(b"mp4a" if with_track else b"avc1", b"\x00" * 28)
    stsd = _box(b"stsd", b"\x00\x00\x00\x00" + struct.pack(">I", 1) + entry)
    moov = _box(b"moov", _box(b"trak", _box(b"mdia", _box(b"minf", _box(b"stbl", stsd)))))
    return ftyp + moov + _box(b"mdat", b"\x21\x10\x04" * 200)


def mp3_bytes() -> bytes:
    """An MP3 (ID3 tag and MPEG frame headers): audio, but not a container on the list."""
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 413 * 3


def post_audio(client, finding_id, data: bytes, filename: str = "voice.webm", audio_id: str | None = None,
               duration_s: str | None = "1.0"):
    """Send a voice note as the outbox does (multipart, CSRF header)."""
    form = {"audio": (io.BytesIO(data), filename)}
    if audio_id:
        form["id"] = audio_id
    if duration_s is not None:
        form["duration_s"] = duration_s
    return send(client, "POST", f"/api/v1/findings/{finding_id}/audio", data=form,
                content_type="multipart/form-data")
