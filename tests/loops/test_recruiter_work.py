"""A recruiter's daily work on loops: times in each person's zone, the panel's minimum size and
past interviews, eligible Bar Raisers only, the candidate search, interview plans, and the
outcome in the lists (sealed from panelists who still owe feedback)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from barraiser.auth.models import Role
from barraiser.candidates.services import create_candidate
from barraiser.domain import FeedbackState, LoopState, Outcome, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.loops.models import Loop
from barraiser.loops.services import create_loop
from barraiser.settings.services import change_settings, current_settings


@pytest.fixture
def recruiter(org, login_as):
    return login_as(org.recruiter)


def _set_zone(user, zone):
    user.time_zone = zone
    db.session.commit()


@pytest.mark.parametrize(
    ("zone", "typed", "stored_hour"),
    [
        (None, "10:00", 10),  # the organisation's zone: UTC by default
        ("Europe/Berlin", "10:00", 9),  # CET in winter
        ("America/New_York", "04:00", 9),  # EST
        ("Asia/Kolkata", "14:30", 9),  # +05:30
    ],
)
def test_times_are_entered_in_the_recruiters_zone_and_stored_in_utc(
    org, recruiter, panel_form, zone, typed, stored_hour
):
    _set_zone(org.recruiter, zone)
    data = panel_form(org.plan(), candidate_id=org.candidate.id, requisition_id=org.requisition.id)
    day = org.day.strftime("%Y-%m-%d")
    first = datetime.strptime(f"{day}T{typed}", "%Y-%m-%dT%H:%M")
    for index in range(4):  # two hours apart, as typed in the recruiter's zone
        data[f"interviews-{index}-starts_at"] = (
            f"{first + timedelta(hours=2 * index):%Y-%m-%dT%H:%M}"
        )
    response = recruiter.post("/loops/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    loop = db.session.scalars(sa.select(Loop)).one()
    bar_raiser_interview = next(i for i in loop.interviews if i.interviewer_id == org.bar_raiser.id)
    assert bar_raiser_interview.starts_at.hour == stored_hour
    page = recruiter.get(f"/loops/{loop.id}").get_data(as_text=True)
    assert f"{day} {typed}" in page  # shown back as it was typed, in the same zone


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("UTC", "09:00 UTC"), ("Europe/Berlin", "10:00 CET"), ("America/Los_Angeles", "01:00 PST")],
)
def test_every_page_shows_times_in_the_readers_zone(org, login_as, clock, zone, shown):
    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=org.plan(),
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    person = org.interviewers[0]
    _set_zone(person, zone)
    client = login_as(person)
    page = client.get(f"/loops/{loop.id}").get_data(as_text=True)
    assert shown in page
    interview = next(i for i in loop.interviews if i.interviewer_id == person.id)
    ics = client.get(f"/loops/interviews/{interview.id}.ics").get_data(as_text=True)
    if zone != "UTC":
        assert f"DTSTART;TZID={zone}:" in ics and "BEGIN:VTIMEZONE" in ics


def test_the_organisations_zone_applies_to_those_without_their_own(org, login_as, clock):
    admin = login_as("admin")
    response = admin.post(
        "/admin/settings/",
        data={
            **{key: str(value) for key, value in current_settings().__dict__.items()},
            "allow_principle_overlap": "",
            "time_zone": "Europe/Paris",
        },
    )
    assert response.status_code == 302
    assert current_settings().time_zone == "Europe/Paris"
    page = login_as(org.recruiter).get("/account/profile").get_data(as_text=True)
    assert (
        "The organisation&#39;s (Europe/Paris)" in page
        or "The organisation's (Europe/Paris)" in page
    )
    assert "CET" in page


@pytest.mark.parametrize(
    ("sent", "status", "stored"),
    [
        ("Europe/Berlin", 302, "Europe/Berlin"),
        ("", 302, None),
        ("Mars/Olympus_Mons", 422, None),
        ("europe/berlin", 422, None),
        ("UTC" * 30, 422, None),
    ],
)
def test_a_person_sets_their_own_zone_and_a_bad_one_is_refused(
    org, recruiter, sent, status, stored
):
    response = recruiter.post("/account/profile", data={"time_zone": sent})
    assert response.status_code == status
    db.session.expire_all()
    assert org.recruiter.time_zone == stored
    if status == 422:
        assert "is not a time zone" in response.get_data(as_text=True)


# --- scheduling: the minimum panel and interviews in the past -----------------------------------


@pytest.mark.parametrize(
    ("minimum", "panel", "allowed"), [(4, 4, True), (4, 3, False), (2, 3, True), (5, 4, False)]
)
def test_a_loop_below_the_minimum_panel_cannot_be_scheduled(
    org, recruiter, clock, minimum, panel, allowed
):
    change_settings(
        current_settings().replace(min_panel_size=minimum), actor=org.recruiter, now=clock()
    )
    plan = org.plan()
    plan = plan.__class__(bar_raiser_id=plan.bar_raiser_id, interviews=plan.interviews[:panel])
    change_settings(
        current_settings().replace(allow_principle_overlap=False), actor=org.recruiter, now=clock()
    )
    db.session.commit()
    if panel < 4:  # a smaller panel cannot cover the four required principles one each
        interviews = list(plan.interviews)
        last = interviews[-1]
        missing = tuple(p.id for p in org.required[panel - 1 :])
        interviews[-1] = last.__class__(last.interviewer_id, last.starts_at, 60, missing[:3])
        plan = plan.__class__(bar_raiser_id=plan.bar_raiser_id, interviews=tuple(interviews))
    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=plan,
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    response = recruiter.post(f"/loops/{loop.id}/schedule", data={"version": loop.version})
    db.session.expire_all()
    if allowed:
        assert response.status_code == 302
        assert db.session.get(Loop, loop.id).state is LoopState.SCHEDULED
    else:
        assert response.status_code == 422
        assert f"at least {minimum} interviews" in response.get_data(as_text=True)
        assert db.session.get(Loop, loop.id).state is LoopState.DRAFT


@pytest.mark.parametrize("confirmed", [False, True])
def test_interviews_in_the_past_must_be_confirmed_before_scheduling(
    org, login_as, clock, confirmed
):
    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=org.plan(),
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    clock.advance(days=3)
    recruiter = login_as(org.recruiter)  # the earlier session has ended by now
    page = recruiter.get(f"/loops/{loop.id}").get_data(as_text=True)
    assert 'id="past-warning"' in page
    data = {"version": loop.version} | ({"confirm_past": "y"} if confirmed else {})
    response = recruiter.post(f"/loops/{loop.id}/schedule", data=data)
    db.session.expire_all()
    if confirmed:
        assert response.status_code == 302
        assert db.session.get(Loop, loop.id).state is LoopState.SCHEDULED
    else:
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert re.search(
            r'id="confirm_past-errors"[^>]*>Every interview of this loop is in the past', body
        )
        assert db.session.get(Loop, loop.id).state is LoopState.DRAFT


# --- Bar Raisers offered, and where their errors go --------------------------------------------


def _select(page: str, name: str) -> str:
    return re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)


@pytest.mark.parametrize(
    ("who", "offered"),
    [
        ("bar_raiser", True),
        ("other_bar_raiser", True),
        ("inside_bar_raiser", False),
        ("uncertified", False),
        ("hiring_manager", False),
    ],
)
def test_only_eligible_bar_raisers_are_offered_for_the_requisition(org, recruiter, who, offered):
    page = recruiter.get(f"/loops/new?requisition={org.requisition.id}").get_data(as_text=True)
    person = getattr(org, who)
    assert (f'value="{person.id}"' in _select(page, "bar_raiser_id")) is offered


def test_an_ineligible_bar_raisers_error_is_on_the_bar_raiser_field(
    org, recruiter, panel_form, error_of
):
    plan = org.plan()
    plan = org.with_interview(plan, 0, interviewer_id=org.inside_bar_raiser.id)
    plan = plan.__class__(bar_raiser_id=org.inside_bar_raiser.id, interviews=plan.interviews)
    data = panel_form(plan, candidate_id=org.candidate.id, requisition_id=org.requisition.id)
    response = recruiter.post("/loops/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "pick a Bar Raiser from outside Payments" in error_of(page, "bar_raiser_id")
    assert "outside Payments" not in (error_of(page, "interviews-0-interviewer_id") or "")


# --- the candidate picker -----------------------------------------------------------------------


def test_the_candidate_picker_searches_on_the_server(org, recruiter, clock):
    for n in range(60):
        create_candidate(
            name=f"Person {n:03d}",
            email=f"p{n}@example.org",
            source="",
            notes="",
            actor=org.recruiter,
            now=clock(),
        )
    create_candidate(
        name="Zelda Quist",
        email="zq@example.org",
        source="",
        notes="",
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    page = recruiter.get("/loops/new").get_data(as_text=True)
    assert "The 50 most recent of 62 candidates are listed" in page
    response = recruiter.post(
        "/loops/new",
        data={
            "candidate_query": "quist",
            "find_candidate": "Search",
            "interviews-0-duration_minutes": "60",
        },
    )
    assert response.status_code == 200
    select = _select(response.get_data(as_text=True), "candidate_id")
    assert "Zelda Quist" in select and "Person 001" not in select
    assert "Zelda Quist" in _select(
        recruiter.get("/loops/new?candidate_q=zelda").get_data(as_text=True), "candidate_id"
    )


# --- interview plans ----------------------------------------------------------------------------


def test_a_loop_is_built_from_the_requisitions_plan_and_a_panel_is_copied(org, recruiter, clock):
    data = {}
    for index, principle in enumerate(org.required):
        data[f"slots-{index}-principle_ids"] = [str(principle.id)]
        data[f"slots-{index}-duration_minutes"] = "45"
        data[f"slots-{index}-interviewer_id"] = str(org.interviewers[index].id) if index else ""
    response = recruiter.post(f"/requisitions/{org.requisition.id}/plan", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert [slot.principle_ids for slot in org.requisition.plan] == [(p.id,) for p in org.required]
    page = recruiter.get(f"/loops/new?requisition={org.requisition.id}&from_plan=1").get_data(
        as_text=True
    )
    assert "filled from the interview plan" in page
    assert re.search(
        rf'<input checked[^>]*name="interviews-3-principle_ids"[^>]*value="{org.required[3].id}"',
        page,
    )
    assert f'<option selected value="{org.interviewers[1].id}">' in page
    bad = recruiter.post(
        f"/requisitions/{org.requisition.id}/plan",
        data={"slots-0-principle_ids": [str(p.id) for p in org.required]},
    )
    assert bad.status_code == 422 and "one to three principles" in bad.get_data(as_text=True)

    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=org.plan(),
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    copy = recruiter.get(f"/loops/new?copy={loop.id}").get_data(as_text=True)
    assert "filled from the panel of the loop for Casey Candidate" in copy
    assert f'<option selected value="{org.bar_raiser.id}">' in _select(copy, "bar_raiser_id")
    assert 'name="interviews-0-starts_at" type="datetime-local" value=""' in copy


# --- outcome in the lists, and independence -----------------------------------------------------


def _decide(loop: Loop, outcome: Outcome, *, vetoed: bool = False) -> None:
    db.session.execute(
        sa.update(Loop)
        .where(Loop.id == loop.id)
        .values(state=LoopState.DECIDED, outcome=outcome, vetoed=vetoed, decided_at=loop.created_at)
    )
    db.session.commit()


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.RECRUITER, Role.INSPECTOR, Role.HIRING_MANAGER, None]
)
def test_the_outcome_is_sealed_from_a_panelist_who_owes_feedback_whatever_their_roles(
    make_loop, login_as, role
):
    built = make_loop()
    _decide(built.loop, Outcome.HIRE)
    panelist = built.interviewers[1]
    if role is not None:
        from barraiser.auth.models import UserRole

        db.session.add(UserRole(user_id=panelist.id, role=role))
        db.session.commit()
    client = login_as(panelist)
    listing = client.get("/loops/").get_data(as_text=True)
    assert 'data-outcome="sealed"' in listing and 'data-outcome="hire"' not in listing
    filtered = client.get("/loops/?outcome=hire").get_data(as_text=True)
    assert "No loops match." in filtered
    candidate_page = f"/candidates/{built.loop.candidate_id}"
    assert 'data-outcome="sealed"' in client.get(candidate_page).get_data(as_text=True)
    by_outcome = client.get(f"{candidate_page}?outcome=hire").get_data(as_text=True)
    assert f'href="/loops/{built.loop.id}"' not in by_outcome
    # Once their feedback is in, the outcome shows.
    interview = next(i for i in built.loop.interviews if i.interviewer_id == panelist.id)
    at = built.loop.created_at
    db.session.add(
        Feedback(
            interview_id=interview.id,
            author_id=panelist.id,
            state=FeedbackState.SUBMITTED,
            vote=Vote.INCLINED_HIRE,
            raises_bar=True,
            summary="Owned the outage end to end.",
            created_at=at,
            updated_at=at,
            submitted_at=at,
            due_at=at,
        )
    )
    db.session.commit()
    assert 'data-outcome="hire"' in client.get("/loops/?outcome=hire").get_data(as_text=True)


@pytest.mark.parametrize(
    ("outcome", "vetoed", "shown"),
    [
        (Outcome.HIRE, False, "hire"),
        (Outcome.NO_HIRE, False, "no_hire"),
        (Outcome.NO_HIRE, True, "vetoed"),
        (None, False, "pending"),
    ],
)
def test_the_recruiter_sees_and_filters_each_outcome(make_loop, login_as, outcome, vetoed, shown):
    built = make_loop()
    if outcome is not None:
        _decide(built.loop, outcome, vetoed=vetoed)
    client = login_as("recruiter")
    assert f'data-outcome="{shown}"' in client.get("/loops/").get_data(as_text=True)
    assert f'data-outcome="{shown}"' in client.get(f"/loops/?outcome={shown}").get_data(
        as_text=True
    )
    others = [o for o in ("hire", "no_hire", "vetoed", "pending") if o != shown]
    for other in others:
        assert "No loops match." in client.get(f"/loops/?outcome={other}").get_data(as_text=True)
    assert client.get("/loops/?outcome=maybe").status_code == 400
    requisition_page = f"/requisitions/{built.loop.requisition_id}"
    assert f'data-outcome="{shown}"' in client.get(f"{requisition_page}?outcome={shown}").get_data(
        as_text=True
    )
    assert f'href="/loops/{built.loop.id}"' not in client.get(
        f"{requisition_page}?outcome={others[0]}"
    ).get_data(as_text=True)


def test_loops_are_searched_by_candidate_requisition_and_interviewer(make_loop, login_as):
    first = make_loop(tag="a")
    make_loop(tag="b")
    client = login_as("recruiter")
    candidate = first.loop.candidate.name
    for text in (candidate, first.loop.requisition.title, first.interviewers[2].name):
        page = client.get("/loops/", query_string={"q": text}).get_data(as_text=True)
        assert f'href="/loops/{first.loop.id}"' in page, text
    assert "No loops match." in client.get("/loops/?q=nobody-called-this").get_data(as_text=True)


def test_a_search_takes_wildcards_and_case_as_plain_text(make_loop, login_as):
    odd = make_loop(tag="a").loop
    odd.candidate.name = "Pat 100%_Sure/Ok"
    plain = make_loop(tag="b").loop
    plain.candidate.name = "Pat 1000 SureXOk"
    db.session.commit()
    client = login_as("recruiter")
    for text, found in (("100%_sure/o", {odd}), ("pat 10", {odd, plain}), ("0%", {odd})):
        page = client.get("/loops/", query_string={"q": text}).get_data(as_text=True)
        shown = {loop for loop in (odd, plain) if f'href="/loops/{loop.id}"' in page}
        assert shown == found, text


@pytest.mark.parametrize("url", ["/loops/", "/loops/?outcome=hire&q=e", "/loops/?state=scheduled"])
def test_an_interviewers_loop_list_costs_the_same_at_any_history_size(
    make_loop, login_as, count_queries, clock, url
):
    built = make_loop(tag="")
    client = login_as(built.interviewers[1])
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for n in range(8):
        make_loop(tag=f"h{n}", starts_at=clock() + timedelta(days=2 + n))
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert few.count == many.count


def test_a_refusal_names_times_in_the_recruiters_zone(org, clock):
    from barraiser.loops.rules import PanelInvalid

    create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=org.plan(),
        actor=org.recruiter,
        now=clock(),
    )
    _set_zone(org.recruiter, "Europe/Berlin")
    with pytest.raises(PanelInvalid) as refused:
        create_loop(
            candidate_id=org.candidate.id,
            requisition_id=org.requisition.id,
            panel=org.plan(),
            actor=org.recruiter,
            now=clock(),
        )
    assert "has another interview from 2026-03-03 10:00 CET to 11:00 CET" in str(refused.value)
