"""Export downloads: GeoJSON, CSV/XLSX, photo archive and the folium follow-up map."""
from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _

from walkapp.auth.security import staff_required
from walkapp.exports.geojson_export import feature_collection
from walkapp.exports.queries import ExportFinding, load_export_findings
from walkapp.extensions import db
from walkapp.findings.models import FINDING_STATES, Category, Finding
from walkapp.findings.photo_views import photo_url
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


def walk_or_404(walk_id: int) -> Walk:
    walk = db.session.get(Walk, walk_id)
    if walk is None:
        abort(404)
    return walk


def walk_findings(walk: Walk) -> list[ExportFinding]:
    return load_export_findings(Finding.walk_id == walk.id)


def finding_set_criteria() -> list[Any]:
    """Filters of the triage list (walk, category, state, estate) as SQL criteria; a bad
    value is a 400, not an empty file that looks like a real answer."""
    criteria: list[Any] = []
    args = request.args
    if args.get("walk"):
        if not args["walk"].isdigit():
            abort(400, _("Unknown walk."))
        criteria.append(Finding.walk_id == int(args["walk"]))
    if args.get("category"):
        criteria.append(Finding.category_id.in_(
            db.select(Category.id).where(Category.code.in_(args.getlist("category")))
        ))
    if args.get("state"):
        states = args.getlist("state")
        if any(s not in FINDING_STATES for s in states):
            abort(400)
        criteria.append(Finding.state.in_(states))
    if args.get("estate"):
        if not args["estate"].isdigit():
            abort(400)
        criteria.append(Finding.estate_id == int(args["estate"]))
    if args.get("ids"):
        try:
            ids = [uuid.UUID(v) for v in args["ids"].split(",") if v.strip()]
        except ValueError:
            abort(400)
        criteria.append(Finding.id.in_(ids))
    return criteria


def geojson_response(collection: dict, filename: str) -> Response:
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    return attachment(body, "application/geo+json", filename)


@bp.route("/walks/<int:walk_id>/export.geojson")
@staff_required
def walk_geojson(walk_id: int):
    """The walk's route and findings as GeoJSON (RFC 7946)."""
    walk = walk_or_404(walk_id)
    collection = feature_collection(walk_findings(walk), walk, export_locale(), photo_url)
    return geojson_response(collection, f"walk-{walk.id}.geojson")


@bp.route("/findings/export.geojson")
@staff_required
def findings_geojson():
    """A filtered set of findings (the triage list's filters) as GeoJSON."""
    items = load_export_findings(*finding_set_criteria(), limit=FINDING_SET_LIMIT)
    return geojson_response(feature_collection(items, None, export_locale(), photo_url), "findings.geojson")


def _walk_tables(walk: Walk, what: str, lang: str) -> tuple[list[str], list[list[Any]], str]:
    """Header, rows and sheet title for a walk's findings or measures."""
    from walkapp.exports import tabular
    from walkapp.exports.queries import load_walk_measures

    items = walk_findings(walk)
    if what == "findings":
        rows = tabular.finding_rows(items, lang, {walk.id: walk.title})
        return tabular.headers(tabular.FINDING_COLUMNS, lang), rows, "Findings" if lang == "en" else "Fund"
    by_id = {item.finding.id: item for item in items}
    rows = tabular.measure_rows(load_walk_measures(walk.id), by_id, lang)
    return tabular.headers(tabular.MEASURE_COLUMNS, lang), rows, "Measures" if lang == "en" else "Tiltag"


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/walks/<int:walk_id>/export.<any(csv, xlsx):fmt>", defaults={"what": "findings"})
@bp.route("/walks/<int:walk_id>/measures.<any(csv, xlsx):fmt>", defaults={"what": "measures"})
@staff_required
def walk_table(walk_id: int, fmt: str, what: str):
    """The walk's findings or measures as CSV (UTF-8 with BOM) or XLSX."""
    from walkapp.exports import tabular

    walk = walk_or_404(walk_id)
    lang = export_locale()
    header, rows, sheet = _walk_tables(walk, what, lang)
    stem = f"walk-{walk.id}-{what}"
    if fmt == "csv":
        return attachment(tabular.to_csv(header, rows), "text/csv", f"{stem}.csv")
    return attachment(tabular.to_xlsx(header, rows, sheet), XLSX_MIMETYPE, f"{stem}.xlsx")


@bp.route("/walks/<int:walk_id>/photos.zip")
@staff_required
def walk_photos_zip(walk_id: int):
    """The walk's visible photos as a ZIP archive, streamed."""
    from pathlib import Path

    from flask import current_app, stream_with_context

    from walkapp.exports.photo_archive import archive_entries, stream_zip
    from walkapp.findings.storage import photo_path

    walk = walk_or_404(walk_id)
    root = Path(current_app.instance_path) / "photos"
    entries = archive_entries(walk_findings(walk), lambda photo: photo_path(root, photo.storage_key))
    response = attachment(stream_with_context(stream_zip(entries)), "application/zip", f"walk-{walk.id}-photos.zip")
    return response


def _map_response(items: list[ExportFinding], route: Any, title: str, filename: str) -> Response:
    from pathlib import Path

    from flask import current_app

    from walkapp.exports.folium_map import build_map, render_map
    from walkapp.findings.storage import photo_path
    from walkapp.geo import to_leaflet_path

    photos_root = Path(current_app.instance_path) / "photos"
    lat, lon, _zoom = current_app.config["MAP_DEFAULT_CENTER"]
    leaflet_route = to_leaflet_path(route["coordinates"]) if route and route.get("coordinates") else None
    folium_map = build_map(
        items,
        vendor_dir=Path(current_app.static_folder) / "vendor",
        route=leaflet_route,
        title=title,
        lang=export_locale(),
        thumb_path=lambda photo: photo_path(photos_root, photo.storage_key, thumb=True),
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
        default_center=(lat, lon),
    )
    return attachment(render_map(folium_map), "text/html", filename)


@bp.route("/walks/<int:walk_id>/map.html")
@staff_required
def walk_map(walk_id: int):
    """Self-contained follow-up map of the walk (route, findings by measure status)."""
    walk = walk_or_404(walk_id)
    return _map_response(walk_findings(walk), walk.route, walk.title, f"walk-{walk.id}-map.html")


@bp.route("/findings/map.html")
@staff_required
def findings_map():
    """Self-contained follow-up map of a filtered set of findings (the triage list's filters)."""
    items = load_export_findings(*finding_set_criteria(), limit=FINDING_SET_LIMIT)
    route, title = None, _("Findings")
    if request.args.get("walk", "").isdigit():
        walk = db.session.get(Walk, int(request.args["walk"]))
        if walk is not None:
            route, title = walk.route, walk.title
    return _map_response(items, route, title, "findings-map.html")
