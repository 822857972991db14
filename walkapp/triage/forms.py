"""Forms of the triage list (GET filters, bulk actions) and of the finding detail."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from walkapp.dates import danish_date
from walkapp.extensions import db
from walkapp.findings.models import DESCRIPTION_MAX, FINDING_STATES, Category
from walkapp.i18n import current_language, date_in_range_validator
from walkapp.labels import FINDING_STATE_LABELS, MEASURE_STATUS_LABELS, RATING_LABELS
from walkapp.orgs.areas import organisation_in_scope
from walkapp.orgs.models import Estate, Organisation
from walkapp.triage.queries import SORTS, TriageFilters, walk_choices

SORT_LABELS = {
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "rating": _l("Most unsafe first"),
    "category": _l("Category"),
}
ANY = ("", _l("All"))


def opts(pairs) -> list[SelectChoice]:
    """Choice pairs as SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(str(value), label) for value, label in pairs]



class FilterForm(FlaskForm):
    """The triage filters; read from the query string so a view can be bookmarked."""

    class Meta:
        csrf = False

    q = StringField(_l("Text"), validators=[Optional(), Length(max=200)])
    walk = SelectField(_l("Walk"), default="")
    estate = SelectField(_l("Estate"), default="")
    category = SelectField(_l("Category"), default="")
    state = SelectField(_l("State"), choices=opts([ANY, *FINDING_STATE_LABELS.items()]), default="")
    rating = SelectField(
        _l("Rating"), choices=opts([ANY, *RATING_LABELS.items()]), default=""
    )
    photo = SelectField(
        _l("Photo"), choices=opts([ANY, ("yes", _l("With photo")), ("no", _l("Without photo"))]), default=""
    )
    org = SelectField(_l("Responsible organisation"), default="")
    mstatus = SelectField(_l("Measure status"), choices=opts([ANY, *MEASURE_STATUS_LABELS.items()]), default="")
    recurring = SelectField(
        _l("Recurring spot"), choices=opts([ANY, ("1", _l("Reported on an earlier walk"))]), default=""
    )
    sort = SelectField(_l("Sort"), choices=opts(SORT_LABELS.items()), default="newest")
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1)])

    def set_choices(self, walks, estates, categories, organisations, locale: str) -> None:
        """Fill the choice lists from the database."""
        self.walk.choices = opts([ANY, *((w.id, f"{w.title} ({danish_date(w.starts_at)})") for w in walks)])
        self.estate.choices = opts([ANY, *((e.id, e.name) for e in estates)])
        self.category.choices = opts([ANY, *((c.code, c.name(locale)) for c in categories)])
        self.org.choices = opts([ANY, *((o.id, o.name) for o in organisations)])

    def to_filters(self) -> TriageFilters:
        """Valid fields become filters; an invalid field is reported and ignored."""
        errors = {name for name in self.errors}

        def value(name: str) -> str | None:
            data = getattr(self, name).data
            return None if name in errors or data in (None, "") else str(data)

        def number(name: str) -> int | None:
            raw = value(name)
            return int(raw) if raw is not None else None

        sort = value("sort") or "newest"
        return TriageFilters(
            walk_id=number("walk"), estate_id=number("estate"), category=value("category"),
            state=value("state"), rating=number("rating"), has_photo=value("photo"),
            org_id=number("org"), measure_status=value("mstatus"), recurring=value("recurring") == "1",
            text=(value("q") or "")[:200], sort=sort if sort in SORTS else "newest",
            page=number("page") or 1,
        )


# The fields each action reads; the page shows them as one fieldset per action.
ACTION_FIELDS = {
    "measure": ("title", "responsible_org", "due_on"),
    "duplicate": ("duplicate_of",),
    "dismiss": ("reason",),
}


class BulkForm(FlaskForm):
    """A bulk action on the checked findings (the ids come as repeated `finding` fields)."""

    action = SelectField(
        _l("Action"),
        choices=opts([
            ("measure", _l("Create one measure for them")),
            ("duplicate", _l("Mark as duplicate of another finding")),
            ("dismiss", _l("Dismiss")),
        ]),
        validators=[DataRequired()],
    )
    title = StringField(
        _l("Measure title"), validators=[Optional(), Length(max=200)],
        description=_l("Leave empty to fill in the measure form."),
    )
    # Optional for a new measure; the view fills the choices and looks the id up itself.
    responsible_org = SelectField(_l("Responsible organisation"), default="", validate_choice=False,
                                  choices=opts([("", _l("— none yet —"))]))
    due_on = DateField(_l("Due date"), validators=[Optional(), date_in_range_validator])
    # "" = keep the oldest selected finding as the original; otherwise the id of a finding of
    # the same walk. The list is filled only when the triage list is filtered to one walk, so
    # the choice is checked by triage.duplicates.resolve_duplicates, not against the choices.
    duplicate_of = SelectField(
        _l("Duplicate of"),
        choices=opts([("", _l("The oldest selected finding"))]),
        validators=[Optional(), Length(max=40)], validate_choice=False, default="",
        description=_l(
            "The oldest selected finding is kept as the original and the others become its "
            "duplicates. Filter the list to one walk to choose another finding as the original."
        ),
    )
    reason = StringField(_l("Reason for dismissing"), validators=[Optional(), Length(max=500)])
    walk_filter = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        """Only the chosen action's fields count. Without JavaScript every action's fields are
        shown and posted, and a stray value in another action's field (a half-typed due date
        before choosing "Dismiss") must not refuse the action that was chosen."""
        super().validate(extra_validators)
        chosen = ACTION_FIELDS.get(self.action.data or "", ())
        for action_fields in ACTION_FIELDS.values():
            for name in action_fields:
                if name not in chosen:
                    self[name].errors = []
        return not self.errors


class FindingEditForm(FlaskForm):
    """Staff corrections of category, place and text."""

    category = SelectField(_l("Category"), validators=[DataRequired()])
    lat = FloatField(
        _l("Latitude"),
        validators=[InputRequired(), NumberRange(min=-90, max=90, message=_l("Latitude must be between -90 and 90."))],
    )
    lon = FloatField(
        _l("Longitude"),
        validators=[InputRequired(), NumberRange(min=-180, max=180, message=_l("Longitude must be between -180 and 180."))],
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=DESCRIPTION_MAX)]
    )


class PhotoVisibilityForm(FlaskForm):
    """Hide or show a photo (CSRF only; the target state is in the URL)."""


STATE_CHOICES = FINDING_STATES


def filter_form() -> FilterForm:
    """The triage filters read from the query string (the list, its map and its exports)."""
    locale = current_language()
    form = FilterForm(formdata=request.args)
    form.set_choices(
        walk_choices(),
        db.session.execute(db.select(Estate).order_by(Estate.name)).scalars().all(),
        db.session.execute(db.select(Category).order_by(Category.sort_order)).scalars().all(),
        db.session.execute(db.select(Organisation).where(organisation_in_scope()).order_by(Organisation.name)).scalars().all(),
        locale,
    )
    form.validate()
    return form
