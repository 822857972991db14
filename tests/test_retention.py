"""`flask --app app retention [--apply]`: personal data of walks closed long ago goes, the
programme's figures stay (run on SQLite and on PostgreSQL)."""
from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.image_helpers import jpeg_bytes, marked_landscape
from walkapp.dashboard.figures import dashboard_figures
from walkapp.extensions import db
from walkapp.findings.images import process_upload
from walkapp.findings.models import Category, Finding, FindingChange, Photo
from walkapp.findings.services import store_photo_files
from walkapp.findings.storage import photo_path, photos_root
from walkapp.followup.models import CheckPhoto, FindingCheck
from walkapp.measures.models import Measure, PlanItem, StatusChange
from walkapp.orgs.models import Estate
from walkapp.privacy.retention import months_before
from walkapp.walks.models import Participant, Walk, WalkStatusChange

NOW = datetime.now(UTC)
LONG_AGO = NOW - timedelta(days=40 * 31)  # 40 months: beyond the default 36
RECENTLY = NOW - timedelta(days=60)
NAME = "Zelda Quistgaard"  # planted: must be gone from the old walks, and from the file


def run(app, *args: str):
    """Invoke a flask command as `flask --app app …` would."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def _photo(finding_id: uuid.UUID, root: Path) -> Photo:
    image = process_upload(jpeg_bytes(marked_landscape()))
    key = store_photo_files(root, image)
    return Photo(finding_id=finding_id, storage_key=key, sha256=image.sha256, width=image.width,
                 height=image.height, size_bytes=len(image.jpeg))


def _walk_scene(app, coordinator, estate_id: int, title: str, closed_at: datetime, with_history: bool) -> int:
    """A closed walk with everything retention looks at: named participants, their findings
    with text and photos, a staff finding with a participant's "Samme sted" addition, a
    follow-up check with a note and a photo, and measures (done, in the plan) with history."""
    root = photos_root(app.instance_path)
    with app.app_context():
        lighting = db.session.execute(db.select(Category).where(Category.code == "lighting")).scalar_one()
        litter = db.session.execute(db.select(Category).where(Category.code == "litter")).scalar_one()
        walk = Walk(title=title, status="closed", join_code=uuid.uuid4().hex, created_by_id=coordinator["id"],
                    starts_at=closed_at - timedelta(days=1), estates=[db.session.get(Estate, estate_id)])
        db.session.add(walk)
        db.session.flush()
        anna = Participant(walk_id=walk.id, display_name=NAME, role="resident")
        bo = Participant(walk_id=walk.id, display_name="Bo", role="board")
        db.session.add_all([anna, bo])
        db.session.flush()
        by_anna = Finding(id=uuid.uuid4(), walk_id=walk.id, participant_id=anna.id, category_id=lighting.id,
                          lat=55.6665, lon=12.606, rating=0, description=f"{NAME} sagde lampen er væk. " + "Mørkt. " * 280)
        by_staff = Finding(id=uuid.uuid4(), walk_id=walk.id, user_id=coordinator["id"], category_id=litter.id,
                           lat=55.6667, lon=12.607, rating=2, description="Containere uden låg")
        added_to = Finding(id=uuid.uuid4(), walk_id=walk.id, user_id=coordinator["id"], category_id=litter.id,
                           lat=55.6668, lon=12.608, rating=1,
                           description=f"Skrald ved port\n\nNaboen {NAME} smider det")
        db.session.add_all([by_anna, by_staff, added_to])
        db.session.flush()
        db.session.add_all([
            FindingChange(finding_id=added_to.id, field="addition", old_value=str(uuid.uuid4()),
                          new_value=f"Naboen {NAME} smider det"),
            FindingChange(finding_id=by_anna.id, by_user_id=coordinator["id"], field="description",
                          old_value=f"{NAME} sagde", new_value=f"{NAME} sagde lampen er væk"),
            _photo(by_anna.id, root), _photo(by_staff.id, root),
        ])
        check = FindingCheck(id=uuid.uuid4(), walk_id=walk.id, finding_id=by_staff.id,
                             participant_id=bo.id, verdict="still", note=f"Stadig {NAME}s skrald")
        db.session.add(check)
        db.session.flush()
        image = process_upload(jpeg_bytes(marked_landscape()))
        db.session.add(CheckPhoto(check_id=check.id, storage_key=store_photo_files(root, image),
                                  sha256=image.sha256, width=image.width, height=image.height))
        done = Measure(title="Ny lampe", status="done", findings=[by_anna],
                       created_at=closed_at + timedelta(days=3))
        planned = Measure(title="Nye containere", status="in_plan", findings=[by_staff, added_to])
        db.session.add_all([done, planned])
        db.session.flush()
        db.session.add_all([
            StatusChange(measure_id=done.id, from_status="proposed", to_status="done",
                         at=closed_at + timedelta(days=30)),
            # The dashboard counts a measure in the year it went into the plan.
            StatusChange(measure_id=planned.id, from_status="proposed", to_status="in_plan",
                         at=closed_at + timedelta(days=10)),
            PlanItem(measure_id=planned.id, estate_id=estate_id, plan_year=closed_at.year + 1,
                     amount_dkk=50000),
        ])
        if with_history:
            db.session.add(WalkStatusChange(walk_id=walk.id, from_status="active", to_status="closed",
                                            at=closed_at))
        db.session.commit()
        # Last: updated_at would otherwise be set to now by the changes above.
        stamp = closed_at if not with_history else NOW
        db.session.execute(update(Walk).where(Walk.id == walk.id).values(updated_at=stamp))
        db.session.commit()
        return walk.id


@pytest.fixture
def scene(app, coordinator, estate_id):
    """Three closed walks: long ago with a status history row, long ago without one (its
    updated_at stands in), and recently."""
    return {
        "old": _walk_scene(app, coordinator, estate_id, "Gammel vandring", LONG_AGO, with_history=True),
        "old_no_history": _walk_scene(app, coordinator, estate_id, "Gammel uden historik", LONG_AGO, with_history=False),
        "recent": _walk_scene(app, coordinator, estate_id, "Ny vandring", RECENTLY, with_history=True),
    }


def personal_data(app, walk_id: int) -> dict:
    """Everything retention is meant to remove from one walk, as it is stored now."""
    root = photos_root(app.instance_path)
    with app.app_context():
        findings = db.select(Finding.id).where(Finding.walk_id == walk_id)
        checks = db.select(FindingCheck.id).where(FindingCheck.walk_id == walk_id)
        keys = list(db.session.execute(db.select(Photo.storage_key).where(Photo.finding_id.in_(findings))).scalars())
        keys += db.session.execute(db.select(CheckPhoto.storage_key).where(CheckPhoto.check_id.in_(checks))).scalars()
        return {
            "names": sorted(db.session.execute(
                db.select(Participant.display_name).where(Participant.walk_id == walk_id)).scalars()),
            "texts": sorted(db.session.execute(
                db.select(Finding.description).where(Finding.walk_id == walk_id)).scalars()),
            "history": sorted(tuple(r) for r in db.session.execute(
                db.select(FindingChange.field, FindingChange.old_value, FindingChange.new_value)
                .where(FindingChange.finding_id.in_(findings)))),
            "notes": sorted(db.session.execute(
                db.select(FindingCheck.note).where(FindingCheck.walk_id == walk_id)).scalars()),
            "photo_rows": len(keys),
            "files": sum(photo_path(root, k, thumb=t).is_file() for k in keys for t in (False, True)),
            "applied": db.session.get(Walk, walk_id).retention_applied_at,
        }


def kept_data(app, walk_id: int) -> list:
    """What retention must keep: each finding's category, place, rating, state and measures."""
    with app.app_context():
        findings = db.session.execute(
            db.select(Finding).where(Finding.walk_id == walk_id).order_by(Finding.lat)).scalars()
        return [(f.category_id, f.lat, f.lon, f.rating, f.state) for f in findings] + sorted(
            (m.title, m.status) for m in db.session.execute(db.select(Measure)).scalars()
        ) + sorted((p.plan_year, p.amount_dkk) for p in db.session.execute(db.select(PlanItem)).scalars())


def figures(app) -> list[dict]:
    years = sorted({LONG_AGO.year, LONG_AGO.year + 1, RECENTLY.year, NOW.year})
    with app.app_context():
        return [dashboard_figures(year) for year in years]


def test_months_before_keeps_the_day_within_the_month():
    assert months_before(datetime(2026, 3, 31, 12, tzinfo=UTC), 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 36) == datetime(2023, 1, 15, tzinfo=UTC)


def test_dry_run_lists_the_old_walks_and_changes_nothing(app, scene):
    before = {name: personal_data(app, walk_id) for name, walk_id in scene.items()}
    result = run(app, "retention")
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output and "--apply" in result.output
    assert f"Walk {scene['old']} 'Gammel vandring'" in result.output
    assert f"Walk {scene['old_no_history']} 'Gammel uden historik'" in result.output
    assert "no status history" in result.output  # says the fallback was used
    assert "Ny vandring" not in result.output
    assert "2 photos, 1 check photos, 2 names, 2 texts, 1 check notes" in result.output
    assert "Total: 2 walks, 4 photos, 2 check photos, 4 names, 4 texts, 2 check notes." in result.output
    assert {name: personal_data(app, walk_id) for name, walk_id in scene.items()} == before


def test_apply_removes_personal_data_and_keeps_the_figures(app, scene, caplog):
    figures_before = figures(app)
    old_year = figures_before[0]
    assert old_year["walks_held"] == 2 and old_year["findings_by_category"] == {"lighting": 2, "litter": 4}
    assert old_year["measures_done_or_in_plan"] == 4 and old_year["median_days_to_done"] is not None
    kept_before = {name: kept_data(app, walk_id) for name, walk_id in scene.items()}
    recent_before = personal_data(app, scene["recent"])
    assert recent_before["photo_rows"] == 3 and recent_before["files"] == 6

    with caplog.at_level(logging.INFO, logger="walkapp.privacy.retention"):
        result = run(app, "retention", "--apply")

    assert result.exit_code == 0, result.output
    for name in ("old", "old_no_history"):
        gone = personal_data(app, scene[name])
        assert gone["names"] == ["", ""]
        # The staff finding's own text stays; the participant's and the added-to one go.
        assert gone["texts"] == ["", "", "Containere uden låg"]
        assert all(NAME not in value for row in gone["history"] for value in row)
        assert gone["notes"] == [""]
        assert gone["photo_rows"] == 0 and gone["files"] == 0
        assert gone["applied"] is not None
        assert sum(f"walk {scene[name]} " in r.getMessage() for r in caplog.records) == 1
    assert personal_data(app, scene["recent"]) == recent_before
    assert {name: kept_data(app, walk_id) for name, walk_id in scene.items()} == kept_before
    assert figures(app) == figures_before


def test_second_run_does_nothing_and_says_so(app, scene):
    assert run(app, "retention", "--apply").exit_code == 0
    after_first = {name: personal_data(app, walk_id) for name, walk_id in scene.items()}
    for args in (("retention",), ("retention", "--apply")):
        result = run(app, *args)
        assert result.exit_code == 0
        assert result.output.startswith("Nothing to do"), result.output
    assert {name: personal_data(app, walk_id) for name, walk_id in scene.items()} == after_first


@pytest.mark.parametrize("app_config", [{"RETENTION_MONTHS": 1}])
def test_retention_months_setting_decides(app, scene):
    result = run(app, "retention")
    assert "Ny vandring" in result.output  # closed two months ago: beyond one month


def test_removed_text_is_not_left_in_the_sqlite_file(app, scene, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's file only; PostgreSQL keeps dead rows until VACUUM (see README)")
    recent = scene.pop("recent")
    with app.app_context():
        # The recent walk's copies of the name would be found too: rename it there first.
        db.session.execute(update(Participant).where(Participant.walk_id == recent).values(display_name="X"))
        db.session.execute(update(Finding).where(Finding.walk_id == recent).values(description="-"))
        db.session.execute(update(FindingCheck).where(FindingCheck.walk_id == recent).values(note="-"))
        db.session.execute(update(FindingChange).values(old_value="-", new_value="-").where(
            FindingChange.finding_id.in_(db.select(Finding.id).where(Finding.walk_id == recent))))
        db.session.commit()
    path = Path(database_url.removeprefix("sqlite:///"))

    def database_files() -> list[Path]:
        return [p for p in path.parent.iterdir() if p.name.startswith(path.name)]

    assert any(NAME.encode() in stored.read_bytes() for stored in database_files())
    assert run(app, "retention", "--apply").exit_code == 0
    files = database_files()
    assert path in files
    for stored in files:
        assert NAME.encode() not in stored.read_bytes(), stored.name
