"""Measure steps and their stored state, called through the services in a fresh app context."""
from __future__ import annotations

from walkapp.extensions import db
from walkapp.orgs.area_scope import unscoped


def change_measure(app, measure_id: int, user_id: int, to: str, version: int, estate_id=None, **kw):
    """Call change_status in a fresh app context and commit."""
    from walkapp.auth.models import User
    from walkapp.measures.models import Measure
    from walkapp.measures.services import change_status
    from walkapp.orgs.models import Estate

    # A request context: services translate their messages (gettext needs the locale).
    with app.app_context(), app.test_request_context(), unscoped():
        measure = db.session.get(Measure, measure_id)
        if estate_id is not None:
            kw["estate"] = db.session.get(Estate, estate_id)
        change_status(measure, to_status=to, by_user=db.session.get(User, user_id),
                      expected_version=version, **kw)
        db.session.commit()
        return measure.version


def measure_state(app, measure_id: int) -> tuple[str, int, list[tuple], int]:
    """(status, version, history pairs, plan item count) as stored."""
    from walkapp.measures.models import Measure

    with app.app_context():
        measure = db.session.get(Measure, measure_id)
        return (measure.status, measure.version,
                [(c.from_status, c.to_status) for c in measure.history], len(measure.plan_items))
