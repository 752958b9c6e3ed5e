"""Domain errors raised by services and policy, and the pages that explain them to the user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, render_template, request
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


def register_error_handlers(app: Flask) -> None:
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
