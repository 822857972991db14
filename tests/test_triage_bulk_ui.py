"""Triage bulk "mark as duplicate": the original is picked from the walk's findings (or the
oldest selected one is kept), validated as a whole, and each row shows its short id."""
from __future__ import annotations

import html as html_lib
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import post_form
from walkapp.extensions import db

BASE = datetime(2025, 10, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def english(logged_in):
    """The logged-in coordinator's client, switched to English so messages are msgids."""
    post_form(logged_in, "/lang/en")
    return logged_in


def states(app, ids) -> dict[uuid.UUID, tuple[str, uuid.UUID | None]]:
    """(state, duplicate_of_id) of each finding."""
    from walkapp.findings.models import Finding

    with app.app_context():
        return {fid: (db.session.get(Finding, fid).state, db.session.get(Finding, fid).duplicate_of_id)
                for fid in ids}


def history(app, fid) -> list[tuple[str, str, str]]:
    """(field, old, new) of a finding's recorded changes."""
    from walkapp.findings.models import FindingChange

    with app.app_context():
        rows = db.session.execute(
            db.select(FindingChange).where(FindingChange.finding_id == fid).order_by(FindingChange.id)
        ).scalars()
        return [(c.field, c.old_value, c.new_value) for c in rows]


def duplicate_options(page: str) -> dict[str, str]:
    """value → label of the options of the bulk form's "Duplicate of" select."""
    select = re.search(r'<select[^>]*name="duplicate_of"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the bulk form has no Duplicate of select"
    return {value: html_lib.unescape(label.strip())
            for value, label in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', select.group(1), re.S)}


def test_oldest_selected_finding_is_kept_as_original(app, english, make_walk, make_finding):
    """Without a chosen original the oldest selected stays, the others point to it, with history."""
    walk = make_walk()
    newest = make_finding(walk["id"], observed_at=BASE + timedelta(minutes=20))
    oldest = make_finding(walk["id"], observed_at=BASE)
    middle = make_finding(walk["id"], observed_at=BASE + timedelta(minutes=5))
    response = post_form(english, "/findings/bulk", {
        "action": "duplicate", "duplicate_of": "", "finding": [str(newest), str(oldest), str(middle)],
    }, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"2 findings marked as duplicates of finding {str(oldest)[:8]}." in page
    assert states(app, [newest, oldest, middle]) == {
        newest: ("duplicate", oldest), middle: ("duplicate", oldest), oldest: ("new", None),
    }
    assert history(app, middle) == [("state", "new", "duplicate"), ("duplicate_of", "", str(oldest))]
    assert history(app, oldest) == []


def test_list_shows_short_ids_and_offers_the_walks_findings(app, english, make_walk, make_finding):
    """Filtered to a walk, "Duplicate of" lists its findings by short id, category and text;
    unfiltered it offers only the oldest-selected rule and says how to get the list."""
    walk, other = make_walk(title="Vandring A"), make_walk(title="Vandring B")
    long_text = "Lampen ved opgang 7 har været slukket i tre uger og stien er helt mørk"
    lamp = make_finding(walk["id"], description=long_text, observed_at=BASE)
    graffiti = make_finding(walk["id"], category="graffiti", description="Tags", observed_at=BASE + timedelta(1))
    already = make_finding(walk["id"], state="duplicate", duplicate_of_id=lamp, observed_at=BASE + timedelta(2))
    elsewhere = make_finding(other["id"], description="Anden vandring")

    page = english.get(f"/findings?walk={walk['id']}").get_data(as_text=True)
    assert f'<code class="short-id">{str(graffiti)[:8]}</code>' in page
    options = duplicate_options(page)
    assert list(options)[0] == ""
    assert options[""] == "The oldest selected finding"
    assert options[str(lamp)] == f"{str(lamp)[:8]} · Lighting · {long_text[:40]}…"
    assert options[str(graffiti)] == f"{str(graffiti)[:8]} · Graffiti · Tags"
    assert str(already) not in options  # a duplicate cannot be someone's original
    assert str(elsewhere) not in options
    assert "choose another finding of the walk as the original" in page

    unfiltered = english.get("/findings").get_data(as_text=True)
    assert list(duplicate_options(unfiltered)) == [""]
    assert "Filter the list to one walk" in unfiltered
    assert f'<code class="short-id">{str(elsewhere)[:8]}</code>' in unfiltered


def test_chosen_original_marks_every_selected_finding(app, english, make_walk, make_finding):
    """Picking an original from the list marks all selected findings as its duplicates."""
    walk = make_walk()
    original, a, b = (make_finding(walk["id"]) for _ in range(3))
    response = post_form(english, "/findings/bulk", {
        "action": "duplicate", "duplicate_of": str(original), "finding": [str(a), str(b)],
        "walk_filter": str(walk["id"]), "next": f"/findings?walk={walk['id']}",
    })
    assert response.status_code == 302
    assert response.headers["Location"] == f"/findings?walk={walk['id']}"
    assert states(app, [original, a, b]) == {
        original: ("new", None), a: ("duplicate", original), b: ("duplicate", original),
    }
    assert ("duplicate_of", "", str(original)) in history(app, b)
    detail = english.get(f"/findings/{a}").get_data(as_text=True)
    assert "History" in detail and str(original) in detail


def test_invalid_original_is_refused_as_a_whole(app, english, make_walk, make_finding):
    """Another walk's finding, one of the selection, an unknown id, a duplicate, or the oldest
    rule with a single finding → 400 with a reason, and no finding changes."""
    walk, other = make_walk(), make_walk()
    a, b = make_finding(walk["id"]), make_finding(walk["id"])
    foreign = make_finding(other["id"])
    earlier = make_finding(walk["id"])
    dup = make_finding(walk["id"], state="duplicate", duplicate_of_id=earlier)
    cases = [
        (str(foreign), [a, b], "same walk"),
        (str(a), [a, b], "cannot be one of the selected"),
        (str(uuid.uuid4()), [a, b], "existing finding"),
        ("1; DROP TABLE findings", [a, b], "existing finding"),
        (str(dup), [a, b], f"{str(dup)[:8]} is itself marked as a duplicate"),
        ("", [a], "at least two findings"),
    ]
    for original, selection, reason in cases:
        response = post_form(english, "/findings/bulk", {
            "action": "duplicate", "duplicate_of": original, "finding": [str(f) for f in selection],
        })
        assert response.status_code == 400, original
        assert reason in html_lib.unescape(response.get_data(as_text=True)), original
    assert states(app, [a, b, foreign]) == {a: ("new", None), b: ("new", None), foreign: ("new", None)}
    assert history(app, a) == history(app, b) == []
