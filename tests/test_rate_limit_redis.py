"""Rate limits in Redis (RATELIMIT_STORAGE_URI=redis://…): the count lives in Redis, so a
second app process continues it; and a Redis outage keeps login working and still limited
(each process counts on its own until Redis answers again), with a warning in the log."""
from __future__ import annotations

import logging
import socket

import pytest

from tests.conftest import PASSWORD, make_test_config, post_form, skip_or_fail
from tests.redis_helpers import empty_redis_db
from walkapp import create_app
from walkapp.extensions import db

REDIS_DB = 1


@pytest.fixture
def app_config(request):
    """This module's rate-limit settings, given with indirect parametrisation."""
    return request.param(request) if callable(getattr(request, "param", None)) else {}


def shared_redis(request) -> dict:
    return {"RATELIMIT_STORAGE_URI": empty_redis_db(REDIS_DB), "LOGIN_RATE_LIMIT": "3 per minute",
            "JOIN_RATE_LIMIT": "3 per minute"}


def unreachable_redis(request) -> dict:
    try:
        import redis  # noqa: F401
    except ImportError:
        skip_or_fail("the redis package is not installed (pip install redis)")
    with socket.socket() as sock:  # a port nobody listens on: connection refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return {"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{port}/0", "LOGIN_RATE_LIMIT": "3 per minute"}


def wrong_login(client, attempt: int):
    return post_form(client, "/login", {"email": "koordinator@example.org", "password": f"forkert{attempt}"})


@pytest.mark.parametrize("app_config", [shared_redis], indirect=True)
def test_another_app_process_continues_the_login_count(app, client, coordinator, database_url, tmp_path):
    """Three wrong passwords on one app; a freshly started app on the same Redis refuses the fourth."""
    for attempt in range(3):
        assert wrong_login(client, attempt).status_code == 400, attempt
    redis_url = app.config["RATELIMIT_STORAGE_URI"]
    # A new app builds a new storage connection and has no counters in its memory.
    other = create_app(make_test_config(database_url, RATELIMIT_STORAGE_URI=redis_url,
                                        LOGIN_RATE_LIMIT="3 per minute"),
                       instance_path=tmp_path / "other-instance")
    try:
        refused = post_form(other.test_client(), "/login",
                            {"email": coordinator["email"], "password": PASSWORD})
    finally:
        with other.app_context():  # its own engine: closed here, not by the garbage collector
            db.session.remove()
            db.engine.dispose()
    assert refused.status_code == 429

    import redis

    with redis.Redis.from_url(redis_url) as store:
        assert store.keys("*/walkapp/*/auth.login/*"), "the counters are not in Redis"


@pytest.mark.parametrize("app_config", [shared_redis], indirect=True)
def test_wrong_join_codes_are_counted_in_redis(app, client, walk):
    """Unknown codes count (in Redis) and the fourth is refused; the right code never counted."""
    for attempt in range(3):
        assert client.get(f"/j/WRONG{attempt}").status_code == 404
    assert client.get(f"/j/{walk['join_code']}").status_code == 429

    import redis

    with redis.Redis.from_url(app.config["RATELIMIT_STORAGE_URI"]) as store:
        assert store.keys("*/walkapp/*/participation.join/*")


@pytest.mark.parametrize("app_config", [unreachable_redis], indirect=True)
def test_redis_outage_keeps_login_working_and_limited(client, coordinator, caplog):
    """Redis down: staff still log in, wrong passwords still run into 429, and the log says why."""
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        assert post_form(client, "/login", {"email": coordinator["email"], "password": PASSWORD}).status_code == 302
        client.post("/logout", data={"csrf_token": client.get("/api/v1/csrf").get_json()["csrf_token"]})
        for attempt in range(2):
            assert wrong_login(client, attempt).status_code == 400, attempt
        assert wrong_login(client, 3).status_code == 429
    assert "Rate limit storage unreachable" in caplog.text
