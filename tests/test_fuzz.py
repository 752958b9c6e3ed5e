"""Every route of the URL map, as each role and as a stranger, with ids, page numbers, query
strings, bodies, headers and methods drawn from nasty values: nothing answers 5xx.

Derandomized, so a run is the same run everywhere; a failure prints the request that caused it.
"""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter, Rule

SKIPPED_ENDPOINTS = {"static", "bootstrap.static", "auth.logout"}
ROLES = [
    "anonymous",
    "admin",
    "recruiter",
    "inspector",
    "hiring_manager",
    "bar_raiser",
    "interviewer",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
EXAMPLES_PER_ROLE = 500

NASTY_INTS = [0, -1, 1, 2, 3, 5, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 10**30, -(2**63)]
NASTY_TEXT = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "1e309",
    "nan",
    "inf",
    "null",
    "true",
    "[]",
    "{}",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\r\n",
    "/loops/\r\nSet-Cookie: x=1",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "../../etc/passwd",
    "%00",
    "%ZZ",
    "ß∂ƒ😀",
    "\u202e",
    "\x7f\x1b[31m",
    "2026-02-30",
    "2026-13-45T25:61",
    "9999-12-31T23:59",
    "0001-01-01",
    "hire",
    "strong_hire",
    "admin",
    "x" * 5000,
]
FIELD_NAMES = [
    "action", "active", "bar_raiser_id", "bar_raiser_status", "body", "candidate",
    "candidate_id", "confirm_name", "decision", "department", "description", "dir", "due_on",
    "duration_minutes", "email", "hiring_manager_id", "interviewer_id",
    "interviews-0-interviewer_id",
    "interviews-0-starts_at", "interviews-0-duration_minutes", "interviews-0-principles", "level",
    "loop", "name", "next", "notes", "owner", "page", "password", "principle_ids", "principles",
    "q", "raises_bar", "rated_on", "rating", "rationale", "reason", "requisition",
    "requisition_id", "roles", "save_draft", "shadow_id", "since", "sort", "source", "starts_at",
    "state", "status", "subject", "subject_type", "submit", "suggest", "summary", "title",
    "understood", "until", "version", "vote",
]  # fmt: skip
ACCEPT = [None, "text/html", "application/json", "*/*", "text/csv", "\x00", "application/json;q=x"]
CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/xml",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/octet-stream",
]

nasty_ints = st.sampled_from(NASTY_INTS) | st.integers(min_value=1, max_value=8)
nasty_text = (
    st.sampled_from(NASTY_TEXT)
    | nasty_ints.map(str)
    | st.text(max_size=20)
    | st.text(st.characters(codec=None, categories=["Cs", "Cc"]), max_size=5)
)
ID_FIELDS = [name for name in FIELD_NAMES if name.endswith(("_id", "_ids")) or name == "owner"]
names = st.sampled_from(FIELD_NAMES) | nasty_text
pairs = st.lists(st.tuples(names, nasty_text), max_size=6)
# A form that gets past "not a number": ids that name no row, or one the database cannot hold.
id_pairs = st.lists(st.tuples(st.sampled_from(ID_FIELDS), nasty_ints.map(str)), max_size=6)
json_values = st.recursive(
    st.none() | st.booleans() | nasty_ints | nasty_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)


def _encode(text: str) -> str:
    """Percent-encode `text` as a careless client would, lone surrogates included."""
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


def _urlencoded(items: list[tuple[str, str]]) -> str:
    return "&".join(f"{_encode(name)}={_encode(value)}" for name, value in items)


@st.composite
def requests(draw: st.DrawFn, rules: list[Rule]) -> dict:
    rule = draw(st.sampled_from(rules))
    values: dict[str, object] = {}
    texts: dict[str, str] = {}
    for argument in rule.arguments:
        if isinstance(rule._converters[argument], IntegerConverter):
            values[argument] = draw(nasty_ints)
        else:
            # Built around a placeholder: werkzeug cannot quote a lone surrogate, a client can.
            values[argument] = f"TEXT{len(texts)}ARGUMENT"
            texts[str(values[argument])] = _encode(draw(nasty_text.filter(bool)))
    path = rule.build(values, append_unknown=False)[1]
    for placeholder, text in texts.items():
        path = path.replace(placeholder, text)
    allowed = sorted(rule.methods - {"HEAD", "OPTIONS"})
    method = draw(st.sampled_from(allowed) | st.sampled_from(METHODS))
    query = draw(pairs)
    if draw(st.booleans()):
        query.append(("page", str(draw(nasty_ints | nasty_text))))
    url = path + ("?" + _urlencoded(query) if query else "")
    request: dict = {"method": method, "path": url, "headers": {}}
    accept = draw(st.sampled_from(ACCEPT))
    if accept is not None:
        request["headers"]["Accept"] = accept
    body = draw(st.sampled_from(["none", "form", "form", "ids", "json", "raw"]))
    if body in ("form", "ids"):
        request["data"] = _urlencoded(draw(pairs if body == "form" else id_pairs))
        request["content_type"] = "application/x-www-form-urlencoded"
    elif body == "json":
        request["data"] = json.dumps(draw(json_values))
        request["content_type"] = "application/json"
    elif body == "raw":
        request["data"] = draw(st.binary(max_size=200))
        request["content_type"] = draw(st.sampled_from(CONTENT_TYPES))
    return request


def _client(role: str, app: Flask, login_as, built) -> FlaskClient:
    """A client for `role`; the panel's roles are the loop's own people, so its pages open."""
    if role == "anonymous":
        return app.test_client()
    people = {
        "hiring_manager": built.hiring_manager,
        "bar_raiser": built.bar_raiser,
        "interviewer": built.interviewers[0],
    }
    return login_as(people.get(role, role))


@pytest.mark.parametrize("role", ROLES)
def test_no_request_answers_5xx(app, login_as, make_loop, role):
    built = make_loop()
    client = _client(role, app, login_as, built)
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED_ENDPOINTS]

    @settings(
        max_examples=EXAMPLES_PER_ROLE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=requests(rules))
    def no_5xx(request: dict) -> None:
        response = client.open(**request)
        assert response.status_code < 500, (
            f"{role} {request['method']} {request['path'][:300]} "
            f"{request.get('content_type')} {str(request.get('data'))[:300]!r} "
            f"answered {response.status_code}"
        )

    no_5xx()
