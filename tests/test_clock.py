"""The calendar's edges (issue 8, item 1): a finding is never refused or lost for its phone's
clock, dates staff type stay within 2000–2100, and no stored time makes a page, an export, a
feed or a calendar file fail.

Hypothesis runs are small and derandomized. The API properties run one app and one walk per
test and post a new finding per example (the pages are then checked with every example's
finding in the walk at once), so the function-scoped fixtures are used outside @given."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone

import icalendar
import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.capture_api_helpers import finding_payload, findings_url, send
from tests.conftest import join_walk, post_form
from tests.image_helpers import jpeg_bytes, marked_landscape
from walkapp import dates
from walkapp.dates import local_today
from walkapp.extensions import db
from walkapp.findings.models import Finding
from walkapp.measures.ics import all_day_event, timed_event
from walkapp.measures.models import Measure
from walkapp.measures.queries import plan_year_range
from walkapp.walks.models import Walk

FAST = {"deadline": None, "derandomize": True, "database": None}
NOW = datetime.now(UTC)
PHONE_LINE = "Telefonens ur viste "
RANGE_ERROR_DA = "Angiv en dato mellem år 2000 og 2100."

OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
# Any aware time Python can write (years 1–9999, offsets ±23:59), and times around now, so
# both sides of the one-day-ahead and one-year-before-the-walk limits are walked.
ANY_TIME = st.builds(lambda naive, tz: naive.replace(tzinfo=tz), st.datetimes(), OFFSETS)
NEAR_NOW = st.builds(lambda s, tz: (NOW + timedelta(seconds=s)).astimezone(tz),
                     st.integers(-400 * 86400, 3 * 86400), OFFSETS)
PHONE_TEXTS = st.builds(lambda t, spec: t.isoformat(timespec=spec), st.one_of(ANY_TIME, NEAR_NOW),
                        st.sampled_from(["seconds", "milliseconds", "microseconds"]))
ANY_DATE = st.dates()  # 0001-01-01 … 9999-12-31


def staff_json(client, token: str, method: str, url: str, body) -> object:
    """A bearer-token JSON call, as an integration would make it."""
    return client.open(url, method=method, json=body, headers={"Authorization": f"Bearer {token}"})


def utc_instant(text: str) -> datetime | None:
    """The test's own reading of a timestamp: its UTC instant, None when UTC cannot hold it."""
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except OverflowError:
        return None


def walk_pages(walk_id: int, finding_ids: list[str]) -> list[str]:
    """Every page, export and feed a walk's findings appear in."""
    pages = [
        "/findings", "/findings?sort=oldest", "/findings?sort=rating", "/findings?sort=category",
        f"/findings?walk={walk_id}", f"/walks/{walk_id}", "/walks",
        f"/walks/{walk_id}/export.geojson", f"/walks/{walk_id}/export.csv", f"/walks/{walk_id}/export.xlsx",
        f"/walks/{walk_id}/measures.csv", f"/walks/{walk_id}/measures.xlsx",
        f"/walks/{walk_id}/map.html", f"/walks/{walk_id}/report", f"/walks/{walk_id}/photos.zip",
        f"/walks/{walk_id}/follow-up", f"/api/v1/walks/{walk_id}/findings",
        "/findings/export.geojson", "/findings/export.csv", "/findings/export.xlsx",
        "/findings/map.html", f"/findings/map.html?walk={walk_id}", f"/findings/export.csv?walk={walk_id}",
        "/open311/v2/requests.json", "/open311/v2/requests.xml",
        "/open311/v2/requests.json?start_date=9999-12-01T00:00:00Z",
        "/open311/v2/requests.xml?end_date=0001-01-01T00:00:00Z",
        "/measures", "/measures/export.csv", "/measures/export.xlsx", "/plan", "/plan.xlsx", "/dashboard",
    ]
    for finding_id in finding_ids:
        pages += [f"/findings/{finding_id}", f"/open311/v2/requests/{finding_id}.json",
                  f"/open311/v2/requests.xml?service_request_id={finding_id}"]
    return pages


def assert_every_page_answers(client, walk_id: int, finding_ids: list[str]) -> None:
    """Every page of the walk answers 200, and its exports still list every finding."""
    failed = [(url, client.get(url).status_code) for url in walk_pages(walk_id, finding_ids)]
    assert [f for f in failed if f[1] != 200] == []
    listed = client.get(f"/walks/{walk_id}/export.geojson").get_json()
    assert {f["id"] for f in listed["features"] if f.get("id")} >= set(finding_ids)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/walks/{walk_id}/export.csv").text.lstrip("\ufeff"))))
    assert len(rows) == len(finding_ids)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/walks/{walk_id}/export.xlsx").data)).active
    assert sheet.max_row == len(finding_ids) + 1


def ics_event(response) -> icalendar.Event:
    """The one VEVENT of a calendar file (the file must parse)."""
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == 1
    return events[0]


# ---------------------------------------------------------------- the phone's clock


def test_any_phone_time_is_stored_once_and_every_page_still_answers(app, make_walk, logged_in):
    walk = make_walk()
    with app.app_context():
        starts_at = db.session.get(Walk, walk["id"]).starts_at
    phone = app.test_client()
    join_walk(phone, walk["join_code"])
    posted: list[str] = []

    @settings(max_examples=40, **FAST)
    @given(text=PHONE_TEXTS)
    @example(text="9999-12-31T23:59:59+00:00")
    @example(text="9999-12-31T23:30:00-05:00")  # past 9999 in UTC
    @example(text="0001-01-01T00:00:00+01:00")  # before year 1 in UTC
    @example(text="0001-01-01T00:00:00-23:59")
    @example(text=(NOW + timedelta(hours=23)).isoformat())
    def post_one(text):
        payload = finding_payload(id=str(uuid.uuid4()), observed_at=text)
        before = datetime.now(UTC)
        first = send(phone, "POST", findings_url(walk["id"]), payload)
        after = datetime.now(UTC)
        assert first.status_code == 201, first.get_json()
        posted.append(payload["id"])
        again = send(phone, "POST", findings_url(walk["id"]), payload)
        assert again.status_code == 200 and again.get_json() == first.get_json()
        with app.app_context():
            count = db.session.execute(db.select(db.func.count(Finding.id)).where(Finding.walk_id == walk["id"]))
            assert count.scalar_one() == len(posted)

        body = first.get_json()
        observed = datetime.fromisoformat(body["observed_at"])
        instant = utc_instant(text)
        if body["phone_observed_at"] is None:
            assert observed == instant
            assert starts_at - timedelta(days=365) <= instant <= after + timedelta(days=1)
        else:
            assert body["phone_observed_at"] == text and before <= observed <= after
            assert instant is None or not (
                starts_at - timedelta(days=365) <= instant <= before + timedelta(days=1))
            page = logged_in.get(f"/findings/{payload['id']}")
            assert page.status_code == 200 and PHONE_LINE + text in page.text

    post_one()
    assert_every_page_answers(logged_in, walk["id"], posted)


@pytest.mark.parametrize("text", [
    "0000-01-01T00:00:00Z",
    "+010000-01-01T00:00:00.000Z",  # JavaScript's toISOString() after year 9999
    "-000001-12-31T23:59:59.999Z",
    "999-01-01T00:00:00+01:00",  # capture.js does not pad years before 1000
    "2026-11-24T19:42:10+24:00",
])
def test_clock_datetime_cannot_hold_is_kept_as_text_with_the_receive_time(app, make_walk, logged_in, text):
    walk = make_walk()
    phone = app.test_client()
    join_walk(phone, walk["join_code"])
    payload = finding_payload(observed_at=text)
    first = send(phone, "POST", findings_url(walk["id"]), payload)
    assert first.status_code == 201
    assert first.get_json()["phone_observed_at"] == text
    assert abs(datetime.fromisoformat(first.get_json()["observed_at"]) - datetime.now(UTC)) < timedelta(minutes=1)
    assert send(phone, "POST", findings_url(walk["id"]), payload).status_code == 200
    assert PHONE_LINE + text in logged_in.get(f"/findings/{payload['id']}").text


def test_believable_time_is_kept_and_no_phone_line_is_shown(app, make_walk, logged_in):
    walk = make_walk()
    phone = app.test_client()
    join_walk(phone, walk["join_code"])
    sent = (NOW - timedelta(minutes=5)).replace(microsecond=0)
    payload = finding_payload(observed_at=sent.astimezone(timezone(timedelta(hours=1))).isoformat())
    body = send(phone, "POST", findings_url(walk["id"]), payload).get_json()
    assert datetime.fromisoformat(body["observed_at"]) == sent and body["phone_observed_at"] is None
    assert PHONE_LINE not in logged_in.get(f"/findings/{payload['id']}").text


def test_resend_of_a_disbelieved_time_written_otherwise_is_the_same_finding(app, make_walk, logged_in):
    walk = make_walk()
    phone = app.test_client()
    join_walk(phone, walk["join_code"])
    payload = finding_payload(observed_at="9999-12-31T23:59:59+00:00")
    first = send(phone, "POST", findings_url(walk["id"]), payload)
    same_instant = send(phone, "POST", findings_url(walk["id"]), {**payload, "observed_at": "9999-12-31T23:59:59Z"})
    assert (first.status_code, same_instant.status_code) == (201, 200)
    assert same_instant.get_json() == first.get_json()
    other = send(phone, "POST", findings_url(walk["id"]), {**payload, "observed_at": "9999-12-30T00:00:00Z"})
    assert other.status_code == 409 and other.get_json()["error"] == "conflict"
    listed = logged_in.get(f"/api/v1/walks/{walk['id']}/findings").get_json()["features"]
    assert [f["properties"]["phone_observed_at"] for f in listed] == ["9999-12-31T23:59:59+00:00"]


def test_overlong_or_undecodable_phone_time_is_stored_safely(app, make_walk, logged_in):
    walk = make_walk()
    phone = app.test_client()
    join_walk(phone, walk["join_code"])
    # fromisoformat reads any number of decimals and any character between date and time.
    long_text = "9999-12-31T23:59:59." + "9" * 100 + "+00:00"
    payload = finding_payload(observed_at=long_text)
    first = send(phone, "POST", findings_url(walk["id"]), payload)
    assert first.status_code == 201 and first.get_json()["phone_observed_at"] == long_text[:64]
    assert send(phone, "POST", findings_url(walk["id"]), payload).status_code == 200
    surrogate = finding_payload(observed_at="9999-12-31\udc8023:59:59+00:00")
    response = send(phone, "POST", findings_url(walk["id"]), surrogate)
    assert response.status_code == 201
    assert response.get_json()["phone_observed_at"] == "9999-12-31\ufffd23:59:59+00:00"
    assert logged_in.get(f"/findings/{surrogate['id']}").status_code == 200


@pytest.mark.parametrize("exif_time, offset", [
    ("0001:01:01 00:00:00", "+01:00"),  # before year 1 in UTC
    ("2026:11:24 19:42:10", "+99:00"),  # no such offset
])
def test_photo_from_a_camera_with_a_broken_clock_is_accepted(app, make_walk, api_token, client, exif_time, offset):
    from PIL import Image

    walk = make_walk()
    payload = finding_payload()
    assert staff_json(client, api_token, "POST", findings_url(walk["id"]), payload).status_code == 201
    exif = Image.Exif()
    exif.get_ifd(0x8769).update({0x9003: exif_time, 0x9011: offset})
    data = jpeg_bytes(marked_landscape(), exif=exif)
    response = client.post(f"/api/v1/findings/{payload['id']}/photos",
                           data={"photo": (io.BytesIO(data), "IMG_0001.jpg")},
                           headers={"Authorization": f"Bearer {api_token}"}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()


def test_clock_limits_are_a_day_ahead_and_a_year_before_the_walk():
    start = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    ok = [now + timedelta(days=1), start - timedelta(days=365), now]
    bad = [now + timedelta(days=1, microseconds=1), start - timedelta(days=365, microseconds=1), None]
    assert [dates.believable_clock(t, now=now, walk_starts_at=start) for t in ok] == [True] * 3
    assert [dates.believable_clock(t, now=now, walk_starts_at=start) for t in bad] == [False] * 3
    # A walk stored at the very start of the calendar does not overflow the limit.
    earliest = datetime.min.replace(tzinfo=UTC)
    assert dates.believable_clock(earliest, now=now, walk_starts_at=earliest)


# ---------------------------------------------------------------- stored extremes


def test_extreme_times_stored_directly_break_no_page_export_feed_or_calendar(app, logged_in, make_walk, make_finding):
    latest, earliest = datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC)
    walk = make_walk(follow_up_on=date.max, follow_up_time=time(23, 30))
    ids = [make_finding(walk["id"], observed_at=latest, created_at=latest, updated_at=latest),
           make_finding(walk["id"], observed_at=earliest, created_at=earliest, updated_at=earliest,
                        category="graffiti")]
    with app.app_context():
        for finding_id, due in zip(ids, (date.max, date.min), strict=True):
            db.session.add(Measure(title=f"Tiltag {due.year}", status="agreed", due_on=due, updated_at=latest,
                                   findings=[db.session.get(Finding, finding_id)]))
        db.session.commit()
        measure_ids = list(db.session.execute(db.select(Measure.id).order_by(Measure.id)).scalars())
    assert_every_page_answers(logged_in, walk["id"], [str(i) for i in ids])
    # The last hour of 9999 has no Copenhagen time: shown in UTC, and labelled so.
    assert "31.12.9999 23:59 UTC" in logged_in.get(f"/findings/{ids[0]}").text
    for measure_id, due in zip(measure_ids, (date.max, date.min), strict=True):
        assert logged_in.get(f"/measures/{measure_id}").status_code == 200
        assert ics_event(logged_in.get(f"/measures/{measure_id}/due.ics")).decoded("dtstart") == due
    assert ics_event(logged_in.get(f"/walks/{walk['id']}/follow-up.ics")).decoded("dtstart").date() == date.max


@pytest.mark.parametrize("starts_at", [datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC)])
def test_walk_start_stored_at_the_calendar_edges_breaks_no_walk_page(app, logged_in, make_walk, make_finding,
                                                                     starts_at):
    walk = make_walk(starts_at=starts_at, follow_up_on=date(2030, 1, 1))
    make_finding(walk["id"])
    pages = ["/walks", f"/walks/{walk['id']}", f"/walks/{walk['id']}/edit", f"/walks/{walk['id']}/report",
             f"/walks/{walk['id']}/follow-up", f"/walks/{walk['id']}/invitation", f"/api/v1/walks/{walk['id']}",
             "/api/v1/walks", "/dashboard", "/api/v1/dashboard"]
    assert [(url, code) for url in pages if (code := logged_in.get(url).status_code) != 200] == []
    assert ics_event(logged_in.get(f"/walks/{walk['id']}/follow-up.ics")).decoded("dtstart").year == 2030
    phone = app.test_client()
    join_walk(phone, walk["join_code"])
    assert phone.get(f"/walks/{walk['id']}/capture").status_code == 200


@pytest.mark.parametrize("year, status", [("2000", 200), ("2100", 200), ("1999", 400), ("2101", 400),
                                          ("²", 400), ("9" * 5000, 400), (" 2030 ", 200)])
def test_dashboard_year_is_in_range_or_400(logged_in, year, status):
    response = logged_in.get("/api/v1/dashboard", query_string={"year": year})
    assert response.status_code == status
    if status == 400:
        assert response.get_json()["error"] == "invalid_year"


@settings(max_examples=60, **FAST)
@given(day=ANY_DATE)
@example(day=date.max)
def test_due_date_calendar_file_parses_for_any_date(day):
    event = icalendar.Calendar.from_ical(
        all_day_event(uid="u@x", day=day, summary="Frist", stamp=NOW)).walk("VEVENT")[0]
    assert event.decoded("dtstart") == day


@settings(max_examples=60, **FAST)
@given(start=ANY_TIME)
@example(start=datetime(9999, 12, 31, 23, 30, tzinfo=dates.LOCAL_TZ))
@example(start=datetime(1, 1, 1, tzinfo=dates.LOCAL_TZ))
def test_meeting_calendar_file_parses_for_any_start(start):
    event = icalendar.Calendar.from_ical(
        timed_event(uid="u@x", start=start, minutes=60, summary="Møde", stamp=NOW)).walk("VEVENT")[0]
    got = event.decoded("dtstart")
    # A zone icalendar cannot name (a bare offset at the calendar's edge) is read back as wall time.
    start = start.replace(microsecond=0)  # iCalendar has whole seconds
    assert got == (start if got.tzinfo is not None else start.replace(tzinfo=None))


@settings(max_examples=80, **FAST)
@given(value=ANY_TIME)
def test_copenhagen_time_exists_for_any_stored_instant(value):
    stored = utc_instant(value.isoformat())
    if stored is None:
        return
    local = dates.to_local(stored)
    assert local == stored
    assert local.tzinfo in (dates.LOCAL_TZ, UTC)
    assert dates.local_naive(stored) is not None


def test_open311_date_window_at_the_calendar_edges_is_200_or_400(client, logged_in):
    @settings(max_examples=30, **FAST)
    @given(value=ANY_TIME, name=st.sampled_from(["start_date", "end_date"]))
    @example(value=datetime(9999, 12, 31, 23, 59, tzinfo=UTC), name="start_date")
    @example(value=datetime(1, 1, 1, tzinfo=UTC), name="end_date")
    @example(value=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), name="start_date")
    def query(value, name):
        response = logged_in.get("/open311/v2/requests.json", query_string={name: value.isoformat()})
        assert response.status_code in (200, 400)
        assert (response.status_code == 200) == (utc_instant(value.isoformat()) is not None)

    query()


# ---------------------------------------------------------------- dates staff type


def test_due_date_in_the_api_is_in_range_or_400_and_its_calendar_parses(app, logged_in, api_token, make_walk,
                                                                        make_finding):
    client = logged_in
    finding_id = str(make_finding(make_walk()["id"]))

    @settings(max_examples=25, **FAST)
    @given(day=ANY_DATE)
    @example(day=date(9999, 12, 31))
    @example(day=date(2100, 12, 31))
    @example(day=date(1999, 12, 31))
    def create(day):
        response = staff_json(client, api_token, "POST", "/api/v1/measures",
                              {"title": "Lys", "finding_ids": [finding_id], "due_on": day.isoformat()})
        if dates.EARLIEST_DATE <= day <= dates.LATEST_DATE:
            assert response.status_code == 201
            measure = response.get_json()
            assert measure["due_on"] == day.isoformat()
            event = ics_event(client.get(f"/measures/{measure['id']}/due.ics"))
            assert event.decoded("dtstart") == day
            edit = staff_json(client, api_token, "PATCH", f"/api/v1/measures/{measure['id']}",
                              {"version": measure["version"], "due_on": "9999-12-31"})
            assert edit.status_code == 400 and edit.get_json()["error"] == "invalid_date"
        else:
            assert response.status_code == 400 and response.get_json()["error"] == "invalid_date"
            assert "2000-01-01" in response.get_json()["message"]

    create()


def test_walk_dates_in_the_api_are_in_range_or_400(app, logged_in, api_token):
    client = logged_in
    @settings(max_examples=25, **FAST)
    @given(start=st.one_of(ANY_TIME, st.datetimes()), follow_up=ANY_DATE)
    @example(start=datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))), follow_up=date(2031, 5, 20))
    @example(start=datetime(2030, 11, 26, 18, 30), follow_up=date(9999, 12, 31))
    @example(start=datetime(2100, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-23))), follow_up=date(2100, 12, 31))
    def create(start, follow_up):
        response = staff_json(client, api_token, "POST", "/api/v1/walks", {
            "title": "Aftenvandring", "starts_at": start.isoformat(), "follow_up_on": follow_up.isoformat(),
            "follow_up_time": "23:30"})  # a timed event, so the last evening of 9999 is tried
        if not dates.year_in_range(start.year):
            assert response.status_code == 400 and response.get_json()["error"] == "invalid_starts_at"
        elif not dates.year_in_range(follow_up.year):
            assert response.status_code == 400 and response.get_json()["error"] == "invalid_follow_up_on"
        else:
            assert response.status_code == 201
            walk_id = response.get_json()["id"]
            event = ics_event(client.get(f"/walks/{walk_id}/follow-up.ics"))
            assert event.decoded("dtstart").astimezone(dates.LOCAL_TZ).date() == follow_up

    create()


def test_walk_form_dates_are_in_range_or_a_danish_form_error(app, logged_in):
    @settings(max_examples=15, **FAST)
    @given(start=st.datetimes(), follow_up=ANY_DATE)
    @example(start=datetime(1, 1, 1), follow_up=date(2031, 5, 20))
    @example(start=datetime(2030, 11, 26, 18, 30), follow_up=date(9999, 12, 31))
    def submit(start, follow_up):
        response = post_form(logged_in, "/walks/new", {
            "kind": "walk", "title": "Aftenvandring", "starts_at": start.isoformat(timespec="minutes"),
            "follow_up_on": follow_up.isoformat()})
        if dates.year_in_range(start.year) and dates.year_in_range(follow_up.year):
            assert response.status_code == 302
        else:
            assert response.status_code == 400 and RANGE_ERROR_DA in response.text

    submit()
    with app.app_context():
        stored = db.session.execute(db.select(Walk.starts_at, Walk.follow_up_on)).all()
    assert stored and all(dates.year_in_range(dates.to_local(s).year) and dates.year_in_range(f.year)
                          for s, f in stored)


@pytest.mark.parametrize("due_on, status", [("2100-12-31", 302), ("2101-01-01", 400), ("9999-12-31", 400),
                                            ("0001-01-01", 400), ("2000-01-01", 302)])
def test_measure_form_due_date_is_in_range_or_a_danish_form_error(app, logged_in, make_walk, make_finding,
                                                                  due_on, status):
    finding = make_finding(make_walk()["id"])
    response = post_form(logged_in, "/measures/new", {"finding": str(finding), "title": "Lys", "due_on": due_on})
    assert response.status_code == status
    if status == 400:
        assert RANGE_ERROR_DA in response.text
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Measure.id))).scalar_one() == (status == 302)


def test_bulk_triage_due_date_out_of_range_is_a_form_error(app, logged_in, make_walk, make_finding):
    finding = make_finding(make_walk()["id"])
    response = post_form(logged_in, "/findings/bulk", {
        "finding": str(finding), "action": "measure", "title": "Lys", "due_on": "9999-12-31"})
    assert response.status_code == 400 and "Fristen er ikke en gyldig dato." in response.text
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Measure.id))).scalar_one() == 0


def test_plan_year_in_the_api_is_in_the_plan_range_or_400(app, logged_in, api_token, make_walk, make_finding):
    client = logged_in
    from walkapp.orgs.models import Estate
    from walkapp.seed import organisation_named

    with app.app_context():
        estate = Estate(name="Holmbladsgade", organisation=organisation_named("VIBO"))
        db.session.add(estate)
        db.session.commit()
        estate_id = estate.id
    finding_id = str(make_finding(make_walk()["id"]))
    first, last = plan_year_range()

    @settings(max_examples=20, **FAST)
    @given(year=st.one_of(st.integers(), st.integers(first - 3, last + 3)))
    @example(year=10 ** 30)
    @example(year=2101)
    def plan(year):
        measure = staff_json(client, api_token, "POST", "/api/v1/measures",
                             {"title": "Lys", "finding_ids": [finding_id]}).get_json()
        response = staff_json(client, api_token, "POST", f"/api/v1/measures/{measure['id']}/transitions",
                              {"to": "in_plan", "version": 1, "plan_year": year, "amount_dkk": 1000,
                               "estate": estate_id})
        if first <= year <= last:
            assert response.status_code == 200
            assert response.get_json()["plan_items"][0]["plan_year"] == year
        else:
            assert response.status_code == 400 and response.get_json()["error"] == "invalid_plan_year"

    plan()
    assert client.get("/plan").status_code == 200 and client.get("/plan.xlsx").status_code == 200


def test_plan_years_never_leave_2000_to_2100():
    assert plan_year_range(date(2095, 6, 1)) == (2095, 2100)
    assert plan_year_range(date(1995, 6, 1)) == (2000, 2005)
    assert plan_year_range(local_today()) == (local_today().year, local_today().year + 10)


def test_report_sent_on_out_of_range_is_a_form_error(app, logged_in, make_walk):
    walk = make_walk()
    response = post_form(logged_in, f"/walks/{walk['id']}/report/sent", {"sent_on": "9999-12-31"})
    assert response.status_code == 400 and RANGE_ERROR_DA in response.text
    with app.app_context():
        assert db.session.get(Walk, walk["id"]).overview_sent_on is None
