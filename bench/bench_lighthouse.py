"""Lighthouse 12 mobile performance of the join, login and capture pages, and join's first
contentful paint against a plain page served in the same run.

The demo data (seed-demo) goes into a throw-away instance folder; the app is served by gunicorn
(2 workers) on 127.0.0.1, and a plain HTML page (a heading and a paragraph, no CSS or script) by
a small server in this script. The capture page is measured as a joined participant: the bench
joins the demo walk over HTTP and hands the session cookie to Lighthouse (`--extra-headers`).
Map tiles are switched off (MAP_TILE_URL=""): they come from the tile server, not from us.

Lighthouse's mobile preset throttles by simulation (150 ms RTT, 1.6 Mbit/s, 4× CPU), so the
figures compare across runs on a loaded machine. Printed per page: the performance score (median
and range over the runs), first contentful paint and largest contentful paint (median ms), the
element that was the largest paint and the layout shift, and the ratio join FCP / plain FCP. Aim: performance ≥ 98 on join, login and capture; ratio ≤ 1.5.
Not part of the tests.

Lighthouse is not a Python package; install it pinned to 12.x next to this script (not committed):

    npm install --no-save --prefix bench lighthouse@12
    CHROMIUM_PATH=/usr/bin/chromium .venv/bin/python bench/bench_lighthouse.py [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from walkapp import create_app  # noqa: E402
from walkapp.extensions import db  # noqa: E402

PLAIN_PAGE = b"""<!doctype html>
<html lang="da"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plain page</title></head>
<body><h1>Deltag i vandringen</h1><p>A plain page: one heading and one paragraph, nothing else.</p></body>
</html>
"""
AIM_SCORE = 98
AIM_RATIO = 1.5


class PlainHandler(BaseHTTPRequestHandler):
    """Serves PLAIN_PAGE for every GET (the reference the join page is compared with)."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        """The plain page, as a minimal server would send it."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PLAIN_PAGE)))
        self.end_headers()
        self.wfile.write(PLAIN_PAGE)

    def log_message(self, *args):
        """Quiet: Lighthouse's requests are not news."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_lighthouse(explicit: str | None) -> list[str]:
    """The Lighthouse command: --lighthouse, $LIGHTHOUSE, bench/node_modules, or PATH."""
    candidates = [explicit, os.environ.get("LIGHTHOUSE"),
                  str(ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"), shutil.which("lighthouse")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return [candidate]
    sys.exit("Lighthouse 12 is not installed: npm install --no-save --prefix bench lighthouse@12")


def seed_instance(instance: Path) -> str:
    """Tables and the demo data in a fresh instance folder; returns the demo walk's join code."""
    app = create_app({"MAP_TILE_URL": ""}, instance_path=instance)
    with app.app_context():
        from walkapp.seed import DEMO_WALK_TITLE, seed_demo
        from walkapp.walks.models import Walk

        db.create_all()
        seed_demo()
        db.session.commit()
        return db.session.execute(db.select(Walk.join_code).where(Walk.title == DEMO_WALK_TITLE)).scalar_one()


def start_app(instance: Path, port: int) -> subprocess.Popen:
    """gunicorn with the instance folder, waiting until it answers."""
    env = dict(os.environ, WALKAPP_INSTANCE_PATH=str(instance), WALKAPP_MAP_TILE_URL="",
               WALKAPP_RATELIMIT_ENABLED="false", PYTHONPATH=str(ROOT))
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "walkapp:create_app()"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start")


def join_walk(base: str, code: str) -> tuple[str, str]:
    """Join the demo walk as a resident; returns (capture URL, Cookie header)."""
    session = requests.Session()
    page = session.get(f"{base}/j/{code}", timeout=10)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) \
        or re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    answer = session.post(f"{base}/j/{code}", data={"csrf_token": token.group(1), "role": "resident"},
                          allow_redirects=False, timeout=10)
    if answer.status_code != 302:
        sys.exit(f"Joining the demo walk answered {answer.status_code}")
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return base + answer.headers["Location"] if answer.headers["Location"].startswith("/") \
        else answer.headers["Location"], cookie


def lighthouse(command: list[str], url: str, cookie: str | None = None, save: Path | None = None) -> dict:
    """One Lighthouse mobile run (performance only); returns score, FCP, LCP, bytes and the
    render-blocking files (the whole report is written to `save` when given)."""
    chrome = os.environ.get("CHROMIUM_PATH") or os.environ.get("CHROME_PATH") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory(prefix="lh-profile-") as profile:
        args = [*command, url, "--only-categories=performance", "--output=json", "--output-path=stdout",
                "--quiet", f"--chrome-flags=--headless=new --no-sandbox --user-data-dir={profile}"]
        if cookie:
            args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
        result = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, CHROME_PATH=chrome),
                                timeout=300)
    if result.returncode:
        sys.exit(f"Lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    if save:
        save.write_text(result.stdout)
    audits = report["audits"]
    score = report["categories"]["performance"]["score"]
    return {
        "score": round(score * 100) if score is not None else 0,
        "fcp": audits["first-contentful-paint"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "blocking": [item["url"] for item in audits["render-blocking-resources"].get("details", {}).get("items", [])],
        "lcp_element": lcp_element(audits),
    }


def lcp_element(audits: dict) -> str:
    """The CSS selector of the element Lighthouse took as the largest contentful paint ("-" if none)."""
    tables = audits["largest-contentful-paint-element"].get("details", {}).get("items", [])
    nodes = [row["node"] for table in tables for row in table.get("items", []) if "node" in row]
    return nodes[0].get("selector", "-") if nodes else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lighthouse", help="path of the lighthouse command")
    parser.add_argument("--save", type=Path, help="folder for each page's last Lighthouse report (JSON)")
    args = parser.parse_args()
    command = find_lighthouse(args.lighthouse)
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as tmp:
        instance = Path(tmp)
        code = seed_instance(instance)
        app_port, plain_port = free_port(), free_port()
        plain = ThreadingHTTPServer(("127.0.0.1", plain_port), PlainHandler)
        threading.Thread(target=plain.serve_forever, daemon=True).start()
        server = start_app(instance, app_port)
        try:
            base = f"http://127.0.0.1:{app_port}"
            # The join page is measured before joining: a joined phone is sent on to capture.
            pages = {"plain": (f"http://127.0.0.1:{plain_port}/", None),
                     "join": (f"{base}/j/{code}", None),
                     "login": (f"{base}/login", None)}
            capture_url, cookie = join_walk(base, code)
            pages["capture"] = (capture_url, cookie)
            results: dict[str, list[dict]] = {name: [] for name in pages}
            for run in range(args.runs):
                for name, (url, page_cookie) in pages.items():
                    save = args.save / f"{name}.json" if args.save else None
                    results[name].append(lighthouse(command, url, page_cookie, save))
                ratio = results["join"][-1]["fcp"] / results["plain"][-1]["fcp"]
                print(f"run {run + 1}: " + ", ".join(
                    f"{name} {r[-1]['score']} (FCP {r[-1]['fcp']:.0f} ms)" for name, r in results.items()
                ) + f"; join/plain FCP {ratio:.2f}", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=10)
            plain.shutdown()

    print(f"\nLighthouse 12 mobile (simulated throttling), {args.runs} run(s); median [min–max]")
    print(f"{'page':8} {'score':>14} {'FCP ms':>8} {'LCP ms':>8} {'KB':>6}  render-blocking")
    for name, runs in results.items():
        scores = [r["score"] for r in runs]
        print(f"{name:8} {statistics.median(scores):>5.0f} [{min(scores)}–{max(scores)}]".ljust(23)
              + f" {statistics.median(r['fcp'] for r in runs):>8.0f} {statistics.median(r['lcp'] for r in runs):>8.0f}"
              f" {runs[-1]['bytes'] / 1024:>6.0f}  {', '.join(u.rsplit('/', 1)[-1].split('?')[0] for u in runs[-1]['blocking']) or '-'}")
    ratios = [j["fcp"] / p["fcp"] for j, p in zip(results["join"], results["plain"], strict=True)]
    print("largest contentful paint (last run): " + "; ".join(
        f"{name} {runs[-1]['lcp_element']}" for name, runs in results.items()))
    print("cumulative layout shift (max): " + ", ".join(
        f"{name} {max(r['cls'] for r in runs):.3f}" for name, runs in results.items()))
    print(f"join FCP / plain FCP: {statistics.median(ratios):.2f} [{min(ratios):.2f}–{max(ratios):.2f}]"
          f" (aim ≤ {AIM_RATIO})")
    low = [name for name in ("join", "login", "capture")
           if statistics.median(r["score"] for r in results[name]) < AIM_SCORE]
    print(f"performance aim ≥ {AIM_SCORE}: " + ("met" if not low else "missed on " + ", ".join(low)))


if __name__ == "__main__":
    main()
