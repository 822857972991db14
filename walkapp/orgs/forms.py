"""Forms for organisations and estates, and the messages for boundary errors."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from walkapp.orgs.boundaries import BoundaryError

ORGANISATION_TYPE_CHOICES = [
    SelectChoice("housing", _l("Housing organisation")),
    SelectChoice("municipality", _l("Municipality")),
    SelectChoice("police", _l("Police")),
    SelectChoice("helhedsplan", _l("Helhedsplan / secretariat")),
    SelectChoice("other", _l("Other")),
]
ORGANISATION_TYPE_LABELS = {choice.value: choice.label for choice in ORGANISATION_TYPE_CHOICES}

# One message per BoundaryError code (walkapp.orgs.boundaries stays free of the UI language).
BOUNDARY_MESSAGES = {
    "too_large": _l("The file is larger than %(mb)s MB."),
    "not_json": _l("The file is not a GeoJSON file (it could not be read as JSON)."),
    "no_polygon": _l("The GeoJSON contains no polygon (found: %(found)s)."),
    "bad_coordinates": _l("The polygon's coordinates are not [longitude, latitude] pairs."),
    "out_of_range": _l(
        "A coordinate is outside the valid range (latitude −90 to 90, longitude −180 to 180)."
    ),
    "too_few_points": _l("A boundary needs at least %(min)s different points."),
    "too_many_points": _l("The boundary has more than %(max)s points."),
}


def boundary_message(error: BoundaryError) -> str:
    """The translated message for a boundary error."""
    message = BOUNDARY_MESSAGES.get(error.code, BOUNDARY_MESSAGES["not_json"])
    return str(message) % error.params if error.params else str(message)


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    type = SelectField(_l("Type"), choices=ORGANISATION_TYPE_CHOICES)


class EstateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    # Shown only to an administrator whose organisation works in several areas.
    area = SelectField(_l("Area"), coerce=int, validators=[Optional()], validate_choice=False)
    boundary_file = FileField(
        _l("Upload boundary (GeoJSON)"),
        description=_l(
            "A GeoJSON file with a Polygon (or a Feature/FeatureCollection whose first polygon is "
            "used), at most 5 MB. Replaces the boundary drawn on the map."
        ),
    )
    # Filled by static/js/polygon-editor.js with a GeoJSON Polygon; empty means no boundary,
    # absent from the request means "keep the current one". Not named `boundary`, so that
    # Form(obj=estate) never puts the stored dict in it.
    boundary_geojson = HiddenField()
    remove_boundary = BooleanField(_l("Remove the boundary"))
