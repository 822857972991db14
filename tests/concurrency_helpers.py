"""Run the same request from several test clients at one moment."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def at_once(count: int, call: Callable[[], Any]) -> tuple[list[Any], list[str]]:
    """Call `call` in `count` threads released together: (results, errors as repr)."""
    barrier = threading.Barrier(count, timeout=30)
    results: list[Any] = []
    errors: list[str] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(call())
        except Exception as exc:  # a 500 or a lock error surfaces here in TESTING
            errors.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors
