"""Who can see and change loops, requisitions and candidates: role × route.

People involved in the loop (its panelists, shadow, hiring manager and Bar Raiser) see it but do not
change it; recruiters and admins see and change everything; anyone else gets 404 on the loop and
its candidate, so they cannot even learn that it exists."""

from __future__ import annotations

import pytest

from barraiser.extensions import db

# Who asks: role users made by the `user_in_role` fixture (unrelated to the loop), or people of the
# loop built by `make_loop` (panel1 is an interviewer, brit the shadow, hm and br lead it).
PEOPLE = [
    "admin",
    "recruiter",
    "hiring_manager",
    "inspector",
    "bar_raiser",
    "interviewer",
    "panelist",
    "shadow",
    "loop_hiring_manager",
    "loop_bar_raiser",
]
MANAGERS = {"admin", "recruiter"}
INVOLVED = {"panelist", "shadow", "loop_hiring_manager", "loop_bar_raiser"}
UNRELATED = set(PEOPLE) - MANAGERS - INVOLVED


def _expected(route: str, who: str) -> int:
    if who in MANAGERS:
        return 200
    if route in ("loop", "calendar", "candidate"):
        return 200 if who in INVOLVED else 404
    if route in ("panel", "candidate_edit"):
        return 403 if who in INVOLVED else 404
    if route in ("requisition",):
        return 200 if who == "loop_hiring_manager" else 404
    if route == "requisition_edit":
        return 403 if who == "loop_hiring_manager" else 404
    if route == "requisitions":
        return 200 if who in ("hiring_manager", "loop_hiring_manager") else 403
    if route in ("loops",):
        return 200
    return 403  # new loop, new requisition, new candidate, the candidate list


ROUTES = {
    "loops": "/loops/",
    "loop": "/loops/{loop}",
    "panel": "/loops/{loop}/panel",
    "calendar": "/loops/interviews/{interview}.ics",
    "new_loop": "/loops/new",
    "candidates": "/candidates/",
    "new_candidate": "/candidates/new",
    "candidate": "/candidates/{candidate}",
    "candidate_edit": "/candidates/{candidate}/edit",
    "requisitions": "/requisitions/",
    "new_requisition": "/requisitions/new",
    "requisition": "/requisitions/{requisition}",
    "requisition_edit": "/requisitions/{requisition}/edit",
}


@pytest.fixture
def built(make_loop):
    return make_loop(with_shadow=True)


def _client(who, built, login_as):
    people = {
        "panelist": built.interviewers[1],
        "shadow": built.shadow,
        "loop_hiring_manager": built.hiring_manager,
        "loop_bar_raiser": built.bar_raiser,
    }
    return login_as(people.get(who, who))


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("route", list(ROUTES))
def test_who_can_open_what(built, login_as, route, who):
    client = _client(who, built, login_as)
    loop = built.loop
    url = ROUTES[route].format(
        loop=loop.id,
        interview=loop.interviews[0].id,
        candidate=loop.candidate_id,
        requisition=loop.requisition_id,
    )
    assert client.get(url).status_code == _expected(route, who)


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("schedule", {"version": "1"}),
        ("unschedule", {"version": "1"}),
        ("cancel", {"version": "1", "reason": "Because."}),
        ("panel", {"version": "1"}),
    ],
)
def test_only_recruiters_and_admins_change_a_loop(built, login_as, who, action, data):
    client = _client(who, built, login_as)
    response = client.post(f"/loops/{built.loop.id}/{action}", data=data)
    if who in MANAGERS:
        assert response.status_code not in (403, 404)
    else:
        assert response.status_code == (403 if who in INVOLVED else 404)
        db.session.refresh(built.loop)
        assert built.loop.version == 1


@pytest.mark.parametrize("who", PEOPLE)
def test_the_loop_list_shows_each_person_only_their_loops(built, login_as, who):
    page = _client(who, built, login_as).get("/loops/").get_data(as_text=True)
    shown = "Casey Candidate" in page
    assert shown is (who not in UNRELATED)


def test_an_involved_person_sees_only_their_loops_of_a_candidate(make_loop, login_as):
    first = make_loop(tag="a")
    second = make_loop(tag="b", starts_at=first.loop.first_interview_at.replace(day=10))
    second.loop.candidate_id = first.loop.candidate_id
    db.session.commit()
    page = login_as(first.interviewers[1]).get(f"/candidates/{first.loop.candidate_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/loops/{first.loop.id}" in text
    assert f"/loops/{second.loop.id}" not in text


@pytest.mark.parametrize("who", PEOPLE)
def test_candidate_notes_are_for_recruiters_and_admins(built, login_as, who):
    built.loop.candidate.notes = "Salary expectation: high."
    db.session.commit()
    response = _client(who, built, login_as).get(f"/candidates/{built.loop.candidate_id}")
    if response.status_code == 200:
        assert ("Salary expectation" in response.get_data(as_text=True)) is (who in MANAGERS)


@pytest.mark.parametrize("who", PEOPLE)
def test_nav_links_follow_policy(built, login_as, who):
    page = _client(who, built, login_as).get("/").get_data(as_text=True)
    assert 'href="/loops/"' in page
    assert ('href="/candidates/"' in page) is (who in MANAGERS)
    assert ('href="/requisitions/"' in page) is (
        who in MANAGERS | {"hiring_manager", "loop_hiring_manager"}
    )
