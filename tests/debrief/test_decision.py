"""The decision: the hiring manager proposes, the Bar Raiser concurs or vetoes. Hire only on a
proposed hire with concurrence; a veto is final; a decided loop is read-only for everyone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.debrief import services
from barraiser.debrief.models import HirePerformance, Proposal, Verdict
from barraiser.domain import LoopState, Outcome, VerdictKind, Vote
from barraiser.errors import Conflict, Forbidden, RuleViolation
from barraiser.extensions import db
from barraiser.loops.models import Loop
from barraiser.principles.models import Principle


def _url(built, action: str = "") -> str:
    return f"/loops/{built.loop.id}/debrief{action}"


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


PROPOSE = {
    "proposal-decision": "hire",
    "proposal-rationale": "Raised the bar on ownership.",
    "proposal-early_reason": "The candidate flies home tonight.",
}
CONCUR = {"concur-confirm": "y"}


def _veto_data(built) -> dict:
    return {
        "veto-rationale": "Could not go deep on the ledger fix.",
        "veto-principles": [str(built.panel[0].principles[0].id)],
        "veto-confirm": "y",
    }


def _person(built, who: str):
    return {
        "bar_raiser": built.bar_raiser,
        "hiring_manager": built.hiring_manager,
        "panelist": built.interviewers[1],
        "shadow": built.shadow,
    }.get(who, who)


# --- the outcome table ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proposal", "verdict", "outcome", "vetoed"),
    [
        (Outcome.HIRE, "concur", Outcome.HIRE, False),
        (Outcome.HIRE, "veto", Outcome.NO_HIRE, True),
        (Outcome.NO_HIRE, "concur", Outcome.NO_HIRE, False),
    ],
)
def test_the_outcome_follows_proposal_and_verdict(
    debrief_loop, decide, clock, proposal, verdict, outcome, vetoed
):
    decide(debrief_loop, proposal, verdict)
    db.session.expire_all()
    loop = debrief_loop.loop
    assert loop.state is LoopState.DECIDED
    assert (loop.outcome, loop.vetoed, loop.decided_at) == (outcome, vetoed, clock())
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.startswith("debrief."))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "debrief.opened",
        "debrief.proposed",
        "debrief.vetoed" if verdict == "veto" else "debrief.concurred",
    ]


def test_the_bar_raiser_cannot_force_a_hire(debrief_loop, decide):
    """Concurring with a no-hire gives no hire: there is no verdict that makes a hire alone."""
    decide(debrief_loop, Outcome.NO_HIRE, "concur")
    assert debrief_loop.loop.outcome is Outcome.NO_HIRE
    assert services.outcome_of(Outcome.NO_HIRE, VerdictKind.CONCUR) is Outcome.NO_HIRE
    assert services.outcome_of(Outcome.NO_HIRE, VerdictKind.VETO) is Outcome.NO_HIRE


def test_a_no_hire_proposal_cannot_be_vetoed_and_stays_open(debrief_loop, decide):
    """A veto stops a hire; a "veto" of a no-hire would only inflate the Bar Raiser's veto rate."""
    with pytest.raises(RuleViolation, match="already no hire"):
        decide(debrief_loop, Outcome.NO_HIRE, "veto")
    db.session.rollback()
    db.session.expire_all()
    loop = debrief_loop.loop
    assert (loop.state, loop.outcome, loop.vetoed) == (LoopState.DEBRIEF, None, False)


# --- the steps through the page, and who may take them ---------------------------------------


def test_the_decision_through_the_page(debrief_loop, login_as, clock):
    manager = login_as(debrief_loop.hiring_manager)
    assert "Your proposal" in manager.get(_url(debrief_loop)).get_data(as_text=True)
    assert manager.post(_url(debrief_loop, "/proposal"), data=PROPOSE).status_code == 302

    bar_raiser = login_as(debrief_loop.bar_raiser)
    page = bar_raiser.get(_url(debrief_loop)).get_data(as_text=True)
    assert "Concur or veto" in page and "Raised the bar on ownership." in page
    response = bar_raiser.post(_url(debrief_loop, "/veto"), data=_veto_data(debrief_loop))
    assert response.status_code == 302

    text = bar_raiser.get(_url(debrief_loop)).get_data(as_text=True)
    assert "Outcome: no hire" in text and 'data-testid="vetoed"' in text
    assert "Could not go deep on the ledger fix." in text
    assert "Concur or veto" not in text and "Your proposal" not in text
    verdict = db.session.scalar(sa.select(Verdict))
    assert [principle.name for principle in verdict.principles] == ["Customer Obsession"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "debrief.vetoed"))
    assert event.details["principles"] == ["Customer Obsession"]
    assert event.details["outcome"] == "no_hire"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("hiring_manager", 302),
        ("bar_raiser", 403),
        ("panelist", 403),
        ("shadow", 403),
        ("recruiter", 403),
        ("admin", 403),
        ("inspector", 404),
    ],
)
def test_only_the_hiring_manager_proposes(debrief_loop, login_as, who, status):
    browser = login_as(_person(debrief_loop, who))
    assert browser.post(_url(debrief_loop, "/proposal"), data=PROPOSE).status_code == status
    assert _count(Proposal) == (1 if status == 302 else 0)


@pytest.mark.parametrize("action", ["concur", "veto"])
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("bar_raiser", 302),
        ("hiring_manager", 403),
        ("panelist", 403),
        ("shadow", 403),
        ("recruiter", 403),
        ("admin", 403),
        ("inspector", 404),
    ],
)
def test_only_the_bar_raiser_concurs_or_vetoes(debrief_loop, login_as, clock, action, who, status):
    services.propose(
        debrief_loop.loop,
        decision=Outcome.HIRE,
        rationale="Yes.",
        early_reason="The candidate flies home tonight.",
        actor=debrief_loop.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    data = _veto_data(debrief_loop) if action == "veto" else CONCUR
    browser = login_as(_person(debrief_loop, who))
    assert browser.post(_url(debrief_loop, f"/{action}"), data=data).status_code == status
    db.session.expire_all()
    assert _count(Verdict) == (1 if status == 302 else 0)
    expected = LoopState.DECIDED if status == 302 else LoopState.DEBRIEF
    assert debrief_loop.loop.state is expected


def test_a_proposal_waits_for_the_debrief(ready_loop, login_as):
    response = login_as(ready_loop.hiring_manager).post(_url(ready_loop, "/proposal"), data=PROPOSE)
    assert response.status_code == 409
    assert "only while the loop is in debrief" in response.get_data(as_text=True)
    assert _count(Proposal) == 0


def test_a_second_proposal_is_a_conflict(debrief_loop, login_as):
    manager = login_as(debrief_loop.hiring_manager)
    assert manager.post(_url(debrief_loop, "/proposal"), data=PROPOSE).status_code == 302
    other = {"proposal-decision": "no_hire", "proposal-rationale": "Changed my mind."}
    again = manager.post(_url(debrief_loop, "/proposal"), data=other)
    assert again.status_code == 409
    assert "Hm already proposed hire." in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(Proposal.decision)) is Outcome.HIRE


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"proposal-rationale": "why"}, "Choose hire or no hire."),
        ({"proposal-decision": "maybe", "proposal-rationale": "why"}, "Not a valid choice"),
        ({"proposal-decision": "hire"}, "Write the rationale for your proposal."),
        ({"proposal-decision": "hire", "proposal-rationale": "x" * 6000}, "characters"),
    ],
)
def test_a_malformed_proposal_is_refused_with_a_message(debrief_loop, login_as, data, message):
    response = login_as(debrief_loop.hiring_manager).post(
        _url(debrief_loop, "/proposal"), data=data
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(Proposal) == 0


def test_a_blank_rationale_is_refused_by_the_service(debrief_loop, clock):
    with pytest.raises(RuleViolation, match="rationale"):
        services.propose(
            debrief_loop.loop,
            decision=Outcome.HIRE,
            rationale="   ",
            early_reason="The candidate flies home tonight.",
            actor=debrief_loop.hiring_manager,
            now=clock(),
        )


def test_no_verdict_before_a_proposal(debrief_loop, login_as):
    browser = login_as(debrief_loop.bar_raiser)
    assert "Concur or veto" not in browser.get(_url(debrief_loop)).get_data(as_text=True)
    response = browser.post(_url(debrief_loop, "/concur"), data=CONCUR)
    assert response.status_code == 409
    assert "has not proposed a decision yet" in response.get_data(as_text=True)
    db.session.expire_all()
    assert debrief_loop.loop.state is LoopState.DEBRIEF


# --- the veto's rationale and principles ----------------------------------------------------


@pytest.fixture
def proposed(debrief_loop, clock):
    services.propose(
        debrief_loop.loop,
        decision=Outcome.HIRE,
        rationale="Hire.",
        early_reason="The candidate flies home tonight.",
        actor=debrief_loop.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    return debrief_loop


@pytest.mark.parametrize(
    ("rationale", "principles", "message"),
    [
        ("", "assigned", "A veto needs a written rationale."),
        ("   ", "assigned", "A veto needs a written rationale."),
        ("Below the bar.", "none", "Name at least one principle the veto is about."),
        ("Below the bar.", "unassigned", "Name only principles this loop"),
    ],
)
def test_a_veto_needs_a_rationale_and_the_loops_principles(
    proposed, clock, rationale, principles, message
):
    assigned = proposed.panel[0].principles[0].id
    spare = db.session.scalar(sa.select(Principle.id).where(Principle.position == 16))
    ids = {"assigned": [assigned], "none": [], "unassigned": [assigned, spare]}[principles]
    with pytest.raises(RuleViolation, match=message):
        services.veto(
            proposed.loop,
            rationale=rationale,
            principle_ids=ids,
            actor=proposed.bar_raiser,
            now=clock(),
        )
    db.session.rollback()
    assert proposed.loop.state is LoopState.DEBRIEF and _count(Verdict) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"veto-principles": ["1"]}, "A veto needs a written rationale."),
        ({"veto-rationale": "Weak."}, "Name at least one principle the veto is about."),
        ({"veto-rationale": "Weak.", "veto-principles": ["16"]}, "is not a valid choice"),
        ({"veto-rationale": "Weak.", "veto-principles": ["abc"]}, "could not be coerced"),
    ],
)
def test_a_malformed_veto_is_refused_next_to_the_field(proposed, login_as, data, message):
    response = login_as(proposed.bar_raiser).post(_url(proposed, "/veto"), data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert proposed.loop.state is LoopState.DEBRIEF and _count(Verdict) == 0


# --- read-only once decided ------------------------------------------------------------------


ATTEMPTS = {
    "open": lambda built, actor, now: services.open_debrief(
        built.loop, reason="again", actor=actor, now=now
    ),
    "final_vote": lambda built, actor, now: services.cast_final_vote(
        built.loop, vote=Vote.STRONG_HIRE, actor=actor, now=now
    ),
    "propose": lambda built, actor, now: services.propose(
        built.loop, decision=Outcome.HIRE, rationale="Hire after all.", actor=actor, now=now
    ),
    "concur": lambda built, actor, now: services.concur(built.loop, actor=actor, now=now),
    "veto": lambda built, actor, now: services.veto(
        built.loop,
        rationale="Again.",
        principle_ids=[built.panel[0].principles[0].id],
        actor=actor,
        now=now,
    ),
}


@pytest.mark.parametrize("attempt", sorted(ATTEMPTS))
@pytest.mark.parametrize("who", ["bar_raiser", "hiring_manager", "panelist", "admin"])
def test_nothing_turns_a_vetoed_loop_into_a_hire(
    debrief_loop, decide, user_in_role, clock, attempt, who
):
    decide(debrief_loop, Outcome.HIRE, "veto")
    actor = user_in_role("admin") if who == "admin" else _person(debrief_loop, who)
    with pytest.raises((Conflict, Forbidden)) as refused:
        ATTEMPTS[attempt](debrief_loop, actor, clock())
    if isinstance(refused.value, Conflict):
        assert "was decided on" in refused.value.message
        assert "and is read-only" in refused.value.message
    db.session.rollback()
    loop = db.session.get(Loop, debrief_loop.loop.id)
    assert (loop.outcome, loop.vetoed) == (Outcome.NO_HIRE, True)


@pytest.mark.parametrize(
    ("action", "who", "data"),
    [
        ("/proposal", "hiring_manager", PROPOSE),
        ("/concur", "bar_raiser", CONCUR),
        ("/final-vote", "panelist", {"final-vote": "strong_hire"}),
        ("/open", "bar_raiser", {}),
    ],
)
def test_a_decided_loop_answers_409_read_only_on_the_page(
    debrief_loop, decide, login_as, action, who, data
):
    decide(debrief_loop, Outcome.HIRE, "veto")
    response = login_as(_person(debrief_loop, who)).post(_url(debrief_loop, action), data=data)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "This loop was decided on" in text and "is read-only." in text
    assert 'data-testid="vetoed"' in text  # and the page as it now stands


def test_the_database_itself_refuses_a_vetoed_hire(debrief_loop, decide):
    decide(debrief_loop, Outcome.HIRE, "veto")
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.update(Loop).where(Loop.id == debrief_loop.loop.id).values(outcome=Outcome.HIRE)
        )
        db.session.flush()
    db.session.rollback()


# --- the hire's performance ------------------------------------------------------------------


def test_the_hiring_manager_records_performance_on_a_hire(debrief_loop, decide, login_as, clock):
    decide(debrief_loop, Outcome.HIRE, "concur")
    clock.advance(days=200)
    manager = login_as(debrief_loop.hiring_manager)
    assert "Record the hire" in manager.get(_url(debrief_loop)).get_data(as_text=True)
    six_months = (clock() - timedelta(days=20)).date()
    for rated_on, rating in ((six_months, 3), (clock().date(), 4)):
        response = manager.post(
            _url(debrief_loop, "/performance"),
            data={"performance-rating": str(rating), "performance-rated_on": rated_on.isoformat()},
        )
        assert response.status_code == 302
    text = manager.get(_url(debrief_loop)).get_data(as_text=True)
    assert f"{clock().date().isoformat()}: 4 / 5 (latest)" in text
    assert f"{six_months.isoformat()}: 3 / 5" in text
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "debrief.performance_recorded")
    ).all()
    assert [event.details["rating"] for event in events] == [3, 4]


@pytest.mark.parametrize(
    ("who", "status"),
    [("hiring_manager", 302), ("bar_raiser", 403), ("recruiter", 403), ("admin", 403)],
)
def test_only_the_hiring_manager_records_performance(
    debrief_loop, decide, login_as, clock, who, status
):
    decide(debrief_loop, Outcome.HIRE, "concur")
    response = login_as(_person(debrief_loop, who)).post(
        _url(debrief_loop, "/performance"),
        data={"performance-rating": "4", "performance-rated_on": clock().date().isoformat()},
    )
    assert response.status_code == status
    assert _count(HirePerformance) == (1 if status == 302 else 0)


@pytest.mark.parametrize("verdict", ["veto", "concur-no-hire", "undecided"])
def test_no_performance_without_a_hire(debrief_loop, decide, clock, verdict):
    if verdict == "veto":
        decide(debrief_loop, Outcome.HIRE, "veto")
    elif verdict == "concur-no-hire":
        decide(debrief_loop, Outcome.NO_HIRE, "concur")
    with pytest.raises(Conflict, match="only for a loop decided as a hire"):
        services.record_hire_performance(
            debrief_loop.loop,
            rating=4,
            rated_on=clock().date(),
            actor=debrief_loop.hiring_manager,
            now=clock(),
        )


@pytest.mark.parametrize(
    ("rating", "rated_on", "error", "message"),
    [
        (0, 0, RuleViolation, "from 1 to 5"),
        (6, 0, RuleViolation, "from 1 to 5"),
        (4, -400, RuleViolation, "before the hiring decision"),
        (4, 2, RuleViolation, "in the future"),
    ],
)
def test_performance_ratings_are_checked(
    debrief_loop, decide, clock, rating, rated_on, error, message
):
    decide(debrief_loop, Outcome.HIRE, "concur")
    with pytest.raises(error, match=message):
        services.record_hire_performance(
            debrief_loop.loop,
            rating=rating,
            rated_on=clock().date() + timedelta(days=rated_on),
            actor=debrief_loop.hiring_manager,
            now=clock(),
        )


def test_two_ratings_on_the_same_date_conflict(debrief_loop, decide, clock, login_as):
    decide(debrief_loop, Outcome.HIRE, "concur")
    data = {"performance-rating": "4", "performance-rated_on": clock().date().isoformat()}
    manager = login_as(debrief_loop.hiring_manager)
    assert manager.post(_url(debrief_loop, "/performance"), data=data).status_code == 302
    again = manager.post(_url(debrief_loop, "/performance"), data=data)
    assert again.status_code == 409
    assert "is already recorded" in again.get_data(as_text=True)
    assert _count(HirePerformance) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"performance-rating": "9", "performance-rated_on": "2026-03-04"},
        {"performance-rating": "four", "performance-rated_on": "2026-03-04"},
        {"performance-rating": "4", "performance-rated_on": "yesterday"},
        {"performance-rating": "4"},
    ],
)
def test_malformed_performance_is_a_400(debrief_loop, decide, login_as, data):
    decide(debrief_loop, Outcome.HIRE, "concur")
    response = login_as(debrief_loop.hiring_manager).post(
        _url(debrief_loop, "/performance"), data=data
    )
    assert response.status_code == 400
    assert _count(HirePerformance) == 0


def test_rating_dates_are_calendar_dates(debrief_loop, decide, clock):
    decide(debrief_loop, Outcome.HIRE, "concur")
    performance = services.record_hire_performance(
        debrief_loop.loop,
        rating=5,
        rated_on=date(2026, 3, 3),
        actor=debrief_loop.hiring_manager,
        now=clock(),
    )
    assert performance.rated_on == date(2026, 3, 3)
