"""Where photo, thumbnail, check-photo and voice-note bytes are kept: the instance's photos
folder (`PHOTO_STORAGE = "local"`, the default) or an S3-compatible bucket (`"s3"`).

One store per app, made by `init_store` in the factory; every caller takes `current_store()`
and uses the same interface, named by the stored names of walkapp.findings.storage
("ab/<hex>.jpg", "ab/<hex>_thumb.jpg", "ab/<hex>.audio"). Nothing here knows which S3 server
answers: only the endpoint URL, bucket, prefix and boto3's usual credentials.

Writes are atomic in both: a local file is written to a temporary name and renamed, an S3 PUT
makes the object appear whole or not at all. Callers write the bytes before the row and delete
them again when the row is not committed (walkapp.findings.api_input).
"""
from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from flask import Flask, current_app

from walkapp import security_headers
from walkapp.findings.storage import (
    LEFTOVER_AGE_S,
    StoredFile,
    classify,
    map_name,
    photo_name,
    photos_root,
    remove_files,
    stale_temporary_files,
    stored_files,
    stored_names,
    write_atomic,
)

log = logging.getLogger(__name__)
EXTENSION_KEY = "walkapp_photo_store"
CHUNK = 64 * 1024


class StorageUnavailable(Exception):
    """The photo storage refused or could not be reached (the request is answered 503)."""


class RangeNotSatisfiable(Exception):
    """The byte range asked for lies outside the object (answered 416)."""


@dataclass
class StoredObject:
    """An open stored object: read it chunk by chunk, then close it."""

    stream: BinaryIO
    size: int
    etag: str | None  # without quotes
    modified: float  # POSIX time of the last write
    content_range: str | None = None  # "bytes 0-99/1234" when only a range was asked for

    def chunks(self) -> Iterator[bytes]:
        """The bytes in chunks of 64 KiB; closes the stream at the end (or when abandoned)."""
        try:
            while chunk := self.stream.read(CHUNK):
                yield chunk
        finally:
            self.stream.close()

    def close(self) -> None:
        self.stream.close()


class PhotoStore(Protocol):
    """The interface both stores offer."""

    kind: str

    def describe(self) -> str: ...
    def put(self, name: str, data: bytes) -> None: ...
    def read(self, name: str) -> bytes | None: ...
    def open(self, name: str, byte_range: str | None = None) -> StoredObject | None: ...
    def size(self, name: str) -> int | None: ...
    def delete(self, name: str) -> None: ...
    def list(self) -> list[StoredFile]: ...
    def remove(self, files: list[StoredFile]) -> list[StoredFile]: ...
    def stale_temporary(self, older_than_s: float = LEFTOVER_AGE_S) -> list[StoredFile]: ...
    def local_path(self, name: str) -> Path | None: ...
    def presigned_url(self, name: str, seconds: int, mime: str) -> str | None: ...


class LocalStore:
    """Files under `<instance>/photos`, as the embedded default has always kept them."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        """How an operator finds the store: its folder."""
        return f"Photos folder {self.root}"

    def _path(self, name: str) -> Path:
        return self.root / name

    def put(self, name: str, data: bytes) -> None:
        """Write the file atomically."""
        write_atomic(self._path(name), data)

    def read(self, name: str) -> bytes | None:
        """The whole file, or None when it is missing."""
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            return None

    def open(self, name: str, byte_range: str | None = None) -> StoredObject | None:
        """The open file, or None when it is missing (ranges: views use `local_path`)."""
        try:
            handle = self._path(name).open("rb")
        except FileNotFoundError:
            return None
        stat = Path(handle.name).stat()
        return StoredObject(handle, stat.st_size, None, stat.st_mtime)

    def size(self, name: str) -> int | None:
        """Its size in bytes, or None when it is missing."""
        try:
            return self._path(name).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, name: str) -> None:
        """Remove it; a file that is gone already is fine (cleanup may run twice)."""
        with contextlib.suppress(FileNotFoundError):
            self._path(name).unlink()

    def list(self) -> list[StoredFile]:
        """Every file under the folder, with its age."""
        return stored_files(self.root)

    def remove(self, files: list[StoredFile]) -> list[StoredFile]:
        """Delete these files; the ones actually removed."""
        return remove_files(files)

    def stale_temporary(self, older_than_s: float = LEFTOVER_AGE_S) -> list[StoredFile]:
        """Temporary files interrupted writes left, older than `older_than_s`."""
        return stale_temporary_files(self.root, older_than_s)

    def local_path(self, name: str) -> Path | None:
        """The file itself, so views can answer ranges and conditional requests from it."""
        return self._path(name)

    def presigned_url(self, name: str, seconds: int, mime: str) -> str | None:
        """None: a folder has no URL of its own, the view serves the file."""
        return None


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Store:
    """Objects `<S3_PREFIX><name>` in one bucket of any S3-compatible server."""

    kind = "s3"

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self._errors = (BotoCoreError, ClientError)

    def describe(self) -> str:
        """How an operator finds the store: bucket and prefix."""
        return f"Bucket s3://{self.bucket}/{self.prefix}"

    def _key(self, name: str) -> str:
        return self.prefix + name

    @contextlib.contextmanager
    def _call(self):
        try:
            yield
        except self._errors as exc:
            raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def put(self, name: str, data: bytes) -> None:
        """One PUT: the object appears whole or not at all."""
        content_type = "image/jpeg" if name.endswith(".jpg") else "application/octet-stream"
        with self._call():
            self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data,
                                   ContentType=content_type)

    def _get(self, name: str, byte_range: str | None = None) -> dict | None:
        extra = {"Range": byte_range} if byte_range else {}
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(name), **extra)
        except self._errors as exc:
            code = _error_code(exc)
            if code in _MISSING:
                return None
            if code in ("InvalidRange", "416"):
                raise RangeNotSatisfiable(name) from exc
            raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def read(self, name: str) -> bytes | None:
        """The whole object, or None when there is none."""
        answer = self._get(name)
        if answer is None:
            return None
        with self._call(), contextlib.closing(answer["Body"]) as body:
            return body.read()

    def open(self, name: str, byte_range: str | None = None) -> StoredObject | None:
        """The object's body (or the HTTP `byte_range` of it, e.g. "bytes=0-99") as a stream,
        not read into memory; None when there is none."""
        answer = self._get(name, byte_range)
        if answer is None:
            return None
        return StoredObject(answer["Body"], int(answer["ContentLength"]),
                            str(answer.get("ETag", "")).strip('"') or None,
                            answer["LastModified"].timestamp(), answer.get("ContentRange"))

    def size(self, name: str) -> int | None:
        """Its size from a HEAD request, or None when there is none."""
        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=self._key(name))
        except self._errors as exc:
            if _error_code(exc) in _MISSING:
                return None
            raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return int(answer["ContentLength"])

    def delete(self, name: str) -> None:
        """Remove the object (S3 answers the same when it is gone already)."""
        with self._call():
            self.client.delete_object(Bucket=self.bucket, Key=self._key(name))

    def list(self) -> list[StoredFile]:
        """Every object under the prefix, with its age since it was written."""
        now = time.time()
        found = []
        with self._call():
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    relative = item["Key"][len(self.prefix):]
                    found.append(classify(relative, now - item["LastModified"].timestamp()))
        return sorted(found, key=lambda f: f.relative)

    def remove(self, files: list[StoredFile]) -> list[StoredFile]:
        """Delete these objects, up to 1,000 per request; the ones removed."""
        removed: list[StoredFile] = []
        for start in range(0, len(files), 1000):
            batch = files[start:start + 1000]
            with self._call():
                answer = self.client.delete_objects(Bucket=self.bucket, Delete={
                    "Objects": [{"Key": self._key(f.relative)} for f in batch], "Quiet": True})
            failed = {error["Key"] for error in answer.get("Errors", [])}
            removed += [f for f in batch if self._key(f.relative) not in failed]
        return removed

    def stale_temporary(self, older_than_s: float = LEFTOVER_AGE_S) -> list[StoredFile]:
        """None: a PUT that fails leaves no object behind."""
        return []

    def local_path(self, name: str) -> Path | None:
        """None: the object is streamed from the bucket."""
        return None

    def presigned_url(self, name: str, seconds: int, mime: str) -> str | None:
        """A URL that fetches the object without credentials for `seconds`, served with
        this Content-Type and the same private caching as the view's answers."""
        with self._call():
            return self.client.generate_presigned_url("get_object", ExpiresIn=seconds, Params={
                "Bucket": self.bucket, "Key": self._key(name), "ResponseContentType": mime,
                "ResponseCacheControl": f"private, max-age={seconds}",
            })


def s3_store(config: dict) -> S3Store:
    """An S3Store from S3_BUCKET, S3_PREFIX, S3_ENDPOINT_URL and S3_REGION; credentials come
    the usual boto3 way (environment, ~/.aws, instance role)."""
    import boto3
    from botocore.config import Config

    if not config.get("S3_BUCKET"):
        raise RuntimeError("PHOTO_STORAGE = 's3' needs S3_BUCKET")
    # A session of its own: boto3's default session is shared module state and not thread-safe
    # to create lazily; the client made here is safe to share between threads.
    session = boto3.session.Session()
    client = session.client(
        "s3", endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region_name=config.get("S3_REGION") or None,
        config=Config(signature_version="s3v4", connect_timeout=5, read_timeout=30,
                      retries={"max_attempts": 3, "mode": "standard"}),
    )
    return S3Store(client, config["S3_BUCKET"], config.get("S3_PREFIX") or "")


def make_store(config: dict, instance_path: str | Path) -> PhotoStore:
    """The store PHOTO_STORAGE names."""
    kind = config.get("PHOTO_STORAGE") or "local"
    if kind == "local":
        return LocalStore(photos_root(instance_path))
    if kind == "s3":
        return s3_store(config)
    raise RuntimeError(f"PHOTO_STORAGE must be 'local' or 's3', not {kind!r}")


def init_store(app: Flask) -> PhotoStore:
    """Choose the app's store once, when the app is made."""
    store = app.extensions[EXTENSION_KEY] = make_store(app.config, app.instance_path)
    security_headers.allow_sources(app, presigned_sources)
    return store


def presigned_sources() -> dict[str, list[str]]:
    """The bucket's origin for the page policy when photos and voice notes are answered with a
    redirect to a presigned URL: <img> and <audio> follow it, and CSP checks the redirect's
    target. Taken from a URL the client signs (locally, no request), so the addressing style
    (bucket.host or host/bucket) and AWS's regional hosts come out as boto3 makes them."""
    store = current_store()
    if current_app.config.get("PHOTO_REDIRECT") != "presigned" or store.kind != "s3":
        return {}
    origin = current_app.extensions.get("presigned_origin")
    if origin is None:
        try:
            origin = security_headers.url_origin(store.presigned_url("origin-probe", 60, "image/jpeg") or "")
        except StorageUnavailable:  # no credentials yet: the endpoint, and ask again next time
            origin = security_headers.url_origin(current_app.config.get("S3_ENDPOINT_URL") or "")
        else:
            current_app.extensions["presigned_origin"] = origin
    return {"img-src": [origin], "media-src": [origin]} if origin else {}


def current_store() -> PhotoStore:
    """The store of the current app."""
    return current_app.extensions[EXTENSION_KEY]


def save_photo(store: PhotoStore, storage_key: str, jpeg: bytes, thumb: bytes,
               map_thumb: bytes = b"") -> None:
    """Write the photo, its thumbnail and (when given) its map image; on failure nothing is
    left behind."""
    try:
        store.put(photo_name(storage_key), jpeg)
        store.put(photo_name(storage_key, thumb=True), thumb)
        if map_thumb:
            store.put(map_name(storage_key), map_thumb)
    except BaseException:
        discard(store, [storage_key])
        raise


def delete_stored(store: PhotoStore, storage_key: str) -> None:
    """Remove everything stored under a key (photo, thumbnail or voice note: keys are unique
    across them, so every deletion path handles all three)."""
    for name in stored_names(storage_key):
        store.delete(name)


def discard(store: PhotoStore, storage_keys: Iterable[str]) -> None:
    """Delete stored bytes whose rows are gone or never came; a storage error is logged, not
    raised: the answer is already decided, and `photos check --repair` finds what is left."""
    for key in storage_keys:
        try:
            delete_stored(store, key)
        except (StorageUnavailable, OSError):
            log.exception("Could not delete the stored files of %s; `photos check` lists them", key)
