"""Bar Raiser: run the Bar Raiser hiring mechanism end to end."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from . import (
    models,  # noqa: F401 - puts every table on db.metadata, for Alembic
    policy,
)
from .api.http import PREFIX as API_PREFIX
from .api.http import api, init_api
from .api.panel import bp as api_panel_bp
from .api.resources import bp as api_resources_bp
from .api.views import bp as api_tokens_bp
from .api.writes import bp as api_writes_bp
from .audit.views import bp as audit_bp
from .auth.password_views import bp as passwords_bp
from .auth.services import use_hash_profile
from .auth.views import bp as auth_bp
from .calibration.invalidation import watch as watch_report_data
from .calibration.views import bp as calibration_bp
from .candidates.views import bp as candidates_bp
from .cli import register_commands
from .config import from_environment
from .database import MAX_ID, commit_what_only_read, engine_options
from .debrief.views import bp as debrief_bp
from .domain import FeedbackState, LoopState, Outcome, VerdictKind, Vote
from .errors import register_error_handlers
from .extensions import bootstrap, csrf, db, limiter, login_manager
from .feedback.views import bp as feedback_bp
from .history.views import bp as history_bp
from .home.views import bp as home_bp
from .identity.scim_views import bp as scim_bp
from .identity.views import bp as identity_bp
from .loops.queries import ListOutcome
from .loops.views import bp as loops_bp
from .ops.views import bp as ops_bp
from .outbox.notifications import bp as notifications_bp
from .outbox.views import bp as outbox_bp
from .outbox.webhook_views import bp as webhooks_bp
from .principles.views import bp as principles_bp
from .privacy.views import bp as privacy_bp
from .requisitions.views import bp as requisitions_bp
from .reviews.views import bp as reviews_bp
from .settings.services import zone_of
from .settings.viewer import local_time, viewer_zone
from .settings.views import bp as settings_bp
from .settings.views import profile_bp
from .surveys.views import bp as surveys_bp
from .training.views import bp as training_bp
from .urls import BuiltOnFirstUse, path_for

BLUEPRINTS = (
    ops_bp,
    home_bp,
    auth_bp,
    passwords_bp,
    principles_bp,
    audit_bp,
    settings_bp,
    profile_bp,
    debrief_bp,
    loops_bp,
    requisitions_bp,
    candidates_bp,
    privacy_bp,
    feedback_bp,
    calibration_bp,
    reviews_bp,
    surveys_bp,
    training_bp,
    outbox_bp,
    webhooks_bp,
    history_bp,
    identity_bp,
    scim_bp,
    api_tokens_bp,
    notifications_bp,
)
# Blueprints whose requests carry JSON (SCIM), which read and check their bodies themselves.
JSON_BLUEPRINTS = frozenset({"scim"})
API_BLUEPRINTS = (api_resources_bp, api_panel_bp, api_writes_bp)

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `overrides` wins over the environment (tests pass their database here)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(from_environment(Path(app.instance_path)))
    if overrides:
        app.config.from_mapping(overrides)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)

    use_hash_profile(app.config.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY"))
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    db.init_app(app)
    # Registered after the database's own teardown, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(commit_what_only_read)
    watch_report_data()  # every change to what the calibration report reads is counted
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    # Before any route is added: every `<int:...>` is a row id the database can hold, and
    # each rule compiles its path builders when first used (`urls.BuiltOnFirstUse`).
    app.url_map.converters["int"] = IdConverter
    app.url_rule_class = BuiltOnFirstUse
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    init_api(app)
    for api_blueprint in API_BLUEPRINTS:
        api.register_blueprint(api_blueprint)
    register_error_handlers(app)
    register_commands(app)

    app.jinja_env.globals["policy"] = policy
    app.jinja_env.globals["path_for"] = path_for
    # Times are stored in UTC and shown in the reader's zone (a message: its recipient's).
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["viewer_zone"] = viewer_zone
    app.jinja_env.globals["zone_for"] = zone_of
    app.context_processor(_reader_zone)
    # Templates compare states and decisions with the domain's enums, never with strings.
    app.jinja_env.globals.update(
        FeedbackState=FeedbackState,
        ListOutcome=ListOutcome,
        LoopState=LoopState,
        Outcome=Outcome,
        VerdictKind=VerdictKind,
        Vote=Vote,
    )
    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    # First of all the checks (before the CSRF check reads the form): a JSON body is a 415 even
    # in production, where it would otherwise be a missing-token 400.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unreadable_input)
    app.after_request(_security_headers)
    return app


def _reader_zone() -> dict[str, Any]:
    """The signed-in reader's time zone, looked up before the page renders (a template runs no
    SQL; the organisation's zone is a query for those without their own)."""
    if current_user and current_user.is_authenticated:
        return {"reader_zone": viewer_zone()}
    return {}


class IdConverter(IntegerConverter):
    """`<int:...>`: a row id, 1 to 2**31 - 1 (the largest PostgreSQL `integer`). Anything else
    matches no route, so it is a 404 like any other missing object, never a database error."""

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = 1, max: int | None = None
    ):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max or MAX_ID)


# The body encodings a form is posted in; no page of the app reads anything else.
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# The request headers the app reads as text.
READ_HEADERS = ("Accept", "X-CSRFToken", "X-CSRF-Token", "Referer", "User-Agent")


def _unreadable(text: str) -> str | None:
    """Why `text` cannot be stored or shown: a NUL (PostgreSQL refuses it) or a lone surrogate
    (no encoding can write it); None when it is fine."""
    if "\x00" in text:
        return "The request contains a NUL character, which no field accepts."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "The request contains characters that are not valid text."
    return None


def _refuse_unreadable_input() -> None:
    """Refuse up front what no page can use, with a 4xx instead of an error deep inside: a body
    that is not a form (415), and text with a NUL or a lone surrogate anywhere we read (400)."""
    has_body = bool(request.content_length or request.headers.get("Transfer-Encoding"))
    sends_body = request.method not in ("GET", "HEAD", "OPTIONS") and has_body
    reads_json = request.blueprint in JSON_BLUEPRINTS
    if sends_body and request.path.startswith(API_PREFIX + "/"):
        if request.mimetype != "application/json":
            abort(415, "Send the body as JSON (Content-Type: application/json).")
    elif sends_body and request.mimetype not in FORM_MIMETYPES and not reads_json:
        abort(415, "Send this as a form (a web page's form encoding); nothing here reads JSON.")
    texts: list[str] = [request.path]
    for source in (request.args, request.form):
        for key, values in source.lists():
            texts.append(key)
            texts.extend(values)
    for key, upload in request.files.items(multi=True):
        texts.extend((key, upload.filename or ""))
    texts.extend(request.headers.get(name, "") for name in READ_HEADERS)
    for text in texts:
        problem = _unreadable(text)
        if problem is not None:
            abort(400, problem)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
        )
    if request.endpoint not in ("static", "bootstrap.static"):
        # Everything but the static files may carry names and feedback (pages, .ics, reports,
        # exports, JSON errors): keep it out of shared caches and the browser's disk. A view whose
        # answer may be cached says so by setting Cache-Control itself.
        response.headers.setdefault("Cache-Control", "no-store")
    return response
