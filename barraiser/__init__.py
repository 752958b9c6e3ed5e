"""Bar Raiser: run the Bar Raiser hiring mechanism end to end."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    models,  # noqa: F401 - puts every table on db.metadata, for Alembic
    policy,
)
from .audit.views import bp as audit_bp
from .auth.services import use_hash_profile
from .auth.views import bp as auth_bp
from .calibration.views import bp as calibration_bp
from .candidates.views import bp as candidates_bp
from .cli import register_commands
from .config import from_environment
from .debrief.views import bp as debrief_bp
from .domain import FeedbackState, LoopState, Outcome, VerdictKind, Vote
from .errors import register_error_handlers
from .extensions import bootstrap, csrf, db, limiter, login_manager, migrate
from .feedback.views import bp as feedback_bp
from .home.views import bp as home_bp
from .loops.views import bp as loops_bp
from .principles.views import bp as principles_bp
from .privacy.views import bp as privacy_bp
from .requisitions.views import bp as requisitions_bp
from .settings.views import bp as settings_bp
from .training.views import bp as training_bp

BLUEPRINTS = (
    home_bp,
    auth_bp,
    principles_bp,
    audit_bp,
    settings_bp,
    debrief_bp,
    loops_bp,
    requisitions_bp,
    candidates_bp,
    privacy_bp,
    feedback_bp,
    calibration_bp,
    training_bp,
)

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
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_commands(app)

    app.jinja_env.globals["policy"] = policy
    # Templates compare states and decisions with the domain's enums, never with strings.
    app.jinja_env.globals.update(
        FeedbackState=FeedbackState,
        LoopState=LoopState,
        Outcome=Outcome,
        VerdictKind=VerdictKind,
        Vote=Vote,
    )
    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.before_request(_refuse_nul_characters)
    app.after_request(_security_headers)
    return app


def _refuse_nul_characters() -> None:
    """No text we store may hold a NUL (PostgreSQL refuses it); say so with a 400 up front."""
    for source in (request.args, request.form):
        for values in source.listvalues():
            if any("\x00" in value for value in values):
                abort(400, "The request contains a NUL character, which no field accepts.")


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
