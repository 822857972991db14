"""A voice note recorded on the capture sheet with Chromium's fake microphone: kept in the
outbox offline, still there after a reload, sent exactly once when the phone is back online."""
from __future__ import annotations

import re

import pytest

from tests.browser.capture_helpers import (
    FAKE_MEDIA,
    join,
    outbox_items,
    wait_for_worker,
    wait_ready,
    with_gps,
)
from tests.browser.conftest import CHROMIUM_ARGS
from tests.conftest import chromium_path, skip_or_fail
from walkapp.extensions import db
from walkapp.findings.models import Audio, Finding
from walkapp.findings.storage import audio_path, photos_root


@pytest.fixture
def media_context(playwright_instance, live_server):
    """A Pixel 7 context in Danish whose Chromium has a fake microphone, allowed for the app."""
    path = chromium_path()
    if path is None:
        skip_or_fail("Chromium not found (set CHROMIUM_PATH or install chromium)")
    browser = playwright_instance.chromium.launch(executable_path=path, args=CHROMIUM_ARGS + FAKE_MEDIA)
    context = browser.new_context(**playwright_instance.devices["Pixel 7"], base_url=live_server.url,
                                  locale="da-DK", timezone_id="Europe/Copenhagen")
    context.grant_permissions(["microphone"])
    yield context
    context.close()
    browser.close()


def audio_on_server(app, walk_id: int) -> list[tuple[str, float | None, bytes]]:
    """(mime, duration, first bytes of the stored file) of every voice note on the walk."""
    with app.app_context():
        rows = db.session.execute(
            db.select(Audio).join(Finding, Finding.id == Audio.finding_id).where(Finding.walk_id == walk_id)
        ).scalars().all()
        root = photos_root(app.instance_path)
        result = [(a.mime, a.duration_s, audio_path(root, a.storage_key).read_bytes()[:4]) for a in rows]
        db.session.remove()
        return result


def test_a_voice_note_recorded_offline_survives_a_reload_and_arrives_once(media_context, live_server, make_walk):
    """Record 2 s offline (held down), save, reload, go online: one Audio row, WebM bytes."""
    walk = make_walk()
    page = media_context.new_page()
    with_gps(media_context)
    join(page, walk["join_code"])
    wait_for_worker(page)

    media_context.set_offline(True)
    page.click("#new-finding")
    page.click(".category-button[data-code=lighting]")
    record = page.locator("#voice-record")
    assert record.is_visible()
    record.hover()
    page.mouse.down()
    page.wait_for_selector("#voice-record[aria-pressed=true]")
    page.wait_for_timeout(2000)
    page.mouse.up()
    page.wait_for_selector("#voice-preview:not([hidden])")
    assert page.locator("#voice-record").get_attribute("aria-pressed") == "false"
    # Held for 2 s; a busy test machine may release it a little late.
    assert re.search(r"Talebesked optaget \(0:0[234]\)", page.locator("#voice-status").inner_text())
    page.click("#save-finding")
    page.wait_for_selector("#sheet", state="hidden")
    page.wait_for_selector("#sync-status[data-state=waiting]")

    page.reload()
    wait_ready(page)
    items = outbox_items(page, "i => ({kind: i.kind, type: i.blob ? i.blob.type : null, "
                               "size: i.blob ? i.blob.size : 0, seconds: i.seconds})")
    assert [i["kind"] for i in items] == ["finding", "audio"]
    assert items[1]["type"] == "audio/webm" and items[1]["size"] > 1000
    assert 1.5 <= items[1]["seconds"] <= 3.5
    assert audio_on_server(live_server.app, walk["id"]) == []

    media_context.set_offline(False)
    page.wait_for_selector("#sync-status[data-state=sent]", timeout=30000)
    assert outbox_items(page) == []
    [(mime, duration, head)] = audio_on_server(live_server.app, walk["id"])
    assert mime == "audio/webm" and head == b"\x1a\x45\xdf\xa3"
    assert 1.5 <= duration <= 3.5
    # Sending again (a second flush, a second tab) must not make a second row.
    page.reload()
    wait_ready(page)
    page.wait_for_selector("#sync-status[data-state=sent]", timeout=30000)
    assert len(audio_on_server(live_server.app, walk["id"])) == 1
    page.close()


def test_tap_to_start_and_tap_to_stop_works_with_the_keyboard(media_context, live_server, make_walk):
    """Enter starts and Enter stops (no holding needed); Remove takes the note off the finding."""
    walk = make_walk()
    page = media_context.new_page()
    with_gps(media_context)
    join(page, walk["join_code"])
    page.click("#new-finding")
    page.click(".category-button[data-code=lighting]")
    page.focus("#voice-record")
    page.keyboard.press("Enter")
    page.wait_for_selector("#voice-record[aria-pressed=true]")
    assert page.locator("#voice-record-text").inner_text() == "Stop optagelsen"
    page.wait_for_timeout(1200)
    page.keyboard.press("Enter")
    page.wait_for_selector("#voice-preview:not([hidden])")
    page.click("#voice-remove")
    assert page.locator("#voice-preview").is_hidden()
    page.click("#save-finding")
    page.wait_for_selector("#sheet", state="hidden")
    assert [i for i in outbox_items(page, "i => i.kind") if i == "audio"] == []
    page.close()


def test_recording_stops_by_itself_after_2_minutes(media_context, live_server, make_walk):
    """With the page's clock run forward 2 minutes, the recording ends and the note is kept."""
    walk = make_walk()
    page = media_context.new_page()
    page.clock.install()
    with_gps(media_context)
    join(page, walk["join_code"])
    page.click("#new-finding")
    page.click(".category-button[data-code=lighting]")
    page.click("#voice-record")
    page.wait_for_selector("#voice-record[aria-pressed=true]")
    # Some real recording first: a note stopped within milliseconds of its start has no sound
    # yet (and is rightly not kept); the page's clock flows on meanwhile.
    page.wait_for_timeout(1500)
    page.clock.run_for(116_000)
    assert page.locator("#voice-record").get_attribute("aria-pressed") == "true"
    page.clock.run_for(4_000)
    page.wait_for_selector("#voice-preview:not([hidden])")
    assert "Stoppet efter 2 minutter" in page.locator("#voice-status").inner_text()
    assert "(2:00)" in page.locator("#voice-status").inner_text()
    page.close()
