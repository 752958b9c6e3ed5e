"""Security headers, CSRF, cookies and the secret key."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import login

from barraiser import config, create_app


def test_every_response_carries_the_security_headers(client):
    response = client.get("/login")
    headers = response.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers


def test_hsts_is_sent_over_https(client):
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_use_no_cdn(client):
    page = client.get("/login").get_data(as_text=True)
    assert "cdn." not in page and "https://" not in page
    assert "/bootstrap/static/css/bootstrap.min.css" in page


def test_bootstrap_is_served_locally(client):
    response = client.get("/bootstrap/static/css/bootstrap.min.css")
    assert response.status_code == 200
    assert response.get_data().startswith(b"@charset") or b"bootstrap" in response.get_data()[:200]
    response.close()


def test_a_post_without_csrf_token_is_refused(app, login_as):
    admin = login_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = admin.post("/principles/new", data={"name": "Sneaky"})
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_post_with_the_pages_csrf_token_is_accepted(app, make_user):
    user = make_user("ada@example.com")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post(
            "/login",
            data={"email": user.email, "password": "correct horse battery", "csrf_token": token},
        )
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_csrf_tokens_outlive_a_long_writing_session(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] >= 2 * 3600


def test_session_cookie_is_http_only_and_same_site(client, make_user):
    response = login(client, make_user("ada@example.com"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_requires_a_secret_key(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("BARRAISER_ENV", "production")
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.secret_key(tmp_path)


def test_production_cookies_are_secure(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("BARRAISER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    settings = config.from_environment(tmp_path)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["PRODUCTION"] is True


def test_development_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("BARRAISER_ENV", raising=False)
    monkeypatch.delenv("FLASK_ENV", raising=False)
    first = config.secret_key(tmp_path)
    assert len(first) >= 32
    assert config.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_point_at_psycopg(given, expected):
    assert config.normalise_database_url(given) == expected


def test_a_bad_number_in_the_environment_is_a_clear_error(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("FEEDBACK_DEADLINE_HOURS", "a day")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    with pytest.raises(config.ConfigError, match="FEEDBACK_DEADLINE_HOURS"):
        config.from_environment(tmp_path)


def test_unknown_urls_are_404_pages_not_500(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_behind_a_trusted_proxy_the_client_address_and_https_are_seen(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    client = app.test_client()
    response = client.get(
        "/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    )
    assert "Strict-Transport-Security" in response.headers


def test_without_trusted_proxies_forwarded_headers_are_ignored(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize(
    ("environment", "workers", "refused"),
    [
        ({"BARRAISER_ENV": "production"}, 4, True),
        ({"BARRAISER_ENV": "production", "RATELIMIT_STORAGE_URI": "memory://"}, 2, True),
        ({"BARRAISER_ENV": "production"}, 1, False),
        ({"BARRAISER_ENV": "production", "RATELIMIT_ALLOW_MEMORY": "1"}, 4, False),
        (
            {"BARRAISER_ENV": "production", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"},
            4,
            False,
        ),
        ({}, 4, False),
    ],
)
def test_production_refuses_several_workers_counting_failed_logins_apart(
    monkeypatch, environment, workers, refused
):
    for name in ("BARRAISER_ENV", "FLASK_ENV", "RATELIMIT_STORAGE_URI", "RATELIMIT_ALLOW_MEMORY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    if refused:
        with pytest.raises(config.ConfigError, match="RATELIMIT_STORAGE_URI=redis"):
            config.check_limiter_storage(workers)
    else:
        config.check_limiter_storage(workers)


def test_gunicorn_checks_the_limiter_storage_before_starting_workers(monkeypatch):
    """gunicorn.conf.py runs the check from gunicorn's `on_starting` hook."""
    import runpy
    from types import SimpleNamespace

    hooks = runpy.run_path(str(Path(config.__file__).resolve().parent.parent / "gunicorn.conf.py"))
    monkeypatch.setenv("BARRAISER_ENV", "production")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("RATELIMIT_ALLOW_MEMORY", raising=False)
    with pytest.raises(config.ConfigError):
        hooks["on_starting"](SimpleNamespace(cfg=SimpleNamespace(workers=4)))
    hooks["on_starting"](SimpleNamespace(cfg=SimpleNamespace(workers=1)))
