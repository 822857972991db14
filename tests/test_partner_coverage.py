"""Partner coverage on the dashboard: which of police, municipality, estate board and the
driftsafdeling took part in each safety walk of a year, and which took part in none."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from walkapp.extensions import db

CPH = ZoneInfo("Europe/Copenhagen")


def add_participants(app, walk_id: int, *roles: str) -> None:
    """Participants in these roles join the walk."""
    from walkapp.walks.models import Participant

    with app.app_context():
        db.session.add_all([Participant(walk_id=walk_id, role=role) for role in roles])
        db.session.commit()


def coverage_rows(html: str) -> dict[str, list[str]]:
    """Walk title → the partners ticked in its row of the coverage table."""
    section = html[html.index('id="partner-coverage"'):]
    section = section[:section.index("</section>")]
    rows = {}
    for row in re.findall(r"<tr data-walk=.*?</tr>", section, re.S):
        title = re.search(r'<a href="[^"]+">([^<]+)</a>', row).group(1)
        rows[title] = re.findall(r'<td data-partner="(\w+)"><span aria-hidden="true">✓', row)
    return rows


def missing_notes(html: str) -> list[str]:
    """The dashboard's sentences about partners who took part in no walk of the year."""
    return re.findall(r'class="not-met partner-missing">.*?<span>([^<]+)</span>', html)


def test_missing_police_is_flagged(app, logged_in, make_walk, make_finding, make_user):
    """Board and municipality on one walk, the driftsafdeling (a housing organisation's staff
    capturing) on the other: the police took part in no walk of 2025 and the page says so;
    a police officer on an inspection, or on a walk of another year, does not count."""
    east = make_walk(title="Østerbro aften", status="closed", starts_at=datetime(2025, 10, 7, 19, tzinfo=CPH))
    west = make_walk(title="Vest aften", status="closed", starts_at=datetime(2025, 11, 4, 19, tzinfo=CPH))
    inspection = make_walk(title="Eftersyn", kind="inspection", status="closed",
                           starts_at=datetime(2025, 9, 1, 10, tzinfo=CPH))
    last_year = make_walk(title="Sidste år", status="closed", starts_at=datetime(2024, 10, 1, 19, tzinfo=CPH))
    add_participants(app, east["id"], "resident", "board", "resident")
    add_participants(app, west["id"], "resident", "coordinator")
    add_participants(app, inspection["id"], "police")
    add_participants(app, last_year["id"], "police")
    tmf = make_user("tmf@example.org", "staff", organisation="Københavns Kommune – TMF")
    drift = make_user("drift@example.org", "staff", organisation="VIBO")
    make_finding(east["id"], user_id=tmf["id"])
    make_finding(west["id"], user_id=drift["id"])

    html = logged_in.get("/dashboard?year=2025").get_data(as_text=True)
    assert coverage_rows(html) == {
        "Østerbro aften": ["municipality", "board"],
        "Vest aften": ["operations"],
    }
    assert missing_notes(html) == ["Politiet deltog ikke i 2025"]
    html_2024 = logged_in.get("/dashboard?year=2024").get_data(as_text=True)
    assert coverage_rows(html_2024) == {"Sidste år": ["police"]}
    assert missing_notes(html_2024) == [
        "Kommunen deltog ikke i 2024", "Afdelingsbestyrelsen deltog ikke i 2024",
        "Driftsafdelingen deltog ikke i 2024",
    ]


def test_all_four_partners_no_flag_and_this_year_wording(app, logged_in, make_walk, make_user):
    """Every partner on one walk this year: no flag; one missing this year reads "i år"."""
    now = datetime.now(CPH)
    full = make_walk(title="Alle med", status="active", starts_at=now)
    add_participants(app, full["id"], "police", "municipality", "board", "housing")
    html = logged_in.get("/dashboard").get_data(as_text=True)
    assert coverage_rows(html) == {"Alle med": ["police", "municipality", "board", "operations"]}
    assert missing_notes(html) == []

    with app.app_context():
        from walkapp.walks.models import Participant

        db.session.execute(db.delete(Participant).where(Participant.role == "police"))
        db.session.commit()
    html = logged_in.get("/dashboard").get_data(as_text=True)
    assert missing_notes(html) == ["Politiet deltog ikke i år"]


def test_coverage_in_the_api_per_walk(app, client, api_token, make_walk, make_finding, make_user):
    """The JSON names each safety walk's partners by stable code and the missing ones."""
    walk = make_walk(title="Aften", status="closed", starts_at=datetime(2025, 10, 7, 19, tzinfo=CPH))
    police = make_user("betjent@example.org", "staff", organisation="Københavns Politi")
    make_finding(walk["id"], user_id=police["id"])
    add_participants(app, walk["id"], "operations")
    body = client.get("/api/v1/dashboard?year=2025", headers={"Authorization": f"Bearer {api_token}"}).get_json()
    assert body["partner_coverage"] == {
        "walks": [{"id": walk["id"], "title": "Aften", "starts_at": "2025-10-07T17:00:00+00:00",
                   "partners": ["police", "operations"]}],
        "missing": ["municipality", "board"],
    }
