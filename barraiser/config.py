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
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Unset: the mechanism's own default (settings.mechanism) is in force.
        "FEEDBACK_DEADLINE_HOURS": _optional_int("FEEDBACK_DEADLINE_HOURS"),
        # An interviewer may spend two hours on a form; a token that outlived its session key is
        # refused anyway, so eight hours costs nothing and spares a lost draft.
        "WTF_CSRF_TIME_LIMIT": _int("CSRF_TIME_LIMIT_SECONDS", 8 * 3600),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
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
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "PAGE_SIZE": _int("PAGE_SIZE", 25),
        # Proxies in front of the app whose X-Forwarded-* headers are trusted. Behind one, without
        # this every request seems to come from the proxy: one shared failed-login count, no HSTS.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # The report's metrics are reused while the data is unchanged, for at most this long.
        "CALIBRATION_CACHE_SECONDS": _int("CALIBRATION_CACHE_SECONDS", 300),
        # How many of the report's big statements run beside its own (calibration/readers.py).
        "CALIBRATION_READER_THREADS": _int("CALIBRATION_READER_THREADS", 2),
    }
