"""Input no page can use is a 4xx with a reason, never a 500: ids beyond what the database holds,
pages past the end, bodies that are not forms, text that is not text, a `next` with a line break,
and a database that cannot be reached."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, login
from flask import Flask

from barraiser import create_app
from barraiser.pages import MAX_PAGE

ID_ROUTES = [
    ("GET", "/loops/{id}"),
    ("GET", "/admin/users/{id}"),
    ("POST", "/admin/users/{id}"),
    ("GET", "/requisitions/{id}"),
    ("POST", "/requisitions/{id}/close"),
    ("GET", "/candidates/{id}/export.json"),
    ("POST", "/interviews/{id}/feedback"),
    ("POST", "/interviews/{id}/feedback/draft.json"),
]


@pytest.mark.parametrize(("method", "route"), ID_ROUTES)
@pytest.mark.parametrize("ident", ["2147483648", "9223372036854775808", "9" * 40, "0", "-1"])
def test_ids_beyond_the_database_range_are_not_found(login_as, method, route, ident):
    client = login_as("admin")
    response = client.open(route.format(id=ident), method=method)
    assert response.status_code == 404, (method, route, ident, response.status_code)


def test_the_largest_id_is_still_looked_up(login_as):
    client = login_as("admin")
    assert client.get("/admin/users/2147483647").status_code == 404
    assert client.get(f"/admin/users/{client.user.id}").status_code == 200


@pytest.mark.parametrize(
    "url", ["/admin/users", "/admin/audit/", "/loops/", "/requisitions/", "/candidates/"]
)
@pytest.mark.parametrize("page", ["9223372036854775807", "99999999999999999999999", "1e9"])
def test_huge_page_numbers_show_a_page(login_as, url, page):
    client = login_as("admin")
    response = client.get(f"{url}?page={page}")
    assert response.status_code == 200, (url, page, response.status_code)


def test_a_page_past_the_end_is_the_last_page(app, login_as, make_user):
    page_size = app.config["PAGE_SIZE"]
    app.config["PAGE_SIZE"] = 2
    try:
        client = login_as("admin")
        for number in range(4):
            make_user(f"user{number}@example.com", name=f"Zed {number}")
        # Five users at two a page: the last page holds the one user sorted last.
        for page in ("3", "4", str(MAX_PAGE * 10), "123456789012345678901234567890"):
            body = client.get(f"/admin/users?page={page}").get_data(as_text=True)
            assert "Zed 3" in body, page
            assert "Zed 2" not in body, page
    finally:
        app.config["PAGE_SIZE"] = page_size


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"name": "x"}', "application/json"),
        ('{"name": "\\u0000"}', "application/json"),
        ('{"name": "\\ud800"}', "application/json"),
        ("<user/>", "application/xml"),
        ("name=x", "text/plain"),
    ],
)
def test_bodies_that_are_not_forms_are_refused(login_as, body, content_type):
    client = login_as("admin")
    response = client.post("/admin/users/new", data=body, content_type=content_type)
    assert response.status_code == 415
    assert "form" in response.get_data(as_text=True)


def test_a_refused_body_answers_json_to_a_json_client(login_as):
    client = login_as("admin")
    response = client.post(
        "/admin/users/new",
        data='{"name": "x"}',
        content_type="application/json",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 415
    assert response.get_json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        b"name=a%00b",
        b"na%00me=x",
        # A lone surrogate, as some clients encode it (CESU/"WTF-8"): not valid UTF-8 text.
        b"name=%ED%A0%80",
    ],
)
def test_form_text_with_nul_is_refused_and_bad_bytes_never_500(login_as, body):
    client = login_as("admin")
    response = client.post(
        "/admin/users/new", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400, response.status_code


def test_nul_in_a_header_the_app_reads_is_refused(login_as):
    client = login_as("admin")
    response = client.get("/admin/users", headers={"Referer": "/x\x00y"})
    assert response.status_code == 400


def test_an_empty_post_is_still_a_form(login_as):
    """A button with no fields posts an empty body: that is not a wrong content type."""
    client = login_as("admin")
    assert client.post("/admin/users/new").status_code != 415


def test_autosave_still_takes_the_page_form(app, make_loop, login_as):
    built = make_loop()
    interview = built.panel[0]
    client = login_as(built.interviewers[0])
    response = client.post(
        f"/interviews/{interview.id}/feedback/draft.json",
        data={"summary": "Clear structured thinking.", "version": "0"},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 400), response.status_code
    assert response.is_json
    refused = client.post(
        f"/interviews/{interview.id}/feedback/draft.json",
        data='{"summary": "x"}',
        content_type="application/json",
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 415
    assert refused.is_json


@pytest.mark.parametrize(
    "target",
    [
        "/loops/\r\nSet-Cookie: x=1",
        "/loops/\nx",
        "/a\x7fb",
        "/\t/evil.example",
        "https://evil.example/",
    ],
)
def test_a_next_with_control_characters_or_another_host_goes_home(app, make_user, target):
    from urllib.parse import quote

    user = make_user("next@example.com")
    client = app.test_client()
    response = client.post(
        "/login?next=" + quote(target, safe=""),
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "\n" not in response.headers["Location"]


def test_a_plain_next_is_kept(app, make_user):
    user = make_user("plain@example.com")
    client = app.test_client()
    response = client.post(
        "/login?next=/loops/%3Fstate%3Ddecided", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/loops/?state=decided"
    assert login(app.test_client(), user).status_code == 302


@pytest.fixture
def app_without_database(tmp_path) -> Flask:
    """An app whose database is a file that cannot be opened (its folder does not exist)."""
    missing = tmp_path / "no-such-folder" / "barraiser.db"
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
        }
    )


def test_pages_answer_503_while_the_database_is_down(app_without_database):
    client = app_without_database.test_client()
    for url, method in (
        ("/login", "POST"),
        ("/principles/", "GET"),
        ("/loops/", "GET"),
    ):
        data = {"email": "someone@example.com", "password": "x" * 12}
        response = client.open(url, method=method, data=data if method == "POST" else None)
        if response.status_code == 302:  # login required, without reading anything
            continue
        assert response.status_code == 503, (url, response.status_code)
        body = response.get_data(as_text=True)
        assert "database cannot be reached" in body
        assert response.headers["Retry-After"]


def test_a_logged_in_browser_gets_503_while_the_database_is_down(app_without_database):
    client = app_without_database.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "some-token"
    response = client.get("/loops/")
    assert response.status_code == 503
    assert "database cannot be reached" in response.get_data(as_text=True)
    json_response = client.get("/loops/", headers={"Accept": "application/json"})
    assert json_response.status_code == 503
    assert json_response.get_json()["error"] == "Bar Raiser is unavailable"


def test_503_on_an_unreachable_postgresql(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            # Port 9 (discard) on localhost: nothing listens, the connection is refused at once.
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/nothing",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
        }
    )
    response = app.test_client().post(
        "/login", data={"email": "someone@example.com", "password": "x" * 12}
    )
    assert response.status_code == 503


@pytest.mark.parametrize("ident", [str(2**31), str(2**70), "0", "-3"])
def test_ids_beyond_the_database_range_in_a_form_are_invalid_choices(login_as, make_loop, ident):
    built = make_loop()
    loop = built.loop
    client = login_as("admin")
    new_loop = client.post("/loops/new", data={"candidate_id": ident, "requisition_id": ident})
    assert new_loop.status_code == 400
    panel = client.post(
        f"/loops/{loop.id}/panel",
        data={
            "version": str(loop.version),
            "hiring_manager_id": str(built.hiring_manager.id),
            "bar_raiser_id": ident,
            "interviews-0-interviewer_id": ident,
            "interviews-0-principle_ids": ident,
            "interviews-0-starts_at": "2030-01-01T10:00",
            "interviews-0-duration_minutes": "60",
        },
    )
    assert panel.status_code == 400
    assert "Invalid" in panel.get_data(as_text=True)


def test_a_json_body_is_refused_as_not_a_form_before_the_csrf_check(app, login_as):
    client = login_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(
            "/admin/users/new", data='{"name": "x"}', content_type="application/json"
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 415
