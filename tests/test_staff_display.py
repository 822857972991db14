"""What staff read on the follow-up side: who reported a finding (name with role, escaped),
ratings with their words, numbers in Danish format, a metric-only scale on the exported map,
no optimistic-lock version on the measure page, and bulk triage without JavaScript."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import post_form
from tests.form_helpers import hidden_fields
from walkapp.extensions import db

HOSTILE_NAME = '<b onmouseover="x()">Jens</b> & Co'
ESCAPED_NAME = "&lt;b onmouseover=&#34;x()&#34;&gt;Jens&lt;/b&gt; &amp; Co"
CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def participant_finding(app, make_walk, make_finding):
    """A resident's finding (rating 1, accuracy 12.5 m) whose display name is hostile text."""
    from walkapp.walks.models import Participant

    walk = make_walk(title="Aftenvandring")
    with app.app_context():
        participant = Participant(walk_id=walk["id"], role="resident", display_name=HOSTILE_NAME)
        db.session.add(participant)
        db.session.commit()
        participant_id = participant.id
    fid = make_finding(walk["id"], participant_id=participant_id, user_id=None, rating=1,
                       accuracy_m=12.5, description="Mørk sti bag blok 4")
    return {"walk": walk["id"], "id": fid}


def english(client) -> None:
    """Switch the logged-in client to English."""
    post_form(client, "/lang/en")


# ---------------------------------------------------------------- reporter


def test_finding_page_shows_the_participants_name_with_role_escaped(logged_in, participant_finding):
    """The join page promises the coordinator sees the name next to the findings."""
    html = logged_in.get(f"/findings/{participant_finding['id']}").get_data(as_text=True)
    assert f'<dd class="reporter">{ESCAPED_NAME} (Beboer)</dd>' in html
    assert HOSTILE_NAME not in html and "<b onmouseover" not in html


def test_triage_row_shows_the_reporters_name_and_role(logged_in, participant_finding):
    """The list row names the reporter too, escaped."""
    html = logged_in.get(f"/findings?walk={participant_finding['walk']}").get_data(as_text=True)
    assert f"Indmeldt af: {ESCAPED_NAME} (Beboer)" in html
    assert "<b onmouseover" not in html


def test_reporter_without_name_and_staff_reporter(app, logged_in, coordinator, make_walk, make_finding):
    """No name given: the role alone; a staff member: their name and organisation."""
    from walkapp.auth.models import User
    from walkapp.walks.models import Participant

    walk = make_walk()
    with app.app_context():
        participant = Participant(walk_id=walk["id"], role="police", display_name="  ")
        db.session.add(participant)
        db.session.commit()
        participant_id = participant.id
        staff = db.session.get(User, coordinator["id"])
        staff_name, org_name = staff.name, staff.organisation.name
    anonymous = make_finding(walk["id"], participant_id=participant_id, user_id=None)
    by_staff = make_finding(walk["id"])
    assert '<dd class="reporter">Politi</dd>' in logged_in.get(f"/findings/{anonymous}").get_data(as_text=True)
    expected = f"{staff_name} (Medarbejder, {org_name})" if staff_name else f"Medarbejder, {org_name}"
    assert f'<dd class="reporter">{expected}</dd>' in logged_in.get(f"/findings/{by_staff}").get_data(as_text=True)


# ---------------------------------------------------------------- ratings


def test_rating_with_its_words_on_finding_page_list_and_map(logged_in, participant_finding):
    """Rating 1 reads "1 – Utryg" everywhere staff see it, never a bare number."""
    finding = logged_in.get(f"/findings/{participant_finding['id']}").get_data(as_text=True)
    assert "<dt>Tryghedsvurdering</dt><dd>1 – Utryg</dd>" in finding
    listing = logged_in.get(f"/findings?walk={participant_finding['walk']}").get_data(as_text=True)
    assert "<td>1 – Utryg</td>" in listing
    assert ">0 – Meget utryg</option>" in listing and ">3 – Tryg</option>" in listing  # the filter
    # The map popups get the words with the points (the page's JSON, read by triage-map.js).
    for page in (finding, logged_in.get(f"/findings?view=map&walk={participant_finding['walk']}").get_data(as_text=True)):
        data = re.search(r'<script type="application/json" id="triage-map-data">(.*?)</script>', page, re.S)
        assert '"ratings": ["Meget utryg", "Utryg", "Nogenlunde tryg", "Tryg"]' in data.group(1)


def test_rating_words_in_english(logged_in, participant_finding):
    english(logged_in)
    html = logged_in.get(f"/findings/{participant_finding['id']}").get_data(as_text=True)
    assert "<dt>Rating</dt><dd>1 – Unsafe</dd>" in html


def test_rating_change_in_the_history_reads_with_words(app, logged_in, coordinator, participant_finding):
    """A recorded rating change shows both values with their words."""
    from walkapp.findings.models import FindingChange

    with app.app_context():
        db.session.add(FindingChange(finding_id=participant_finding["id"], by_user_id=coordinator["id"],
                                     field="rating", old_value="3", new_value="0"))
        db.session.commit()
    html = logged_in.get(f"/findings/{participant_finding['id']}").get_data(as_text=True)
    assert "<td>3 – Tryg</td><td>0 – Meget utryg</td>" in html


def test_report_shows_rating_words(logged_in, participant_finding):
    html = logged_in.get(f"/walks/{participant_finding['walk']}/report").get_data(as_text=True)
    assert "(Tryghedsvurdering: 1 – Utryg)" in html
    assert "af 3" not in html


def test_exported_map_popup_words_and_metric_only_scale(logged_in, participant_finding):
    """The folium map: the rating with its words, and a scale bar without feet and miles."""
    html = logged_in.get(f"/walks/{participant_finding['walk']}/map.html").get_data(as_text=True)
    assert "Tryghed: 1 – Utryg" in html
    assert "L.control.scale({imperial: false})" in html
    assert "L.control.scale()" not in html  # Leaflet's default draws feet and miles too
    english_html = logged_in.get(f"/walks/{participant_finding['walk']}/map.html?lang=en").get_data(as_text=True)
    assert "Safety: 1 – Unsafe" in english_html


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize("accuracy, shown", [(12.5, "12,5 m"), (0.0, "0,0 m"), (1234.25, "1.234,2 m")])
def test_accuracy_in_danish_number_format(app, logged_in, make_walk, make_finding, accuracy, shown):
    walk = make_walk()
    fid = make_finding(walk["id"], accuracy_m=accuracy)
    html = logged_in.get(f"/findings/{fid}").get_data(as_text=True)
    assert f"<dt>Positionens nøjagtighed</dt><dd>{shown}</dd>" in html


def test_no_accuracy_no_line(logged_in, make_walk, make_finding):
    fid = make_finding(make_walk()["id"])
    assert "Positionens nøjagtighed" not in logged_in.get(f"/findings/{fid}").get_data(as_text=True)


def _done_measure(app, coordinator, days: float) -> None:
    """A held walk of 2025 with one measure done `days` after it was created."""
    from walkapp.findings.models import Category, Finding
    from walkapp.measures.models import Measure, StatusChange
    from walkapp.walks.models import Walk

    created = datetime(2025, 10, 20, 12, tzinfo=CPH)
    with app.app_context():
        walk = Walk(title="W", kind="walk", status="closed", starts_at=datetime(2025, 10, 15, 19, tzinfo=CPH),
                    join_code=uuid.uuid4().hex)
        category = db.session.execute(db.select(Category).where(Category.code == "lighting")).scalar_one()
        finding = Finding(id=uuid.uuid4(), walk=walk, category=category, lat=55.66, lon=12.6,
                          user_id=coordinator["id"])
        measure = Measure(title="Lys", status="done", created_at=created, findings=[finding])
        db.session.add_all([walk, finding, measure])
        db.session.flush()
        db.session.add_all([
            StatusChange(measure_id=measure.id, from_status=None, to_status="proposed", at=created),
            StatusChange(measure_id=measure.id, from_status="proposed", to_status="done",
                         at=created + timedelta(days=days)),
        ])
        db.session.commit()


@pytest.mark.parametrize("days, shown", [(12.5, "12,5"), (0, "0,0")])
def test_dashboard_median_in_danish_format(app, logged_in, coordinator, days, shown):
    """The median days to done: a decimal comma, one decimal ("0,0", not "0.0")."""
    _done_measure(app, coordinator, days)
    html = logged_in.get("/dashboard?year=2025").get_data(as_text=True)
    assert f'<span class="number">{shown}</span>Median antal dage fra tiltag til udført' in html
    assert not re.search(r'<span class="number">\d+\.\d</span>', html)


# ---------------------------------------------------------------- measure page


def test_measure_page_shows_amounts_in_danish_and_no_version(app, logged_in, make_walk, make_finding):
    """Cost estimate "125.000 kr."; the lock version is only a hidden field, and still works."""
    from walkapp.findings.models import Finding
    from walkapp.measures.models import Measure, PlanItem
    from walkapp.orgs.models import Estate
    from walkapp.seed import organisation_named

    fid = make_finding(make_walk()["id"])
    with app.app_context():
        estate = Estate(name="Holmbladsgade", organisation=organisation_named("VIBO"))
        db.session.add(estate)
        measure = Measure(title="Nye lamper", status="proposed", cost_estimate_dkk=125000,
                          findings=[db.session.get(Finding, fid)])
        measure.plan_items.append(PlanItem(estate=estate, plan_year=2028, amount_dkk=1500000))
        db.session.add(measure)
        db.session.commit()
        measure_id, version = measure.id, measure.version
    html = logged_in.get(f"/measures/{measure_id}").get_data(as_text=True)
    assert "125.000 kr." in html and "1.500.000 kr." in html
    assert "Version" not in html
    # Every step form sends the version the page was drawn at (a stale form is then refused).
    versions = hidden_fields(html).get("version")
    assert versions and set(versions) == {str(version)}


# ---------------------------------------------------------------- bulk triage without JS


def test_bulk_form_without_js_shows_every_actions_fields_in_its_own_fieldset(logged_in, make_walk, make_finding):
    """The page as served (before any script): three fieldsets, none hidden or disabled, each
    holding its action's fields."""
    walk = make_walk()
    make_finding(walk["id"])
    html = logged_in.get(f"/findings?walk={walk['id']}").get_data(as_text=True)
    fieldsets = dict(re.findall(r'<fieldset class="bulk-fields" id="bulk-fields-\w+" data-action-fields="(\w+)">(.*?)</fieldset>', html, re.S))
    assert set(fieldsets) == {"measure", "duplicate", "dismiss"}
    assert all(name in fieldsets["measure"] for name in ('name="title"', 'name="responsible_org"', 'name="due_on"'))
    assert 'name="duplicate_of"' in fieldsets["duplicate"] and 'name="reason"' in fieldsets["dismiss"]
    assert "<legend>Afvis</legend>" in fieldsets["dismiss"]
    assert not re.search(r"<fieldset[^>]*(hidden|disabled)", html)


def test_without_js_a_stray_value_in_another_actions_field_does_not_block(app, logged_in, make_walk, make_finding):
    """Every field is posted without JS; a half-typed due date does not stop a dismissal."""
    from walkapp.findings.models import Finding
    from walkapp.measures.models import Measure

    walk = make_walk()
    ids = [make_finding(walk["id"]) for _ in range(2)]
    response = post_form(logged_in, "/findings/bulk", {
        "action": "dismiss", "finding": [str(i) for i in ids], "reason": "Privat område",
        "title": "Ny lampe", "due_on": "31.02", "duplicate_of": "", "responsible_org": "",
        "walk_filter": str(walk["id"]),
    })
    assert response.status_code == 302
    with app.app_context():
        assert {db.session.get(Finding, i).state for i in ids} == {"dismissed"}
        assert db.session.execute(db.select(db.func.count(Measure.id))).scalar_one() == 0


def test_without_js_the_chosen_actions_bad_field_still_refuses(app, logged_in, make_walk, make_finding):
    """The chosen action's own fields are still checked: a bad due date for a measure is a 400
    and nothing changes."""
    from walkapp.findings.models import Finding
    from walkapp.measures.models import Measure

    walk = make_walk()
    fid = make_finding(walk["id"])
    response = post_form(logged_in, "/findings/bulk", {
        "action": "measure", "finding": [str(fid)], "title": "Ny lampe", "due_on": "31.02",
        "reason": "x" * 600,
    }, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_date"
    with app.app_context():
        assert db.session.get(Finding, fid).state == "new"
        assert db.session.execute(db.select(db.func.count(Measure.id))).scalar_one() == 0
    # A too long reason is refused when dismissing is the chosen action.
    response = post_form(logged_in, "/findings/bulk", {
        "action": "dismiss", "finding": [str(fid)], "reason": "x" * 600, "due_on": date(2030, 1, 1).isoformat(),
    }, headers={"Accept": "application/json"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Finding, fid).state == "new"
