"""Which areas (tenants) a request may see, added to every ORM query of a table that belongs to
an area, so no view, export or feed can forget the check.

Each package declares how its tables belong to an area with `belongs_to_area`; the app factory
tells this module who is asking (`init_app`). A staff user sees the areas their organisation
is a member of; a participant sees their own walk (and, for the area-wide tables such as
estates, its area: a finding is placed in an estate of that area). A request that names nobody
sees nothing of any area, except inside `unscoped()`: lookups by an unguessable code (the join
link, the public feedback page). Outside a request (CLI, migrations, tests' setup) nothing is
filtered.

Another area's ids therefore simply do not exist for the asker: `db.session.get` answers None
and every view's 404 follows."""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria


@dataclass(frozen=True)
class AreaScope:
    """What one request may see: whole areas (staff) and single walks (a participant's)."""

    area_ids: frozenset[int] = frozenset()
    walk_ids: frozenset[int] = frozenset()
    # The areas of `walk_ids`: for the area-wide tables (estates), never for walks or measures.
    walk_area_ids: frozenset[int] = frozenset()


# model -> function(scope) giving the WHERE criterion for the model's rows the scope may see.
Criterion = Callable[[AreaScope], Any]
_CRITERIA: dict[type, Criterion] = {}
_UNSCOPED = object()
_FILLS: dict[type, Callable[[Any], int | None] | None] = {}


def belongs_to_area(model: type, criterion: Criterion) -> None:
    """Declare how rows of `model` belong to an area (called once, next to the model)."""
    _CRITERIA[model] = criterion
    _scope_options.cache_clear()


def fills_area(model: type, infer: Callable[[Any], int | None] | None = None) -> None:
    """A new `model` row flushed without an area gets `infer(row)` (e.g. a measure: its
    findings' area) or, on an installation with exactly one area, that one: the embedded
    default serves one helhedsplan and need not name it. With several areas nothing is
    guessed, and the NOT NULL column refuses the row."""
    _FILLS[model] = infer


def init_app(app: Flask, resolve: Callable[[], AreaScope]) -> None:
    """Filter every ORM query of the app's requests by what `resolve()` says the asker may see."""
    app.extensions["area_scope_resolver"] = resolve


def current_scope() -> AreaScope | None:
    """This request's scope (worked out once per request), or None for no filtering."""
    if not has_request_context():
        return None
    scope = g.get("area_scope")
    if scope is _UNSCOPED:
        return None
    if scope is not None:
        return scope
    # The resolver's own lookups (the user's memberships, the participant's walk) run unfiltered.
    g.area_scope = _UNSCOPED
    try:
        scope = current_app.extensions["area_scope_resolver"]()
    except BaseException:
        g.pop("area_scope", None)
        raise
    g.area_scope = scope
    return scope


def forget_scope() -> None:
    """Work the scope out again at the next query: someone logged in, out or joined a walk."""
    if has_request_context():
        g.pop("area_scope", None)


def unscope_request() -> None:
    """The rest of this request sees every area: only for a feed made public on purpose."""
    g.area_scope = _UNSCOPED


@contextlib.contextmanager
def unscoped() -> Iterator[None]:
    """Queries inside see every area: only for lookups by an unguessable code."""
    if not has_request_context():
        yield
        return
    previous = g.get("area_scope")
    g.area_scope = _UNSCOPED
    try:
        yield
    finally:
        if previous is None:
            g.pop("area_scope", None)
        else:
            g.area_scope = previous


@event.listens_for(Session, "do_orm_execute")
def _restrict_to_scope(state: ORMExecuteState) -> None:
    """Add every registered area criterion to ORM selects, updates and deletes."""
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Lazy and column loads of objects a filtered query returned carry its criteria along.
    if state.is_column_load or state.is_relationship_load:
        return
    # Every statement, not only those whose result entities belong to an area: a count over a
    # subquery (`select(func.count()).select_from(…)`) names no entity of its own, and once
    # leaked every area's findings into a list's total. The criteria are built once per scope,
    # and the loading of the user (how the scope is worked out) runs unscoped.
    scope = current_scope()
    if scope is None:
        return
    state.statement = state.statement.options(*_scope_options(scope))


def scoped(stmt: Any) -> Any:
    """`stmt` with this request's area criteria, for a select run on the session's connection
    (plain rows, no ORM bookkeeping): the connection skips the session's hook above."""
    scope = current_scope()
    return stmt if scope is None else stmt.options(*_scope_options(scope))


@functools.lru_cache(maxsize=1024)
def _scope_options(scope: AreaScope) -> tuple:
    """The loader criteria of one scope, built once: building them for every statement cost a
    capture request more than its own SQL (a phone asks with the same scope all evening)."""
    return tuple(with_loader_criteria(model, criterion(scope)) for model, criterion in _CRITERIA.items())


@event.listens_for(Session, "before_flush")
def _fill_missing_areas(session: Session, flush_context: Any, instances: Any) -> None:
    """Give new rows of an area-owning table without an area their inferred or only area."""
    only_area: list[int | None] = []
    for obj in session.new:
        if type(obj) not in _FILLS or obj.area_id is not None or getattr(obj, "area", None):
            continue
        infer = _FILLS[type(obj)]
        area_id = infer(obj) if infer else None
        if area_id is None:
            if not only_area:
                # Imported here: the model module imports this one (a cycle).
                from walkapp.orgs.models import Area
                ids = session.execute(select(Area.id).limit(2)).scalars().all()
                only_area.append(ids[0] if len(ids) == 1 else None)
            area_id = only_area[0]
        obj.area_id = area_id
