"""The token pages: each user's personal tokens, the admins' service tokens, and the API's
browsable reference (rendered here from the OpenAPI document: no script, nothing from a CDN)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import clock, policy
from ..auth.models import User
from ..errors import DomainError
from ..extensions import db
from ..pages import load_or_404
from .forms import RevokeForm, ServiceTokenForm, TokenForm
from .http import PREFIX, api
from .models import ApiToken, TokenKind
from .services import create_token, revoke_token, service_tokens, tokens_of

bp = Blueprint("api_tokens", __name__)
METHODS = ("get", "post", "put", "patch", "delete")


def _page(form: TokenForm, *, secret: str | None = None, status: int = 200):
    service = isinstance(form, ServiceTokenForm)
    tokens = service_tokens() if service else tokens_of(current_user)
    return (
        render_template(
            "api/tokens.html",
            form=form,
            revoke=RevokeForm(),
            tokens=tokens,
            secret=secret,
            service=service,
            now=clock.now(),
        ),
        status,
    )


def _create(form: TokenForm, kind: TokenKind, scopes: list[str]):
    """Make the token and show its secret on this answer only: never flashed (the flash would
    sit in the session cookie), never stored."""
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        _, secret = create_token(
            user=current_user,
            name=form.name.data,
            kind=kind,
            scopes=scopes,
            expires_days=form.expires_days.data,
            actor=current_user,
            now=clock.now(),
        )
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _page(form, status=error.status)
    db.session.commit()
    return _page(type(form)(formdata=None), secret=secret, status=201)


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def personal():
    """Your personal tokens: each acts as you, with your roles."""
    form = TokenForm()
    if form.is_submitted():
        return _create(form, TokenKind.PERSONAL, [])
    return _page(form)


@bp.route("/admin/api-tokens", methods=["GET", "POST"])
@login_required
def service():
    """Service tokens (admins): an integration with explicit scopes, acting as nobody."""
    policy.require(policy.is_admin(current_user))
    form = ServiceTokenForm()
    if form.is_submitted():
        return _create(form, TokenKind.SERVICE, list(form.scopes.data or []))
    return _page(form)


@bp.post("/api-tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = load_or_404(ApiToken, token_id, check=_may_see)
    if not RevokeForm().validate_on_submit():
        abort(400)
    revoke_token(token, actor=current_user, is_admin=policy.is_admin(current_user), now=clock.now())
    db.session.commit()
    flash(f"Token {token.prefix}… revoked: it no longer opens the API.", "success")
    if token.kind is TokenKind.SERVICE:
        return redirect(url_for("api_tokens.service"))
    return redirect(url_for("api_tokens.personal"))


def _may_see(user: User, token: ApiToken) -> bool:
    if token.kind is TokenKind.SERVICE:
        return policy.is_admin(user)
    return token.user_id == user.id


@bp.get(f"{PREFIX}/docs")
def reference():
    """The API's reference, from the same OpenAPI document clients read."""
    spec = api.spec.to_dict()
    operations = [
        (path, method.upper(), operation)
        for path, item in spec.get("paths", {}).items()
        for method, operation in item.items()
        if method in METHODS
    ]
    return render_template("api/reference.html", spec=spec, operations=operations)
