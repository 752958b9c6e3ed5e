"""How a request to /api/v1 is read: the OpenAPI extension, bearer-token authentication (no
cookie, no session, no CSRF), per-token rate limits, pagination, ETags and the JSON error shape."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import Flask, current_app, g, request
from flask_login import AnonymousUserMixin
from flask_smorest import Api, Blueprint

from .. import clock
from ..auth.models import User
from ..errors import DomainError, Forbidden
from ..extensions import csrf, db, limiter
from .models import ApiToken, Scope, TokenKind
from .services import token_for

PREFIX = "/api/v1"
MAX_PER_PAGE = 100
DEFAULT_RATE_LIMIT = "600 per minute"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


class InvalidInput(DomainError):
    """Input that passed the schema but not a check the pages make (the report's filters)."""

    status = 422
    title = "Invalid input"

    def __init__(self, message: str, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__(message)
        self.problems: dict[str, str] = {}
        for name, text in problems:
            self.problems[name] = f"{self.problems[name]} {text}" if name in self.problems else text


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    status = 428
    title = "Precondition required"


class ErrorBody(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "e.g. not_found"})
    message = ma.fields.String(required=True)
    field_errors = ma.fields.Dict(
        data_key="fields",
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        allow_none=True,
        metadata={"description": "Per input field, what is wrong with it"},
    )


class ErrorSchema(ma.Schema):
    """Every error of /api/v1: `{"error": {"code", "message", "fields"}}` (errors.py writes it)."""

    error = ma.fields.Nested(ErrorBody, required=True)


class BarRaiserApi(Api):
    """flask-smorest, with our error shape documented and our handlers (errors.py) answering:
    one error format for the whole app, JSON under /api/v1.

    The spec's paths are written from the blueprints' views when the spec is first read (the
    openapi.json page, `flask openapi`), not as each blueprint is registered: writing them takes
    some 20 ms of create_app, which every worker and command runs, and few read the spec."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self) -> None:
        self._spec: Any = None
        self._unwritten: list[tuple[Blueprint, str, Any]] = []
        self._writing = threading.Lock()
        super().__init__()

    @property
    def spec(self) -> Any:
        if self._unwritten:
            with self._writing:
                while self._unwritten:
                    blueprint, name, parameters = self._unwritten[0]
                    blueprint.register_views_in_doc(
                        self, self._app, self._spec, name=name, parameters=parameters
                    )
                    self._spec.tag({"name": name, "description": blueprint.description})
                    del self._unwritten[0]
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        # A new spec (init_app, for each app made) starts with nothing left to write.
        self._spec = value
        self._unwritten = []

    def register_blueprint(self, blp: Blueprint, *, parameters: Any = None, **options: Any) -> None:
        """flask-smorest's own, with the writing of the blueprint's paths left to `spec`."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._unwritten.append((blp, name, parameters))

    def _register_error_handlers(self) -> None:
        pass


api = BarRaiserApi()


# --- who is calling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """A personal token acts as its user; a service token as nobody (`user` is None)."""

    token: ApiToken

    @property
    def user(self) -> User | None:
        return self.token.user if self.token.kind is TokenKind.PERSONAL else None

    @property
    def is_service(self) -> bool:
        return self.token.kind is TokenKind.SERVICE


BEARER = re.compile(r"Bearer ([A-Za-z0-9_\-]{1,200})", re.ASCII)


def _read_token() -> ApiToken | None:
    """The token the request presents, read once per request (the rate limiter asks first)."""
    if "api_token" not in g:
        match = BEARER.fullmatch(request.headers.get("Authorization", "").strip())
        g.api_token = token_for(match.group(1), now=clock.now()) if match else None
        if g.api_token is not None and db.session.dirty:
            db.session.commit()  # last_used_at, on its own: a refused request still counts
    return g.api_token


def caller() -> Caller:
    token = _read_token()
    if token is None:
        raise Unauthorized(
            "Send a valid API token: `Authorization: Bearer brt_…` (made on your API tokens "
            "page). It may be unknown, revoked or expired."
        )
    return Caller(token)


def authenticate() -> None:
    """Before every API view: a valid token, else 401. Flask-Login's current user is set from
    it, so the policy predicates and load_or_404 read the token's user, never a session."""
    who = caller()
    # Flask-Login's per-request slot: filled here, Flask-Login never loads a user from the session.
    g._login_user = who.user if who.user is not None else AnonymousUserMixin()


def rate_limit_key() -> str:
    """One budget per token; requests without a valid one share their address's budget."""
    token = _read_token()
    return f"api-token:{token.id}" if token is not None else f"api-anon:{request.remote_addr}"


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def person(who: Caller) -> User:
    """The user behind a personal token; a service token cannot act as anybody (403)."""
    if who.user is None:
        raise Forbidden("A service token cannot do this: it acts as nobody. Use a personal token.")
    return who.user


def need_scope(who: Caller, scope: Scope) -> None:
    if who.is_service and scope.value not in who.token.scope_set:
        raise Forbidden(f"This service token lacks the scope {scope.value}.")


def make_blueprint(name: str, description: str) -> Blueprint:
    blueprint = Blueprint(name, __name__, url_prefix=PREFIX, description=description)
    blueprint.before_request(authenticate)
    csrf.exempt(blueprint)
    limiter.limit(rate_limit, key_func=rate_limit_key)(blueprint)
    return blueprint


# --- pages of results ----------------------------------------------------------------------------


class Text(ma.fields.String):
    """A string the database can hold: no NUL, no lone surrogate."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ma.ValidationError("NUL characters are not accepted.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ma.ValidationError("Not valid text.") from error
        return text


class Moment(ma.fields.DateTime):
    """An ISO 8601 date-time; without an offset it is UTC."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError) as error:
            raise ma.ValidationError("Not a date-time we can read.") from error


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    per_page = ma.fields.Integer(
        load_default=25, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE)
    )


class ChangedArgs(PageArgs):
    updated_since = Moment(
        load_default=None,
        metadata={"description": "Only rows changed at or after this moment (see README)"},
    )


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item), required=True),
            "page": ma.fields.Integer(required=True),
            "per_page": ma.fields.Integer(required=True),
            "total": ma.fields.Integer(required=True),
        },
        name=name,
    )


def one_page(query: sa.Select[Any], *, page: int, per_page: int) -> dict[str, Any]:
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    rows: Sequence[Any] = db.session.scalars(
        query.limit(per_page).offset((page - 1) * per_page)
    ).all()
    return {"items": rows, "page": page, "per_page": per_page, "total": total or 0}


# --- versions ------------------------------------------------------------------------------------


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(current: int) -> int:
    """The version `If-Match` names (required: 428 without it), checked against `current` (412)."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired(
            "Send If-Match with the ETag you read, so a change made meanwhile is not overwritten."
        )
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" in tags or etag(current) in tags:
        return current
    raise PreconditionFailed(
        "This changed since you read it (its ETag is no longer the one you sent). Read it again."
    )


def init_api(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Bar Raiser")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api.init_app(
        app,
        spec_kwargs={
            "components": {
                "securitySchemes": {
                    "token": {"type": "http", "scheme": "bearer", "bearerFormat": "brt_…"}
                }
            },
            "security": [{"token": []}],
        },
    )
