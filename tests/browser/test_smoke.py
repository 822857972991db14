"""Smoke test: a coordinator logs in on a phone-sized screen and sees a usable walk list."""
from __future__ import annotations

import re

from tests.browser.layout_helpers import assert_fits_phone
from tests.conftest import PASSWORD


def test_coordinator_logs_in_on_pixel7(page, live_server, coordinator):
    """Log in through the real form on a Pixel 7 and land on the walk list."""
    page.goto("/login")
    assert page.viewport_size["width"] == 412
    assert_fits_phone(page)

    page.fill("input[name=email]", coordinator["email"])
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/walks$"))

    assert page.locator("h1").is_visible()
    # The logged-in navigation offers a way out.
    assert page.locator("form[action='/logout'] button").count() == 1
    assert_fits_phone(page)


def test_wrong_password_stays_on_login(page, live_server, coordinator):
    """A wrong password keeps the user on the login page with a visible error."""
    page.goto("/login")
    page.fill("input[name=email]", coordinator["email"])
    page.fill("input[name=password]", "not the password")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/login")
    assert page.locator("main .error[role=alert]").first.is_visible()
    assert_fits_phone(page)
