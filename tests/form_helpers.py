"""A page's form fields as a browser would submit them, read with the stdlib HTML parser.

Tests read what a user's browser would send back (and which option the user sees chosen), not
how WTForms happens to order an element's attributes.
"""
from __future__ import annotations

from html.parser import HTMLParser

# Inputs a browser only submits when they are checked, or never (buttons).
_CHECKABLE = {"checkbox", "radio"}
_NOT_SUBMITTED = {"submit", "button", "reset", "image", "file"}


class _FormFields(HTMLParser):
    """Collects name → submitted values, and the label of each select's chosen option."""

    def __init__(self, hidden_only: bool) -> None:
        super().__init__()
        self.hidden_only = hidden_only
        self.values: dict[str, list[str]] = {}
        self.labels: dict[str, str] = {}
        self._select: str | None = None
        self._options: list[tuple[str, bool, str]] = []  # (value, selected, label) of the open select
        self._option: tuple[str, bool] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in _NOT_SUBMITTED or (kind in _CHECKABLE and "checked" not in a):
                return
            if self.hidden_only and kind != "hidden":
                return
            self._add(name, a.get("value", "on" if kind in _CHECKABLE else ""))
        elif self.hidden_only:
            return
        elif tag == "select" and name and "disabled" not in a:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._finish_option()
            self._option, self._text = (a.get("value"), "selected" in a), []
        elif tag == "textarea" and name and "disabled" not in a:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def _finish_option(self) -> None:
        if self._option is not None:
            label = "".join(self._text).strip()
            value, selected = self._option
            self._options.append((label if value is None else value, selected, label))
            self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._finish_option()
        elif tag == "select" and self._select is not None:
            self._finish_option()
            # Without a selected option the browser submits the first one.
            chosen = [o for o in self._options if o[1]] or self._options[:1]
            for value, _, label in chosen:
                self._add(self._select, value)
                self.labels[self._select] = label
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None


def _parsed(html: str, hidden_only: bool = False) -> _FormFields:
    parser = _FormFields(hidden_only)
    parser.feed(html)
    parser.close()
    return parser


def form_fields(html: str) -> dict[str, list[str]]:
    """Every field of the page's forms: name → the values a browser would submit."""
    return _parsed(html).values


def hidden_fields(html: str) -> dict[str, list[str]]:
    """The fields a browser submits without showing them (type=hidden): name → values."""
    return _parsed(html, hidden_only=True).values


def chosen_labels(html: str) -> dict[str, str]:
    """The label of the option each select shows as chosen, by the select's name."""
    return _parsed(html).labels
