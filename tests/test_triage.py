"""Triage list: filters in the URL, paging, constant SQL statements, map view, bulk actions."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from tests.conftest import count_statements, csrf_token, post_form
from tests.form_helpers import chosen_labels, form_fields
from walkapp.extensions import db


@pytest.fixture
def english(logged_in):
    """The logged-in coordinator's client, switched to English so messages are msgids."""
    post_form(logged_in, "/lang/en")
    return logged_in


def bulk_insert_findings(app, walk_id: int, count: int, *, category: str = "lighting") -> list[uuid.UUID]:
    """Insert `count` findings with SQLAlchemy core (fast); every 3rd one has a photo."""
    from walkapp.findings.models import Category, Finding, Photo

    with app.app_context():
        cat_id = db.session.execute(db.select(Category.id).where(Category.code == category)).scalar_one()
        user_id = db.session.execute(db.text("SELECT id FROM users ORDER BY id LIMIT 1")).scalar_one()
        base = datetime(2025, 10, 1, 18, 0, tzinfo=UTC)
        ids = [uuid.uuid4() for _ in range(count)]
        rows = [
            {"id": fid, "walk_id": walk_id, "user_id": user_id, "category_id": cat_id,
             "lat": 55.666 + i * 1e-6, "lon": 12.606, "location_source": "gps", "rating": i % 4,
             "description": f"Fund nummer {i}", "observed_at": base + timedelta(minutes=i),
             "created_at": base + timedelta(minutes=i), "updated_at": base, "state": "new",
             "dismiss_reason": ""}
            for i, fid in enumerate(ids)
        ]
        db.session.execute(insert(Finding), rows)
        photos = [
            {"id": uuid.uuid4(), "finding_id": fid, "storage_key": uuid.uuid4().hex, "sha256": "0" * 64,
             "width": 10, "height": 10, "size_bytes": 1, "hidden": False, "created_at": base}
            for fid in ids[::3]
        ]
        if photos:
            db.session.execute(insert(Photo), photos)
        db.session.commit()
        return ids


def add_measure(app, finding_ids, title: str, status: str = "proposed", org: str | None = None) -> int:
    """A measure linked to findings, created directly in the table (status set for the test)."""
    from walkapp.findings.models import Finding
    from walkapp.measures.models import Measure
    from walkapp.seed import organisation_named

    with app.app_context():
        measure = Measure(title=title, status=status,
                          responsible_org=organisation_named(org) if org else None)
        measure.findings = [db.session.get(Finding, fid) for fid in finding_ids]
        db.session.add(measure)
        db.session.commit()
        return measure.id


def test_same_statement_count_with_50_and_5000_findings(app, logged_in, make_walk):
    """Paging 5,000 findings costs the same number of SQL statements as 50 (no N+1)."""
    walk = make_walk()
    ids = bulk_insert_findings(app, walk["id"], 50)
    add_measure(app, ids[:3], "Nye lamper", org="VIBO")
    small, response = count_statements(app, logged_in, "/findings")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('name="finding"') == 50

    other = make_walk(title="Anden vandring")
    more = bulk_insert_findings(app, other["id"], 4950, category="graffiti")
    add_measure(app, more[-5:], "Fjern graffiti", status="agreed")
    large, response = count_statements(app, logged_in, "/findings")
    assert response.status_code == 200
    assert "5000" in response.get_data(as_text=True)
    assert large == small

    filtered_small, _ = count_statements(app, logged_in, "/findings?photo=yes&sort=rating&page=3")
    filtered_large, _ = count_statements(app, logged_in, "/findings?photo=yes&sort=category&page=40")
    assert filtered_small == filtered_large == small


def test_filters_in_the_url(app, logged_in, make_walk, make_finding):
    """Each filter narrows the list and survives in the page links (bookmarkable)."""
    walk_a, walk_b = make_walk(title="Vandring A"), make_walk(title="Vandring B")
    dark = make_finding(walk_a["id"], description="Meget mørk sti ved blok 3", rating=0)
    graffiti = make_finding(walk_b["id"], category="graffiti", description="Tags på muren", rating=2)
    dismissed = make_finding(walk_b["id"], category="litter", description="Skrald", state="dismissed")
    add_measure(app, [graffiti], "Afrens muren", status="agreed", org="fsb")

    def ids_on(url):
        response = logged_in.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        return {fid for fid in (dark, graffiti, dismissed) if f'value="{fid}"' in html}

    assert ids_on("/findings") == {dark, graffiti, dismissed}
    assert ids_on(f"/findings?walk={walk_a['id']}") == {dark}
    assert ids_on("/findings?category=graffiti") == {graffiti}
    assert ids_on("/findings?state=dismissed") == {dismissed}
    assert ids_on("/findings?rating=0") == {dark}
    assert ids_on("/findings?q=M%C3%98RK") | ids_on("/findings?q=m%C3%B8rk") == {dark}
    assert ids_on("/findings?q=blok") == {dark}
    assert ids_on("/findings?q=100%25") == set()
    with app.app_context():
        from walkapp.seed import organisation_named
        fsb = organisation_named("fsb").id
    assert ids_on(f"/findings?org={fsb}") == {graffiti}
    assert ids_on("/findings?mstatus=agreed") == {graffiti}
    assert ids_on("/findings?mstatus=done") == set()
    assert ids_on("/findings?photo=yes") == set()
    assert ids_on("/findings?photo=no") == {dark, graffiti, dismissed}


def test_rows_show_thumbnail_measures_and_pagination(app, logged_in, make_walk):
    """A row shows its first visible photo and its measures; page 2 holds the rest."""
    walk = make_walk(title="Sidevandring")
    ids = bulk_insert_findings(app, walk["id"], 60)
    add_measure(app, [ids[-1]], "Beskær buskene", status="in_plan")
    html = logged_in.get(f"/findings?walk={walk['id']}&sort=newest").get_data(as_text=True)
    assert html.count('name="finding"') == 50
    assert "Beskær buskene" in html
    assert "/thumb.jpg" in html
    assert f"walk={walk['id']}" in html and "page=2" in html  # the next link keeps the filter
    second = logged_in.get(f"/findings?walk={walk['id']}&page=2").get_data(as_text=True)
    assert second.count('name="finding"') == 10


def test_bad_filter_is_reported_not_a_crash(english):
    """Nonsense in the query string gives a 400 page naming the problem, no traceback."""
    response = english.get("/findings?rating=9&walk=abc&page=-1")
    assert response.status_code == 400
    assert "Some filters were not valid" in response.get_data(as_text=True)


def finding_state(app, fid):
    from walkapp.findings.models import Finding

    with app.app_context():
        finding = db.session.get(Finding, fid)
        return finding.state, finding.duplicate_of_id, finding.dismiss_reason


def test_bulk_dismiss_and_duplicate(app, english, make_walk, make_finding):
    """Dismiss with a reason and mark as duplicate change every selected finding, with history."""
    walk = make_walk()
    a, b, original = (make_finding(walk["id"]) for _ in range(3))
    response = post_form(english, "/findings/bulk", {"action": "dismiss", "reason": "Privat grund",
                                                      "finding": [str(a)]})
    assert response.status_code == 302
    assert finding_state(app, a) == ("dismissed", None, "Privat grund")
    response = post_form(english, "/findings/bulk", {"action": "duplicate", "duplicate_of": str(original),
                                                      "finding": [str(b)]})
    assert response.status_code == 302
    assert finding_state(app, b)[:2] == ("duplicate", original)
    detail = english.get(f"/findings/{b}").get_data(as_text=True)
    assert "duplicate" in detail and "History" in detail


def test_bulk_refuses_mixed_walks_and_unknown_ids_as_a_whole(app, english, make_walk, make_finding):
    """Findings of two walks, an unknown id, or ids outside the walk filter → 400, nothing changed."""
    walk_a, walk_b = make_walk(), make_walk()
    a, b = make_finding(walk_a["id"]), make_finding(walk_b["id"])
    cases = [
        {"finding": [str(a), str(b)]},
        {"finding": [str(a), str(uuid.uuid4())]},
        {"finding": [str(a), "not-a-uuid"]},
        {"finding": [str(b)], "walk_filter": str(walk_a["id"])},
        {"finding": []},
    ]
    for extra in cases:
        response = post_form(english, "/findings/bulk", {"action": "dismiss", "reason": "x", **extra})
        assert response.status_code == 400, extra
    assert "must belong to one walk" in post_form(
        english, "/findings/bulk", {"action": "dismiss", "reason": "x", "finding": [str(a), str(b)]}
    ).get_data(as_text=True)
    response = post_form(english, "/findings/bulk", {"action": "dismiss", "reason": " ", "finding": [str(a)]})
    assert response.status_code == 400
    response = post_form(english, "/findings/bulk", {"action": "duplicate", "duplicate_of": str(a), "finding": [str(a)]})
    assert response.status_code == 400
    assert finding_state(app, a) == ("new", None, "")
    assert finding_state(app, b) == ("new", None, "")


def test_bulk_create_measure(app, english, make_walk, make_finding):
    """Without a title the measure form opens with the findings; with a title the measure is made."""
    walk = make_walk()
    a, b = make_finding(walk["id"]), make_finding(walk["id"])
    response = post_form(english, "/findings/bulk", {"action": "measure", "finding": [str(a), str(b)]})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/measures/new?finding={a}&finding={b}"
    response = post_form(english, "/findings/bulk", {"action": "measure", "title": "Ny belysning",
                                                      "finding": [str(a), str(b)]})
    assert response.status_code == 302
    from walkapp.measures.models import Measure

    with app.app_context():
        measure = db.session.execute(db.select(Measure).where(Measure.title == "Ny belysning")).scalar_one()
        assert {f.id for f in measure.findings} == {a, b}
        assert response.headers["Location"].endswith(f"/measures/{measure.id}")
    assert finding_state(app, a)[0] == "triaged"
    assert "Ny belysning" in english.get(f"/findings?walk={walk['id']}").get_data(as_text=True)


def test_bulk_without_csrf_is_refused(app, logged_in, make_walk, make_finding):
    """A cross-site form post (no CSRF token) changes nothing."""
    walk = make_walk()
    a = make_finding(walk["id"])
    response = logged_in.post("/findings/bulk", data={"action": "dismiss", "reason": "x", "finding": [str(a)]})
    assert response.status_code == 400
    assert finding_state(app, a)[0] == "new"


def test_participants_and_anonymous_are_kept_out(app, client, make_walk, make_finding):
    """Anonymous → login; a participant joined by code is not staff → login too; POST also refused."""
    walk = make_walk()
    fid = make_finding(walk["id"])
    for url in ("/findings", "/findings?view=map", f"/findings/{fid}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    with client.session_transaction() as session:
        from walkapp.walks.models import Participant

        with app.app_context():
            participant = Participant(walk_id=walk["id"], role="resident")
            db.session.add(participant)
            db.session.commit()
            session["participant_id"], session["walk_id"] = participant.id, walk["id"]
    assert "/login" in client.get("/findings").headers["Location"]
    response = post_form(client, "/findings/bulk", {"action": "dismiss", "reason": "x", "finding": [str(fid)]})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert finding_state(app, fid)[0] == "new"


def _org_id(app, name: str) -> int:
    from walkapp.seed import organisation_named

    with app.app_context():
        return organisation_named(name).id


def test_bulk_create_measure_with_organisation_and_due_date(app, english, make_walk, make_finding):
    """The bulk form's organisation and due date go onto the new measure."""
    from datetime import date

    from walkapp.measures.models import Measure

    walk = make_walk()
    a, b = make_finding(walk["id"]), make_finding(walk["id"])
    page = english.get(f"/findings?walk={walk['id']}").text
    bulk_form = page.split('id="bulk"')[1]
    assert 'name="responsible_org"' in bulk_form and 'name="due_on"' in bulk_form
    assert ">VIBO</option>" in bulk_form.split('name="responsible_org"')[1].split("</select>")[0]
    vibo = _org_id(app, "VIBO")
    response = post_form(english, "/findings/bulk", {
        "action": "measure", "title": "Beskær hækken", "responsible_org": str(vibo),
        "due_on": "2031-04-15", "finding": [str(a), str(b)]})
    assert response.status_code == 302
    with app.app_context():
        measure = db.session.execute(db.select(Measure)).scalar_one()
        assert (measure.responsible_org.name, measure.due_on) == ("VIBO", date(2031, 4, 15))
        assert {f.id for f in measure.findings} == {a, b}
    detail = english.get(response.headers["Location"]).text
    assert "VIBO" in detail and "15.04.2031" in detail


def test_bulk_measure_without_title_carries_organisation_and_due_date_to_the_form(
        app, english, make_walk, make_finding):
    """No title: the measure form opens with the chosen organisation and due date filled in."""
    walk = make_walk()
    a = make_finding(walk["id"])
    fsb = _org_id(app, "fsb")
    response = post_form(english, "/findings/bulk", {
        "action": "measure", "responsible_org": str(fsb), "due_on": "2031-04-15", "finding": [str(a)]})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == f"/measures/new?finding={a}&responsible_org={fsb}&due_on=2031-04-15"
    form = english.get(location).text
    fields = form_fields(form)
    assert fields["responsible_org"] == [str(fsb)] and chosen_labels(form)["responsible_org"] == "fsb"
    assert fields["due_on"] == ["2031-04-15"]


@pytest.mark.parametrize("extra, code", [
    ({"due_on": "2031-02-30"}, "invalid_date"),
    ({"responsible_org": "999999"}, "unknown_organisation"),
    ({"responsible_org": "VIBO"}, "unknown_organisation"),
])
def test_bulk_measure_with_bad_organisation_or_date_is_400(app, english, make_walk, make_finding,
                                                           extra, code):
    from walkapp.measures.models import Measure

    walk = make_walk()
    a = make_finding(walk["id"])
    response = english.post("/findings/bulk", data={
        "action": "measure", "title": "Lys", "finding": [str(a)], **extra,
        "csrf_token": csrf_token(english)},
        headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == code
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Measure.id))).scalar_one() == 0
    assert finding_state(app, a)[0] == "new"


def test_bulk_measure_records_triaged_once_in_finding_history(app, english, make_walk, make_finding):
    """Each new finding gets exactly one history row new → triaged; a dismissed one none."""
    from walkapp.findings.models import FindingChange

    walk = make_walk()
    a, dismissed = make_finding(walk["id"]), make_finding(walk["id"], state="dismissed")
    response = post_form(english, "/findings/bulk", {
        "action": "measure", "title": "Lys", "finding": [str(a), str(dismissed)]})
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.execute(db.select(
            FindingChange.finding_id, FindingChange.field, FindingChange.old_value,
            FindingChange.new_value)).all()
    assert [tuple(r) for r in rows] == [(a, "state", "new", "triaged")]
    assert finding_state(app, dismissed)[0] == "dismissed"
    history = english.get(f"/findings/{a}").text
    # Shown as words people use, not as the stored codes.
    assert history.count("<td>New</td><td>Triaged</td>") == 1
