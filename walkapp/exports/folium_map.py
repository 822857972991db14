"""Self-contained folium follow-up map. Pure module: no Flask imports.

The map shows the route, one circle marker per finding carrying its number on the walk
(route order, walkapp/findings/route_order.py) and coloured by the status of its measures, or
grey for a dismissed or duplicate finding, whose popup says why (legend, counting the markers
drawn), one layer per category (LayerControl) and clusters above CLUSTER_THRESHOLD findings. The file opens with no network: Leaflet and markercluster are
inlined from static/vendor/, CSS images and photo thumbnails are data: URIs (the map image
stored at ingest, base64-encoded as it is: no photo is decoded here). Only the
background tiles (when configured) need the network.

Folium's shared default asset lists are class attributes; each map (and cluster) gets its
own empty lists on the instance instead, so other maps in the process are unaffected.

Markers are added by one script element from a JSON array instead of one folium Marker
(plus Popup, plus Html) element per finding: the same Leaflet objects, far less templating.
Every piece of user text in popups, layer names and the legend goes through
`escape_html_js`, because Leaflet parses these strings as HTML and folium embeds strings in
JavaScript.
"""
from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

from walkapp.dates import danish_date, danish_datetime, local_naive
from walkapp.exports.escaping import escape_html_js, json_for_script
from walkapp.exports.queries import (
    FOLLOW_UP_LABELS,
    ExportFinding,
    follow_up_status,
    set_aside_note,
)
from walkapp.labels import MEASURE_STATUS_LABELS, label_in, rating_label_in

CLUSTER_THRESHOLD = 200
# The popup's image box; the stored map image (walkapp.findings.images.MAP_THUMB_SIDE) fits it.
THUMB_SIDE = 160

STATUS_COLOURS: dict[str, str] = {
    "none": "#d7191c",
    "proposed": "#fd8d3c",
    "agreed": "#fecc5c",
    "in_plan": "#7b3294",
    "in_progress": "#2c7bb6",
    "done": "#1a9641",
    "closed": "#8c8c8c",
    # Set aside by the triage: lighter greys, so they read as "not waiting for anything".
    "dismissed": "#bdbdbd",
    "duplicate": "#dedede",
    # A good place: green like "done", but a brighter one of its own (the legend tells them apart).
    "good": "#00c853",
}

TEXT = {
    "da": {"rating": "Tryghed", "measures": "Tiltag", "status": "Status", "responsible": "Ansvarlig",
           "due": "Frist", "no_measure": "Intet tiltag endnu", "route": "Rute", "legend": "Opfølgning",
           "good": "Godt sted"},
    "en": {"rating": "Safety", "measures": "Measures", "status": "Status", "responsible": "Responsible",
           "due": "Due", "no_measure": "No measure yet", "route": "Route", "legend": "Follow-up",
           "good": "Good place"},
}


class RawHtml(Element):
    """Inserted verbatim (branca's Element would run the text through Jinja)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self._html = html

    def render(self, **kwargs: Any) -> str:
        return self._html


class FindingMarkers(Element):
    """Adds the findings' circle markers to their category layers from one JSON array.

    Not a MacroElement: branca compiles a MacroElement's rendered script as a new Jinja
    template, and lexing megabytes of popups (inline photos) cost more than everything else."""

    _script = """
(function () {
    var layers = %(layers)s;
    var rows = %(rows)s;
    for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        var marker = L.circleMarker([r[0], r[1]], {
            radius: 10, weight: 2, color: "#222", fillColor: r[2], fillOpacity: 0.9,
            className: "finding-marker"
        }).bindPopup(r[3], {maxWidth: 320});
        // The number on the walk, on the marker itself (r[5] is an integer, no user text).
        if (r[5] !== null) {
            marker.bindTooltip(String(r[5]), {
                permanent: true, direction: "center", className: "finding-number"
            });
        }
        marker.addTo(window[layers[r[4]]]);
    }
})();
"""

    def __init__(self, rows: list[list[Any]], layer_names: list[str]) -> None:
        super().__init__()
        self._name = "FindingMarkers"
        self.rows_json = json_for_script(rows)
        self.layers_json = json_for_script(layer_names)

    def render(self, **kwargs: Any) -> str:
        # After the layers' own scripts, like a MacroElement's script (children render in order).
        script = self._script % {"layers": self.layers_json, "rows": self.rows_json}
        self.get_root().script.add_child(RawHtml(script), name=self.get_name())
        return ""


@lru_cache(maxsize=4)
def _vendor_assets(vendor_dir: str) -> dict[str, str]:
    """Leaflet and markercluster files, with CSS images turned into data: URIs."""
    root = Path(vendor_dir)

    def css_with_inline_images(path: Path) -> str:
        def inline(match: re.Match) -> str:
            image = path.parent / match.group(1)
            if not image.is_file():
                return match.group(0)
            return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode()})"

        return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, path.read_text(encoding="utf-8"))

    cluster = root / "leaflet.markercluster"
    return {
        "leaflet_css": css_with_inline_images(root / "leaflet" / "leaflet.css"),
        "leaflet_js": (root / "leaflet" / "leaflet.js").read_text(encoding="utf-8"),
        "cluster_css": (cluster / "MarkerCluster.css").read_text(encoding="utf-8")
        + (cluster / "MarkerCluster.Default.css").read_text(encoding="utf-8"),
        "cluster_js": (cluster / "leaflet.markercluster.js").read_text(encoding="utf-8"),
    }


def _script(js: str) -> str:
    # A vendored library never contains "</script", but make sure it cannot end the element.
    return "<script>" + js.replace("</script", "<\\/script") + "</script>"


def thumbnail_data_uri(jpeg: bytes | None) -> str | None:
    """Stored JPEG bytes as a data: URI (None when there are none)."""
    if not jpeg:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def popup_html(item: ExportFinding, lang: str, thumb_uri: str | None) -> str:
    """Popup HTML: number and category, rating, text, why it was set aside (dismissed or
    duplicate), measures (status, responsible, due) and thumbnail."""
    t = TEXT[lang]
    f = item.finding
    number = f"#{item.number} " if item.number is not None else ""
    parts = [f"<div class='finding-popup'><strong>{number}{escape_html_js(f.category.name(lang))}</strong>"]
    if f.rating is not None and 0 <= f.rating <= 3:
        parts.append(f"<div>{t['rating']}: {escape_html_js(rating_label_in(f.rating, lang))}</div>")
    observed = local_naive(f.observed_at)
    if observed:
        parts.append(f"<div><small>{danish_datetime(observed)}</small></div>")
    if f.description:
        parts.append(f"<p style='white-space:pre-wrap'>{escape_html_js(f.description)}</p>")
    note = set_aside_note(f, item.original_number, lang)
    if note:
        parts.append(f"<div class='set-aside'><em>{escape_html_js(note)}</em></div>")
    if item.measures:
        parts.append(f"<div><strong>{t['measures']}</strong><ul style='padding-left:1.2em;margin:0'>")
        for m in item.measures:
            bits = [escape_html_js(m.title), f"{t['status']}: {escape_html_js(label_in(MEASURE_STATUS_LABELS, m.status, lang))}"]
            if m.responsible_org:
                bits.append(f"{t['responsible']}: {escape_html_js(m.responsible_org.name)}")
            if m.due_on:
                bits.append(f"{t['due']}: {danish_date(m.due_on)}")
            parts.append("<li>" + "<br>".join(bits) + "</li>")
        parts.append("</ul></div>")
    elif f.kind == "good":
        parts.append(f"<div class='good-place'><em>{t['good']}</em></div>")
    elif not note:
        parts.append(f"<div><em>{t['no_measure']}</em></div>")
    if thumb_uri:
        parts.append(f"<img src='{thumb_uri}' alt='' style='max-width:160px;max-height:160px;display:block;margin-top:4px'>")
    parts.append("</div>")
    return "".join(parts)


class MetricScale(MacroElement):
    """The scale bar in metres only: folium's `control_scale=True` adds Leaflet's default,
    which also shows feet and miles, a second ruler nobody here reads."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class LegendControl(MacroElement):
    """Puts the legend element into Leaflet's bottom-left control corner. Leaflet stacks the
    controls of one corner, so the legend sits above the scale bar instead of covering it
    (a `position: fixed` box ignored the scale and hid its last line behind it)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var element = document.getElementById("followup-legend");
                element.hidden = false;
                L.DomEvent.disableClickPropagation(element);
                L.DomEvent.disableScrollPropagation(element);
                return element;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "LegendControl"


def _legend_html(lang: str, title: str, counts: dict[str, int]) -> str:
    t = TEXT[lang]
    rows = "".join(
        f"<div><span style='display:inline-block;width:14px;height:14px;border-radius:50%;"
        f"background:{colour};border:1px solid #222;margin-right:6px;vertical-align:middle'></span>"
        f"<span class='legend-label' data-status='{status}'>"
        f"{escape_html_js(label_in(FOLLOW_UP_LABELS, status, lang))}</span> "
        f"(<span class='legend-count' data-status='{status}'>{counts.get(status, 0)}</span>)</div>"
        for status, colour in STATUS_COLOURS.items()
    )
    return (
        # Hidden until LegendControl moves it into the map (it is outside the map's box).
        "<div id='followup-legend' class='leaflet-control' hidden style='"
        "background:#fff;color:#111;padding:8px 10px;border:1px solid #444;border-radius:6px;"
        "font:14px/1.4 system-ui,sans-serif;max-width:min(280px,calc(100vw - 40px));"
        "max-height:calc(100vh - 120px);overflow:auto'>"
        f"<div style='font-weight:bold'>{escape_html_js(title)}</div>"
        f"<div style='margin-bottom:4px'>{t['legend']}</div>{rows}</div>"
    )


def build_map(
    items: Sequence[ExportFinding],
    *,
    vendor_dir: Path,
    route: Sequence[Sequence[float]] | None = None,
    title: str = "",
    lang: str = "da",
    thumb_bytes: Callable[[Any], bytes | None] | None = None,
    tile_url: str = "",
    tile_attribution: str = "",
    default_center: Sequence[float] = (55.6761, 12.5683),
) -> folium.Map:
    """The follow-up map; `route` is in Leaflet order ([[lat, lon], …]); `thumb_bytes` gives
    a photo's stored map image (JPEG bytes, or None)."""
    lang = "en" if lang == "en" else "da"
    cluster = len(items) > CLUSTER_THRESHOLD
    m = _empty_map(default_center)
    _add_head(m, title, _vendor_assets(str(vendor_dir)), cluster)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="Kort", control=False).add_to(m)
    bounds: list[list[float]] = []
    if route and len(route) >= 2:
        folium.PolyLine(
            [list(p) for p in route], color="#0b3d91", weight=5, opacity=0.85, class_name="walk-route"
        ).add_to(m)
        bounds.extend(list(p) for p in route)
    counts = _add_findings(m, items, lang, cluster, thumb_bytes)
    bounds.extend([item.finding.lat, item.finding.lon] for item in items)
    m.get_root().html.add_child(RawHtml(_legend_html(lang, title, counts)), name="legend")
    # Before the legend: Leaflet stacks a bottom corner's controls upwards in the order added.
    MetricScale().add_to(m)
    LegendControl().add_to(m)
    if bounds:
        lats = [b[0] for b in bounds]
        lons = [b[1] for b in bounds]
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(20, 20), max_zoom=18)
    return m


def _empty_map(default_center: Sequence[float]) -> folium.Map:
    """A map without tiles or any CDN asset."""
    # markercluster needs a maxZoom on the map, which a tile layer would otherwise provide.
    m = folium.Map(location=list(default_center), zoom_start=16, tiles=None, control_scale=False, maxZoom=19)
    # Per-instance lists: the class-level defaults (CDN links) stay untouched for everyone else.
    m.default_js = []
    m.default_css = []
    return m


# The number drawn on a marker: plain bold text centred on the circle, no tooltip box or arrow
# (Leaflet's tooltips let clicks through to the marker, so its popup still opens).
MARKER_CSS = (
    ".leaflet-tooltip.finding-number{background:none;border:0;box-shadow:none;padding:0;"
    "font:bold 11px/1 system-ui,sans-serif;color:#111}"
    ".leaflet-tooltip.finding-number:before{display:none}"
)


def _add_head(m: folium.Map, title: str, assets: dict[str, str], cluster: bool) -> None:
    """The page title and the inlined Leaflet (and markercluster, when clustering)."""
    header = m.get_root().header
    header.add_child(RawHtml(f"<title>{escape_html_js(title)}</title>"), name="page_title")
    header.add_child(RawHtml(f"<style>{assets['leaflet_css']}{MARKER_CSS}</style>"), name="leaflet_css")
    header.add_child(RawHtml(_script(assets["leaflet_js"])), name="leaflet_js")
    if cluster:
        header.add_child(RawHtml(f"<style>{assets['cluster_css']}</style>"), name="cluster_css")
        header.add_child(RawHtml(_script(assets["cluster_js"])), name="cluster_js")


def _add_category_layers(
    m: folium.Map, items: Sequence[ExportFinding], lang: str, cluster: bool
) -> tuple[dict[str, int], list[str]]:
    """One layer per category, in order of first appearance: (code → index, layer variable names)."""
    index: dict[str, int] = {}
    names: list[str] = []
    for item in items:
        category = item.finding.category
        if category.code in index:
            continue
        name = escape_html_js(category.name(lang))
        if cluster:
            layer = MarkerCluster(name=name)
            layer.default_js = []
            layer.default_css = []
        else:
            layer = folium.FeatureGroup(name=name)
        layer.add_to(m)
        index[category.code] = len(names)
        names.append(layer.get_name())
    return index, names


def _add_findings(
    m: folium.Map,
    items: Sequence[ExportFinding],
    lang: str,
    cluster: bool,
    thumb_bytes: Callable[[Any], bytes | None] | None,
) -> dict[str, int]:
    """The category layers, the markers and the layer control; returns the count per status."""
    layer_index, layer_names = _add_category_layers(m, items, lang, cluster)
    rows: list[list[Any]] = []
    counts: dict[str, int] = {}
    for item in items:
        status = follow_up_status(item)
        counts[status] = counts.get(status, 0) + 1
        thumb = None
        if thumb_bytes and item.photos:
            thumb = thumbnail_data_uri(thumb_bytes(item.photos[0]))
        rows.append([
            round(item.finding.lat, 7), round(item.finding.lon, 7), STATUS_COLOURS[status],
            popup_html(item, lang, thumb), layer_index[item.finding.category.code], item.number,
        ])
    FindingMarkers(rows, layer_names).add_to(m)
    if layer_names:
        folium.LayerControl(collapsed=False).add_to(m)
    return counts


def render_map(m: folium.Map) -> str:
    """The complete HTML document."""
    return m.get_root().render()
