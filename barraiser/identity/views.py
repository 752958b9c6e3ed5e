"""Signing in and out through the identity provider, and the admin's page for claim rules and
SCIM tokens."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from .. import clock, policy
from ..audit.models import AuditEvent
from ..auth.models import Role
from ..auth.sessions import close_login_session, open_login_session
from ..extensions import db
from ..pages import act, load_or_404
from . import oidc
from .forms import ClaimRuleForm, ConfirmForm, ScimTokenForm
from .models import ClaimRule, ScimToken
from .services import (
    Claims,
    SignInRefused,
    add_rule,
    create_scim_token,
    remove_rule,
    revoke_scim_token,
    sign_in,
)

bp = Blueprint("identity", __name__)

# The session key that says this browser signed in through the provider, holding its ID token
# for the logout hint.
ID_TOKEN = "identity.id_token"


def _require_configured() -> None:
    if not oidc.is_configured(current_app):
        abort(404)


def _unavailable(error: Exception):
    current_app.logger.error("identity provider unavailable: %s", error)
    return (
        render_template(
            "identity/problem.html",
            title="The identity provider cannot be reached",
            message=(
                f"Bar Raiser could not reach {current_app.config['OIDC_DISPLAY_NAME']} just "
                "now, so you are not signed in. Try again in a few minutes; if this lasts, tell "
                "whoever runs Bar Raiser."
            ),
        ),
        503,
        {"Retry-After": "60"},
    )


@bp.route("/login/sso")
def login():
    """Send the browser to the provider's login page."""
    _require_configured()
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    try:
        return oidc.authorize_redirect(url_for("identity.callback", _external=True))
    except oidc.ProviderUnavailable as error:
        return _unavailable(error)


@bp.route("/login/sso/callback")
def callback():
    """The provider sends the browser back here: check its answer, find or make the account,
    apply the claim rules, and open a login session."""
    _require_configured()
    try:
        claims, id_token = oidc.complete_sign_in()
    except oidc.ProviderUnavailable as error:
        return _unavailable(error)
    except oidc.SignInFailed as error:
        current_app.logger.warning("single sign-on refused: %s", error)
        return render_template(
            "identity/problem.html",
            title="Sign-in could not be completed",
            message=(
                "The answer from the identity provider could not be checked (it was stale, "
                "altered, or meant for another application), so you are not signed in. "
                "Start again from the login page."
            ),
        ), 400
    config = current_app.config
    now = clock.now()
    try:
        read = Claims.read(
            claims,
            groups_claim=config["OIDC_GROUPS_CLAIM"],
            require_verified=config["OIDC_REQUIRE_EMAIL_VERIFIED"],
        )
        try:
            user = sign_in(read, now=now)
        except sa.exc.IntegrityError:
            # A first sign-in in two tabs at once: the other made the account; use it.
            db.session.rollback()
            user = sign_in(read, now=now)
    except SignInRefused as error:
        db.session.rollback()
        return render_template(
            "identity/problem.html", title=error.title, message=error.message
        ), error.status
    session.clear()
    open_login_session(user, now=now)
    login_user(user)
    session[ID_TOKEN] = id_token
    db.session.commit()
    return redirect(url_for("home.index"))


@bp.route("/logout/sso", methods=["POST"])
@login_required
def logout():
    """End this browser's session here, then at the provider when it offers an end-session
    endpoint (with the ID token as hint and the login page as where to come back)."""
    id_token = session.get(ID_TOKEN)
    close_login_session(current_user, now=clock.now())
    db.session.commit()
    logout_user()
    session.clear()
    back = url_for("auth.login", _external=True)
    target = oidc.end_session_url(id_token, back) if oidc.is_configured(current_app) else None
    if target is None:
        flash("You are logged out.", "info")
        return redirect(url_for("auth.login"))
    return redirect(target)


@bp.route("/admin/identity")
@login_required
def admin():
    policy.require(policy.can_manage_users(current_user))
    return _admin_page(ClaimRuleForm(formdata=None), ScimTokenForm(formdata=None))


def _admin_page(
    rule_form: ClaimRuleForm, token_form: ScimTokenForm, status: int = 200, secret: str = ""
):
    rules = db.session.scalars(sa.select(ClaimRule).order_by(ClaimRule.value)).all()
    tokens = db.session.scalars(
        sa.select(ScimToken).order_by(ScimToken.revoked_at.is_not(None), ScimToken.id.desc())
    ).all()
    history = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action.like("identity.%"), AuditEvent.subject_type != "user")
        .options(sa.orm.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(50)
    ).all()
    return render_template(
        "identity/admin.html",
        rule_form=rule_form,
        token_form=token_form,
        confirm=ConfirmForm(),
        rules=rules,
        tokens=tokens,
        history=history,
        secret=secret,
        role_labels={role.value: role.label for role in Role},
    ), status


@bp.route("/admin/identity/rules", methods=["POST"])
@login_required
def new_rule():
    policy.require(policy.can_manage_users(current_user))
    form = ClaimRuleForm()
    token_form = ScimTokenForm(formdata=None)
    return act(
        form,
        lambda: add_rule(
            value=form.value.data,
            roles=[Role(value) for value in form.roles.data or []],
            department=form.department.data,
            level=form.level.data,
            actor=current_user,
            now=clock.now(),
        ),
        page=lambda status: _admin_page(form, token_form, status),
        field="value",
        done=lambda rule: f"Rule for {rule.value} added; it applies from each person's next login.",
        then=url_for("identity.admin"),
    )


@bp.route("/admin/identity/rules/<int:rule_id>/remove", methods=["POST"])
@login_required
def delete_rule(rule_id: int):
    policy.require(policy.can_manage_users(current_user))
    rule = load_or_404(ClaimRule, rule_id)
    form = ConfirmForm()
    value = rule.value
    return act(
        form,
        lambda: remove_rule(rule, actor=current_user, now=clock.now()),
        page=lambda status: _admin_page(
            ClaimRuleForm(formdata=None), ScimTokenForm(formdata=None), status
        ),
        done=f"Rule for {value} removed.",
        then=url_for("identity.admin"),
    )


@bp.route("/admin/identity/scim-tokens", methods=["POST"])
@login_required
def new_token():
    policy.require(policy.can_manage_users(current_user))
    form = ScimTokenForm()
    rule_form = ClaimRuleForm(formdata=None)
    if not form.validate_on_submit():
        return _admin_page(rule_form, form, 400)
    _, secret = create_scim_token(form.name.data, actor=current_user, now=clock.now())
    db.session.commit()
    # Shown on this answer only (not flashed into the session cookie), never again.
    return _admin_page(rule_form, ScimTokenForm(formdata=None), 201, secret=secret)


@bp.route("/admin/identity/scim-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    policy.require(policy.can_manage_users(current_user))
    token = load_or_404(ScimToken, token_id)
    form = ConfirmForm()
    return act(
        form,
        lambda: revoke_scim_token(token, actor=current_user, now=clock.now()),
        page=lambda status: _admin_page(
            ClaimRuleForm(formdata=None), ScimTokenForm(formdata=None), status
        ),
        done=f"Token {token.name} revoked; clients using it are refused from now on.",
        then=url_for("identity.admin"),
    )
