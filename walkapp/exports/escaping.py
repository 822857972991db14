"""Escaping user text for the places exports put it. Pure module: no Flask imports.

folium writes popup and tooltip HTML into JavaScript (template literals and quoted strings),
so text there must be HTML-escaped *and* have the characters that are special inside
JavaScript strings neutralised: a backtick ends a template literal, `${` starts an
interpolation, and a backslash starts an escape sequence. Replacing them with HTML character
references keeps them visible as themselves once the popup HTML is parsed.
"""
from __future__ import annotations

import html
import json
import re
from typing import Any

_JS_SPECIALS = {"`": "&#96;", "\\": "&#92;", "$": "&#36;"}


def escape_html_js(text: object) -> str:
    """HTML-escape text and neutralise backticks, backslashes and `$` (so no `${`)."""
    escaped = html.escape("" if text is None else str(text), quote=True)
    return "".join(_JS_SPECIALS.get(ch, ch) for ch in escaped)


def json_for_script(value: Any) -> str:
    """JSON that is safe inside an inline <script>: no `</script>`, `<!--` or line separators
    can end the script or change how it parses."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# Characters XML 1.0 cannot hold at all, even escaped (ElementTree would write them as-is).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text for an XML element: None becomes empty, characters XML forbids are dropped."""
    return _XML_ILLEGAL.sub("", "" if value is None else str(value))
