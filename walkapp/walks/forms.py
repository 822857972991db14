"""The walk planning form, with the drawn route and the optional route file."""
from __future__ import annotations

import json

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from walkapp.geo import valid_lat_lon
from walkapp.i18n import date_in_range_validator
from walkapp.walks.routes import RouteError, parse_route_file, validate_line

KIND_CHOICES = [
    SelectChoice("walk", _l("Safety walk")),
    SelectChoice("inspection", _l("Safety inspection")),
]


def route_error_message(error: RouteError) -> str:
    """The translated text for a route error (the msgids live in walks.routes)."""
    return _(error.message, **error.params)


class WalkForm(FlaskForm):
    # Shown only to a planner whose organisation works in several areas.
    area = SelectField(_l("Area"), coerce=int, validators=[Optional()], validate_choice=False)
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, default="walk")
    title = StringField(
        _l("Title"), validators=[DataRequired(message=_l("Enter a title.")), Length(max=200)]
    )
    starts_at = DateTimeLocalField(
        _l("Start (date and time)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[DataRequired(message=_l("Enter the date and time the walk starts.")),
                    date_in_range_validator],
        description=_l("Danish time."),
    )
    meeting_point = StringField(
        _l("Meeting point"), validators=[Optional(), Length(max=300)],
        description=_l("E.g. “By the laundry, Holmbladsgade 70”. Use “Set meeting point” on the map to mark it."),
    )
    meeting_lat = HiddenField()
    meeting_lon = HiddenField()
    estates = SelectMultipleField(_l("Estates"), coerce=int, validators=[Optional()])
    follow_up_on = DateField(
        _l("Follow-up date"), validators=[Optional(), date_in_range_validator],
        description=_l("The agreed follow-up meeting, typically about six months later."),
    )
    follow_up_time = TimeField(
        _l("Follow-up time"), validators=[Optional()],
        description=_l("Danish time. Without a time the calendar entry lasts the whole day."),
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10000)])
    # GeoJSON LineString written by static/js/route-editor.js; empty means no route.
    route = HiddenField(_l("Route"))
    route_file = FileField(
        _l("Import route from file (GPX or GeoJSON)"),
        description=_l("Optional. A file replaces the route drawn on the map."),
    )

    # Set by validation: the route to store (None = no route) and the one read from a file.
    route_geometry: dict | None = None
    imported_route: dict | None = None

    def validate_meeting_lat(self, field) -> None:
        lat, lon = self._meeting_location()
        if (lat is None) != (lon is None) or (lat is not None and not valid_lat_lon(lat, lon)):
            raise ValidationError(_("The meeting point on the map is not a valid position."))

    def _meeting_location(self) -> tuple[float | None, float | None]:
        values = []
        for raw in (self.meeting_lat.data, self.meeting_lon.data):
            raw = (raw or "").strip()
            if not raw:
                values.append(None)
                continue
            try:
                values.append(float(raw))
            except ValueError:
                values.append(float("nan"))
        return values[0], values[1]

    @property
    def meeting_location(self) -> tuple[float | None, float | None]:
        """(lat, lon) of the meeting point on the map, or (None, None)."""
        return self._meeting_location()

    def validate_follow_up_time(self, field) -> None:
        if field.data is not None and self.follow_up_on.data is None and not self.follow_up_on.errors:
            raise ValidationError(_("Give the follow-up date as well as the time."))

    def validate_route(self, field) -> None:
        self.route_geometry = None
        if field.data is not None and not isinstance(field.data, str):
            # A JSON body posted to the page (not our form) brings a non-text value.
            raise ValidationError(_("The drawn route could not be read. Clear it and draw it again."))
        raw = (field.data or "").strip()
        if not raw or raw == "null" or self._has_upload():
            return
        try:
            geometry = json.loads(raw)
        except ValueError:
            raise ValidationError(_("The drawn route could not be read. Clear it and draw it again.")) from None
        try:
            self.route_geometry = validate_line(geometry, current_app.config["ROUTE_MAX_POINTS"])
        except RouteError as error:
            raise ValidationError(route_error_message(error)) from None

    def _has_upload(self) -> bool:
        return bool(getattr(self.route_file.data, "filename", ""))

    def validate_route_file(self, field) -> None:
        if not self._has_upload():
            return
        upload = field.data
        max_bytes = current_app.config["ROUTE_MAX_BYTES"]
        # Read one byte more than allowed: enough to know it is too large, never the whole file.
        data = upload.stream.read(max_bytes + 1)
        try:
            geometry = parse_route_file(
                upload.filename, data, current_app.config["ROUTE_MAX_POINTS"], max_bytes=max_bytes
            )
        except RouteError as error:
            raise ValidationError(route_error_message(error)) from None
        self.imported_route = geometry

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then an imported file (if any) replaces the drawn route."""
        self.imported_route = None
        ok = super().validate(extra_validators)
        if ok and self.imported_route is not None:
            self.route_geometry = self.imported_route
            # Show the imported line if the page is rendered again.
            self.route.data = json.dumps(self.route_geometry)
        return ok
