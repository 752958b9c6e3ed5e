"""Independence through the API: the same scene as tests/feedback/test_independence_roles.py (a
loop in its debrief, every other panelist submitted with LEAKMARKER in their evidence and the
same hidden vote, a proposal made) read through every GET operation of /api/v1 — by the panelist,
shadow or Bar Raiser who has not submitted, holding any extra role, with a personal token; and by
a service token holding every scope. Nobody reads another panelist's text, vote, rating or the
proposal. The markers are real: once the person submits, or the loop is decided for the service
token, the panel's feedback endpoint shows them."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from feedback.test_independence_roles import (
    EXTRA_ROLES,
    HIDDEN_VOTE,
    MARKER,
    PROPOSAL,
    SEATS,
    Scene,
    _scene,
)
from feedback.writing import submit_for

from barraiser.api.models import Scope
from barraiser.debrief.services import concur
from barraiser.domain import Vote
from barraiser.extensions import db


def _api_urls(app, scene: Scene) -> list[str]:
    """Every GET operation of the API whose arguments the scene can fill, and the report
    filtered to the loop's requisition."""
    loop = scene.built.loop
    values = {
        "loop_id": [loop.id],
        "interview_id": [interview.id for interview in loop.interviews],
        "candidate_id": [loop.candidate_id],
        "requisition_id": [loop.requisition_id],
        "user_id": [scene.user.id, scene.built.interviewers[2].id],
        "action_id": [1],
    }
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api_") or "GET" not in rule.methods:
            continue
        if rule.endpoint.startswith("api_tokens.") or not rule.arguments <= values.keys():
            continue
        names = sorted(rule.arguments)
        for combination in itertools.product(*(values[name] for name in names)):
            urls.append(adapter.build(rule.endpoint, dict(zip(names, combination, strict=True))))
    day = loop.first_interview_at.date()
    period = f"since={day - timedelta(days=30)}&until={day + timedelta(days=30)}"
    urls.append(f"/api/v1/report?{period}&requisition={loop.requisition_id}")
    urls += ["/api/v1/loops?per_page=100", "/api/v1/loops?state=debrief&per_page=100"]
    return urls


def _walk(app, token: str, scene: Scene) -> dict[str, list[str]]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    leaks: dict[str, list[str]] = {}
    urls = _api_urls(app, scene)
    assert f"/api/v1/loops/{scene.built.loop.id}/feedback" in urls
    for url in urls:
        response = client.get(url, headers=headers)
        assert response.status_code < 500, url
        body = response.get_data(as_text=True)
        found = []
        if MARKER in body:
            found.append("evidence or rationale text")
        if url.startswith("/api/v1/report"):
            report = response.get_json()
            if response.status_code == 200 and _counted(report):
                found.append("votes or ratings counted in the report")
        else:
            if f'"{HIDDEN_VOTE.value}"' in body:
                found.append("a vote")
            if f'"{PROPOSAL.value}"' in body:
                found.append("the proposal")
            if '"rating": ' in body and '"rating": null' not in body:
                found.append("a rating")
        if found:
            leaks[url] = found
    return leaks


def _counted(report: dict) -> int:
    votes = sum(sum(row["votes"].values()) for row in report["interviewers"])
    ratings = sum(sum(row["ratings"].values()) for row in report["principles"])
    return votes + ratings + report["vote_changes"]["n"] + report["agreement"]["loops"]


@pytest.mark.parametrize("role", EXTRA_ROLES, ids=lambda role: role.value)
@pytest.mark.parametrize("seat", SEATS)
def test_a_personal_token_reads_nothing_of_the_panel_before_its_user_submits(
    app, make_loop, clock, make_token, seat, role
):
    scene = _scene(seat, role, make_loop, clock)
    token = make_token(scene.user)
    assert _walk(app, token, scene) == {}

    submit_for(scene.own, clock(), vote=Vote.INCLINED_HIRE)
    leaks = _walk(app, token, scene)
    assert "evidence or rationale text" in leaks[f"/api/v1/loops/{scene.built.loop.id}/feedback"]


@pytest.mark.parametrize("seat", ["panelist"])
def test_a_service_token_with_every_scope_reads_no_loop_in_flight(
    app, make_loop, clock, make_token, user_in_role, seat
):
    scene = _scene(seat, EXTRA_ROLES[0], make_loop, clock)
    token = make_token(user_in_role("admin"), scopes=tuple(scope.value for scope in Scope))
    assert _walk(app, token, scene) == {}

    submit_for(scene.own, clock(), vote=Vote.INCLINED_HIRE)
    assert _walk(app, token, scene) == {}  # every panelist submitted: still in flight

    concur(scene.built.loop, actor=scene.built.bar_raiser, now=clock())
    db.session.commit()
    leaks = _walk(app, token, scene)
    assert "evidence or rationale text" in leaks[f"/api/v1/loops/{scene.built.loop.id}/feedback"]


def test_the_report_is_the_pages_json(app, make_loop, clock, make_token, login_as, user_in_role):
    scene = _scene("panelist", EXTRA_ROLES[0], make_loop, clock)
    concur(scene.built.loop, actor=scene.built.bar_raiser, now=clock())
    db.session.commit()
    inspector = user_in_role("inspector")
    day = scene.built.loop.first_interview_at.date()
    query = f"since={day - timedelta(days=30)}&until={day + timedelta(days=30)}"
    page = login_as(inspector).get(f"/calibration/report.json?{query}").get_json()
    headers = {"Authorization": f"Bearer {make_token(inspector)}"}
    through_api = app.test_client().get(f"/api/v1/report?{query}", headers=headers).get_json()
    assert through_api == page
    assert _counted(through_api) > 0
