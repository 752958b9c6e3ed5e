"""The admin's webhook endpoints: add one (its secret is shown on that answer only), turn it on
or off, give it a new secret, and see its deliveries (on the Messages page, by state)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from .. import clock, policy
from ..auth.models import User
from ..errors import DomainError
from ..extensions import db
from ..pages import load_or_404
from .forms import EndpointActionForm, EndpointForm
from .models import WebhookEndpoint
from .queries import deliveries_by_endpoint, endpoints
from .webhooks import WEBHOOK_EVENTS, create_endpoint, rotate_secret, set_enabled

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


def _can_manage(user: User, endpoint: WebhookEndpoint) -> bool:
    return policy.can_manage_messages(user)


def _page(
    form: EndpointForm, *, secret: str | None = None, secret_for: int | None = None, status=200
) -> ResponseReturnValue:
    listed = endpoints()
    return (
        render_template(
            "outbox/webhooks.html",
            form=form,
            action=EndpointActionForm(),
            endpoints=listed,
            deliveries=deliveries_by_endpoint([endpoint.id for endpoint in listed]),
            events=WEBHOOK_EVENTS,
            secret=secret,
            secret_for=secret_for,
            allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"],
        ),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    policy.require(policy.can_manage_messages(current_user), hide=True)
    form = EndpointForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, status=400)
    try:
        endpoint, secret = create_endpoint(
            url=form.url.data,
            events=form.events.data or [],
            description=form.description.data or "",
            actor=current_user,
            now=clock.now(),
        )
    except DomainError as error:
        db.session.rollback()
        target = getattr(form, error.field or "", None)
        if target is not None:
            target.errors = [*target.errors, error.message]
        else:
            form.form_errors.append(error.message)
        return _page(form, status=error.status)
    db.session.commit()
    # The secret is on this answer alone: never flashed (the session cookie), never logged.
    return _page(EndpointForm(formdata=None), secret=secret, secret_for=endpoint.id, status=201)


def _act(endpoint_id: int) -> WebhookEndpoint:
    endpoint = load_or_404(WebhookEndpoint, endpoint_id, check=_can_manage)
    if not EndpointActionForm().validate_on_submit():
        abort(400)
    return endpoint


@bp.post("/<int:endpoint_id>/enable")
@login_required
def enable(endpoint_id: int) -> ResponseReturnValue:
    endpoint = _act(endpoint_id)
    set_enabled(endpoint, enabled=True, actor=current_user, now=clock.now())
    db.session.commit()
    flash(f"Deliveries to {endpoint.url} are on.", "success")
    return redirect(url_for("webhooks.index"))


@bp.post("/<int:endpoint_id>/disable")
@login_required
def disable(endpoint_id: int) -> ResponseReturnValue:
    endpoint = _act(endpoint_id)
    set_enabled(endpoint, enabled=False, actor=current_user, now=clock.now())
    db.session.commit()
    flash(f"Deliveries to {endpoint.url} are off.", "success")
    return redirect(url_for("webhooks.index"))


@bp.post("/<int:endpoint_id>/secret")
@login_required
def new_secret(endpoint_id: int) -> ResponseReturnValue:
    endpoint = _act(endpoint_id)
    secret = rotate_secret(endpoint, actor=current_user, now=clock.now())
    db.session.commit()
    return _page(EndpointForm(formdata=None), secret=secret, secret_for=endpoint.id)
