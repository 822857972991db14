"""The small form on a walk page that plans its follow-up walk (opfølgningsvandring)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, StringField
from wtforms.validators import DataRequired, Length

from walkapp.i18n import date_in_range_validator


class FollowUpWalkForm(FlaskForm):
    # Field names differ from the walk form's, so both can be on one page without clashing ids.
    follow_up_starts_at = DateTimeLocalField(
        _l("Start (date and time)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[DataRequired(message=_l("Enter the date and time the walk starts.")),
                    date_in_range_validator],
        description=_l("Danish time. Typically about six months after the walk."),
    )
    follow_up_title = StringField(
        _l("Title"), validators=[DataRequired(message=_l("Enter a title.")), Length(max=200)]
    )
