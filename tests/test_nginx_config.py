"""deploy/nginx/walkapp.conf as shipped: `nginx -t` accepts it (with a self-signed certificate
made here in place of the real one), and a real nginx running it on free ports redirects HTTP to
HTTPS, passes the X-Forwarded-* headers TRUSTED_PROXIES=1 expects to both app servers, refuses
bodies above MAX_CONTENT_LENGTH, and caches versioned static files for a year, others not."""
from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from walkapp import config

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "walkapp.conf"
HOST = "tryg.example.dk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EchoApp(BaseHTTPRequestHandler):
    """Stands in for an app server: answers with the headers it received and its own name."""

    def do_GET(self):
        body = json.dumps({"server": self.server.name, "headers": dict(self.headers)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def site_for_test(folder: Path, http_port: int, https_port: int, upstreams: list[int]) -> str:
    """The shipped site with a self-signed certificate, free ports, the echo apps and this static/."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )
    site = SITE.read_text()
    replacements = [
        (r"ssl_certificate\s+\S+;", f"ssl_certificate {folder / 'cert.pem'};"),
        (r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {folder / 'key.pem'};"),
        (r"listen \[::\]:\d+[^;]*;", ""),  # the test machine may have no IPv6
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl"),
        (r"alias /srv/walkapp/app/static/;", f"alias {ROOT / 'static'}/;"),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site)
        assert count or pattern.startswith(r"listen \["), f"{pattern} not found in {SITE}"
    servers = iter(upstreams)
    site = re.sub(r"server 127\.0\.0\.1:800\d", lambda _: f"server 127.0.0.1:{next(servers)}", site)
    return site


def write_nginx_conf(folder: Path, site: str) -> Path:
    (folder / "site.conf").write_text(site)
    mime = Path("/etc/nginx/mime.types")
    conf = folder / "nginx.conf"
    conf.write_text(f"""
pid {folder}/nginx.pid;
error_log {folder}/error.log;
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    {f"include {mime};" if mime.exists() else ""}
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
""")
    return conf


@pytest.fixture(scope="module")
def nginx_binary() -> str:
    """The nginx and openssl programs, or a skip (a failure in CI)."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not nginx or not shutil.which("openssl"):
        skip_or_fail("nginx and openssl are needed (apt-get install nginx-light openssl)")
    return nginx


@pytest.fixture(scope="module")
def proxy(nginx_binary, tmp_path_factory):
    """nginx running the shipped site on free ports in front of two echo app servers."""
    tmp_path = tmp_path_factory.mktemp("nginx")
    tmp_path.chmod(0o755)  # nginx's workers (user nobody when started as root) read from here
    apps = []
    for name in ("A", "B"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), EchoApp)
        server.name = name
        threading.Thread(target=server.serve_forever, daemon=True).start()
        apps.append(server)
    http_port, https_port = free_port(), free_port()
    conf = write_nginx_conf(tmp_path, site_for_test(
        tmp_path, http_port, https_port, [app.server_address[1] for app in apps]))
    checked = subprocess.run([nginx_binary, "-t", "-c", str(conf), "-p", f"{tmp_path}/", "-e",
                              str(tmp_path / "error.log")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    subprocess.run([nginx_binary, "-c", str(conf), "-p", f"{tmp_path}/", "-e", str(tmp_path / "error.log")],
                   check=True, capture_output=True)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield {"http": http_port, "https": https_port}
    finally:
        pid_file = tmp_path / "nginx.pid"
        if pid_file.exists():
            subprocess.run([nginx_binary, "-c", str(conf), "-p", f"{tmp_path}/", "-e",
                            str(tmp_path / "error.log"), "-s", "stop"], capture_output=True)
        for app in apps:
            app.shutdown()
            app.server_close()


def https(proxy, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the self-signed certificate made for this test
    conn = http.client.HTTPSConnection("127.0.0.1", proxy["https"], timeout=10, context=context)
    try:
        conn.request(method, path, body, {"Host": HOST, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def test_plain_http_is_redirected_to_https(proxy):
    conn = http.client.HTTPConnection("127.0.0.1", proxy["http"], timeout=10)
    conn.request("GET", "/j/ABC123?x=1", headers={"Host": HOST})
    response = conn.getresponse()
    conn.close()
    assert response.status == 301
    assert response.headers["Location"] == f"https://{HOST}/j/ABC123?x=1"


def test_both_app_servers_get_the_forwarded_headers_the_app_trusts(proxy):
    """Each app sees the client address appended, https and the public host; a faked prefix is dropped."""
    seen = set()
    for _ in range(4):
        status, _, body = https(proxy, "GET", "/walks", headers={
            "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http",
            "X-Forwarded-Host": "evil.example", "X-Forwarded-Prefix": "/evil",
        })
        assert status == 200
        answer = json.loads(body)
        seen.add(answer["server"])
        headers = {k.lower(): v for k, v in answer["headers"].items()}
        # TRUSTED_PROXIES=1 takes the last address: the one nginx appended, not the client's claim.
        assert headers["x-forwarded-for"].split(",")[-1].strip() == "127.0.0.1"
        assert headers["x-forwarded-proto"] == "https"
        assert headers["x-forwarded-host"] == HOST
        assert headers["host"] == HOST
        assert "x-forwarded-prefix" not in headers
    assert seen == {"A", "B"}


def test_bodies_above_max_content_length_get_413_from_nginx(proxy):
    """nginx refuses above the app's MAX_CONTENT_LENGTH, and its limit is exactly that size."""
    status, _, _ = https(proxy, "POST", "/api/v1/findings/x/photos", b"x" * 16,
                         {"Content-Length": str(config.MAX_CONTENT_LENGTH + 1)})
    assert status == 413
    assert re.search(rf"client_max_body_size {config.MAX_CONTENT_LENGTH // (1024 * 1024)}m;",
                     SITE.read_text())


def test_versioned_static_files_are_cached_for_a_year_and_others_revalidated(proxy):
    css = next((ROOT / "static" / "css").glob("*.css"))
    path = f"/static/css/{css.name}"
    status, headers, body = https(proxy, "GET", path + "?v=0123abcd")
    assert status == 200 and body == css.read_bytes()
    assert "max-age=31536000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    status, headers, _ = https(proxy, "GET", path)
    assert status == 200 and headers["Cache-Control"] == "no-cache"
