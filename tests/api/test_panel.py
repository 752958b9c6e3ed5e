"""Feedback and the debrief through the API: the same services and rules as the pages, ETags
with If-Match on writes (428 without, 412 when stale), and JSON errors for everything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from feedback.writing import after_interviews, evidence, submit_for

from barraiser.domain import LoopState, Vote
from barraiser.extensions import db
from barraiser.loops.models import Loop


def _body(interview, *, words: int = 40, vote: str | None = "inclined_hire") -> dict:
    return {
        "ratings": [
            {"principle_id": p.id, "rating": 3, "evidence": evidence(words)}
            for p in interview.principles
        ],
        "vote": vote,
        "raises_bar": True,
        "summary": "Owns problems end to end.",
    }


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    return error


def test_an_interviewer_saves_and_submits_through_etags(app, clock, make_loop, api_as):
    built = make_loop()
    own = built.loop.interviews[1]
    api = api_as(own.interviewer)
    path = f"/interviews/{own.id}/feedback"

    empty = api.get(path)
    assert empty.status_code == 200 and empty.headers["ETag"] == '"0"'
    assert empty.get_json()["state"] == "draft"

    _error(api.put(path, json=_body(own)), 428)
    saved = api.put(path, json=_body(own), headers={"If-Match": '"0"'})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    etag = saved.headers["ETag"]
    assert etag != '"0"' and api.get(path).headers["ETag"] == etag

    # A second window still holding the first ETag loses, and changes nothing.
    _error(api.put(path, json={"summary": "stale"}, headers={"If-Match": '"0"'}), 412)
    assert api.get(path).get_json()["summary"] == "Owns problems end to end."

    clock.set(after_interviews(built))
    short = api.post(f"{path}/submit", json=_body(own, words=2), headers={"If-Match": etag})
    error = _error(short, 422)
    assert any(name.startswith("evidence_") for name in error["fields"])
    submitted = api.post(f"{path}/submit", json=_body(own), headers={"If-Match": etag})
    assert submitted.status_code == 200, submitted.get_data(as_text=True)
    assert submitted.get_json()["state"] == "submitted"
    again = api.post(
        f"{path}/submit", json=_body(own), headers={"If-Match": submitted.headers["ETag"]}
    )
    _error(again, 409)


def test_nobody_else_writes_an_interviewers_feedback(app, make_loop, api_as, user_in_role):
    built = make_loop()
    own = built.loop.interviews[1]
    path = f"/interviews/{own.id}/feedback"
    for user in (built.bar_raiser, user_in_role("admin")):
        _error(api_as(user).put(path, json={}, headers={"If-Match": '"0"'}), 403)
    service = api_as(user_in_role("recruiter"), scopes=("loops:read", "feedback:read"))
    _error(service.put(path, json={}, headers={"If-Match": '"0"'}), 403)
    _error(api_as(user_in_role("interviewer")).get(path), 404)  # not on the loop: hidden


def test_the_debrief_through_the_api(app, clock, make_loop, api_as):
    built = make_loop()
    loop = built.loop
    clock.set(after_interviews(built))
    for interview in loop.interviews:
        submit_for(interview, clock(), vote=Vote.INCLINED_HIRE)
    bar_raiser, manager = api_as(built.bar_raiser), api_as(built.hiring_manager)
    _error(manager.post(f"/loops/{loop.id}/debrief/open"), 403)
    opened = bar_raiser.post(f"/loops/{loop.id}/debrief/open")
    assert opened.status_code == 200, opened.get_data(as_text=True)
    assert opened.get_json()["state"] == "debrief"
    _error(bar_raiser.post(f"/loops/{loop.id}/debrief/open"), 409)
    panelist = api_as(loop.interviews[1].interviewer)
    voted = panelist.post(f"/loops/{loop.id}/debrief/final-vote", json={"vote": "strong_hire"})
    assert voted.status_code == 200
    _error(panelist.post(f"/loops/{loop.id}/debrief/final-vote", json={"vote": "maybe"}), 422)
    _error(
        manager.post(
            f"/loops/{loop.id}/debrief/proposal",
            json={"decision": "hire", "rationale": "Strong."},
            headers={"If-Match": '"999"'},
        ),
        412,
    )
    # Final votes are still missing: a proposal now needs a reason, as on the page.
    _error(
        manager.post(
            f"/loops/{loop.id}/debrief/proposal", json={"decision": "hire", "rationale": "Strong."}
        ),
        422,
    )
    proposed = manager.post(
        f"/loops/{loop.id}/debrief/proposal",
        json={"decision": "hire", "rationale": "Strong.", "early_reason": "Agreed in the room."},
    )
    assert proposed.status_code == 200, proposed.get_data(as_text=True)
    principle = loop.interviews[0].principles[0].id
    vetoed = bar_raiser.post(
        f"/loops/{loop.id}/debrief/veto",
        json={"rationale": "Below the bar on ownership.", "principle_ids": [principle]},
    )
    assert vetoed.status_code == 200, vetoed.get_data(as_text=True)
    assert vetoed.get_json()["outcome"] == "no_hire" and vetoed.get_json()["vetoed"] is True
    _error(bar_raiser.post(f"/loops/{loop.id}/debrief/concur", json={}), 409)
    db.session.expire_all()
    assert db.session.get(Loop, loop.id).state is LoopState.DECIDED


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/api/v1/nowhere", {}, 404),
        ("get", "/api/v1/loops/999999", {}, 404),
        ("get", "/api/v1/loops/99999999999999", {}, 404),
        ("delete", "/api/v1/loops", {}, 405),
        ("post", "/api/v1/loops/1/debrief/open", {"data": "x=1"}, 415),
        ("get", "/api/v1/loops?per_page=101", {}, 422),
        ("get", "/api/v1/loops?page=0", {}, 422),
        ("get", "/api/v1/loops?updated_since=yesterday", {}, 422),
        ("get", "/api/v1/report?since=2026-13-01", {}, 422),
        (
            "put",
            "/api/v1/interviews/1/feedback",
            {"data": "{", "content_type": "application/json"},
            400,
        ),
    ],
)
def test_every_error_is_json(app, user_in_role, make_token, method, path, kwargs, status):
    admin = user_in_role("admin")
    admin_token = make_token(admin)
    headers = {"Authorization": f"Bearer {admin_token}", "Accept": "text/html"}
    response = getattr(app.test_client(), method)(path, headers=headers, **kwargs)
    error = _error(response, status)
    if status == 422:
        assert error["fields"]


def test_pages_hold_at_most_a_hundred(app, make_loop, api_as, user_in_role):
    for tag in ("a", "b", "c"):
        make_loop(tag=tag)
    api = api_as(user_in_role("recruiter"))
    first = api.get("/loops?per_page=2").get_json()
    assert (len(first["items"]), first["total"], first["page"]) == (2, 3, 1)
    second = api.get("/loops?per_page=2&page=2").get_json()
    assert [loop["id"] for loop in second["items"]] not in ([], first["items"])
    assert len(second["items"]) == 1
    assert api.get("/loops?per_page=100").status_code == 200
    assert _error(api.get("/loops?per_page=101"), 422)["fields"] == {
        "per_page": ["Must be greater than or equal to 1 and less than or equal to 100."]
    }


def test_updated_since_filters_loops(app, clock, make_loop, api_as, user_in_role):
    make_loop(tag="old")
    clock.advance(days=2)
    newer = make_loop(tag="new")
    api = api_as(user_in_role("recruiter"))
    since = (clock() - timedelta(hours=1)).isoformat()
    found = api.get("/loops", query_string={"updated_since": since}).get_json()
    assert [loop["id"] for loop in found["items"]] == [newer.loop.id]
