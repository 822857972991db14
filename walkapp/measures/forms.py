"""Forms for creating and editing measures and changing their status."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from walkapp.errors import ApiError
from walkapp.i18n import date_in_range_validator
from walkapp.measures.services import AMOUNT_MAX_DKK, TEXT_MAX, TITLE_MAX


def _optional_int(value: object) -> int | None:
    """'' (no choice) becomes None; anything else an int (invalid values fail validation)."""
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


class MeasureForm(FlaskForm):
    """A new measure for one or more findings (the finding ids travel as hidden inputs)."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the measure a title.")),
                                                 Length(max=TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=TEXT_MAX)])
    responsible_org = SelectField(_l("Responsible organisation"), coerce=_optional_int,
                                  validate_choice=True)
    due_on = DateField(_l("Due date"), validators=[Optional(), date_in_range_validator])
    cost_estimate_dkk = IntegerField(
        _l("Cost estimate (DKK)"),
        validators=[Optional(), NumberRange(min=0, max=AMOUNT_MAX_DKK,
                                            message=_l("Enter a whole number of kroner, 0 or more."))],
    )


class MeasureEditForm(MeasureForm):
    """Edit a measure's details; `version` is the one the page was drawn from."""

    version = HiddenField(validators=[InputRequired()])
    public_note = TextAreaField(
        _l("Reason for residents"), validators=[Optional(), Length(max=TEXT_MAX)],
        description=_l("Shown on the walk's public feedback page, e.g. why the measure was rejected."))


class TransitionForm(FlaskForm):
    """One status step; the buttons carry the target status in `to`."""

    to = HiddenField()
    version = HiddenField(validators=[InputRequired()])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=TEXT_MAX)])
    estate = SelectField(_l("Estate"), coerce=_optional_int, validate_choice=True)
    plan_year = IntegerField(_l("Plan year"), validators=[Optional()])
    amount_dkk = IntegerField(_l("Amount (DKK)"), validators=[Optional()])
    # "1" once the user has confirmed a final step on the confirmation page.
    confirm = HiddenField()


# The measure services' error codes and the form field each one is about (edit and status forms).
ERROR_FIELDS: dict[str, str] = {
    "invalid_title": "title",
    "invalid_description": "description",
    "invalid_cost": "cost_estimate_dkk",
    "invalid_date": "due_on",
    "estate_required": "estate",
    "invalid_plan_year": "plan_year",
    "invalid_amount": "amount_dkk",
    "invalid_note": "note",
    "invalid_public_note": "public_note",
    "note_required": "note",
}


def show_error_at_field(form: FlaskForm, exc: ApiError) -> None:
    """Show a service's refusal under the field it is about, when the form has that field;
    a refusal listing several problems (`errors`) shows each under its own field."""
    for problem in exc.extra.get("errors") or [{"error": exc.code, "message": exc.message}]:
        name = ERROR_FIELDS.get(problem["error"])
        if name is not None and name in form and problem["message"] not in form[name].errors:
            form[name].errors = [*form[name].errors, problem["message"]]
