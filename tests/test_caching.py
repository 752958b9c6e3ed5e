"""Every response but the static files is `Cache-Control: no-store`: pages, calendar files, report
downloads, exports and JSON errors all carry names or feedback, and must not stay in a shared cache
or on the browser's disk."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask

from barraiser.auth.models import Role, UserRole
from barraiser.calibration.models import ActionItem
from barraiser.domain import LoopState
from barraiser.extensions import db
from barraiser.models import Principle
from barraiser.reviews.models import Review

STATIC_ENDPOINTS = {"static", "bootstrap.static"}


@pytest.fixture
def walk(app: Flask, make_loop, login_as, clock):
    """Two admins, one of them on a loop's panel (the only one who can open its feedback form), the
    other not (the only one who can export its candidate), and an id for each object a URL names."""
    built = make_loop(panel_size=4, with_shadow=True, state=LoopState.SCHEDULED)
    admin = built.interviewers[1]
    admin.role_rows.append(UserRole(role=Role.ADMIN))
    action = ActionItem(
        subject_id=built.interviewers[2].id,
        reason="Harsh on Ownership",
        owner_id=admin.id,
        due_on=(clock() + timedelta(days=14)).date(),
        created_by_id=admin.id,
        created_at=clock(),
        updated_at=clock(),
    )
    db.session.add(action)
    # Last month's review, fallen due.
    db.session.add(
        Review(
            period_start=date(2026, 2, 1),
            period_end=date(2026, 2, 28),
            due_on=date(2026, 3, 1),
            created_at=clock(),
        )
    )
    db.session.commit()
    interview = next(i for i in built.loop.interviews if i.interviewer_id == admin.id)
    ids = {
        "user_id": built.shadow.id,
        "action_id": action.id,
        "candidate_id": built.loop.candidate_id,
        "interview_id": interview.id,
        "loop_id": built.loop.id,
        "principle_id": db.session.scalars(db.select(Principle.id)).first(),
        "requisition_id": built.loop.requisition_id,
        "review_id": db.session.scalars(db.select(Review.id)).one(),
        # Text arguments: a set-password token, SCIM's names. Unknown ones answer 404 (or 401
        # without a SCIM token), which must not be stored either.
        "token": "an-unknown-token",
        "name": "User",
        "urn": "urn:ietf:params:scim:schemas:core:2.0:User",
        "rest": "Unknown",
    }
    return [login_as(admin), login_as("admin")], ids


def test_every_get_route_answers_no_store_but_static_files(app, walk):
    clients, ids = walk
    answered: dict[str, set[int]] = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in STATIC_ENDPOINTS:
            continue
        url = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        for client in clients:
            response = client.get(url)
            answered.setdefault(rule.endpoint, set()).add(response.status_code)
            assert response.headers.get("Cache-Control") == "no-store", (
                f"GET {url} ({response.status_code}, {response.mimetype}) "
                f"answered Cache-Control {response.headers.get('Cache-Control')!r}"
            )
    # The walk reached the downloads themselves, not their error pages.
    for endpoint in (
        "loops.interview_calendar",
        "calibration.report_csv",
        "calibration.report_json",
        "privacy.export",
        "feedback.write",
        "loops.detail",
    ):
        assert 200 in answered[endpoint], (endpoint, answered[endpoint])


@pytest.mark.parametrize(
    "path",
    [
        "/loops/interviews/{missing}.ics",
        "/candidates/{missing}/export.json",
        "/calibration/report.json?since=nonsense",
        "/calibration/report.csv?since=nonsense",
    ],
)
def test_error_answers_are_no_store_too(walk, path):
    clients, _ = walk
    response = clients[0].get(path.format(missing=987654))
    assert response.status_code >= 400
    assert response.headers["Cache-Control"] == "no-store"


def test_a_json_error_with_a_candidate_s_name_is_no_store(walk):
    clients, ids = walk
    response = clients[0].post(f"/interviews/{ids['interview_id']}/feedback/draft.json", data={})
    assert response.mimetype == "application/json"
    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    for path in ("/static/app.css", "/bootstrap/static/css/bootstrap.min.css"):
        response = client.get(path)
        response.close()
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
