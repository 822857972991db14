"""Dashboard page and its JSON API."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from walkapp.auth.security import staff_required
from walkapp.dashboard import figures
from walkapp.dates import year_in_range
from walkapp.errors import ApiError
from walkapp.extensions import db
from walkapp.findings.models import Category
from walkapp.i18n import current_language
from walkapp.labels import PARTNER_KIND_LABELS, profile_group_label
from walkapp.measures.services import status_label
from walkapp.orgs.areas import organisation_in_scope
from walkapp.orgs.lookups import find_estate, find_organisation
from walkapp.orgs.models import Estate, Organisation

bp = Blueprint("dashboard", __name__)

CHART_YEARS = 5
TARGET_LABELS = {
    "walk_held": _l("At least one safety walk held"),
    "overview_per_walk": _l("An overview of possible measures sent for every walk"),
    "measure_done_or_in_plan": _l("At least one measure carried out or added to the 10-year plan"),
}
SERIES_LABELS = (_l("Walks held"), _l("Overviews sent"), _l("Measures done or in plan"))


def _parse_year(raw: str | None) -> int:
    if raw is None or raw == "":
        return figures.current_year()
    raw = raw.strip()
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4) or not year_in_range(int(raw)):
        raise ApiError(400, "invalid_year", _("The year must be a number between 2000 and 2100."))
    return int(raw)


def _scope() -> tuple[int, Organisation | None, Estate | None]:
    """Year, housing organisation and estate from the query string; bad values → 400."""
    year = _parse_year(request.args.get("year"))
    org_raw, estate_raw = request.args.get("organisation"), request.args.get("estate")
    organisation = find_organisation(org_raw, type="housing")
    if org_raw and org_raw.strip() and organisation is None:
        raise ApiError(400, "invalid_organisation",
                       _("Unknown housing organisation: %(organisation)s", organisation=org_raw))
    estate = find_estate(estate_raw)
    if estate_raw and estate_raw.strip() and estate is None:
        raise ApiError(400, "invalid_estate", _("Unknown estate: %(estate)s", estate=estate_raw))
    return year, organisation, estate


def _figures(year: int, organisation: Organisation | None, estate: Estate | None) -> dict:
    return figures.dashboard_figures(
        year, organisation.id if organisation else None, estate.id if estate else None
    )


@bp.route("/api/v1/dashboard")
@staff_required
def api_dashboard():
    """The year's figures and success criteria as JSON (filters: organisation, estate)."""
    year, organisation, estate = _scope()
    return jsonify(_figures(year, organisation, estate))


@bp.route("/dashboard")
@staff_required
def show_dashboard():
    """The programme's targets (met / not met), figures and a chart of the last five years."""
    year, organisation, estate = _scope()
    data = _figures(year, organisation, estate)
    years = list(range(year - CHART_YEARS + 1, year + 1))
    history = [data if y == year else _figures(y, organisation, estate) for y in years]
    chart = figures.bar_chart(
        [
            (str(SERIES_LABELS[0]), [h["walks_held"] for h in history]),
            (str(SERIES_LABELS[1]), [h["overviews_sent"] for h in history]),
            (str(SERIES_LABELS[2]), [h["measures_done_or_in_plan"] for h in history]),
        ],
        [str(y) for y in years],
    )
    locale = current_language()
    categories = {c.code: c.name(locale) for c in db.session.execute(db.select(Category)).scalars()}
    return render_template(
        "dashboard/index.html", data=data, year=year, organisation=organisation, estate=estate,
        organisations=db.session.execute(
            db.select(Organisation).where(organisation_in_scope()).where(Organisation.type == "housing").order_by(Organisation.name)
        ).scalars().all(),
        estates=db.session.execute(db.select(Estate).order_by(Estate.name)).scalars().all(),
        target_labels=TARGET_LABELS, chart=chart, history=list(zip(years, history, strict=True)),
        categories=categories, status_label=status_label,
        still_unsafe=[(y, figures.done_but_still_unsafe(y, organisation.id if organisation else None,
                                                       estate.id if estate else None)) for y in years],
        recurring_spots=[(y, figures.recurring_spots(y, organisation.id if organisation else None,
                                                     estate.id if estate else None)) for y in years],
        partner_labels=PARTNER_KIND_LABELS, missing_partners=_missing_partner_notes(data, year),
        profile_label=profile_group_label, min_group=figures.MIN_GROUP,
    )


def _missing_partner_notes(data: dict, year: int) -> list[str]:
    """One sentence per partner that took part in none of the year's walks ("Politiet deltog ikke i år")."""
    this_year = year == figures.current_year()
    return [
        _("%(partner)s did not take part this year", partner=PARTNER_KIND_LABELS[kind]) if this_year
        else _("%(partner)s did not take part in %(year)s", partner=PARTNER_KIND_LABELS[kind], year=year)
        for kind in data["partner_coverage"]["missing"]
    ]
