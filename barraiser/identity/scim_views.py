"""The SCIM 2.0 endpoints (RFC 7644) under /scim/v2: Users, and the discovery documents
(ServiceProviderConfig, ResourceTypes, Schemas). A bearer token authenticates; every answer,
errors included, is application/scim+json."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, g, json, request, url_for
from werkzeug.exceptions import HTTPException

from .. import clock
from ..auth.models import User
from ..database import MAX_ID
from ..errors import Conflict, DomainError
from ..extensions import csrf, db
from .models import ScimAccount
from .provisioning import (
    apply_attributes,
    attributes_of,
    delete_user,
    provision_user,
    scim_user,
    scim_users,
)
from .scim_documents import resource_types, schemas, service_provider_config
from .scim_schema import (
    ENTERPRISE_SCHEMA,
    LIST_SCHEMA,
    MEDIA_TYPE,
    USER_SCHEMA,
    ScimError,
    apply_patch,
    page_bounds,
    read_filter,
    read_json,
    user_attributes,
)
from .services import scim_token_for

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
csrf.exempt(bp)


def _answer(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None):
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@bp.errorhandler(ScimError)
def scim_error(error: ScimError):
    db.session.rollback()
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if error.status == 401 else None
    return _answer(error.body(), error.status, headers)


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    db.session.rollback()
    if isinstance(error, Conflict):
        return _answer(ScimError(409, error.message, "uniqueness").body(), 409)
    return _answer(ScimError(400, error.message, "mutability").body(), 400)


@bp.errorhandler(sa.exc.IntegrityError)
def lost_race(error: sa.exc.IntegrityError):
    # Two requests created the same userName at once: the second is told, not a 500.
    db.session.rollback()
    return _answer(ScimError(409, "That userName was just taken.", "uniqueness").body(), 409)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    status = error.code or 500
    return _answer(ScimError(status, error.description or error.name).body(), status)


def _authenticated(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def checked(*args: Any, **kwargs: Any):
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        token = scim_token_for(secret.strip(), now=clock.now()) if secret.strip() else None
        if scheme.lower() != "bearer" or token is None:
            raise ScimError(401, "A valid bearer token is required (an admin creates one).")
        g.scim_token = token
        return view(*args, **kwargs)

    return checked


def _time(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def resource(user: User, account: ScimAccount | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "id": str(user.id),
        "userName": user.email,
        "name": {"formatted": user.name},
        "displayName": user.name,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": user.active,
        ENTERPRISE_SCHEMA: {"department": user.department},
        "meta": {
            "resourceType": "User",
            "created": _time(account.created_at if account else user.created_at),
            "lastModified": _time(account.updated_at if account else user.created_at),
            "location": url_for("scim.user", user_id=user.id, _external=True),
        },
    }
    if account is not None and account.external_id:
        body["externalId"] = account.external_id
    return body


def _body() -> dict[str, Any]:
    return read_json(request.get_data(as_text=True))


def _is_row_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


def _found(user_id: str) -> tuple[User, ScimAccount | None]:
    found = scim_user(int(user_id)) if _is_row_id(user_id) else None
    if found is None:
        raise ScimError(404, f"No user with id {user_id}.")
    return found


@bp.route("/Users", methods=["GET"])
@_authenticated
def users():
    start, count = page_bounds(request.args.get("startIndex"), request.args.get("count"))
    query = scim_users()
    if request.args.get("filter"):
        attribute, value = read_filter(request.args["filter"])
        if attribute in ("userName", "email"):
            query = query.where(User.email == value.strip().lower())
        elif attribute == "externalId":
            query = query.where(ScimAccount.external_id == value)
        else:
            query = query.where(User.id == (int(value) if _is_row_id(value) else -1))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.offset(start - 1).limit(count)).all() if count else []
    db.session.commit()  # the token's last use
    return _answer(
        {
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(rows),
            "Resources": [resource(user, account) for user, account in rows],
        }
    )


@bp.route("/Users", methods=["POST"])
@_authenticated
def create():
    attributes = user_attributes(_body())
    user, account = provision_user(attributes, token=g.scim_token, now=clock.now())
    db.session.commit()
    body = resource(user, account)
    return _answer(body, 201, {"Location": body["meta"]["location"]})


@bp.route("/Users/<user_id>", methods=["GET"])
@_authenticated
def user(user_id: str):
    found = _found(user_id)
    db.session.commit()
    return _answer(resource(*found))


@bp.route("/Users/<user_id>", methods=["PUT"])
@_authenticated
def replace(user_id: str):
    user, account = _found(user_id)
    attributes = user_attributes(_body())
    account = apply_attributes(user, account, attributes, token=g.scim_token, now=clock.now())
    db.session.commit()
    return _answer(resource(user, account))


@bp.route("/Users/<user_id>", methods=["PATCH"])
@_authenticated
def patch(user_id: str):
    user, account = _found(user_id)
    attributes = apply_patch(attributes_of(user, account), _body())
    account = apply_attributes(user, account, attributes, token=g.scim_token, now=clock.now())
    db.session.commit()
    return _answer(resource(user, account))


@bp.route("/Users/<user_id>", methods=["DELETE"])
@_authenticated
def delete(user_id: str):
    user, account = _found(user_id)
    delete_user(user, account, token=g.scim_token, now=clock.now())
    db.session.commit()
    return Response(status=204)


@bp.route("/ServiceProviderConfig")
@_authenticated
def provider_config():
    db.session.commit()
    return _answer(service_provider_config())


@bp.route("/ResourceTypes")
@_authenticated
def resource_type_list():
    db.session.commit()
    types = resource_types()
    return _answer(
        {
            "schemas": [LIST_SCHEMA],
            "totalResults": len(types),
            "startIndex": 1,
            "itemsPerPage": len(types),
            "Resources": types,
        }
    )


@bp.route("/Schemas")
@_authenticated
def schema_list():
    db.session.commit()
    documents = schemas()
    return _answer(
        {
            "schemas": [LIST_SCHEMA],
            "totalResults": len(documents),
            "startIndex": 1,
            "itemsPerPage": len(documents),
            "Resources": documents,
        }
    )


@bp.route("/ResourceTypes/<name>")
@_authenticated
def resource_type(name: str):
    db.session.commit()
    for document in resource_types():
        if document["id"] == name:
            return _answer(document)
    raise ScimError(404, f"There is no resource type {name}.")


@bp.route("/Schemas/<path:urn>")
@_authenticated
def schema(urn: str):
    db.session.commit()
    for document in schemas():
        if document["id"] == urn:
            return _answer(document)
    raise ScimError(404, f"There is no schema {urn}.")


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@_authenticated
def unknown(rest: str):
    raise ScimError(404, f"There is no SCIM endpoint {rest}; Bar Raiser serves Users.")
