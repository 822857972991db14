"""Smoke test: a coordinator logs in on a phone-sized screen and sees a usable walk list."""
from __future__ import annotations

import re

from tests.conftest import PASSWORD

# Links and buttons a person taps on the page; hidden inputs and the off-screen skip link
# are not tap targets.
TAP_TARGETS_JS = """
() => Array.from(document.querySelectorAll('main a, main button, header a, header button,'
    + ' input[type=submit]'))
  .filter(el => !el.classList.contains('skip-link'))
  .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
  .map(el => ({text: (el.innerText || el.value || '').trim(),
               height: el.getBoundingClientRect().height}))
"""

NO_OVERFLOW_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def assert_fits_phone(page) -> None:
    """No sideways scrolling, and every visible link/button is at least 48 px tall."""
    scroll_width, inner_width = page.evaluate(NO_OVERFLOW_JS)
    assert scroll_width <= inner_width, f"page scrolls sideways: {scroll_width} > {inner_width}"
    targets = page.evaluate(TAP_TARGETS_JS)
    assert targets, "no buttons or links found"
    small = [t for t in targets if round(t["height"], 1) < 48]  # sub-pixel layout: 47.99999 is 48
    assert not small, f"tap targets under 48 px: {small}"


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
