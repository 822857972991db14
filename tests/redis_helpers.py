"""The test Redis (WALKAPP_TEST_REDIS_URL, started by .ci/start-redis): one emptied database
number per test module, so modules never see each other's rate-limit counters."""
from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from tests.conftest import skip_or_fail

REDIS_URL = os.environ.get("WALKAPP_TEST_REDIS_URL", "")


def empty_redis_db(number: int) -> str:
    """URL of database `number` of the test Redis, emptied; skips (fails in CI) without one."""
    if not REDIS_URL:
        skip_or_fail("WALKAPP_TEST_REDIS_URL is not set (url=$(.ci/start-redis DIR PORT))")
    try:
        import redis
    except ImportError:
        skip_or_fail("the redis package is not installed (pip install redis)")
    url = urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{number}"))
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:
        skip_or_fail(f"Redis at {REDIS_URL} does not answer: {exc}")
    finally:
        client.close()
    return url
