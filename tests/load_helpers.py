"""Mixed load over real HTTP: phones posting findings (a photo on some) while staff export maps.

Shared by tests/test_sqlite_load.py and bench/bench_sqlite_mixed_load.py. Each phone has its own
cookie jar, joins the walk by code and sends as the outbox does: JSON with the CSRF header, and
a 503 is sent again after its Retry-After (the outbox retries every 5xx)."""
from __future__ import annotations

import http.cookiejar
import io
import json
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message

CATEGORIES = ("lighting", "graffiti", "vandalism", "vegetation", "hidden_corner", "access", "litter", "traffic")
MAX_ATTEMPTS = 8


@dataclass
class LoadResult:
    """What the phones and the exporter saw."""

    post_seconds: list[float] = field(default_factory=list)  # per finding, retries included
    statuses: Counter = field(default_factory=Counter)  # every answer to a phone, by status
    busy_answers: int = 0  # 503s the phones had to send again
    busy_waits: list[tuple[str, float]] = field(default_factory=list)  # (what, seconds until the 503)
    errors: list[str] = field(default_factory=list)  # anything but an accepted answer in the end
    finding_ids: list[str] = field(default_factory=list)
    photos_sent: int = 0
    export_statuses: Counter = field(default_factory=Counter)
    export_seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def percentile(self, fraction: float) -> float:
        """The post latency below which this fraction of findings fell (seconds)."""
        ordered = sorted(self.post_seconds)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def median(self) -> float:
        return statistics.median(self.post_seconds) if self.post_seconds else 0.0


class HttpClient:
    """A browser-like client with its own cookies: one phone, or one staff member."""

    def __init__(self, base_url: str, timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
        """(status, headers, body); error statuses are answers too, not exceptions."""
        req = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=self.timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.headers, exc.read()

    def csrf(self) -> str:
        """A CSRF token bound to this client's session (what the outbox fetches first)."""
        status, _, body = self.request("GET", "/api/v1/csrf", headers={"Accept": "application/json"})
        assert status == 200, status
        return json.loads(body)["csrf_token"]

    def post_form(self, path: str, fields: dict[str, str]) -> int:
        """Submit a form as our pages do (redirects followed); the final status."""
        body = urllib.parse.urlencode({**fields, "csrf_token": self.csrf()}).encode()
        status, _, _ = self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        return status


def sample_jpeg(width: int = 640, height: int = 480) -> bytes:
    """A real photo-sized JPEG (a gradient, so the encoder has work to do)."""
    from PIL import Image

    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _multipart(photo: bytes, photo_id: str) -> tuple[bytes, str]:
    boundary = "load-" + uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n{photo_id}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\n"
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode() + photo + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _send(client: HttpClient, path: str, body: bytes, headers: dict[str, str],
          result: LoadResult, what: str) -> bool:
    """POST until accepted (2xx); a 503 waits for its Retry-After and is sent again."""
    for _attempt in range(MAX_ATTEMPTS):
        began = time.perf_counter()
        try:
            status, response_headers, _ = client.request("POST", path, body, headers)
        except OSError as exc:  # a dropped connection is an error, not a retry
            with result.lock:
                result.errors.append(f"{what}: {exc!r}")
            return False
        with result.lock:
            result.statuses[status] += 1
        if 200 <= status < 300:
            return True
        if status != 503:
            with result.lock:
                result.errors.append(f"{what}: HTTP {status}")
            return False
        with result.lock:
            result.busy_answers += 1
            result.busy_waits.append((what, time.perf_counter() - began))
        time.sleep(float(response_headers.get("Retry-After") or 1))
    with result.lock:
        result.errors.append(f"{what}: still 503 after {MAX_ATTEMPTS} attempts")
    return False


def _phone(client: HttpClient, walk_id: int, count: int, photo_every: int, photo: bytes,
           start: threading.Barrier, result: LoadResult) -> None:
    token = client.csrf()
    start.wait()
    for n in range(count):
        finding_id = str(uuid.uuid4())
        payload = {
            "id": finding_id, "lat": 55.6660 + (n % 25) * 0.00004, "lon": 12.6035 + (n % 20) * 0.0002,
            "accuracy_m": 8.0, "location_source": "gps", "category": CATEGORIES[n % len(CATEGORIES)],
            "rating": n % 4, "description": f"Fund {n}: mørk sti bag blok {n % 12}",
            "observed_at": datetime.now(UTC).isoformat(),
        }
        began = time.perf_counter()
        stored = _send(client, f"/api/v1/walks/{walk_id}/findings", json.dumps(payload).encode(), {
            "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token,
        }, result, f"finding {finding_id}")
        elapsed = time.perf_counter() - began
        with result.lock:
            result.post_seconds.append(elapsed)
            if stored:
                result.finding_ids.append(finding_id)
        if stored and photo_every and n % photo_every == 0:
            body, content_type = _multipart(photo, str(uuid.uuid4()))
            if _send(client, f"/api/v1/findings/{finding_id}/photos", body, {
                "Content-Type": content_type, "Accept": "application/json", "X-CSRFToken": token,
            }, result, f"photo of {finding_id}"):
                with result.lock:
                    result.photos_sent += 1


def _exporter(client: HttpClient, paths: list[str], stop: threading.Event, result: LoadResult) -> None:
    while not stop.is_set():
        for path in paths:
            began = time.perf_counter()
            try:
                status, _, _ = client.request("GET", path)
            except OSError as exc:
                status = repr(exc)
            with result.lock:
                result.export_statuses[status] += 1
                result.export_seconds.append(time.perf_counter() - began)


def run_mixed_load(base_url: str, walk_id: int, join_code: str, staff: tuple[str, str] | None, *,
                   phones: int = 10, per_phone: int = 50, photo_every: int = 10) -> LoadResult:
    """Phones join and post `per_phone` findings each; with `staff` (email, password) a staff
    member exports the walk's map and GeoJSON back to back until the phones are done."""
    result = LoadResult()
    photo = sample_jpeg()
    clients = [HttpClient(base_url) for _ in range(phones)]
    for client in clients:
        assert client.post_form(f"/j/{join_code}", {"role": "resident"}) == 200
    stop = threading.Event()
    exporter = None
    if staff is not None:
        staff_client = HttpClient(base_url)
        assert staff_client.post_form("/login", {"email": staff[0], "password": staff[1]}) == 200
        exporter = threading.Thread(target=_exporter, args=(
            staff_client, [f"/walks/{walk_id}/map.html", f"/walks/{walk_id}/export.geojson"], stop, result,
        ), daemon=True)
        exporter.start()
    start = threading.Barrier(phones)
    threads = [
        threading.Thread(target=_phone, args=(c, walk_id, per_phone, photo_every, photo, start, result), daemon=True)
        for c in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    stop.set()
    if exporter is not None:
        exporter.join(timeout=120)
    return result
