"""Phones for the layout tests: a viewport, optionally a wide font forced on every element and
the browser's text size doubled, and the measurements the layout tests share.

The wide font is shipped in tests/resources/fonts/ and served to the page by a route, so the
tests measure the same thing on every machine whatever fonts it has installed."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

WIDE_FONT = Path(__file__).resolve().parents[1] / "resources" / "fonts" / "DejaVuSansMono-Bold.ttf"
WIDE_FAMILY = "WalkappLayoutTestWide"
# Never an app URL: the route below answers it, the live server never sees it.
WIDE_FONT_PATH = "/__layout-tests__/wide-font.ttf"
WIDE_FONT_CSS = f"""
@font-face {{ font-family: "{WIDE_FAMILY}"; src: url("{WIDE_FONT_PATH}") format("truetype");
  font-weight: 100 900; font-style: normal; font-display: block; }}
*, *::before, *::after {{ font-family: "{WIDE_FAMILY}" !important; }}
"""

# Chromium's default text size ("medium") is 16 px; the app's root is 112.5 % of it.
DEFAULT_TEXT_PX = 16
APP_ROOT_PX = 18


@dataclass
class Phone:
    page: object
    width: int
    height: int
    wide_font: bool
    text_size: float


@contextmanager
def phone(browser, base_url: str, width: int, height: int, *, wide_font: bool = False,
          text_size: float = 1.0, locale: str = "da-DK", geolocation: dict | None = None) -> Iterator[Phone]:
    """A touch phone page of width×height CSS px; text_size 2.0 is the browser's text size at 200 %."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=True, has_touch=True,
        base_url=base_url, locale=locale, timezone_id="Europe/Copenhagen",
        # A service worker would answer app.css from its cache, past the font route below.
        service_workers="block",
    )
    try:
        if geolocation is not None:
            context.grant_permissions(["geolocation"])
            context.set_geolocation(geolocation)
        if wide_font:
            context.route(f"**{WIDE_FONT_PATH}", lambda route: route.fulfill(
                path=str(WIDE_FONT), content_type="font/ttf"))
            context.route("**/static/css/app.css*", _append_wide_font)  # with its ?v=
        page = context.new_page()
        if text_size != 1.0:
            # What the browser's own text-size setting does: "medium" grows, and with it every
            # rem and em of the app (px sizes stay, as they do on a phone).
            cdp = context.new_cdp_session(page)
            cdp.send("Page.setFontSizes", {"fontSizes": {
                "standard": round(DEFAULT_TEXT_PX * text_size), "fixed": round(13 * text_size)}})
        yield Phone(page, width, height, wide_font, text_size)
    finally:
        context.close()


APP_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"


def _append_wide_font(route) -> None:
    # Answered from the file on disk, not by fetching it from the server inside the handler: a
    # fetch still in flight when the page reloads (the language switch) is disposed, and the page
    # then renders without app.css at all.
    route.fulfill(body=APP_CSS.read_text(encoding="utf-8") + WIDE_FONT_CSS,
                  content_type="text/css; charset=utf-8", headers={"cache-control": "no-store"})


def check_dressed(device: Phone) -> None:
    """Fail unless the page really shows the forced font and text size the test asked for."""
    page = device.page
    # The DOM can be queried before the stylesheets have arrived; measure the page as shown.
    page.wait_for_load_state("load")
    # fonts.ready alone can resolve before layout has even asked for the font (a race right
    # after a reload); loading the family explicitly waits for the file itself.
    if device.wide_font:
        page.evaluate("(family) => document.fonts.load(`16px \"${family}\"`)", WIDE_FAMILY)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    root_px = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert root_px == APP_ROOT_PX * device.text_size, root_px
    if device.wide_font:
        # Monospace: a row of i is as wide as a row of M only when the test font is in use.
        widths = page.evaluate("""() => {
            const probe = (text) => { const s = document.createElement('span'); s.textContent = text;
              s.style.position = 'absolute'; document.body.append(s);
              const w = s.getBoundingClientRect().width; s.remove(); return w; };
            return [probe('iiiiiiii'), probe('MMMMMMMM')]; }""")
        assert abs(widths[0] - widths[1]) < 0.5 and widths[0] > 0, widths


# Boxes of the visible elements matching each selector, in viewport coordinates.
BOXES_JS = """(named) => {
    const out = [];
    for (const [name, selector] of Object.entries(named)) {
        document.querySelectorAll(selector).forEach((el, i) => {
            const r = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') return;
            out.push({name: name + '#' + i, left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                      width: r.width, height: r.height});
        });
    }
    return out;
}"""


def boxes(page, named: dict[str, str]) -> list[dict]:
    """Viewport boxes of the visible elements for each name → CSS selector."""
    return page.evaluate(BOXES_JS, named)


def overlaps(found: list[dict], tolerance: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of boxes that share more than a hairline of area."""
    pairs = []
    for i, a in enumerate(found):
        for b in found[i + 1:]:
            if (min(a["right"], b["right"]) - max(a["left"], b["left"]) > tolerance
                    and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > tolerance):
                pairs.append((a["name"], b["name"]))
    return pairs


def too_small(found: list[dict], minimum: float = 48) -> list[dict]:
    """Boxes smaller than a tap target in either direction (rounded to 0.1 px)."""
    return [b for b in found if round(b["width"], 1) < minimum or round(b["height"], 1) < minimum]


def off_screen(found: list[dict], width: int, height: int | None = None) -> list[dict]:
    """Boxes that reach past the viewport's sides (and its bottom and top, given height)."""
    return [b for b in found if b["left"] < -0.5 or b["right"] > width + 0.5
            or (height is not None and (b["top"] < -0.5 or b["bottom"] > height + 0.5))]


# Points inside an element (centre and near each corner) where something else is on top.
COVERED_JS = """(el) => {
    const r = el.getBoundingClientRect();
    const inset = Math.min(12, r.width / 4, r.height / 4);
    const points = [[(r.left + r.right) / 2, (r.top + r.bottom) / 2],
      [r.left + inset, r.top + inset], [r.right - inset, r.top + inset],
      [r.left + inset, r.bottom - inset], [r.right - inset, r.bottom - inset]];
    return points.filter(([x, y]) => { const hit = document.elementFromPoint(x, y);
        return !(hit && (hit === el || el.contains(hit))); })
      .map(([x, y]) => [Math.round(x), Math.round(y), document.elementFromPoint(x, y)?.className || null]);
}"""


def covered(page, selector: str) -> list:
    """Points of the first matching element, where it is, that another element covers."""
    return page.locator(selector).first.evaluate(COVERED_JS)


def unreachable(page, selector: str) -> list:
    """Matching elements that stay (partly) covered even when scrolled to the middle of their scroller."""
    found = []
    for index, element in enumerate(page.locator(selector).all()):
        element.evaluate("(el) => el.scrollIntoView({block: 'center', inline: 'nearest'})")
        points = element.evaluate(COVERED_JS)
        if points:
            found.append((selector, index, points))
    return found


# For each element: the words of its text whose letters sit on two lines with no hyphen shown
# at the break. A break is allowed after a space, a hyphen, a slash or at a soft hyphen (U+00AD,
# where the browser draws a hyphen). Lines are told apart by the top of each letter's box.
SPLIT_WORDS_JS = """(selector) => {
    const result = [];
    for (const el of document.querySelectorAll(selector)) {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        const chars = [];  // {ch, top, height}
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (let i = 0; i < node.data.length; i++) {
                const range = document.createRange();
                range.setStart(node, i); range.setEnd(node, i + 1);
                // The letter after a soft hyphen also reports the hyphen drawn at the end of the
                // line before; its own box is the last one.
                const rects = [...range.getClientRects()].filter(r => r.width > 0);
                const box = rects[rects.length - 1];
                chars.push({ch: node.data[i], top: box ? box.top : null, height: box ? box.height : 0});
            }
        }
        let previous = null;  // last visible letter
        let softHyphenSince = false;
        for (const c of chars) {
            if (/\\s/.test(c.ch)) { previous = null; softHyphenSince = false; continue; }
            if (c.ch === '\\u00ad') { softHyphenSince = true; continue; }
            if (c.top === null) continue;
            if (previous && c.top > previous.top + previous.height / 2
                    && !softHyphenSince && !/[-\\u2010\\/]/.test(previous.ch)) {
                result.push({text: el.textContent.replace(/\\u00ad/g, '').trim(), at: previous.ch + '|' + c.ch});
            }
            previous = c; softHyphenSince = false;
        }
    }
    return result;
}"""


def split_words(page, selector: str) -> list[dict]:
    """Words in the matching elements broken across lines without a hyphen (empty when none)."""
    return page.evaluate(SPLIT_WORDS_JS, selector)


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
