"""Meeting mode and minutes pages (server side): access, links, what the minutes print."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import csrf_token, login
from tests.meeting_helpers import name_user, spread_findings


@pytest.fixture
def chair(app, client, coordinator):
    """A coordinator named Karen Jensen, logged in, with a CSRF header ready."""
    name_user(app, coordinator["id"], "Karen Jensen")
    assert login(client, coordinator["email"]).status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    return client


def test_meeting_page_gives_the_script_its_urls_and_words(app, chair, make_walk):
    walk = make_walk(status="closed")
    html = chair.get(f"/walks/{walk['id']}/meeting").get_data(as_text=True)
    settings = re.search(r'<script type="application/json" id="meeting-settings">(.*?)</script>', html, re.S)
    assert settings is not None
    data = json.loads(settings.group(1))
    assert data["agendaUrl"] == f"/api/v1/walks/{walk['id']}/agenda"
    assert data["findingsUrl"] == f"/api/v1/walks/{walk['id']}/findings"
    assert data["decisionUrl"] == "/api/v1/findings/FINDING_ID/decision"
    assert data["labels"]["progress"] == "%(done)s af %(total)s besluttet"
    assert data["categories"]["lighting"]
    assert "VIBO" in html and "js/meeting.js" in html


def test_walk_page_and_overview_link_to_the_meeting(app, chair, make_walk):
    walk = make_walk(status="closed")
    url = f"/walks/{walk['id']}/meeting"
    assert f'href="{url}"' in chair.get(f"/walks/{walk['id']}").get_data(as_text=True)
    assert f'href="{url}"' in chair.get(f"/walks/{walk['id']}/report").get_data(as_text=True)


def test_minutes_list_every_decision_in_route_order(app, chair, make_walk, coordinator):
    walk = make_walk(status="closed", title="Holmbladsgade aften")
    ids = spread_findings(app, walk["id"], 5, coordinator["id"])
    decide = lambda fid, **body: chair.post(f"/api/v1/findings/{fid}/decision", json=body)  # noqa: E731
    assert decide(ids[0], action="measure", title="Ny lampe", responsible_org="VIBO",
                  due_on="2027-03-01", cost_estimate_dkk=15000).status_code == 201
    assert decide(ids[1], action="duplicate", of=str(ids[0])).status_code == 200
    assert decide(ids[2], action="dismiss", reason="Privat grund").status_code == 200
    assert decide(ids[3], action="park").status_code == 200
    response = chair.get(f"/walks/{walk['id']}/meeting/minutes")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr data-number="(\d+)">(.*?)</tr>', html, re.S)
    assert [int(n) for n, _ in rows] == [1, 2, 3, 4, 5]
    text = {int(n): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for n, row in rows}
    assert "Ny lampe" in text[1] and "VIBO" in text[1] and "01.03.2027" in text[1] and "15.000" in text[1]
    assert "Sted 1" in text[1] and "Belysning" in text[1]
    assert "dublet af #1" in text[2]
    assert "afvist: Privat grund" in text[3]
    assert "parkeret" in text[4]
    assert "Ikke besluttet endnu" in text[5]
    assert "Oversigt over mulige tryghedstiltag" in html and "3 af 5 besluttet" in html
    assert 'css/meeting.css' in html
    assert "@page { size: A4" in (Path(app.static_folder) / "css" / "meeting.css").read_text()


def test_minutes_and_meeting_are_for_staff_only(app, client, make_walk):
    walk = make_walk(status="closed")
    for url in (f"/walks/{walk['id']}/meeting", f"/walks/{walk['id']}/meeting/minutes"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
