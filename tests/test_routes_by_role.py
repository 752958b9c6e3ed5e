"""Walk every route of the app for every role: login is required everywhere, admin pages are
admins' only, unknown objects are 404, and nothing answers 500."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

ROLES = ["admin", "recruiter", "hiring_manager", "inspector", "bar_raiser", "interviewer"]
PUBLIC_ENDPOINTS = {
    "static",
    "bootstrap.static",
    "auth.login",
    # Single sign-on starts before anyone is logged in (404 while it is not configured).
    "identity.login",
    "identity.callback",
    "ops.healthz",
    # Reached from an email or the login page, before anyone is logged in.
    "passwords.forgot",
    "passwords.open_link",
    "passwords.set_password",
    # The candidate-experience survey: the link in the candidate's email is the key (no account).
    "surveys.answer",
}
# SCIM authenticates with a bearer token, not a login: 401 without one (tests/identity).
BEARER_BLUEPRINTS = ("scim.",)
# Endpoints with no arguments, and the roles that may open them (everyone else: 403, or 404 for
# the pages in HIDDEN_PAGES, which others may not know exist).
# The API's document and its reference page are public; the API itself takes a token, never the
# login session (tests/api), so the session walk below leaves /api/ out and checks it apart.
API_PREFIX = "/api/"
API_PUBLIC_ENDPOINTS = {"api-docs.openapi_json", "api_tokens.reference"}
ROLE_ONLY_PAGES = {
    "auth.users": {"admin"},
    "auth.new_user": {"admin"},
    "settings.index": {"admin"},
    "identity.admin": {"admin"},
    "audit.index": {"admin"},
    "principles.new": {"admin"},
    "calibration.index": {"admin", "inspector"},
    "calibration.report_json": {"admin", "inspector"},
    "calibration.report_csv": {"admin", "inspector"},
    "calibration.interviewers_csv": {"admin", "inspector"},
    "calibration.bar_raisers_csv": {"admin", "inspector"},
    "calibration.principles_csv": {"admin", "inspector"},
    "calibration.actions": {"admin", "inspector"},
    "calibration.new_action": {"admin", "inspector"},
    "reviews.index": {"admin", "inspector"},
    "reviews.edit_committee": {"admin"},
    "loops.new": {"admin", "recruiter"},
    "requisitions.index": {"admin", "recruiter", "hiring_manager"},
    "requisitions.new": {"admin", "recruiter"},
    "candidates.index": {"admin", "recruiter"},
    "candidates.new": {"admin", "recruiter"},
    "training.index": {"admin", "bar_raiser"},
    "outbox.index": {"admin"},
    "webhooks.index": {"admin"},
    "history.upload": {"admin"},
    "api_tokens.service": {"admin"},
}
HIDDEN_PAGES = {"outbox.index", "webhooks.index", "history.upload"}
MISSING_ID = 987654


def _url_for_rule(rule) -> str:
    values = {}
    for argument in rule.arguments:
        is_id = isinstance(rule._converters[argument], IntegerConverter)
        values[argument] = MISSING_ID if is_id else "missing"
    return rule.build(values, append_unknown=False)[1]


def _rules(app: Flask, *, method: str, with_arguments: bool | None = None):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or method not in rule.methods:
            continue
        if rule.endpoint.startswith(BEARER_BLUEPRINTS) or rule.rule.startswith(API_PREFIX):
            continue
        if with_arguments is not None and bool(rule.arguments) != with_arguments:
            continue
        yield rule


def test_every_route_requires_login(app, client):
    for method in ("GET", "POST"):
        for rule in _rules(app, method=method):
            url = _url_for_rule(rule)
            response = client.open(url, method=method)
            assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
            assert response.headers["Location"].startswith("/login"), url


def test_every_api_route_wants_a_token_even_from_a_logged_in_browser(app, login_as):
    client = login_as("admin")
    api_rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX)]
    assert len(api_rules) > 20
    for rule in api_rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = _url_for_rule(rule)
            response = client.open(url, method=method)
            if rule.endpoint in API_PUBLIC_ENDPOINTS:
                assert response.status_code == 200, url
                continue
            assert response.status_code == 401, f"{method} {url}: {response.status_code}"
            assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("role", ROLES)
def test_pages_without_arguments_by_role(app, login_as, role):
    client = login_as(role)
    for rule in _rules(app, method="GET", with_arguments=False):
        url = _url_for_rule(rule)
        response = client.get(url)
        allowed = ROLE_ONLY_PAGES.get(rule.endpoint)
        if allowed is None:
            assert response.status_code in (200, 302), f"{role} GET {url}: {response.status_code}"
        elif role in allowed:
            assert response.status_code == 200, f"{role} GET {url}: {response.status_code}"
        else:
            refused = 404 if rule.endpoint in HIDDEN_PAGES else 403
            assert response.status_code == refused, f"{role} GET {url}: {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_unknown_objects_are_not_found_for_every_role(app, login_as, role):
    client = login_as(role)
    for method in ("GET", "POST"):
        for rule in _rules(app, method=method, with_arguments=True):
            url = _url_for_rule(rule)
            response = client.open(url, method=method)
            assert response.status_code in (403, 404), (
                f"{role} {method} {url}: {response.status_code}"
            )


@pytest.mark.parametrize("role", ROLES)
def test_posting_garbage_never_answers_500(app, login_as, role):
    client = login_as(role)
    garbage = {"name": "x" * 5000, "level": "eleventy", "roles": "emperor", "page": "-1"}
    for rule in _rules(app, method="POST", with_arguments=False):
        if rule.endpoint == "auth.logout":
            continue
        url = _url_for_rule(rule)
        response = client.post(url, data=garbage)
        assert response.status_code < 500, f"{role} POST {url}: {response.status_code}"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=abc", 200),
        ("page=-5", 200),
        ("page=99999", 200),
        ("x=" + "y" * 3000, 200),
        ("action=%00", 400),
    ],
)
def test_odd_query_strings_are_handled(login_as, query, status):
    client = login_as("admin")
    for url in ("/admin/users", "/admin/audit/", "/principles/"):
        assert client.get(f"{url}?{query}").status_code == status
