"""Settings read from the environment, with defaults that need nothing set to run."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PRODUCTION_VALUES = {"production", "prod"}


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def is_production() -> bool:
    """Production is declared, never guessed: BARRAISER_ENV or FLASK_ENV set to 'production'."""
    return any(
        os.environ.get(name, "").strip().lower() in PRODUCTION_VALUES
        for name in ("BARRAISER_ENV", "FLASK_ENV")
    )


def normalise_database_url(url: str) -> str:
    """Point every PostgreSQL URL at psycopg 3, the driver we ship with the `postgres` extra."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment; in development, one generated once and kept in instance/."""
    value = os.environ.get("SECRET_KEY")
    if value:
        return value
    if is_production():
        raise ConfigError("SECRET_KEY must be set in production (BARRAISER_ENV=production).")
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def check_limiter_storage(workers: int) -> None:
    """In production, refuse to start several worker processes that would each keep their own
    failed-login counts in memory (an attacker gets the limit once per worker), unless
    RATELIMIT_ALLOW_MEMORY is set to say so deliberately. gunicorn.conf.py calls this."""
    storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if not is_production() or workers <= 1 or not storage.startswith("memory://"):
        return
    if _bool("RATELIMIT_ALLOW_MEMORY", False):
        return
    raise ConfigError(
        f"{workers} workers would each count failed logins in their own memory: set "
        "RATELIMIT_STORAGE_URI=redis://... so they share one count, or RATELIMIT_ALLOW_MEMORY=1 "
        "to accept separate counts."
    )


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from exc


def _optional_int(name: str) -> int | None:
    """A whole number from the environment, or None when it is not set."""
    return _int(name, 0) if os.environ.get(name, "") != "" else None


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _account_settings(production: bool) -> dict[str, object]:
    """Sessions, set-password links and their limits (README: Accounts)."""
    secure = _bool("SESSION_COOKIE_SECURE", production)
    return {
        # A `__Host-` cookie is sent only over HTTPS, for this exact host and path /: no
        # subdomain can set or shadow it. Browsers drop it without Secure, hence the condition.
        "SESSION_COOKIE_NAME": "__Host-session" if production and secure else "session",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        # A session ends after this long without a request, and this long after login anyway.
        "SESSION_IDLE_HOURS": _int("SESSION_IDLE_HOURS", 12),
        "SESSION_MAX_DAYS": _int("SESSION_MAX_DAYS", 7),
        "PASSWORD_LINK_HOURS": _int("PASSWORD_LINK_HOURS", 72),
        # Forgot-password requests (each one may send an email) per address and per account.
        "PASSWORD_RESET_ADDRESS_LIMIT": os.environ.get(
            "PASSWORD_RESET_ADDRESS_LIMIT", "10 per hour"
        ),
        "PASSWORD_RESET_ACCOUNT_LIMIT": os.environ.get(
            "PASSWORD_RESET_ACCOUNT_LIMIT", "3 per hour"
        ),
    }


def from_environment(instance_path: Path) -> dict[str, object]:
    """The Flask config mapping for this process."""
    production = is_production()
    default_db = "sqlite:///" + str(instance_path / "barraiser.db")
    return {
        "SECRET_KEY": secret_key(instance_path),
        "PRODUCTION": production,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", default_db)
        ),
        # Unset: the mechanism's own default (settings.mechanism) is in force.
        "FEEDBACK_DEADLINE_HOURS": _optional_int("FEEDBACK_DEADLINE_HOURS"),
        # An interviewer may spend two hours on a form; a token that outlived its session key is
        # refused anyway, so eight hours costs nothing and spares a lost draft.
        "WTF_CSRF_TIME_LIMIT": _int("CSRF_TIME_LIMIT_SECONDS", 8 * 3600),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        **_account_settings(production),
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Fail open: with the storage (Redis) down, count in this process's memory and log a
        # warning, rather than answer every login with a 500; an unreachable host times out fast.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        # Failed logins allowed per account from one address, per account from all addresses,
        # and per address for all accounts.
        "LOGIN_FAILURE_LIMIT": os.environ.get("LOGIN_FAILURE_LIMIT", "5 per 15 minutes"),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "600 per minute"),
        "LOGIN_ACCOUNT_FAILURE_LIMIT": os.environ.get("LOGIN_ACCOUNT_FAILURE_LIMIT", "20 per hour"),
        "LOGIN_ADDRESS_FAILURE_LIMIT": os.environ.get(
            "LOGIN_ADDRESS_FAILURE_LIMIT", "100 per hour"
        ),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "bar-raiser@localhost"),
        # A failed send is tried again this long after the failure, doubling each time up to a
        # day; after MAIL_MAX_ATTEMPTS attempts the message is dead until an admin retries it.
        "MAIL_RETRY_SECONDS": _int("MAIL_RETRY_SECONDS", 60),
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 8),
        "MAIL_TIMEOUT_SECONDS": _int("MAIL_TIMEOUT_SECONDS", 30),
        # Webhooks: a failed delivery is tried again like an email (first after
        # WEBHOOK_RETRY_SECONDS, doubling), dead after WEBHOOK_MAX_ATTEMPTS. Endpoints on private,
        # loopback or link-local addresses are refused (checked again at every delivery, so a
        # name that later resolves inside the network is refused too) unless a self-hoster whose
        # receivers live on the internal network allows them.
        "WEBHOOK_RETRY_SECONDS": _int("WEBHOOK_RETRY_SECONDS", 60),
        "WEBHOOK_MAX_ATTEMPTS": _int("WEBHOOK_MAX_ATTEMPTS", 8),
        "WEBHOOK_TIMEOUT_SECONDS": _int("WEBHOOK_TIMEOUT_SECONDS", 10),
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": _bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False),
        # The largest history file (with its mapping) the import page accepts; bigger ones go
        # through `flask import-history`.
        "HISTORY_UPLOAD_MAX_MB": _int("HISTORY_UPLOAD_MAX_MB", 20),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "PAGE_SIZE": _int("PAGE_SIZE", 25),
        # Proxies in front of the app whose X-Forwarded-* headers are trusted. Behind one, without
        # this every request seems to come from the proxy: one shared failed-login count, no HSTS.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # The report's metrics are reused while the data is unchanged, for at most this long.
        "CALIBRATION_CACHE_SECONDS": _int("CALIBRATION_CACHE_SECONDS", 300),
        # Where built reports are kept: this process's memory when empty, or a Redis shared by
        # every worker and server (redis://host:port/db).
        "CALIBRATION_CACHE_URL": os.environ.get("CALIBRATION_CACHE_URL", "").strip(),
        # How many of the report's big statements run beside its own (calibration/readers.py).
        "CALIBRATION_READER_THREADS": _int("CALIBRATION_READER_THREADS", 2),
        # A report built afresh runs this many steps below the pages' CPU priority (priority.py).
        "CALIBRATION_BUILD_NICENESS": _int("CALIBRATION_BUILD_NICENESS", 10),
        **_single_sign_on(),
    }


def _single_sign_on() -> dict[str, object]:
    """OpenID Connect login and password login (identity/; README "Single sign-on"). Nothing
    here is fetched at start: the provider's discovery document is read at the first login."""
    return {
        # Unset: no "Sign in with ..." button, and the SSO routes answer 404.
        "OIDC_DISCOVERY_URL": os.environ.get("OIDC_DISCOVERY_URL", "").strip(),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", "").strip(),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
        "OIDC_DISPLAY_NAME": os.environ.get("OIDC_DISPLAY_NAME", "").strip() or "single sign-on",
        "OIDC_SCOPES": os.environ.get("OIDC_SCOPES", "openid email profile"),
        # The claim whose values the admin's rules map to roles, department and level.
        "OIDC_GROUPS_CLAIM": os.environ.get("OIDC_GROUPS_CLAIM", "groups").strip() or "groups",
        # Off only for a provider that issues no email_verified claim and whose addresses the
        # company owns (Entra ID): otherwise anyone who can type an address could take its account.
        "OIDC_REQUIRE_EMAIL_VERIFIED": _bool("OIDC_REQUIRE_EMAIL_VERIFIED", True),
        "OIDC_TIMEOUT_SECONDS": _int("OIDC_TIMEOUT_SECONDS", 5),
        # Off: the login page hides the password form and refuses passwords, except from the
        # break-glass accounts listed (comma-separated emails), for when the provider is down.
        "PASSWORD_LOGIN": _bool("PASSWORD_LOGIN", True),
        "PASSWORD_LOGIN_BREAK_GLASS": frozenset(
            email.strip().lower()
            for email in os.environ.get("PASSWORD_LOGIN_BREAK_GLASS", "").split(",")
            if email.strip()
        ),
    }
