"""The join page fits small phones: no sideways scrolling, every role tile whole and big."""
import pytest


@pytest.mark.parametrize("width", [360, 412])
def test_join_page_fits_the_phone(browser, live_server, make_walk, width):
    """Long Danish role names (Afdelingsbestyrelse) wrap inside their tiles, not off-screen."""
    walk = make_walk()
    context = browser.new_context(viewport={"width": width, "height": 780}, is_mobile=True,
                                  has_touch=True, base_url=live_server.url, locale="da-DK")
    try:
        page = context.new_page()
        page.goto(f"/j/{walk['join_code']}")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        tiles = page.evaluate(
            "() => [...document.querySelectorAll('.role-tile')].map(t => {"
            " const r = t.getBoundingClientRect();"
            " return {text: t.innerText.trim(), left: r.left, right: r.right, height: r.height,"
            "         overflow: t.scrollWidth > t.clientWidth}; })"
        )
        assert len(tiles) == 8
        assert any(t["text"] == "Afdelingsbestyrelse" for t in tiles)
        for tile in tiles:
            assert tile["left"] >= 0 and tile["right"] <= width, tile
            assert round(tile["height"], 1) >= 48 and not tile["overflow"], tile
        # "Start" is on screen without scrolling, even though the form is taller than the phone.
        start = page.get_by_role("button", name="Start").bounding_box()
        assert page.evaluate("() => document.documentElement.scrollHeight") > 780
        assert start["y"] >= 0 and start["y"] + start["height"] <= 780, start
        page.check("input[name=role][value=resident]", force=True)
        page.get_by_role("button", name="Start").click()
        page.wait_for_url("**/capture")
    finally:
        context.close()
