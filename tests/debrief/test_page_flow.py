"""The debrief page at work: a proposal before every final vote needs a recorded reason; every
action answers so that a reload is the page (never a 405); a concurrence and a veto are confirmed;
each role is told, in its own words, why it sees counts only; the print view is for whom may read
the debrief; long evidence is previewed; and a decided outcome never reaches a panelist who owes
their feedback."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from debrief.panel_feedback import submit_panel_feedback, write_feedback

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import Role, UserRole
from barraiser.debrief import services
from barraiser.debrief.models import Proposal, Verdict
from barraiser.domain import LoopState, Outcome, Vote
from barraiser.errors import RuleViolation
from barraiser.extensions import db
from barraiser.feedback.models import PrincipleRating

REASON = "The candidate flies home tonight and the last panelist is ill."


def _url(built, action: str = "") -> str:
    return f"/loops/{built.loop.id}/debrief{action}"


def _text(response) -> str:
    """What a reader sees: the page's words, tags dropped, spaces collapsed."""
    words = re.sub(r"<[^>]+>", "", response.get_data(as_text=True))
    return " ".join(html.unescape(words).split())


def _cast_all_final_votes(built, clock) -> None:
    for interview in built.panel:
        services.cast_final_vote(
            built.loop, vote=Vote.INCLINED_HIRE, actor=interview.interviewer, now=clock()
        )
    db.session.commit()


# --- a proposal before every final vote is in -------------------------------------------------


def test_a_proposal_before_every_final_vote_needs_a_reason(debrief_loop, clock):
    services.cast_final_vote(
        debrief_loop.loop, vote=Vote.STRONG_HIRE, actor=debrief_loop.interviewers[1], now=clock()
    )
    db.session.commit()
    with pytest.raises(RuleViolation) as refused:
        services.propose(
            debrief_loop.loop,
            decision=Outcome.HIRE,
            rationale="Hire.",
            early_reason="   ",
            actor=debrief_loop.hiring_manager,
            now=clock(),
        )
    assert refused.value.field == "early_reason"
    assert "3 final votes are not in yet (Br, Panel2, Panel3)" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_an_early_proposal_keeps_its_reason_audits_it_and_shows_it(debrief_loop, login_as, clock):
    services.propose(
        debrief_loop.loop,
        decision=Outcome.HIRE,
        rationale="Hire.",
        early_reason=f"  {REASON}  ",
        actor=debrief_loop.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    assert db.session.scalar(sa.select(Proposal.early_reason)) == REASON
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "debrief.proposed"))
    assert event.details["early"] is True and event.details["final_votes_missing"] == 4
    assert REASON not in str(event.details)  # the text stays where erasure reaches it
    text = _text(login_as(debrief_loop.bar_raiser).get(_url(debrief_loop)))
    assert f"Proposed before every final vote was in. Reason: {REASON}" in text


def test_once_every_final_vote_is_in_no_reason_is_needed_nor_kept(debrief_loop, clock):
    _cast_all_final_votes(debrief_loop, clock)
    services.propose(
        debrief_loop.loop,
        decision=Outcome.NO_HIRE,
        rationale="No hire.",
        early_reason=REASON,
        actor=debrief_loop.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    assert db.session.scalar(sa.select(Proposal.early_reason)) is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "debrief.proposed"))
    assert event.details["early"] is False


def test_the_proposal_form_says_how_many_final_votes_are_in(debrief_loop, login_as, clock):
    manager = login_as(debrief_loop.hiring_manager)
    text = _text(manager.get(_url(debrief_loop)))
    assert "0 of 4 final votes are in. Wait for the rest, or write why you propose now" in text
    assert "Why propose before every final vote is in" in text
    response = manager.post(
        _url(debrief_loop, "/proposal"),
        data={"proposal-decision": "hire", "proposal-rationale": "Hire."},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    # The message sits under its field, tied to it.
    assert 'id="proposal-early_reason-errors"' in body
    assert "4 final votes are not in yet" in html.unescape(body)
    _cast_all_final_votes(debrief_loop, clock)
    text = _text(manager.get(_url(debrief_loop)))
    assert "All 4 final votes are in." in text
    assert "Why propose before every final vote is in" not in text


# --- post/redirect/get, and no 405 on reload ---------------------------------------------------


def test_an_accepted_action_redirects_to_the_decision_panel(debrief_loop, login_as):
    response = login_as(debrief_loop.interviewers[1]).post(
        _url(debrief_loop, "/final-vote"), data={"final-vote": "strong_hire"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == _url(debrief_loop) + "#decision-panel"


@pytest.mark.parametrize(
    "action", ["/open", "/final-vote", "/proposal", "/concur", "/veto", "/performance"]
)
def test_reloading_an_action_address_is_the_page_never_a_405(debrief_loop, login_as, action):
    response = login_as(debrief_loop.bar_raiser).get(_url(debrief_loop, action))
    assert response.status_code == 303
    assert response.headers["Location"] == _url(debrief_loop) + "#decision-panel"
    assert login_as("interviewer").get(_url(debrief_loop, action)).status_code == 404


def test_a_refused_action_answers_on_the_page_scrolled_to_its_error(debrief_loop, login_as, clock):
    services.propose(
        debrief_loop.loop,
        decision=Outcome.HIRE,
        rationale="Hire.",
        early_reason=REASON,
        actor=debrief_loop.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    response = login_as(debrief_loop.bar_raiser).post(
        _url(debrief_loop, "/veto"), data={"veto-confirm": "y"}
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    # The page's own address goes back in the location bar; the form posts to #decision, where
    # the panel holding the error is.
    assert 'data-refused="true"' in body
    assert f'data-page-url="{_url(debrief_loop)}"' in body
    assert f'action="{_url(debrief_loop, "/veto")}#decision-panel"' in body
    decision_panel = body[body.index('id="decision-panel"') : body.index('class="debrief-main"')]
    assert "A veto needs a written rationale." in decision_panel


# --- confirming a concurrence and a veto -------------------------------------------------------


@pytest.mark.parametrize("action", ["concur", "veto"])
def test_an_unconfirmed_verdict_changes_nothing(debrief_loop, login_as, clock, action):
    services.propose(
        debrief_loop.loop,
        decision=Outcome.HIRE,
        rationale="Hire.",
        early_reason=REASON,
        actor=debrief_loop.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    data = {
        f"{action}-rationale": "Below the bar on depth.",
        "veto-principles": [str(debrief_loop.panel[0].principles[0].id)],
    }
    response = login_as(debrief_loop.bar_raiser).post(_url(debrief_loop, f"/{action}"), data=data)
    assert response.status_code == 400
    message = "Confirm the veto: it is final." if action == "veto" else "Confirm that you concur"
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert debrief_loop.loop.state is LoopState.DEBRIEF
    assert db.session.scalar(sa.select(sa.func.count(Verdict.id))) == 0


def test_the_confirmations_restate_the_outcome(debrief_loop, login_as, clock):
    services.propose(
        debrief_loop.loop,
        decision=Outcome.NO_HIRE,
        rationale="No.",
        early_reason=REASON,
        actor=debrief_loop.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    response = login_as(debrief_loop.bar_raiser).get(_url(debrief_loop))
    text = _text(response)
    assert "This loop will be decided no hire. A veto is final." in text
    assert "I understand: this loop will be decided no hire. The decision is final." in text
    body = response.get_data(as_text=True)
    assert '<dialog id="veto-dialog"' in body and '<dialog id="concur-dialog"' in body


# --- the message for each role before the debrief ----------------------------------------------

SUBMIT_FIRST = "Submit your own feedback to read the panel's."
WAIT_FOR_OPENING = "You read the panel's feedback once the Bar Raiser opens the debrief."


def _seat(built, seat: str):
    return {
        "bar_raiser": built.bar_raiser,
        "panelist": built.interviewers[3],
        "shadow": built.shadow,
        "hiring_manager": built.hiring_manager,
    }.get(seat, seat)


@pytest.mark.parametrize(
    ("seat", "stage", "message"),
    [
        # Nobody has written: the loop is scheduled.
        ("bar_raiser", "scheduled", SUBMIT_FIRST),
        ("panelist", "scheduled", SUBMIT_FIRST),
        ("shadow", "scheduled", SUBMIT_FIRST),
        ("hiring_manager", "scheduled", WAIT_FOR_OPENING),
        ("recruiter", "scheduled", None),
        ("admin", "scheduled", None),
        # Everyone but Panel3 (and the shadow) has written, the debrief opened early.
        ("bar_raiser", "opened early", None),
        ("panelist", "opened early", SUBMIT_FIRST),
        ("shadow", "opened early", SUBMIT_FIRST),
        ("hiring_manager", "opened early", None),
        ("recruiter", "opened early", None),
        # Decided while Panel3 still owes feedback.
        ("panelist", "decided", SUBMIT_FIRST),
        ("hiring_manager", "decided", None),
    ],
)
def test_each_role_is_told_why_it_sees_counts_only(
    make_loop, login_as, clock, decide, seat, stage, message
):
    built = make_loop(with_shadow=True)
    if stage != "scheduled":
        submit_panel_feedback(
            built, [Vote.STRONG_HIRE, Vote.INCLINED_HIRE, Vote.STRONG_HIRE], clock()
        )
        services.open_debrief(
            built.loop, reason="Panel3 is away.", actor=built.bar_raiser, now=clock()
        )
        db.session.commit()
    if stage == "decided":
        decide(built, Outcome.HIRE, "veto")
    text = _text(login_as(_seat(built, seat)).get(_url(built)))
    for known in (SUBMIT_FIRST, WAIT_FOR_OPENING):
        assert (known in text) == (known == message), (seat, stage, known)
    assert ("Write your feedback" in text) == (message == SUBMIT_FIRST)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.RECRUITER, Role.HIRING_MANAGER])
def test_a_panelist_with_other_roles_is_still_told_to_submit_first(make_loop, login_as, role):
    built = make_loop()
    panelist = built.interviewers[2]
    panelist.role_rows.append(UserRole(role=role))
    db.session.commit()
    text = _text(login_as(panelist).get(_url(built)))
    assert SUBMIT_FIRST in text and WAIT_FOR_OPENING not in text


def test_a_panelist_who_owes_feedback_never_sees_the_decided_outcome(
    make_loop, login_as, clock, decide
):
    built = make_loop()
    submit_panel_feedback(built, [Vote.STRONG_HIRE, Vote.INCLINED_HIRE, Vote.STRONG_HIRE], clock())
    services.open_debrief(built.loop, reason="Panel3 is away.", actor=built.bar_raiser, now=clock())
    db.session.commit()
    decide(built, Outcome.HIRE, "veto")
    late = login_as(built.interviewers[3])
    for url in (_url(built), f"/loops/{built.loop.id}"):
        text = _text(late.get(url))
        assert "Decided" in text, url
        assert "no hire" not in text and "vetoed" not in text.replace("debrief.vetoed", ""), url
    # Once theirs is in, it is theirs to read.
    write_feedback(built.panel[3], Vote.INCLINED_NO_HIRE, clock())
    db.session.commit()
    text = _text(late.get(_url(built)))
    assert "Outcome: no hire" in text and "Decided: no hire, vetoed." in text


# --- the decision panel ------------------------------------------------------------------------


def test_the_decision_panel_names_who_has_cast_a_final_vote_never_how(
    debrief_loop, login_as, clock
):
    services.cast_final_vote(
        debrief_loop.loop, vote=Vote.STRONG_NO_HIRE, actor=debrief_loop.interviewers[1], now=clock()
    )
    db.session.commit()
    text = _text(login_as(debrief_loop.hiring_manager).get(_url(debrief_loop)))
    assert "Final votes cast: Panel1." in text
    assert "Awaited: Br, Panel2, Panel3." in text
    assert "Debrief open: 1 of 4 final votes cast. The hiring manager proposes next." in text


# --- the print view ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("bar_raiser", 200),
        ("hiring_manager", 200),
        ("panelist", 200),
        ("shadow", 200),
        ("recruiter", 200),
        ("admin", 200),
        ("late panelist", 403),
        ("inspector", 404),
        ("interviewer", 404),
    ],
)
def test_the_print_view_is_for_whom_may_read_the_debrief(make_loop, login_as, clock, who, status):
    built = make_loop(panel_size=5, with_shadow=True)
    submit_panel_feedback(built, [Vote.STRONG_HIRE] * 4, clock(), shadow_vote=Vote.INCLINED_HIRE)
    services.open_debrief(built.loop, reason="Panel4 is away.", actor=built.bar_raiser, now=clock())
    db.session.commit()
    person = {
        "bar_raiser": built.bar_raiser,
        "hiring_manager": built.hiring_manager,
        "panelist": built.interviewers[1],
        "shadow": built.shadow,
        "late panelist": built.interviewers[4],
    }.get(who, who)
    response = login_as(person).get(_url(built, "/print"))
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert ("Summary from Panel1" in text) == (status == 200)


def test_the_print_view_shows_every_word_and_the_page_previews_long_evidence(
    debrief_loop, login_as
):
    long = " ".join(f"word{index}" for index in range(5000))
    rating = db.session.scalar(
        sa.select(PrincipleRating).where(
            PrincipleRating.principle_id == debrief_loop.panel[2].principles[0].id
        )
    )
    rating.evidence = long
    db.session.commit()
    browser = login_as(debrief_loop.bar_raiser)
    page = browser.get(_url(debrief_loop)).get_data(as_text=True)
    assert page.count('<details class="debrief-more">') == 1
    assert "Show all 5000 words" in page
    printed = browser.get(_url(debrief_loop, "/print")).get_data(as_text=True)
    assert "<details" not in printed
    assert long in printed
    assert printed.count('data-testid="feedback-card"') == 5
