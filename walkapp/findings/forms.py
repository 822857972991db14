"""Category administration form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

CODE_PATTERN = r"^[a-z0-9_]+$"

# Readable names for the icons shipped in static/icons/categories/ (other files show their name).
ICON_LABELS = {
    "lighting": _l("Lamp (lighting)"),
    "graffiti": _l("Spray can (graffiti)"),
    "vandalism": _l("Broken window (vandalism)"),
    "vegetation": _l("Tree and bush (vegetation)"),
    "hidden_corner": _l("Crossed-out eye (hidden corner)"),
    "access": _l("Door with key (access)"),
    "litter": _l("Bin (litter)"),
    "traffic": _l("Car (traffic)"),
    "other": _l("Question mark (other)"),
    "entrance": _l("Doorway with steps (entrances)"),
    "wayfinding": _l("Signpost (wayfinding)"),
    "path": _l("Path with paving (paths)"),
    "parking": _l("P sign (parking)"),
    "transit": _l("Bus stop sign (stops)"),
    "life": _l("People (life on the street)"),
}


class CategoryForm(FlaskForm):
    # Only on the create page: the code is the Open311 service_code and never changes.
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(CODE_PATTERN, message=_l("Use only lowercase letters a–z, digits and _.")),
        ],
        description=_l(
            "Stable English code used by the API and Open311, e.g. broken_bench. "
            "It cannot be changed later."
        ),
    )
    name_da = StringField(_l("Danish name"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("English name"), validators=[DataRequired(), Length(max=100)])
    icon = SelectField(_l("Icon"))
    sort_order = IntegerField(
        _l("Sort order"),
        default=100,
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
        description=_l("Lower numbers are shown first."),
    )
    active = BooleanField(
        _l("Active"),
        default=True,
        description=_l(
            "Inactive categories are not offered when recording findings; "
            "existing findings keep them."
        ),
    )
