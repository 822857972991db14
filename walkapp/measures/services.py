"""Measures: create, edit, change status (the only code that sets Measure.status), JSON.

Reading (dates, list filters, finding look-ups) is in walkapp.measures.queries."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from walkapp.auth.models import User
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.history import mark_triaged
from walkapp.findings.models import Finding
from walkapp.findings.services import ensure_problems
from walkapp.labels import MEASURE_STATUS_LABELS, label
from walkapp.measures import workflow
from walkapp.measures.models import Measure, PlanItem, StatusChange
from walkapp.measures.queries import is_overdue, plan_year_range
from walkapp.orgs.models import Estate, Organisation

TITLE_MAX = 200
TEXT_MAX = 5000
# Larger than any real safety measure; guards against typos like an extra six zeros.
AMOUNT_MAX_DKK = 1_000_000_000


def is_planner(user: Any) -> bool:
    """Coordinators and admins: they may take the table's planners-only steps (reopening)."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.role in ("admin", "coordinator"))


def can_change_status(user: Any, measure: Measure) -> bool:
    """Coordinators, admins and staff of the measure's responsible organisation."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_planner(user):
        return True
    return measure.responsible_org_id is not None and user.organisation_id == measure.responsible_org_id


def can_edit_measure(user: Any, measure: Measure) -> bool:
    """Coordinators, admins and staff of the responsible organisation; while no organisation
    is responsible yet, any staff member (so a driftsafdeling can take the measure on)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in ("admin", "coordinator") or measure.responsible_org_id is None:
        return True
    return user.organisation_id == measure.responsible_org_id


def _check_amount(value: int | None, code: str, message: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < 0 or value > AMOUNT_MAX_DKK):
        raise ApiError(400, code, message)


def create_measure(
    *,
    title: str,
    findings: list[Finding],
    by_user: User,
    responsible_org: Organisation | None = None,
    due_on: date | None = None,
    cost_estimate_dkk: int | None = None,
    description: str = "",
) -> Measure:
    """Create a proposed measure for these findings and record its first history entry."""
    title = _check_title(title)
    if not findings:
        raise ApiError(400, "findings_required", _("Choose at least one finding for the measure."))
    ensure_problems(findings)
    if len(description or "") > TEXT_MAX:
        raise ApiError(400, "invalid_description",
                       _("The description may be at most %(max)s characters.", max=TEXT_MAX))
    _check_amount(cost_estimate_dkk, "invalid_cost",
                  _("The cost estimate must be a whole number of kroner, 0 or more."))
    unique: dict[Any, Finding] = {f.id: f for f in findings}
    # A measure answers findings of one area: that area's staff follow it up.
    areas = {finding.walk.area_id for finding in unique.values()}
    if len(areas) > 1:
        raise ApiError(400, "mixed_areas", _("The findings of one measure must be in the same area."))
    measure = Measure(
        area_id=areas.pop(),
        title=title,
        description=(description or "").strip(),
        responsible_org=responsible_org,
        due_on=due_on,
        cost_estimate_dkk=cost_estimate_dkk,
        status=workflow.INITIAL_STATUS,
        created_by_id=by_user.id if by_user is not None else None,
        findings=list(unique.values()),
    )
    db.session.add(measure)
    measure.history.append(
        StatusChange(from_status=None, to_status=workflow.INITIAL_STATUS,
                     by_user_id=by_user.id if by_user is not None else None, note="")
    )
    # A finding that has a measure has been looked at: new → triaged, written to the finding's
    # history (duplicates/dismissed keep their state). The one place this happens.
    mark_triaged(list(unique.values()), by_user)
    return measure


class _Unset:
    """Marks an update_measure field that was not given (None means "clear it")."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _check_title(title: Any) -> str:
    title = title.strip() if isinstance(title, str) else ""
    if not title or len(title) > TITLE_MAX:
        raise ApiError(400, "invalid_title",
                       _("Give the measure a title of at most %(max)s characters.", max=TITLE_MAX))
    return title


def update_measure(
    measure: Measure,
    *,
    by_user: User,
    expected_version: int,
    title: Any = UNSET,
    description: Any = UNSET,
    responsible_org: Any = UNSET,
    due_on: Any = UNSET,
    cost_estimate_dkk: Any = UNSET,
    public_note: Any = UNSET,
) -> Measure:
    """Edit a measure's title, description, responsible organisation, due date, cost
    estimate or public note; fields left UNSET stay as they are. A change bumps the version."""
    given = {"title": title, "description": description, "responsible_org": responsible_org,
             "due_on": due_on, "cost_estimate_dkk": cost_estimate_dkk, "public_note": public_note}
    # In the order of _EDIT_CHECKS, so a request with several bad fields always gets the same error.
    changes = {name: check(given[name]) for name, check in _EDIT_CHECKS.items()
               if given[name] is not UNSET}
    # Checked after the input (a bad value is a 400 whatever the version) and before anything
    # is set, so a refused edit leaves the loaded measure untouched.
    if expected_version != measure.version:
        raise _stale(measure.id)
    with db.session.no_autoflush:
        for name, value in changes.items():
            if getattr(measure, name) != value:
                setattr(measure, name, value)
    return _flush_versioned(measure)


def _check_description(description: Any) -> str:
    if description is not None and not isinstance(description, str):
        raise ApiError(400, "invalid_description", _("The description must be text."))
    if len(description or "") > TEXT_MAX:
        raise ApiError(400, "invalid_description",
                       _("The description may be at most %(max)s characters.", max=TEXT_MAX))
    return (description or "").strip()


def _check_responsible_org(org: Any) -> Organisation | None:
    if org is not None and not isinstance(org, Organisation):
        raise ApiError(400, "unknown_organisation", _("Unknown organisation."))
    return org


def _check_due_on(due_on: Any) -> date | None:
    # datetime is a date subclass; a time of day would be silently dropped.
    if due_on is not None and (not isinstance(due_on, date) or isinstance(due_on, datetime)):
        raise ApiError(400, "invalid_date", _("Dates are written YYYY-MM-DD."))
    return due_on


def _check_cost(cost_estimate_dkk: Any) -> int | None:
    _check_amount(cost_estimate_dkk, "invalid_cost",
                  _("The cost estimate must be a whole number of kroner, 0 or more."))
    return cost_estimate_dkk


def _check_public_note(note: Any) -> str:
    if note is not None and not isinstance(note, str):
        raise ApiError(400, "invalid_public_note", _("The reason for residents must be text."))
    if len(note or "") > TEXT_MAX:
        raise ApiError(400, "invalid_public_note",
                       _("The reason for residents may be at most %(max)s characters.", max=TEXT_MAX))
    return (note or "").strip()


# Editable field → its check (the value to store, or an ApiError 400), in the order checked.
_EDIT_CHECKS: dict[str, Callable[[Any], Any]] = {
    "title": _check_title,
    "description": _check_description,
    "responsible_org": _check_responsible_org,
    "due_on": _check_due_on,
    "cost_estimate_dkk": _check_cost,
    "public_note": _check_public_note,
}


def _flush_versioned(measure: Measure) -> Measure:
    """Flush the measure's change; 409 with the current state when another writer came first."""
    measure_id = measure.id
    try:
        # version_id_col makes this UPDATE … WHERE version = <loaded>; a concurrent writer
        # that committed first leaves no matching row.
        db.session.flush()
    except StaleDataError:
        # The failed flush leaves the session unusable; roll back to read the winner's state.
        db.session.rollback()
        raise _stale(measure_id) from None
    return measure


def plan_errors(
    estate: Estate | None, plan_year: Any, amount_dkk: Any
) -> dict[str, tuple[str, str]]:
    """Every problem with a plan entry at once: field name → (error code, message)."""
    first, last = plan_year_range()
    errors: dict[str, tuple[str, str]] = {}
    if estate is None:
        errors["estate"] = ("estate_required",
                            _("Choose the estate whose 10-year plan the measure goes into."))
    if (plan_year is None or isinstance(plan_year, bool) or not isinstance(plan_year, int)
            or not first <= plan_year <= last):
        errors["plan_year"] = ("invalid_plan_year",
                               _("The plan year must be between %(first)s and %(last)s.",
                                 first=first, last=last))
    if amount_dkk is None:
        errors["amount_dkk"] = ("invalid_amount", _("Give the amount in DKK (0 or more)."))
    else:
        try:
            _check_amount(amount_dkk, "invalid_amount",
                          _("The amount must be a whole number of kroner, 0 or more."))
        except ApiError as exc:
            errors["amount_dkk"] = (exc.code, exc.message)
    return errors


def _validate_plan(estate: Estate | None, plan_year: int | None, amount_dkk: int | None) -> None:
    """400 naming the first problem as `error`, and every problem in `errors`."""
    errors = plan_errors(estate, plan_year, amount_dkk)
    if errors:
        code, message = next(iter(errors.values()))
        raise ApiError(400, code, message, errors=[
            {"field": name, "error": err, "message": text} for name, (err, text) in errors.items()])


def _stale(measure_id: int) -> ApiError:
    current = db.session.get(Measure, measure_id)
    return ApiError(
        409, "stale_version",
        _("Someone else changed this measure in the meantime. Its current state is shown."),
        current=measure_json(current) if current is not None else None,
    )


def change_status(
    measure: Measure,
    *,
    to_status: str,
    by_user: User,
    expected_version: int,
    note: str = "",
    plan_year: int | None = None,
    amount_dkk: int | None = None,
    estate: Estate | None = None,
) -> Measure:
    """Move a measure to another status (the only code that sets Measure.status)."""
    note = _check_note(note)
    if to_status not in workflow.STATUSES:
        raise ApiError(400, "invalid_status", _("Unknown status."))
    # The version is checked before the table: a user acting on an old page should see what
    # changed (409 with the current state), not be told the step is illegal.
    if expected_version != measure.version:
        raise _stale(measure.id)
    _check_transition(measure, to_status)
    _check_step_rules(workflow.step(measure.status, to_status), by_user, note)
    if to_status == "in_plan":
        _validate_plan(estate, plan_year, amount_dkk)
    from_status = measure.status
    # No autoflush while the change is assembled: loading `history` would otherwise flush the
    # UPDATE early, outside the StaleDataError handling of _flush_versioned.
    with db.session.no_autoflush:
        if to_status == "in_plan":
            measure.plan_items.append(
                PlanItem(estate=estate, plan_year=plan_year, amount_dkk=amount_dkk, note=note)
            )
        measure.status = to_status
        measure.history.append(
            StatusChange(from_status=from_status, to_status=to_status,
                         by_user_id=by_user.id if by_user is not None else None, note=note)
        )
    return _flush_versioned(measure)


def _check_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > TEXT_MAX:
        raise ApiError(400, "invalid_note",
                       _("The note may be at most %(max)s characters.", max=TEXT_MAX))
    return note


def _check_transition(measure: Measure, to_status: str) -> None:
    """422 with the current state when the workflow has no step from the measure's status."""
    if not workflow.is_allowed(measure.status, to_status):
        raise ApiError(
            422, "illegal_transition",
            _("A measure cannot go from “%(from)s” to “%(to)s”.",
              **{"from": status_label(measure.status), "to": status_label(to_status)}),
            current=measure_json(measure),
        )


def _check_step_rules(step: workflow.Step | None, by_user: Any, note: str) -> None:
    """403 when the step is for planners only, 400 when it needs a reason and has none."""
    if step is None:
        return
    if step.planners_only and not is_planner(by_user):
        raise ApiError(403, "forbidden",
                       _("Only coordinators and admins can reopen a closed measure."))
    if step.reason_required and not note:
        raise ApiError(400, "note_required",
                       _("Write why the measure is reopened; the reason is kept in its history."))


# ------------------------------------------------------------------ presentation


def status_label(status: str | None) -> str:
    """The translated name of a status."""
    return label(MEASURE_STATUS_LABELS, status)


def measure_json(measure: Measure) -> dict[str, Any]:
    """The API representation of a measure (stable English codes)."""
    org = measure.responsible_org
    return {
        "id": measure.id,
        "title": measure.title,
        "description": measure.description or "",
        "status": measure.status,
        "open311_status": workflow.open311_status(measure.status),
        "version": measure.version,
        "responsible_org": {"id": org.id, "name": org.name} if org is not None else None,
        "due_on": measure.due_on.isoformat() if measure.due_on else None,
        "overdue": is_overdue(measure),
        "cost_estimate_dkk": measure.cost_estimate_dkk,
        "public_note": measure.public_note or "",
        "finding_ids": sorted(str(f.id) for f in measure.findings),
        "allowed_transitions": workflow.next_statuses(measure.status),
        # Planners only, with a written `note`.
        "reopen_transitions": workflow.reopen_statuses(measure.status),
        "plan_items": [
            {"id": item.id, "estate": {"id": item.estate_id, "name": item.estate.name},
             "plan_year": item.plan_year, "amount_dkk": item.amount_dkk}
            for item in measure.plan_items
        ],
        "history": [
            {"from": change.from_status, "to": change.to_status, "by_user_id": change.by_user_id,
             "at": change.at.isoformat() if change.at else None, "note": change.note}
            for change in measure.history
        ],
        "created_at": measure.created_at.isoformat() if measure.created_at else None,
        "updated_at": measure.updated_at.isoformat() if measure.updated_at else None,
    }
