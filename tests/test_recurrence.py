"""Recurring spots: a finding within 25 m of a finding of the same category on an earlier walk of
the same estates or of the same chain of follow-up walks — in the finding's JSON (`earlier`),
the triage filter and marker, the finding page and the dashboard."""
from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime

import pytest

from tests.conftest import csrf_token, statements_for
from walkapp.extensions import db
from walkapp.geo import EARTH_RADIUS_M, distance_m

LAT, LON = 55.6665, 12.6060
BEFORE = datetime(2024, 9, 12, 18, 0, tzinfo=UTC)
AFTER = datetime(2025, 9, 11, 18, 0, tzinfo=UTC)


def offset(metres: float, direction: str) -> tuple[float, float]:
    """(lat, lon) `metres` north or east of the reference point."""
    degrees = math.degrees(metres / EARTH_RADIUS_M)
    if direction == "north":
        return LAT + degrees, LON
    return LAT, LON + degrees / math.cos(math.radians(LAT))


@pytest.fixture
def link_estate(app):
    """Add an estate to a walk's estates (committed)."""
    from walkapp.orgs.models import Estate
    from walkapp.walks.models import Walk

    def link(walk_id: int, estate_id: int) -> None:
        with app.app_context():
            walk = db.session.get(Walk, walk_id)
            walk.estates.append(db.session.get(Estate, estate_id))
            db.session.commit()

    return link


@pytest.fixture
def two_walks(make_walk, estate_id, link_estate):
    """A walk in 2024 and one in 2025, both visiting the same estate."""
    earlier = make_walk(status="closed", title="Aftenvandring 2024", starts_at=BEFORE)
    later = make_walk(status="active", title="Aftenvandring 2025", starts_at=AFTER)
    link_estate(earlier["id"], estate_id)
    link_estate(later["id"], estate_id)
    return earlier["id"], later["id"]


def earlier_of(app, finding_id) -> list[dict]:
    """The finding's `earlier` list as its JSON shows it."""
    from walkapp.measures.recurrence import earlier_with_status

    with app.app_context():
        return earlier_with_status([finding_id]).get(finding_id, [])


# ---------------------------------------------------------------- what counts


@pytest.mark.parametrize("direction", ["north", "east"])
def test_24_m_away_on_an_earlier_walk_of_the_same_estate_is_recurring(app, two_walks, make_finding, direction):
    """24 m away (north, or east where degrees of longitude are shorter) is the same spot."""
    earlier_walk, later_walk = two_walks
    old = make_finding(earlier_walk, lat=LAT, lon=LON)
    lat, lon = offset(24, direction)
    new = make_finding(later_walk, lat=lat, lon=lon)
    assert earlier_of(app, new) == [{
        "finding_id": str(old), "walk_id": earlier_walk, "year": 2024,
        "distance_m": round(distance_m(LAT, LON, lat, lon), 1), "measure_status": None,
    }]
    assert 23.9 <= earlier_of(app, new)[0]["distance_m"] <= 24.1


@pytest.mark.parametrize("direction", ["north", "east"])
def test_26_m_away_is_another_spot(app, two_walks, make_finding, direction):
    """26 m away is not recurring."""
    earlier_walk, later_walk = two_walks
    make_finding(earlier_walk, lat=LAT, lon=LON)
    lat, lon = offset(26, direction)
    new = make_finding(later_walk, lat=lat, lon=lon)
    assert earlier_of(app, new) == []


def test_another_category_at_the_same_place_is_not_recurring(app, two_walks, make_finding):
    """Graffiti where poor lighting was reported last year is a new problem."""
    earlier_walk, later_walk = two_walks
    make_finding(earlier_walk, category="lighting")
    new = make_finding(later_walk, category="graffiti")
    assert earlier_of(app, new) == []


def test_a_later_walk_does_not_make_the_earlier_finding_recurring(app, two_walks, make_finding):
    """Only earlier walks count: the 2024 finding has no `earlier` from 2025."""
    earlier_walk, later_walk = two_walks
    old = make_finding(earlier_walk)
    new = make_finding(later_walk)
    assert earlier_of(app, old) == []
    assert [e["finding_id"] for e in earlier_of(app, new)] == [str(old)]


def test_a_finding_on_the_same_walk_is_not_earlier(app, two_walks, make_finding):
    """Two findings of one walk at one spot are nearby (maybe duplicates), not recurring."""
    _, later_walk = two_walks
    make_finding(later_walk)
    new = make_finding(later_walk)
    assert earlier_of(app, new) == []


@pytest.mark.parametrize("state", ["dismissed", "duplicate"])
def test_dismissed_or_duplicate_earlier_findings_do_not_count(app, two_walks, make_finding, state):
    """An earlier finding judged not to be a problem of its own does not make a spot recurring."""
    earlier_walk, later_walk = two_walks
    make_finding(earlier_walk, state=state)
    new = make_finding(later_walk)
    assert earlier_of(app, new) == []


def test_an_earlier_walk_of_another_estate_does_not_count(app, make_walk, make_estate, link_estate, make_finding):
    """The same spot on a walk that shares no estate and is not in the chain is not compared."""
    earlier = make_walk(status="closed", starts_at=BEFORE)["id"]
    later = make_walk(starts_at=AFTER)["id"]
    link_estate(earlier, make_estate("Lindevangen", "fsb"))
    link_estate(later, make_estate("Holmbladsgade", "VIBO"))
    make_finding(earlier)
    new = make_finding(later)
    assert earlier_of(app, new) == []


def test_the_chain_of_follow_up_walks_counts_without_a_shared_estate(app, make_walk, make_finding):
    """A follow-up walk of a follow-up walk (previous_walk_id twice, no estates at all) sees
    both walks before it, oldest first."""
    first = make_walk(status="closed", starts_at=datetime(2023, 9, 1, 18, tzinfo=UTC))["id"]
    second = make_walk(status="closed", starts_at=BEFORE, previous_walk_id=first)["id"]
    third = make_walk(starts_at=AFTER, previous_walk_id=second)["id"]
    unrelated = make_walk(status="closed", starts_at=BEFORE)["id"]
    in_2023 = make_finding(first)
    in_2024 = make_finding(second)
    make_finding(unrelated)
    new = make_finding(third)
    found = earlier_of(app, new)
    assert [(e["finding_id"], e["walk_id"], e["year"]) for e in found] == [
        (str(in_2023), first, 2023), (str(in_2024), second, 2024),
    ]


def test_a_chain_that_loops_still_answers(app, make_walk, make_finding):
    """Bad data (two walks each other's predecessor) must not hang the query."""
    from walkapp.walks.models import Walk

    first = make_walk(status="closed", starts_at=BEFORE)["id"]
    second = make_walk(starts_at=AFTER, previous_walk_id=first)["id"]
    with app.app_context():
        db.session.get(Walk, first).previous_walk_id = second
        db.session.commit()
    old = make_finding(first)
    new = make_finding(second)
    assert [e["finding_id"] for e in earlier_of(app, new)] == [str(old)]


def test_measure_status_is_the_most_advanced_of_the_earlier_findings_measures(
    app, two_walks, make_finding, make_measure
):
    """A spot with a proposed and a done measure last year shows "done"."""
    from walkapp.measures.models import Measure

    earlier_walk, later_walk = two_walks
    old = make_finding(earlier_walk)
    make_measure("Beskær buske", finding_ids=[old])
    done = make_measure("Ny lampe", finding_ids=[old])
    with app.app_context():
        db.session.get(Measure, done).status = "done"
        db.session.commit()
    new = make_finding(later_walk)
    assert earlier_of(app, new)[0]["measure_status"] == "done"


def test_most_advanced_status_order():
    """Done beats in progress beats planned and agreed; a decision beats a bare proposal."""
    from walkapp.measures.recurrence import most_advanced

    assert most_advanced(["proposed", "in_progress", "agreed"]) == "in_progress"
    assert most_advanced(["in_plan", "done"]) == "done"
    assert most_advanced(["rejected", "proposed"]) == "rejected"
    assert most_advanced(["agreed", "rejected"]) == "agreed"
    assert most_advanced([]) is None


# ---------------------------------------------------------------- the finding's JSON


def test_the_capture_api_answers_with_earlier(app, logged_in, two_walks, make_finding):
    """Storing a finding at last year's spot answers `earlier`; the walk's GeoJSON has it too,
    and an empty list where there is none."""
    earlier_walk, later_walk = two_walks
    old = make_finding(earlier_walk)
    new_id = str(uuid.uuid4())
    response = logged_in.post(
        f"/api/v1/walks/{later_walk}/findings",
        json={"id": new_id, "lat": LAT + 0.0001, "lon": LON, "category": "lighting"},
        headers={"X-CSRFToken": csrf_token(logged_in)},
    )
    assert response.status_code == 201, response.get_json()
    earlier = response.get_json()["earlier"]
    assert [(e["finding_id"], e["walk_id"], e["year"], e["measure_status"]) for e in earlier] == [
        (str(old), earlier_walk, 2024, None)
    ]
    assert 11 <= earlier[0]["distance_m"] <= 11.3

    lone = str(uuid.uuid4())
    response = logged_in.post(
        f"/api/v1/walks/{later_walk}/findings",
        json={"id": lone, "lat": LAT + 0.01, "lon": LON, "category": "lighting"},
        headers={"X-CSRFToken": csrf_token(logged_in)},
    )
    assert response.get_json()["earlier"] == []

    features = logged_in.get(f"/api/v1/walks/{later_walk}/findings").get_json()["features"]
    by_id = {f["id"]: f["properties"]["earlier"] for f in features}
    assert [e["finding_id"] for e in by_id[new_id]] == [str(old)]
    assert by_id[lone] == []


def add_recurring(app, earlier_walk: int, later_walk: int, count: int) -> None:
    """`count` spots 100 m apart, each reported on both walks."""
    from walkapp.findings.models import Category, Finding
    from walkapp.walks.models import Walk

    with app.app_context():
        category = db.session.execute(db.select(Category).where(Category.code == "lighting")).scalar_one()
        user_id = db.session.get(Walk, later_walk).created_by_id
        for i in range(count):
            for walk_id in (earlier_walk, later_walk):
                db.session.add(Finding(id=uuid.uuid4(), walk_id=walk_id, category_id=category.id,
                                       lat=LAT + i * 0.001, lon=LON, user_id=user_id))
        db.session.commit()


@pytest.fixture
def recurring_walks(app, make_walk, estate_id, link_estate):
    """Make a 2024 and a 2025 walk of one estate with n spots reported on both; the 2025 walk's id."""
    def make(n: int) -> int:
        earlier = make_walk(status="closed", starts_at=BEFORE)["id"]
        later = make_walk(starts_at=AFTER)["id"]
        link_estate(earlier, estate_id)
        link_estate(later, estate_id)
        add_recurring(app, earlier, later, n)
        return later

    return make


def test_the_walk_geojson_statement_count_does_not_grow(app, logged_in, recurring_walks):
    """The earlier findings of a walk's findings cost the same at 8 and at 80 findings."""
    counts = []
    for n in (8, 80):
        later = recurring_walks(n)
        counts.append(statements_for(logged_in, app, f"/api/v1/walks/{later}/findings"))
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------- triage


def test_triage_filter_shows_only_recurring_findings_with_the_marker(app, logged_in, two_walks, make_finding):
    """`recurring=1` lists only last year's spots that came back, each marked "Gentaget"."""
    earlier_walk, later_walk = two_walks
    make_finding(earlier_walk, description="Lampen er gået i stykker")
    make_finding(later_walk, description="Stadig mørkt ved porten")
    make_finding(later_walk, lat=LAT + 0.01, description="Ny mørk sti")

    everything = logged_in.get("/findings").get_data(as_text=True)
    assert "Ny mørk sti" in everything and everything.count(">Gentaget<") == 1

    response = logged_in.get("/findings?recurring=1")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Stadig mørkt ved porten" in page
    assert "Ny mørk sti" not in page and "Lampen er gået i stykker" not in page
    assert page.count(">Gentaget<") == 1
    assert "Meldt før (2024)" in page
    assert 'name="recurring"' in page and '<option selected value="1">' in page


def test_triage_filter_combines_with_the_others(app, logged_in, two_walks, make_finding):
    """`recurring=1` with a walk filter keeps only the recurring findings of that walk."""
    earlier_walk, later_walk = two_walks
    make_finding(earlier_walk, description="Første gang")
    make_finding(later_walk, description="Anden gang")
    page = logged_in.get(f"/findings?recurring=1&walk={earlier_walk}").get_data(as_text=True)
    assert "Første gang" not in page and "Anden gang" not in page
    page = logged_in.get(f"/findings?recurring=1&walk={later_walk}").get_data(as_text=True)
    assert "Anden gang" in page and "Første gang" not in page


@pytest.mark.parametrize("query", ["", "?recurring=1"])
def test_triage_statement_count_is_constant(app, logged_in, recurring_walks, query):
    """The list (and its recurring filter) costs as many statements at 8 as at 80 recurring findings."""
    counts = []
    for n in (8, 72):  # 8, then 80 recurring findings in the list
        recurring_walks(n)
        page = logged_in.get(f"/findings{query}").get_data(as_text=True)
        assert page.count(">Gentaget<") > 0
        counts.append(statements_for(logged_in, app, f"/findings{query}"))
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------- finding page, dashboard


def test_finding_page_lists_the_earlier_finding_and_what_was_done(app, logged_in, two_walks, make_finding, make_measure):
    """The staff page of this year's finding names last year's walk, date, distance and measure."""
    earlier_walk, later_walk = two_walks
    old = make_finding(earlier_walk)
    make_measure("Ny lampe ved porten", finding_ids=[old])
    new = make_finding(later_walk, lat=LAT + 0.0001)
    page = logged_in.get(f"/findings/{new}").get_data(as_text=True)
    section = page.split('id="earlier"', 1)[1].split("</section>", 1)[0]
    assert "Meldt her før" in section
    assert "Aftenvandring 2024" in section and "12.09.2024" in section
    assert "11 m" in section
    assert "Ny lampe ved porten" in section and "Foreslået" in section
    assert f"/findings/{old}" in section and f"/walks/{earlier_walk}" in section

    lone = make_finding(later_walk, lat=LAT + 0.01)
    page = logged_in.get(f"/findings/{lone}").get_data(as_text=True)
    assert "Intet i samme kategori er meldt her på en tidligere vandring." in page


def test_dashboard_counts_recurring_spots_per_year(app, logged_in, two_walks, make_finding):
    """2025 has one recurring spot (a dismissed one and a new spot do not count); 2024 none."""
    earlier_walk, later_walk = two_walks
    make_finding(earlier_walk)
    make_finding(earlier_walk, lat=LAT + 0.002)
    make_finding(later_walk)
    make_finding(later_walk, lat=LAT + 0.002, state="dismissed")
    make_finding(later_walk, lat=LAT + 0.01)
    page = logged_in.get("/dashboard?year=2025").get_data(as_text=True)
    section = page.split('id="recurring-heading"', 1)[1].split("</section>", 1)[0]
    assert "Tilbagevendende steder" in section
    assert '<tr data-year="2025"><th scope="row">2025</th><td>1</td></tr>' in section
    assert '<tr data-year="2024"><th scope="row">2024</th><td>0</td></tr>' in section
