"""Helpers for browser tests of the staff side."""
from tests.conftest import PASSWORD


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real form, as staff do, and wait for the walk list."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/walks")
