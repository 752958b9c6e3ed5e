"""Domain errors raised by services and policy, and the pages that explain them to the user."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from flask import Flask, current_app, render_template, request
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from .extensions import db


class DomainError(Exception):
    """A request the domain refuses; carries the HTTP status and a message for the user."""

    status = 400
    title = "Request refused"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RuleViolation(DomainError):
    """The request breaks a rule of the mechanism (e.g. a Bar Raiser from the hiring team)."""

    status = 422
    title = "That breaks a rule of the mechanism"


class Conflict(DomainError):
    """The object changed under the user (someone acted first) or is in the wrong state."""

    status = 409
    title = "Someone or something got there first"


class NeedsConfirmation(DomainError):
    """The change reaches further than the object itself: the user must confirm it, knowing
    what it affects (`affected`, the objects in the order to list them)."""

    status = 409
    title = "Please confirm"

    def __init__(self, message: str, affected: list[Any]) -> None:
        super().__init__(message)
        self.affected = affected


class Forbidden(DomainError):
    """The user may see this object but may not do this to it."""

    status = 403
    title = "Not allowed"


class NotFound(DomainError):
    """The object does not exist, or the user may not know that it does."""

    status = 404
    title = "Not found"


STALE_MESSAGE = (
    "Someone changed this since you opened it, and your change was not saved. Reload the page "
    "to see theirs, then make yours again."
)


@contextmanager
def stale_is_conflict(message: str = STALE_MESSAGE) -> Iterator[None]:
    """Turn a versioned row's lost race (its UPDATE matched no row: someone saved it first) into
    a Conflict with `message`, for a service whose caller handles refusals itself."""
    try:
        yield
    except StaleDataError as error:
        raise Conflict(message) from error


API_PREFIX = "/api/"


def is_api_request() -> bool:
    """Under /api/: every answer is JSON in the API's error shape, whatever the Accept header."""
    return request.path.startswith(API_PREFIX)


def wants_json() -> bool:
    if is_api_request():
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.endswith(".json") or best == "application/json"


Fields = dict[str, list[str]]


def api_error(status: int, message: str, fields: Fields | None = None) -> dict:
    """The API's error body: `{"error": {"code", "message", "fields"}}`; `code` names the status
    (`not_found`, `conflict`...), `fields` says what is wrong with which input."""
    code = re.sub(r"[^a-z]+", "_", HTTP_STATUS_CODES.get(status, "error").lower()).strip("_")
    return {"error": {"code": code, "message": message, "fields": fields or None}}


def _render(status: int, title: str, message: str, fields: Fields | None = None):
    if is_api_request():
        return api_error(status, message or title, fields), status
    if wants_json():
        return {"error": title, "message": message}, status
    return render_template("errors/error.html", status=status, title=title, message=message), status


UNAVAILABLE_TITLE = "Bar Raiser is unavailable"
UNAVAILABLE_MESSAGE = (
    "The database cannot be reached just now, so nothing was read or saved. Try again in a few "
    "minutes; if this lasts, tell whoever runs Bar Raiser."
)
# The database cannot be reached (refused, down, timed out, file not openable): a 503, not a bug.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def _database_unavailable(error: Exception):
    """The 503 page: rendered from a template that reads no database (no navigation, no user)."""
    current_app.logger.error("database unavailable: %s", error)
    with suppress(sa_exc.SQLAlchemyError):  # the connection is gone already: nothing to undo
        db.session.rollback()
    headers = {"Retry-After": "60"}
    if is_api_request():
        return api_error(503, UNAVAILABLE_MESSAGE), 503, headers
    if wants_json():
        body = {"error": UNAVAILABLE_TITLE, "message": UNAVAILABLE_MESSAGE}
        return body, 503, headers
    # Straight from the environment, not render_template: its context processors look up the
    # current user, which reads the database.
    template = current_app.jinja_env.get_template("errors/unavailable.html")
    page = template.render(status=503, title=UNAVAILABLE_TITLE, message=UNAVAILABLE_MESSAGE)
    return page, 503, headers


INPUT_LOCATIONS = frozenset({"json", "query", "path", "headers", "form", "files", "cookies"})


def _by_field(messages: dict) -> dict:
    """webargs keys its messages by where the input was read (json, query...): drop that level."""
    merged: dict = {}
    for key, value in messages.items():
        if key in INPUT_LOCATIONS and isinstance(value, dict):
            merged.update(value)
        else:
            merged[key] = value
    return merged


def _flat_fields(messages: dict, prefix: str = "") -> Fields:
    """webargs' `{location: {field: [...] or {nested...}}}` as `{"field.nested": [...]}`."""
    flat: Fields = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flat_fields(value, name))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flat[name] = list(value)
        else:
            flat[name] = [str(value)]
    return flat


# Our words for the statuses Werkzeug raises by itself (an unknown URL, a wrong method...), in
# place of its defaults; a description given on purpose (`abort(400, "...")`) is kept.
HTTP_PAGES: dict[int, tuple[str, str]] = {
    400: ("That request could not be read", "Something in it is missing or malformed."),
    401: ("Please log in", "This page needs you to be logged in."),
    403: ("Not allowed", "Your account may not open this page."),
    404: (
        "Page not found",
        "There is nothing at this address. The link may be mistyped or out of date; start "
        "again from your home page.",
    ),
    405: (
        "Not possible at this address",
        "This address does not take that kind of request (a link was followed where a form "
        "should have been sent, or the other way round). Go back and use the page's buttons.",
    ),
    413: ("Too large", "What was sent is larger than this page accepts."),
    415: ("Unsupported content", "This page does not accept what was sent in that format."),
    429: ("Too many requests", "Wait a little, then try again."),
}


def http_page(error: HTTPException) -> tuple[str, str]:
    """The title and message for a Werkzeug HTTP error: ours when it carries Werkzeug's own
    description, else its name and the description it was given."""
    code = error.code or 500
    ours = HTTP_PAGES.get(code)
    if ours and error.description == type(error).description:
        return ours
    return error.name, error.description or ""


def register_error_handlers(app: Flask) -> None:
    for unavailable in DATABASE_UNAVAILABLE:
        app.register_error_handler(unavailable, _database_unavailable)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        # Whatever the service did before refusing is discarded: a refusal changes nothing.
        db.session.rollback()
        problems = getattr(error, "problems", None)  # a form's worth of them (feedback)
        fields: Fields | None
        if problems:
            fields = {name: [text] for name, text in problems.items()}
        else:
            fields = {error.field: [error.message]} if error.field else None
        return _render(error.status, error.title, error.message, fields)

    @app.errorhandler(StaleDataError)
    def stale_data(error: StaleDataError):
        # A versioned row (loop, feedback, action item) was saved by someone else meanwhile.
        db.session.rollback()
        return _render(Conflict.status, Conflict.title, STALE_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # webargs (the API's input) hangs what was wrong with which field on `data`.
        messages = (getattr(error, "data", None) or {}).get("messages")
        fields = _flat_fields(_by_field(messages)) if isinstance(messages, dict) else None
        title, message = http_page(error)
        if fields:
            message = "The request's input is not valid: see `fields`."
        response = _render(error.code or 500, title, message, fields)
        if error.code == 405 and isinstance(error, MethodNotAllowed) and error.valid_methods:
            return (*response, {"Allow": ", ".join(error.valid_methods)})
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        return _render(500, "Something went wrong on our side", "The error was logged.")
