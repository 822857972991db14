"""Text that arrives in a request, made safe to store: the JSON body of every API endpoint,
form fields and query strings. Helper layer: no domain imports.

Phones cut text at UTF-16 boundaries, so a description may end in half an emoji (a lone
surrogate, JSON "\\ud83d"); Python strings hold it, but it cannot be encoded as UTF-8 and
the database driver fails on it. NUL is valid JSON and valid in a form field, but PostgreSQL
refuses it in a text column, while SQLite stores it. Both are repaired to U+FFFD (the
replacement character) on the way in, on every database alike, so a finding is stored
rather than refused and never stays stuck in the phone's outbox. Bytes that are not UTF-8
are repaired the same way, as werkzeug already does for forms.

Numbers in URLs and query strings that no INTEGER column can hold are treated as invalid
(404, or the parameter's default) instead of overflowing the database driver.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Flask, Request, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

from walkapp.errors import ApiError

REPLACEMENT = "\ufffd"
# Lone surrogates (only half of a UTF-16 pair) and NUL.
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")

# Far deeper than any body the app takes (a GeoJSON FeatureCollection route is 6 levels), far
# shallower than Python's recursion limit: a deeper body is refused before any code that
# recurses (validation, serialisation) sees it.
MAX_DEPTH = 64

# Integer ids in URLs are database INTEGER columns (32-bit on PostgreSQL); a larger number
# cannot name a row and would make the driver fail instead of answering 404.
ID_MAX = 2**31 - 1


def repair_text(text: str) -> str:
    """`text` with lone surrogates and NUL replaced by U+FFFD (other text unchanged)."""
    if text.isascii() and "\x00" not in text:
        return text
    return _UNSTORABLE.sub(REPLACEMENT, text)


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_json", message)


def _not_json_constant(name: str) -> Any:
    # NaN and Infinity are Python's extension of JSON; no browser's JSON.stringify writes them.
    raise ValueError(f"{name} is not JSON")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise OverflowError(literal)
    return value


def _decode(data: bytes) -> str:
    """The body as text: UTF-8 (or the UTF-16/32 JSON allows), bad bytes as U+FFFD."""
    return data.decode(json.detect_encoding(data), errors="replace")


def _repair_in_place(value: Any) -> Any:
    """Repair every string (keys too) in a parsed JSON value, refusing nesting beyond MAX_DEPTH.

    Iterative, with an explicit stack: the value may be as deep as the parser allowed."""
    if isinstance(value, str):
        return repair_text(value)
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _invalid(_("The request body is nested too deeply."))
        if isinstance(container, dict):
            items = list(container.items())
            container.clear()
            for key, item in items:
                container[repair_text(key)] = repair_text(item) if isinstance(item, str) else item
                if isinstance(item, dict | list):
                    stack.append((item, depth + 1))
        elif isinstance(container, list):
            for index, item in enumerate(container):
                if isinstance(item, str):
                    container[index] = repair_text(item)
                elif isinstance(item, dict | list):
                    stack.append((item, depth + 1))
    return value


def parse_json(data: bytes) -> Any:
    """A JSON document with its strings repaired; ApiError 400 `invalid_json` if it is not JSON,
    holds NaN/Infinity or a number beyond a double, or nests deeper than MAX_DEPTH."""
    not_json = _("The request body must be a JSON object.")
    try:
        value = json.loads(_decode(data), parse_constant=_not_json_constant, parse_float=_finite_float)
    except RecursionError:
        raise _invalid(_("The request body is nested too deeply.")) from None
    except OverflowError:
        raise _invalid(_("A number in the request body is too large.")) from None
    except ValueError:  # JSONDecodeError, NaN/Infinity, an integer of more than 4300 digits
        raise _invalid(not_json) from None
    return _repair_in_place(value)


def json_object() -> dict[str, Any]:
    """The request body as a JSON object with repaired strings, whatever the content type;
    anything else is ApiError 400 `invalid_json` (the API's one way to read a body)."""
    value = parse_json(request.get_data(cache=True))
    if not isinstance(value, dict):
        raise _invalid(_("The request body must be a JSON object."))
    return value


def id_int(value: Any) -> int:
    """int(value), refusing (ValueError) a number no INTEGER column can hold."""
    number = int(value)
    if not -ID_MAX - 1 <= number <= ID_MAX:
        raise ValueError(value)
    return number


class RepairedMultiDict(ImmutableMultiDict):
    """Query-string and form parameters with their keys and values repaired.

    `get(..., type=int)` treats a number beyond an INTEGER column as invalid, as werkzeug
    treats "abc": the default comes back, so `?org=99999999999999999999` filters by nothing
    instead of overflowing the database driver."""

    def __init__(self, mapping: Any = None) -> None:
        if mapping is None:
            pairs: list = []
        elif isinstance(mapping, MultiDict):
            pairs = list(mapping.items(multi=True))
        elif isinstance(mapping, dict):
            pairs = list(mapping.items())
        else:
            pairs = list(mapping)
        super().__init__([
            (repair_text(key) if isinstance(key, str) else key,
             repair_text(value) if isinstance(value, str) else value)
            for key, value in pairs
        ])

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # noqa: A002
        return super().get(key, default, id_int if type is int else type)

    def getlist(self, key: Any, type: Any = None) -> list:  # noqa: A002
        return super().getlist(key, id_int if type is int else type)


class RepairedRequest(Request):
    """Flask's request, whose `args`, `form` and `values` hold repaired text."""

    parameter_storage_class = RepairedMultiDict


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs: a number too large for an id column does not match (404)."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Repair form and query text and bound integer URL ids; call before adding routes."""
    app.request_class = RepairedRequest
    app.url_map.converters["int"] = IdConverter
