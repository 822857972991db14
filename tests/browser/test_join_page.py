"""The join page fits small phones: no sideways scrolling, every role tile whole and big, and no
role name broken in the middle of a word, whatever the font and at 200 % text."""
import pytest

from tests.browser.layout_helpers import check_dressed, phone, split_words, unreachable

# (font, text size): the machine's own font, the shipped wide font, and the wide font at 200 %.
DRESSES = [("machine font", False, 1.0), ("wide font", True, 1.0), ("wide font 200%", True, 2.0)]


@pytest.mark.parametrize("width", [360, 390, 412])
@pytest.mark.parametrize("dress", DRESSES, ids=[d[0] for d in DRESSES])
def test_join_page_fits_the_phone(browser, live_server, make_walk, width, dress):
    """Long Danish role names (Afdelingsbestyrelse) stay whole or break at a hyphen, inside their tiles."""
    _, wide_font, text_size = dress
    walk = make_walk()
    with phone(browser, live_server.url, width, 780, wide_font=wide_font, text_size=text_size) as device:
        page = device.page
        page.goto(f"/j/{walk['join_code']}")
        check_dressed(device)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        tiles = page.evaluate(
            "() => [...document.querySelectorAll('.role-tiles:not(.profile-choices) .role-tile')].map(t => {"
            " const r = t.getBoundingClientRect();"
            " return {text: t.innerText.replace(/\\u00ad/g, '').trim(), left: r.left, right: r.right,"
            "         height: r.height, overflow: t.scrollWidth > t.clientWidth}; })"
        )
        assert len(tiles) == 8
        assert any(t["text"] == "Afdelingsbestyrelse" for t in tiles)
        for tile in tiles:
            assert tile["left"] >= 0 and tile["right"] <= width, tile
            assert round(tile["height"], 1) >= 48 and not tile["overflow"], tile
        assert split_words(page, ".role-tile span") == []
        # "Start" is on screen without scrolling, even though the form is taller than the phone.
        start = page.get_by_role("button", name="Start").bounding_box()
        assert page.evaluate("() => document.documentElement.scrollHeight") > 780
        assert start["y"] >= 0 and start["y"] + start["height"] <= 780, start
        # ...and scrolling brings every tile out from under it.
        assert unreachable(page, ".role-tile") == []
        page.locator(".role-tile").first.evaluate("(el) => el.scrollIntoView({block: 'center'})")
        check_dressed(device)  # still the font and text size measured above
        page.check("input[name=role][value=resident]", force=True)
        page.get_by_role("button", name="Start").click()
        page.wait_for_url("**/capture")


@pytest.mark.parametrize("width", [360, 412])
def test_english_role_names_never_split_either(browser, live_server, make_walk, width):
    """In English, "Operations (driftsafdeling)" breaks at its hyphen at most, with the wide font at 200 %."""
    walk = make_walk()
    with phone(browser, live_server.url, width, 780, wide_font=True, text_size=2.0) as device:
        page = device.page
        page.goto(f"/j/{walk['join_code']}")
        page.get_by_role("button", name="English").click()
        page.wait_for_selector("html[lang=en]")
        check_dressed(device)
        labels = page.locator(".role-tile span").all_inner_texts()
        assert "Operations (driftsafdeling)" in [label.replace("\u00ad", "") for label in labels]
        assert split_words(page, ".role-tile span") == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        check_dressed(device)
