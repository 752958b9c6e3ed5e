"""Login, logout and the user admin pages."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RouteLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_url, login_user, logout_user

from .. import clock, frame, policy
from ..errors import wants_json
from ..extensions import db, limiter, login_manager
from ..pages import act, load_or_404, paginate
from .forms import LoginForm, NewUserForm, UserForm
from .links import issue_password_link, pending_links
from .models import BarRaiserStatus, PasswordLinkPurpose, Role, User
from .services import (
    authenticate,
    create_user,
    normalise_email,
    set_bar_raiser_status,
    update_user,
)
from .sessions import Lifetime, close_login_session, open_login_session, user_for_login_token

bp = Blueprint("auth", __name__)

# Set in the cookie session when the login session behind it expired, so the login page can say
# so even when the first request to notice was an autosave in the background.
_EXPIRED = "session_expired"
SESSION_EXPIRED_MESSAGE = "Your session expired; sign in again."


def session_lifetime() -> Lifetime:
    config = current_app.config
    return Lifetime(
        idle=timedelta(hours=config["SESSION_IDLE_HOURS"]),
        maximum=timedelta(days=config["SESSION_MAX_DAYS"]),
    )


def password_link_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["PASSWORD_LINK_HOURS"])


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The user of this request's login session. An expired session is deleted and forgotten by
    the browser; a session seen more than a minute ago is marked seen. Either write is committed
    here, before the page runs, so a page that fails later does not undo it."""
    found = user_for_login_token(token, now=clock.now(), lifetime=session_lifetime())
    if found.changed:
        db.session.commit()
    if found.expired:
        for key in ("_user_id", "_fresh", "_id"):
            session.pop(key, None)
        session[_EXPIRED] = True
        return None
    if found.user is not None:
        found.user.login_token = token
        # Read a moment ago, before the commit that marked the session seen, if there was one.
        frame.keep(found.with_login)
    return found.user


@login_manager.unauthorized_handler
def unauthorized():
    """To the login page, keeping where the person was going; saying why if their session
    expired. A background request (JSON) leaves the message for the next page."""
    if not wants_json():
        expired = session.pop(_EXPIRED, False)
        if expired:
            flash(SESSION_EXPIRED_MESSAGE, "warning")
        else:
            flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url("auth.login", next_url=request.full_path.rstrip("?")))


def safe_next(target: str | None) -> str:
    """Only a path inside this app: an absolute URL, a scheme-relative one or one holding a
    control character goes home instead."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        # A control character (CR/LF above all) cannot go in a Location header.
        return url_for("home.index")
    return target


def _failed_login(response) -> bool:
    return response.status_code in (400, 401)


def _account() -> str:
    """The account a login names, as a digest: the limiter's storage holds no email address."""
    email = normalise_email(request.form.get("email") or "")
    return hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()[:32]


def _account_at_address() -> str:
    return f"account-at-address:{_account()}:{get_remote_address()}"


def _account_anywhere() -> str:
    return f"account:{_account()}"


def _address() -> str:
    return f"address:{get_remote_address()}"


_TOO_MANY_FAILURES = "Too many failed logins. Wait a few minutes and try again."


def _failed_login_limit(setting: str, key: Callable[[], str]) -> RouteLimit:
    """Failed logins (400, 401) counted under `key`; past the setting's limit, a POST gets 429."""
    return limiter.limit(
        lambda: current_app.config[setting],
        key_func=key,
        methods=["POST"],
        deduct_when=_failed_login,
        error_message=_TOO_MANY_FAILURES,
    )


PASSWORD_LOGIN_OFF = "Passwords are not used here: sign in with your company account."


def password_login_allowed(email: str) -> bool:
    """Password login is on (PASSWORD_LOGIN), or this is a break-glass account, which keeps its
    password for when single sign-on is down (PASSWORD_LOGIN_BREAK_GLASS)."""
    config = current_app.config
    return (
        config["PASSWORD_LOGIN"] or normalise_email(email) in config["PASSWORD_LOGIN_BREAK_GLASS"]
    )


@bp.route("/login", methods=["GET", "POST"])
# Guessing at one account from one address: blocks that pair only, so the rest of an office
# behind the same address, and the account's owner elsewhere, still log in.
@_failed_login_limit("LOGIN_FAILURE_LIMIT", _account_at_address)
# Spraying one account from many addresses.
@_failed_login_limit("LOGIN_ACCOUNT_FAILURE_LIMIT", _account_anywhere)
# One address guessing at many accounts: a ceiling high enough for an office's typos.
@_failed_login_limit("LOGIN_ADDRESS_FAILURE_LIMIT", _address)
def login():
    """Log in with email and password. Failed attempts count per account and address, per
    account, and per address (429 past any of the limits)."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET" and session.pop(_EXPIRED, False):
        flash(SESSION_EXPIRED_MESSAGE, "warning")  # expired on the way to this very page
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("auth/login.html", form=form), 400
        if not password_login_allowed(form.email.data):
            # A 401, so the failed-login limits count it like a wrong password.
            form.password.errors.append(PASSWORD_LOGIN_OFF)
            return render_template("auth/login.html", form=form), 401
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            current_app.logger.warning(
                "failed login for %r from %s", form.email.data, request.remote_addr
            )
            db.session.commit()
            form.password.errors.append("That email and password do not match an active account.")
            return render_template("auth/login.html", form=form), 401
        now = clock.now()
        # A fresh session: nothing set before login (by anyone) survives into the signed-in one.
        session.clear()
        open_login_session(user, now=now)
        login_user(user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End this browser's session; its cookie is worthless afterwards, even if copied."""
    close_login_session(current_user, now=clock.now())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/admin/users")
@login_required
def users():
    policy.require(policy.can_manage_users(current_user))
    page = paginate(
        sa.select(User).options(sa.orm.selectinload(User.role_rows)).order_by(User.name, User.id),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    links = pending_links(list(page.items), now=clock.now())
    return render_template("auth/users.html", page=page, links=links)


@bp.route("/admin/users/<int:user_id>/password-link", methods=["POST"])
@login_required
def send_password_link(user_id: int):
    """Email the user a single-use link to set their password: an invitation when they have
    none yet, a reset otherwise. Their older links stop working."""
    policy.require(policy.can_manage_users(current_user))
    user = load_or_404(User, user_id)
    purpose = PasswordLinkPurpose.RESET if user.password_hash else PasswordLinkPurpose.INVITE
    issue_password_link(
        user,
        purpose=purpose,
        actor=current_user,
        now=clock.now(),
        valid_for=password_link_lifetime(),
    )
    db.session.commit()
    flash(f"A link to set a password was emailed to {user.email}.", "success")
    return redirect(safe_next(request.form.get("next") or url_for("auth.users")))


def _roles(form: UserForm) -> list[Role]:
    return [Role(value) for value in form.roles.data or []]


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    policy.require(policy.can_manage_users(current_user))
    form = NewUserForm()
    if not form.is_submitted():
        return _render_user_form(form, None)

    def create() -> User:
        now = clock.now()
        user = create_user(
            email=form.email.data,
            name=form.name.data,
            department=form.department.data or "",
            level=form.level.data,
            roles=_roles(form),
            password=form.password.data or None,
            actor=current_user,
            now=now,
        )
        set_bar_raiser_status(
            user, BarRaiserStatus(form.bar_raiser_status.data), actor=current_user, now=now
        )
        if form.invite.data and not form.password.data:
            issue_password_link(
                user,
                purpose=PasswordLinkPurpose.INVITE,
                actor=current_user,
                now=now,
                valid_for=password_link_lifetime(),
            )
        return user

    def created(user: User) -> str:
        if form.invite.data and not form.password.data:
            return f"{user.name} was created and emailed a link to set their password."
        return f"{user.name} was created."

    return act(
        form,
        create,
        page=lambda status: _render_user_form(form, None, status),
        field="email",
        done=created,
        then=url_for("auth.users"),
    )


def _render_user_form(form: UserForm, user: User | None, status: int = 200):
    return render_template("auth/user_form.html", form=form, user=user), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    policy.require(policy.can_manage_users(current_user))
    user = load_or_404(User, user_id)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.roles.data = [role.value for role in user.roles]
        form.bar_raiser_status.data = user.bar_raiser_status.value
        return _render_user_form(form, user)

    def update() -> None:
        now = clock.now()
        update_user(
            user,
            name=form.name.data,
            department=form.department.data or "",
            level=form.level.data,
            roles=_roles(form),
            active=form.active.data,
            actor=current_user,
            now=now,
        )
        set_bar_raiser_status(
            user, BarRaiserStatus(form.bar_raiser_status.data), actor=current_user, now=now
        )

    return act(
        form,
        update,
        page=lambda status: _render_user_form(form, user, status),
        field="name",
        done=lambda _: f"{user.name} was saved.",
        then=url_for("auth.users"),
    )
