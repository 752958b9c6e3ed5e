"""Domain errors raised by services and policy, and the pages that explain them to the user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from flask import Flask, current_app, render_template, request
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

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


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.endswith(".json") or best == "application/json"


def _render(status: int, title: str, message: str):
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
    if wants_json():
        body = {"error": UNAVAILABLE_TITLE, "message": UNAVAILABLE_MESSAGE}
        return body, 503, headers
    # Straight from the environment, not render_template: its context processors look up the
    # current user, which reads the database.
    template = current_app.jinja_env.get_template("errors/unavailable.html")
    page = template.render(status=503, title=UNAVAILABLE_TITLE, message=UNAVAILABLE_MESSAGE)
    return page, 503, headers


def register_error_handlers(app: Flask) -> None:
    for unavailable in DATABASE_UNAVAILABLE:
        app.register_error_handler(unavailable, _database_unavailable)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        # Whatever the service did before refusing is discarded: a refusal changes nothing.
        db.session.rollback()
        return _render(error.status, error.title, error.message)

    @app.errorhandler(StaleDataError)
    def stale_data(error: StaleDataError):
        # A versioned row (loop, feedback, action item) was saved by someone else meanwhile.
        db.session.rollback()
        return _render(Conflict.status, Conflict.title, STALE_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _render(error.code or 500, error.name, error.description or "")

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        return _render(500, "Something went wrong on our side", "The error was logged.")
