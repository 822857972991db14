"""Accessibility checks shared by the browser tests: axe-core (vendored in tests/vendor) and
moving the keyboard focus."""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page; return the violations with the offending elements."""
    # Evaluated through the driver, not added as an inline <script>: the pages' CSP (rightly)
    # refuses a script tag without their nonce, and would refuse eval().
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on the element matching selector (fail if it never is)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")
