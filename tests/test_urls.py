"""Paths built once (barraiser/urls.py): the same as url_for's, under whatever prefix the app is
mounted, and the navigation links every page carries go where url_for would send them; the
rules' builders, compiled on first use, build what werkzeug's build."""

from __future__ import annotations

import re

import pytest
from flask import Flask, url_for
from werkzeug.routing import IntegerConverter, Map, Rule

from barraiser import create_app, urls
from barraiser.urls import BuiltOnFirstUse, path_for


@pytest.mark.parametrize(
    ("endpoint", "values"),
    [
        ("home.index", {}),
        ("static", {"filename": "app.css"}),
        ("loops.detail", {"loop_id": 7}),
        ("loops.index", {"q": "café & co", "page": 2}),
        ("calibration.interviewer", {"user_id": 3, "since": "2026-01-01"}),
    ],
)
@pytest.mark.parametrize("script_root", ["", "/hiring"])
def test_a_path_is_url_fors_under_every_prefix(app: Flask, endpoint, values, script_root):
    with app.test_request_context("/", base_url="http://localhost" + script_root):
        expected = url_for(endpoint, **values)
        assert expected.startswith(script_root + "/")
        assert path_for(endpoint, **values) == expected
        assert path_for(endpoint, **values) == expected  # and again, from what was kept


def test_the_same_link_under_two_prefixes_is_two_paths(app: Flask):
    with app.test_request_context("/"):
        assert path_for("loops.index") == "/loops/"
    with app.test_request_context("/", base_url="http://localhost/hiring"):
        assert path_for("loops.index") == "/hiring/loops/"


def test_what_is_kept_is_bounded(app: Flask, monkeypatch):
    monkeypatch.setattr(urls, "MAX_KEPT", 3)
    monkeypatch.setattr(urls, "_built", {})
    with app.test_request_context("/"):
        paths = [path_for("loops.detail", loop_id=n) for n in range(1, 8)]
        assert paths == [f"/loops/{n}" for n in range(1, 8)]
        assert len(urls._built) <= 3


@pytest.mark.parametrize("endpoint", [".index", "home.index"])
def test_relative_endpoints_and_url_for_options_are_refused(app: Flask, endpoint):
    with app.test_request_context("/"), pytest.raises(ValueError):
        if endpoint.startswith("."):
            path_for(endpoint)
        else:
            path_for(endpoint, _external=True)


def test_the_navigation_links_under_a_prefix(app: Flask, login_as):
    """Every link of the page frame (navigation, style sheets, scripts) is the app's own path
    under the prefix it is mounted at, never a CDN's."""
    client = login_as("admin")
    page = client.get("/", base_url="http://localhost/hiring").get_data(as_text=True)
    links = re.findall(r'(?:href|src|action)="([^"#]+)"', page)
    assert links
    assert all(link.startswith("/hiring/") for link in links), links
    assert '/hiring/bootstrap/static/css/bootstrap.min.css"' in page
    assert '/hiring/bootstrap/static/js/bootstrap.min.js"' in page
    assert 'href="/hiring/calibration"' in page
    assert 'href="/hiring/admin/users"' in page


def _sample_values(rule: Rule) -> dict[str, object]:
    """A value for each of the rule's arguments, of the kind its converter takes."""
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        values[name] = 7 if isinstance(converter, IntegerConverter) else "a b/é"
    return values


def test_every_rule_builds_its_paths_as_werkzeug_compiles_them(tmp_path):
    """A fresh app's rules (BuiltOnFirstUse) hold no compiled builder until a path is built for
    them; then each path, with and without extra arguments (a query string), is the one
    werkzeug's own rule builds, and the compiled builder takes the stand-in's place."""
    app = create_app(
        {"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rules.db'}"}
    )
    ours = [rule for rule in app.url_map.iter_rules() if isinstance(rule, BuiltOnFirstUse)]
    assert len(ours) > 100  # every route the app adds, the API's included
    stand_ins = [(rule._build, rule._build_unknown) for rule in ours]
    assert all(
        build.__func__.__name__ == unknown.__func__.__name__ == "build_on_first_use"
        for build, unknown in stand_ins
    )
    plain = Map(
        [Rule(rule.rule, endpoint=rule.endpoint) for rule in ours],
        converters={"int": app.url_map.converters["int"]},
    )
    by_endpoint = {(rule.endpoint, rule.rule): rule for rule in plain.iter_rules()}
    for rule, (stand_in, unknown_stand_in) in zip(ours, stand_ins, strict=True):
        werkzeugs = by_endpoint[(rule.endpoint, rule.rule)]
        values = _sample_values(rule)
        extra = {**values, "page": 2, "q": "café & co"}
        assert rule.build(values, append_unknown=False) == werkzeugs.build(values, False)
        assert rule.build(extra) == werkzeugs.build(extra)
        assert rule._build is not stand_in
        assert rule._build_unknown is not unknown_stand_in
        # Again, by the compiled builders.
        assert rule.build(values, append_unknown=False) == werkzeugs.build(values, False)
        assert rule.build(extra) == werkzeugs.build(extra)
