"""Login, logout, language choice and user administration."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from wtforms import SelectChoice

from walkapp.auth.forms import LoginForm, UserForm
from walkapp.auth.models import User
from walkapp.auth.security import SESSION_NONCE_KEY, admin_required, bind_session
from walkapp.auth.services import (
    authenticate,
    end_sessions,
    find_user_by_email,
    normalise_email,
    set_active,
    set_password,
)
from walkapp.extensions import db, limiter
from walkapp.i18n import PARTICIPANT_LANGUAGES
from walkapp.orgs.areas import organisation_in_scope
from walkapp.orgs.models import Organisation

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, so the login page can't bounce users elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _login_account_key() -> str:
    return "login-account:" + normalise_email(request.form.get("email", ""))


@bp.route("/")
def index():
    """Start page: staff see the walks, joined participants their capture page."""
    if current_user.is_authenticated:
        return redirect(url_for("walks.list_walks"))
    walk_id = session.get("walk_id")
    if walk_id:
        return redirect(url_for("participation.capture", walk_id=walk_id))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_account_key
)
def login():
    """Log a staff user in; an unknown email and a wrong password get the same answer."""
    if current_user.is_authenticated:
        return redirect(url_for("walks.list_walks"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong email or password."))
        else:
            # A participant session on the same phone ends when staff log in.
            session.pop("participant_id", None)
            session.pop("walk_id", None)
            login_user(user, remember=False)
            bind_session(user)
            session.permanent = True
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("walks.list_walks"))
        db.session.commit()
    return render_template("auth/login.html", form=form), (200 if not form.errors else 400)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out everywhere (POST only, so a link on another site cannot log anyone out)."""
    if current_user.is_authenticated:
        # A copied cookie must not outlive the logout, so every session of the user ends.
        end_sessions(current_user)
        db.session.commit()
    logout_user()
    session.pop(SESSION_NONCE_KEY, None)
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    """Remember the chosen language in the session (a participant language shows on the
    participant pages only; staff pages then stay Danish)."""
    if code not in PARTICIPANT_LANGUAGES:
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"))


def _organisation_visible(organisation_id: int) -> bool:
    return db.session.execute(
        db.select(Organisation.id).where(Organisation.id == organisation_id, organisation_in_scope())
    ).first() is not None


@bp.route("/admin/users")
@admin_required
def list_users():
    """All user accounts."""
    users = db.session.execute(
        db.select(User).join(User.organisation).where(organisation_in_scope()).order_by(User.email)
    ).scalars().all()
    return render_template("auth/users.html", users=users)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int | None = None):
    """Create or edit a user account."""
    user = db.get_or_404(User, user_id) if user_id is not None else None
    if user is not None and not _organisation_visible(user.organisation_id):
        abort(404)
    form = UserForm(obj=user)
    form.organisation_id.choices = [
        SelectChoice(o.id, o.name)
        for o in db.session.execute(db.select(Organisation).where(organisation_in_scope()).order_by(Organisation.name)).scalars()
    ]
    if user is None:
        form.password.description = UserForm.NEW_USER_PASSWORD_HELP
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        other = find_user_by_email(email)
        if other is not None and other is not user:
            form.email.errors.append(_("A user with this email already exists."))
        elif user is None and not form.password.data:
            form.password.errors.append(_("A new user needs a password."))
        elif user is not None and user.id == current_user.id and (
            form.role.data != "admin" or not form.active.data
        ):
            form.role.errors.append(_("You cannot remove your own administrator access."))
        else:
            if user is None:
                user = User(password_hash="")
                db.session.add(user)
            user.email = email
            user.name = form.name.data or ""
            user.role = form.role.data
            user.organisation_id = form.organisation_id.data
            set_active(user, form.active.data)
            if form.password.data:
                set_password(user, form.password.data)
            db.session.commit()
            if user.id == current_user.id:
                # The admin changing their own password stays logged in here; other devices end.
                bind_session(user)
            flash(_("The user is saved."), "success")
            return redirect(url_for("auth.list_users"))
    status = 400 if form.errors else 200
    return render_template("auth/user_form.html", form=form, user=user), status
