"""Passwords people manage themselves: change your own, forgot password, and the page a
set-password link opens."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from .. import clock
from ..extensions import db, limiter
from ..pages import act
from .forms import ChangePasswordForm, ForgotPasswordForm, SetPasswordForm
from .links import link_for_token, request_password_reset, set_password_with_link
from .models import User
from .services import change_password, normalise_email
from .sessions import close_login_session
from .views import password_link_lifetime

bp = Blueprint("passwords", __name__)

# The token of the link being used rides in the (signed, HttpOnly) cookie session from the moment
# the link is opened, so it leaves the address bar, the history and every later request line.
_LINK = "password_link_token"
_TOKEN_IN_PATH = re.compile(r"(/set-password/)[^\s/?\"]+")


class RedactLinkTokens(logging.Filter):
    """Request logs (werkzeug's, gunicorn's) show a set-password link's path without its token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/set-password/" in message:
            record.msg, record.args = _TOKEN_IN_PATH.sub(r"\1[token]", message), ()
        return True


@bp.record_once
def _redact_request_logs(state: Any) -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())


@bp.after_request
def _no_referrer(response: Response) -> Response:
    # Nothing on these pages leaks where the browser came from (a link's token) to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _account_of_current_user() -> str:
    # The limiter asks before login_required has answered: an anonymous request has no id.
    return f"password-change:{getattr(current_user, 'id', None)}"


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
# A stolen session must not become a way to guess the password behind it: refused changes
# (a wrong current password above all) are counted per account, like failed logins.
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    key_func=_account_of_current_user,
    methods=["POST"],
    deduct_when=lambda response: response.status_code in (400, 422),
    error_message="Too many refused attempts. Wait a few minutes and try again.",
)
def change():
    """Change your own password: the current one is asked for; your other sessions end."""
    form = ChangePasswordForm()
    if request.method == "GET":
        return _change_page(form)

    def change_it() -> int:
        return change_password(
            current_user,
            current=form.current_password.data,
            new=form.new_password.data,
            keep_token=current_user.login_token,
            now=clock.now(),
        )

    def done(ended: int) -> str:
        others = f" You were signed out of {ended} other session(s)." if ended else ""
        return "Your password is changed." + others

    return act(
        form,
        change_it,
        page=lambda status: _change_page(form, status),
        done=done,
        then=url_for("passwords.change"),
    )


def _change_page(form: ChangePasswordForm, status: int = 200):
    return render_template("auth/change_password.html", form=form), status


def _forgot_address() -> str:
    return f"forgot-address:{request.remote_addr}"


def _forgot_account() -> str:
    email = normalise_email(request.form.get("email") or "")
    return "forgot-account:" + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()[:32]


_TOO_MANY_REQUESTS = "Too many requests for a link. Wait an hour and try again."


@bp.route("/forgot-password", methods=["GET", "POST"])
# Every POST counts, found or not, so the limits say nothing about who has an account: per
# address (one person asking for many), and per account (someone mail-bombing one person).
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_ADDRESS_LIMIT"],
    key_func=_forgot_address,
    methods=["POST"],
    error_message=_TOO_MANY_REQUESTS,
)
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_ACCOUNT_LIMIT"],
    key_func=_forgot_account,
    methods=["POST"],
    error_message=_TOO_MANY_REQUESTS,
)
def forgot():
    """Ask for a link to set a new password. The answer is the same page whether or not the
    address belongs to an account, and a link is sent only to an active one."""
    form = ForgotPasswordForm()
    if request.method == "GET":
        return render_template("auth/forgot_password.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/forgot_password.html", form=form), 400
    request_password_reset(form.email.data, now=clock.now(), valid_for=password_link_lifetime())
    db.session.commit()
    return render_template("auth/forgot_password_sent.html")


@bp.route("/set-password/<token>")
def open_link(token: str):
    """The address in the email. A link that works is kept in this browser's session and the
    browser is sent on to the form, so the token is not left in the address bar."""
    link_for_token(token, now=clock.now())  # NotFound / LinkGone: a page saying why
    session[_LINK] = token
    return redirect(url_for("passwords.set_password"), 303)


@bp.route("/set-password", methods=["GET", "POST"])
def set_password():
    """Set a password with the link opened in this browser; then log in with it."""
    token = session.get(_LINK) or ""
    link = link_for_token(token, now=clock.now())
    form = SetPasswordForm()
    if request.method == "GET":
        return _set_page(form, link.user)

    def set_it() -> User:
        now = clock.now()
        user = set_password_with_link(token, form.password.data, now=now)
        if current_user.is_authenticated and current_user.id != user.id:
            # Whoever was signed in here (the link was for someone else) is signed out too.
            close_login_session(current_user, now=now)
        return user

    def signed_out(user: User) -> str:
        session.pop(_LINK, None)
        logout_user()
        return f"Your password is set. Log in with {user.email} and your new password."

    return act(
        form,
        set_it,
        page=lambda status: _set_page(form, link.user, status),
        done=signed_out,
        then=url_for("auth.login"),
    )


def _set_page(form: SetPasswordForm, user: User, status: int = 200):
    return render_template("auth/set_password.html", form=form, user=user), status
