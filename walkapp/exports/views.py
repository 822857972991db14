"""Export downloads: GeoJSON, CSV/XLSX, photo archive and the folium follow-up map."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request, stream_with_context
from flask_babel import gettext as _

from walkapp import security_headers
from walkapp.auth.security import staff_required
from walkapp.errors import ApiError
from walkapp.exports import tabular
from walkapp.exports.folium_map import build_map, render_map
from walkapp.exports.geojson_export import feature_collection
from walkapp.exports.map_thumbnails import map_thumbnail_bytes
from walkapp.exports.photo_archive import archive_entries, stream_zip
from walkapp.exports.queries import (
    ExportFinding,
    in_route_order,
    load_export_findings,
    load_finding_set,
    load_measure_set,
    load_walk_measures,
    walk_titles,
)
from walkapp.extensions import db
from walkapp.findings.audio_services import audio_by_finding
from walkapp.findings.models import Finding
from walkapp.findings.object_store import current_store
from walkapp.findings.photo_urls import photo_url
from walkapp.findings.storage import audio_name, photo_name
from walkapp.geo import to_leaflet_path
from walkapp.measures.queries import filter_measures
from walkapp.triage import queries as triage
from walkapp.triage.forms import filter_form
from walkapp.triage.queries import TriageFilters
from walkapp.walks.models import Walk

bp = Blueprint("exports", __name__)

# Largest finding set exported from the triage-list filters in one file.
FINDING_SET_LIMIT = 20_000


def export_locale() -> str:
    """Exports are Danish unless `?lang=en` asks for English."""
    return "en" if request.args.get("lang") == "en" else "da"


def attachment(body: Any, mimetype: str, filename: str) -> Response:
    """A download response (Content-Disposition: attachment)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def walk_findings(walk: Walk) -> list[ExportFinding]:
    """Every finding of the walk, numbered and ordered by the route."""
    return in_route_order(load_export_findings(Finding.walk_id == walk.id), walk)


# The triage list's filter fields; sort, page and view do not change which findings match.
FILTER_FIELDS = ("walk", "estate", "category", "state", "rating", "photo", "org", "mstatus", "q")


def finding_set_filters() -> TriageFilters:
    """The triage list's filters, parsed by the triage list's own form. The list ignores an
    invalid field and says so; a download cannot say so, and a file holding more findings
    than asked for looks like a real answer, so a bad value is a 400 here."""

    form = filter_form()
    bad = sorted(name for name in form.errors if name in FILTER_FIELDS)
    if bad:
        labels = ", ".join(str(form[name].label.text) for name in bad)
        raise ApiError(400, "invalid_filter", _("Invalid filter value: %(fields)s", fields=labels))
    return form.to_filters()


def finding_set(filters: TriageFilters) -> list[ExportFinding]:
    """The findings the triage list shows for these filters (its own query), eager-loaded,
    walk by walk in route order with their numbers on their walks."""
    return in_route_order(load_finding_set(triage.filtered_select(filters), limit=FINDING_SET_LIMIT))


def geojson_response(collection: dict, filename: str) -> Response:
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    return attachment(body, "application/geo+json", filename)


@bp.route("/walks/<int:walk_id>/export.geojson")
@staff_required
def walk_geojson(walk_id: int):
    """The walk's route and findings as GeoJSON (RFC 7946)."""
    walk = db.get_or_404(Walk, walk_id)
    collection = feature_collection(walk_findings(walk), walk, export_locale(), photo_url)
    return geojson_response(collection, f"walk-{walk.id}.geojson")


@bp.route("/findings/export.geojson")
@staff_required
def findings_geojson():
    """A filtered set of findings (the triage list's filters) as GeoJSON."""
    items = finding_set(finding_set_filters())
    return geojson_response(feature_collection(items, None, export_locale(), photo_url), "findings.geojson")


def _walk_tables(walk: Walk, what: str, lang: str) -> tuple[list[str], list[list[Any]], str]:
    """Header, rows and sheet title for a walk's findings or measures."""

    items = walk_findings(walk)
    if what == "findings":
        rows = tabular.finding_rows(items, lang, {walk.id: walk.title})
        return tabular.headers(tabular.FINDING_COLUMNS, lang), rows, "Findings" if lang == "en" else "Fund"
    category_of = {item.finding.id: item.finding.category for item in items}
    rows = tabular.measure_rows(load_walk_measures(walk.id), category_of, lang)
    return tabular.headers(tabular.MEASURE_COLUMNS, lang), rows, "Measures" if lang == "en" else "Tiltag"


@bp.route("/walks/<int:walk_id>/export.<any(csv, xlsx):fmt>", defaults={"what": "findings"})
@bp.route("/walks/<int:walk_id>/measures.<any(csv, xlsx):fmt>", defaults={"what": "measures"})
@staff_required
def walk_table(walk_id: int, fmt: str, what: str):
    """The walk's findings or measures as CSV (UTF-8 with BOM) or XLSX."""
    walk = db.get_or_404(Walk, walk_id)
    lang = export_locale()
    header, rows, sheet = _walk_tables(walk, what, lang)
    return table_response(fmt, header, rows, sheet, f"walk-{walk.id}-{what}")


def table_response(fmt: str, header: list[str], rows: list[list[Any]], sheet: str, stem: str) -> Response:
    """CSV or XLSX download of one table."""

    if fmt == "csv":
        return attachment(tabular.to_csv(header, rows), "text/csv", f"{stem}.csv")
    return attachment(tabular.to_xlsx(header, rows, sheet), tabular.XLSX_MIMETYPE, f"{stem}.xlsx")


@bp.route("/findings/export.<any(csv, xlsx):fmt>")
@staff_required
def findings_table(fmt: str):
    """A filtered set of findings (the triage list's filters) as CSV or XLSX, with walk titles."""

    lang = export_locale()
    items = finding_set(finding_set_filters())
    rows = tabular.finding_rows(items, lang, walk_titles(items))
    sheet = "Findings" if lang == "en" else "Fund"
    return table_response(fmt, tabular.headers(tabular.FINDING_COLUMNS, lang), rows, sheet, "findings")


@bp.route("/measures/export.<any(csv, xlsx):fmt>")
@staff_required
def measures_table(fmt: str):
    """Every measure the /measures list selects (its status, org and overdue filters) as CSV
    or XLSX; the finding count, ids and categories cover all the measure's findings."""

    lang = export_locale()
    matching = filter_measures(
        request.args.get("status", ""), request.args.get("org", type=int),
        request.args.get("overdue") == "1",
    )
    measures, category_of = load_measure_set(matching)
    rows = tabular.measure_rows(measures, category_of, lang)
    sheet = "Measures" if lang == "en" else "Tiltag"
    return table_response(fmt, tabular.headers(tabular.MEASURE_COLUMNS, lang), rows, sheet, "measures")


@bp.route("/walks/<int:walk_id>/photos.zip")
@staff_required
def walk_photos_zip(walk_id: int):
    """The walk's visible photos as a ZIP archive, streamed."""
    walk = db.get_or_404(Walk, walk_id)
    store = current_store()
    items = walk_findings(walk)
    notes = audio_by_finding([item.finding.id for item in items])

    def audio_for(item: ExportFinding) -> list[tuple[str, str]]:
        return [(note.mime, audio_name(note.storage_key)) for note in notes.get(item.finding.id, [])]

    def open_stored(name: str):
        stored = store.open(name)  # one object open at a time: its body is streamed, not loaded
        return None if stored is None else stored.stream

    entries = archive_entries(items, lambda photo: photo_name(photo.storage_key), audio_for,
                              exists=lambda name: store.size(name) is not None)
    response = attachment(stream_with_context(stream_zip(entries, open_stored)), "application/zip",
                          f"walk-{walk.id}-photos.zip")
    return response


def _map_response(items: list[ExportFinding], route: Any, title: str, filename: str) -> Response:
    store = current_store()
    lat, lon, _zoom = current_app.config["MAP_DEFAULT_CENTER"]
    leaflet_route = to_leaflet_path(route["coordinates"]) if route and route.get("coordinates") else None
    folium_map = build_map(
        items,
        vendor_dir=Path(current_app.static_folder) / "vendor",
        route=leaflet_route,
        title=title,
        lang=export_locale(),
        thumb_bytes=lambda photo: map_thumbnail_bytes(store, photo.storage_key),
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
        default_center=(lat, lon),
    )
    html = render_map(folium_map)
    response = attachment(html, "text/html", filename)
    # A download is opened from disk, under no policy at all; but should a browser or proxy
    # show it as a page of ours, the page policy would block folium's inline scripts.
    response.headers[security_headers.HEADER] = security_headers.self_contained_policy(html)
    return response


@bp.route("/walks/<int:walk_id>/map.html")
@staff_required
def walk_map(walk_id: int):
    """Self-contained follow-up map of the walk (route, findings by measure status)."""
    walk = db.get_or_404(Walk, walk_id)
    return _map_response(walk_findings(walk), walk.route, walk.title, f"walk-{walk.id}-map.html")


@bp.route("/findings/map.html")
@staff_required
def findings_map():
    """Self-contained follow-up map of a filtered set of findings (the triage list's filters)."""
    filters = finding_set_filters()
    items = finding_set(filters)
    route, title = None, _("Findings")
    walk = db.session.get(Walk, filters.walk_id) if filters.walk_id is not None else None
    if walk is not None:
        route, title = walk.route, walk.title
    return _map_response(items, route, title, "findings-map.html")
