"""Login and user-administration forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

ROLE_CHOICES = [
    SelectChoice("staff", _l("Staff")),
    SelectChoice("coordinator", _l("Coordinator")),
    SelectChoice("admin", _l("Administrator")),
]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Regexp(EMAIL_PATTERN, message=_l("Enter a valid email address.")), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(min=10, max=200)],
        description=_l("At least 10 characters. Leave empty to keep the current password."),
    )
    NEW_USER_PASSWORD_HELP = _l("At least 10 characters.")
    active = BooleanField(_l("Active"), default=True)
