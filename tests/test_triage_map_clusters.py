"""Triage map view with many findings: above a threshold the server groups them into clusters on
a grid, so the answer stays the same size; the clusters count exactly the findings the list
shows for the same filters (inside a map view's bbox when given), never another area's."""
from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from tests.conftest import login
from tests.triage_map_helpers import insert_findings, page_data
from walkapp.extensions import db
from walkapp.triage.queries import MAP_GRID

FAST = {"deadline": None, "derandomize": True, "database": None,
        "suppress_health_check": [HealthCheck.function_scoped_fixture]}


def lower_threshold(app, single: int) -> None:
    """Up to `single` findings come as points, more as clusters (read at each request)."""
    app.config["TRIAGE_MAP_POINTS_SINGLE"] = single


def answer_for(client, query: str = "") -> dict:
    """The map's answer for the list's filters, fetched as the page's script does."""
    response = client.get(page_data(client, query)["pointsUrl"])
    assert response.status_code == 200, query
    return response.get_json()


def on_map(answer: dict) -> int:
    """How many findings the answer puts on the map, in either mode."""
    if answer["mode"] == "points":
        return len(answer["points"])
    return sum(c[0] for c in answer["clusters"])


def listed_ids(client, query: str) -> set[str]:
    """The finding ids the triage list shows for the same filters (one page of 50 at most)."""
    html = client.get(f"/findings?{query.lstrip('&')}").get_data(as_text=True)
    return set(re.findall(r'name="finding" value="([0-9a-f-]{36})"', html))


def add_photo(app, finding_id: uuid.UUID) -> None:
    from walkapp.findings.models import Photo

    with app.app_context():
        db.session.execute(insert(Photo), [{
            "id": uuid.uuid4(), "finding_id": finding_id, "storage_key": uuid.uuid4().hex, "sha256": "0" * 64,
            "width": 10, "height": 10, "size_bytes": 1, "hidden": False, "created_at": datetime.now(UTC),
        }])
        db.session.commit()


def test_few_findings_come_as_points_more_as_clusters(app, logged_in, make_walk, make_finding):
    """At the threshold the map gets every point; one more and it gets clusters that count them
    all, each with its mean place, worst rating, the bounds of its findings, and a lone
    finding's id so its popup can still open."""
    lower_threshold(app, 3)
    walk = make_walk()
    # Two findings at one corner, one far away at the other: two clusters.
    for rating in (3, 1):
        make_finding(walk["id"], lat=55.6600, lon=12.6000, rating=rating)
    lone = make_finding(walk["id"], lat=55.6700, lon=12.6200, rating=None)
    answer = answer_for(logged_in)
    assert answer["mode"] == "points" and answer["total"] == 3 and len(answer["points"]) == 3
    assert answer["extent"] == [55660000, 12600000, 55670000, 12620000]

    make_finding(walk["id"], lat=55.6601, lon=12.6001, rating=2)
    answer = answer_for(logged_in)
    assert answer["mode"] == "clusters" and answer["total"] == 4 and "points" not in answer
    clusters = sorted(answer["clusters"], key=lambda c: -c[0])
    assert clusters == [
        [3, 55660033, 12600033, 1, [55660000, 12600000, 55660100, 12600100], None],
        [1, 55670000, 12620000, None, [55670000, 12620000, 55670000, 12620000], lone.hex],
    ]
    assert answer["ignored_filters"] == []


def test_cluster_counts_sum_to_the_filtered_total_for_every_filter(app, logged_in, make_walk, make_finding):
    """Walk, state, category, rating, photo and text, alone and together: the clusters count
    exactly the findings the list shows, and clusters are what the map gets above the
    threshold."""
    lower_threshold(app, 2)
    walk, other = make_walk(), make_walk(title="Morgenvandring")
    spots = [(55.660 + i * 1e-3, 12.600 + (i % 5) * 2e-3) for i in range(24)]
    for i, (lat, lon) in enumerate(spots):
        fid = make_finding(
            walk["id"] if i % 2 else other["id"], lat=lat, lon=lon, rating=i % 4 if i % 7 else None,
            category=("graffiti", "lighting", "litter")[i % 3], state="dismissed" if i % 5 == 0 else "new",
            description=f"Tags ved blok {i}" if i % 4 == 0 else f"Mørk sti {i}",
        )
        if i % 3 == 1:
            add_photo(app, fid)
    queries = ["", f"&walk={walk['id']}", f"&walk={other['id']}", "&state=dismissed", "&state=new",
               "&category=graffiti", "&category=litter", "&rating=0", "&rating=3", "&photo=yes", "&photo=no",
               "&q=Tags", "&q=blok%201", f"&walk={walk['id']}&category=lighting&photo=yes",
               "&state=new&rating=2&q=M%C3%B8rk", "&category=vandalism"]
    modes = set()
    for query in queries:
        answer = answer_for(logged_in, query)
        listed = listed_ids(logged_in, query)
        assert on_map(answer) == answer["total"] == len(listed), query
        assert answer["mode"] == ("clusters" if len(listed) > 2 else "points"), query
        modes.add(answer["mode"])
        if answer["mode"] == "points":
            assert {str(uuid.UUID(hex=p[0])) for p in answer["points"]} == listed, query
        else:  # the lone findings' ids are among the listed ones
            lone = {str(uuid.UUID(hex=c[5])) for c in answer["clusters"] if c[0] == 1}
            assert lone <= listed, query
    assert modes == {"points", "clusters"}


def test_bbox_narrows_the_map_to_the_view_and_a_bad_one_is_ignored(app, logged_in, make_walk, make_finding):
    """A bbox keeps the findings inside it (clusters while many, points once few); a bad bbox
    is ignored and named, never a 500."""
    lower_threshold(app, 4)
    walk = make_walk()
    west = [make_finding(walk["id"], lat=55.660 + i * 1e-4, lon=12.600 + i * 1e-4) for i in range(3)]
    for i in range(6):
        make_finding(walk["id"], lat=55.670 + i * 1e-4, lon=12.620 + i * 1e-4)
    url = page_data(logged_in)["pointsUrl"]
    whole = logged_in.get(url).get_json()
    assert whole["mode"] == "clusters" and whole["total"] == 9
    inside = logged_in.get(f"{url}?bbox=12.59,55.65,12.61,55.665").get_json()
    assert inside["mode"] == "points" and inside["total"] == 3 and inside["ignored_filters"] == []
    assert {p[0] for p in inside["points"]} == {f.hex for f in west}
    east = logged_in.get(f"{url}?bbox=12.615,55.665,12.63,55.68&rating=").get_json()
    assert east["mode"] == "clusters" and on_map(east) == east["total"] == 6
    empty = logged_in.get(f"{url}?bbox=-10,-10,-9,-9").get_json()
    assert empty == {"mode": "points", "total": 0, "extent": None, "categories": [], "states": [],
                     "points": [], "ignored_filters": []}
    for bad in ("1,2,3", "12.61,55.65,12.59,55.665", "12.59,55.665,12.61,55.65", "nan,1,2,3",
                "-181,0,0,1", "0,-91,1,0", "0,0,1,inf", "a,b,c,d", "1,2,3,4,5", ",,,"):
        answer = logged_in.get(f"{url}?bbox={bad}").get_json()
        assert answer["ignored_filters"] == ["bbox"] and answer["total"] == 9, bad
    assert logged_in.get(f"{url}?bbox=x&rating=9").get_json()["ignored_filters"] == ["bbox", "rating"]


def test_any_bbox_is_answered_200_with_a_consistent_map(app, logged_in, make_walk, make_finding):
    """Whatever the bbox text, the answer is 200 and counts what it says it counts."""
    lower_threshold(app, 1)
    walk = make_walk()
    for i in range(3):
        make_finding(walk["id"], lat=55.66 + i * 1e-3, lon=12.60)
    number = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                       st.integers(-200, 200).map(str), st.text(max_size=6))

    @settings(max_examples=60, **FAST)
    @given(parts=st.lists(number, min_size=0, max_size=5))
    @example(parts=["12.6", "55.66", "12.6", "55.67"])  # w == e
    @example(parts=["-180", "-90", "180", "90"])
    def ask(parts):
        response = logged_in.get("/findings/map-points", query_string={"bbox": ",".join(parts)})
        assert response.status_code == 200, parts
        answer = response.get_json()
        assert on_map(answer) == answer["total"] <= 3 and set(answer["ignored_filters"]) <= {"bbox"}

    ask()


@pytest.fixture
def two_areas(app, make_org, make_user, make_walk, make_finding):
    """Area A (the default, the `coordinator`'s) and area B with its own coordinator, each
    with findings on a walk of its own at the same place: 5 in A, 7 in B."""
    from walkapp.orgs.areas import add_member, create_area
    from walkapp.orgs.models import Organisation

    org = make_org("Boligselskab Urban", area=False)
    with app.app_context():
        area = create_area("Urbanplanen Helhedsplan")
        add_member(area, db.session.get(Organisation, org.id))
        db.session.commit()
        area_id = area.id
    user_b = make_user("urban@example.org", "coordinator", organisation="Boligselskab Urban")
    walk_a, walk_b = make_walk(title="Vandring i A"), make_walk(title="Vandring i B", area_id=area_id)
    a = [make_finding(walk_a["id"], lat=55.66 + i * 1e-3, lon=12.60) for i in range(5)]
    b = [make_finding(walk_b["id"], lat=55.66 + i * 1e-3, lon=12.60 + 1e-4, user_id=user_b["id"]) for i in range(7)]
    return {"a": a, "b": b, "user_b": user_b}


@pytest.mark.parametrize("single", [1000, 2])
def test_another_areas_findings_are_never_on_the_map(app, client, coordinator, two_areas, single):
    """As points and as clusters, with and without a bbox: each area's coordinator gets only
    their own area's findings, counted and drawn."""
    lower_threshold(app, single)
    for email, own, other in ((coordinator["email"], two_areas["a"], two_areas["b"]),
                              (two_areas["user_b"]["email"], two_areas["b"], two_areas["a"])):
        who = app.test_client()
        login(who, email)
        assert f"{len(own)} fund på kortet" in who.get("/findings?view=map").get_data(as_text=True)
        for bbox in ("", "?bbox=12.5,55.6,12.7,55.7"):
            answer = who.get(f"/findings/map-points{bbox}").get_json()
            assert answer["total"] == on_map(answer) == len(own), (email, bbox)
            assert answer["mode"] == ("points" if single == 1000 else "clusters")
            body = json.dumps(answer)
            assert not any(f.hex in body for f in other)
            if answer["mode"] == "points":
                assert {p[0] for p in answer["points"]} == {f.hex for f in own}


# A cluster row at its longest: [count, lat µ°, lon µ°, rating, [4 × µ°], "<32 hex>"] (< 110 bytes
# with the JSON punctuation), at most MAP_GRID² of them, plus the answer's few fixed fields.
CLUSTERS_MAX_BYTES = MAP_GRID * MAP_GRID * 110 + 500


def test_5001_findings_all_on_the_map_in_an_answer_that_stays_bounded(app, logged_in, make_walk):
    """5,001 findings (over the old 5,000 cap): the page says 5001, the clusters count all of
    them (none left out any more), at most MAP_GRID² clusters, and the answer is under the
    bound that holds for any number of findings, a third of what the points took."""
    walk = make_walk()
    insert_findings(app, walk["id"], 5001)
    assert "5001 fund på kortet" in logged_in.get("/findings?view=map").get_data(as_text=True)
    response = logged_in.get(page_data(logged_in)["pointsUrl"])
    answer = response.get_json()
    assert answer["mode"] == "clusters" and answer["total"] == on_map(answer) == 5001
    assert len(answer["clusters"]) <= MAP_GRID * MAP_GRID
    assert len(response.get_data()) < CLUSTERS_MAX_BYTES < 5001 * 61 / 2.5
    sorted_by_rating = answer_for(logged_in, "&sort=rating&rating=0")
    assert sorted_by_rating["mode"] == "clusters" and on_map(sorted_by_rating) == 1251

