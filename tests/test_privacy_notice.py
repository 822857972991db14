"""Telling people: the join page and /privacy name the data controller and the retention period,
the capture sheet warns against naming people, and no export carries a participant's name."""
from __future__ import annotations

import io
import uuid
import zipfile

import pytest

from tests.capture_api_helpers import bearer, finding_payload, findings_url, send
from tests.conftest import post_form

CONTROLLER = "Boligselskabet Lysgården, kontakt@lysgaarden.example"
NAME = "Zelda Quistgaard"  # planted as a participant's name


@pytest.fixture
def app_config():
    """A configured data controller and a retention period other than the default."""
    return {"DATA_CONTROLLER": CONTROLLER, "RETENTION_MONTHS": 24}


def switch_to_english(client, page: str) -> None:
    response = post_form(client, "/lang/en", {"next": page})
    assert response.status_code == 302


def test_join_page_names_controller_period_and_links_the_privacy_page(client, walk):
    page = client.get(f"/j/{walk['join_code']}").get_data(as_text=True)
    assert f"Dataansvarlig er {CONTROLLER}." in page
    assert "slettes 24 måneder efter, at vandringen er afsluttet" in page
    assert 'href="/privacy"' in page


def test_privacy_page_in_danish_and_english(client):
    page = client.get("/privacy")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"Dataansvarlig er {CONTROLLER}." in text and "24 måneder" in text
    switch_to_english(client, "/privacy")
    text = client.get("/privacy").get_data(as_text=True)
    assert f"The data controller is {CONTROLLER}." in text
    assert "deleted 24 months after the walk has ended" in text


@pytest.mark.parametrize("app_config", [{}])
def test_without_a_configured_controller_people_are_told_whom_to_ask(client, walk):
    page = client.get(f"/j/{walk['join_code']}").get_data(as_text=True)
    assert "spørg vandringens koordinator" in page
    assert "slettes 36 måneder efter" in page  # the default period


def test_capture_sheet_warns_against_naming_people(participant, walk):
    page = participant.get(f"/walks/{walk['id']}/capture").get_data(as_text=True)
    assert "Skriv ikke navne eller andet om bestemte personer" in page


def _text_of(body: bytes, url: str) -> str:
    """The readable text of an export: an XLSX is a ZIP of XML parts, read them all."""
    if url.endswith(".xlsx"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return body.decode("utf-8-sig")


def test_no_export_carries_a_participants_name(app, logged_in, api_token, walk, make_measure):
    phone = app.test_client()
    response = post_form(phone, f"/j/{walk['join_code']}", {"role": "resident", "display_name": NAME})
    assert response.status_code == 302
    payload = finding_payload(description="Mørk port")
    assert send(phone, "POST", findings_url(walk["id"]), payload).status_code == 201
    make_measure(finding_ids=[uuid.UUID(payload["id"])])
    # Planted: staff see the name on the finding page, as the join page promises.
    assert NAME in logged_in.get(f"/findings/{payload['id']}").get_data(as_text=True)

    walk_id = walk["id"]
    urls = [
        f"/walks/{walk_id}/export.geojson", f"/walks/{walk_id}/export.csv",
        f"/walks/{walk_id}/export.xlsx", f"/walks/{walk_id}/measures.csv",
        f"/walks/{walk_id}/measures.xlsx", f"/walks/{walk_id}/map.html",
        f"/walks/{walk_id}/report", "/findings/export.geojson", "/findings/export.csv",
        "/findings/export.xlsx", "/findings/map.html", "/measures/export.csv",
        "/measures/export.xlsx",
    ]
    for url in urls:
        response = logged_in.get(url)
        assert response.status_code == 200, url
        text = _text_of(response.get_data(), url)
        assert "Mørk port" in text or "measures" in url, url  # the finding is in it
        assert NAME not in text, url
    token = app.test_client()
    for url in ("/open311/v2/requests.json", "/open311/v2/requests.xml",
                f"/open311/v2/requests/{payload['id']}.json"):
        response = token.get(url, headers=bearer(api_token))
        assert response.status_code == 200, url
        assert "Mørk port" in response.get_data(as_text=True), url
        assert NAME not in response.get_data(as_text=True), url

