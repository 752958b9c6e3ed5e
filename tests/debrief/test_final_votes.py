"""Final votes: cast once by each panelist after reading, kept beside the written vote, which is
never overwritten; the page shows who changed and how."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from debrief.panel_feedback import submit_panel_feedback

from barraiser.audit.models import AuditEvent
from barraiser.debrief import services
from barraiser.debrief.models import FinalVote
from barraiser.domain import Outcome, Vote
from barraiser.errors import Conflict, Forbidden
from barraiser.extensions import db
from barraiser.feedback.models import Feedback


def _url(built, action: str = "") -> str:
    return f"/loops/{built.loop.id}/debrief{action}"


def _final_votes() -> list[FinalVote]:
    return list(db.session.scalars(sa.select(FinalVote).order_by(FinalVote.id)))


def test_a_panelist_changes_their_vote_and_both_are_kept(debrief_loop, login_as, clock):
    panelist = debrief_loop.interviewers[3]  # wrote strong no hire
    browser = login_as(panelist)
    response = browser.post(_url(debrief_loop, "/final-vote"), data={"final-vote": "inclined_hire"})
    assert response.status_code == 302

    (final,) = _final_votes()
    assert (final.vote, final.voter_id, final.cast_at) == (Vote.INCLINED_HIRE, panelist.id, clock())
    written = db.session.scalar(
        sa.select(Feedback).where(Feedback.interview_id == debrief_loop.panel[3].id)
    )
    assert written.vote is Vote.STRONG_NO_HIRE  # the written vote is untouched

    text = browser.get(_url(debrief_loop)).get_data(as_text=True)
    changes = text.split('data-testid="changes"')[1].split("</ul>")[0]
    assert "Panel3" in changes and "Strong no hire" in changes and "Inclined hire" in changes
    assert "Cast final vote" not in text  # cast: the form is gone
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "debrief.final_vote_cast")
    )
    assert event.details == {
        "interview_id": debrief_loop.panel[3].id,
        "written": "strong_no_hire",
        "final": "inclined_hire",
        "changed": True,
    }


def test_an_unchanged_vote_is_not_listed_as_a_change(debrief_loop, login_as):
    browser = login_as(debrief_loop.interviewers[1])  # wrote strong hire
    browser.post(_url(debrief_loop, "/final-vote"), data={"final-vote": "strong_hire"})
    text = browser.get(_url(debrief_loop)).get_data(as_text=True)
    assert 'data-testid="changes"' not in text
    assert "No one has changed their vote so far." in text


def test_a_second_final_vote_is_a_conflict_and_keeps_the_first(debrief_loop, login_as):
    browser = login_as(debrief_loop.interviewers[1])
    assert (
        browser.post(_url(debrief_loop, "/final-vote"), data={"final-vote": "strong_hire"})
    ).status_code == 302
    again = browser.post(_url(debrief_loop, "/final-vote"), data={"final-vote": "strong_no_hire"})
    assert again.status_code == 409
    text = again.get_data(as_text=True)
    assert "You already cast your final vote (Strong hire)." in text
    assert 'data-testid="tally"' in text  # the page as it now stands, not a bare error
    assert [vote.vote for vote in _final_votes()] == [Vote.STRONG_HIRE]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("bar_raiser", 302),
        ("panelist", 302),
        ("shadow", 403),
        ("hiring_manager", 403),
        ("recruiter", 403),
        ("admin", 403),
        ("inspector", 404),
    ],
)
def test_only_panelists_cast_final_votes(debrief_loop, login_as, who, status):
    person = {
        "bar_raiser": debrief_loop.bar_raiser,
        "panelist": debrief_loop.interviewers[2],
        "shadow": debrief_loop.shadow,
        "hiring_manager": debrief_loop.hiring_manager,
    }.get(who, who)
    response = login_as(person).post(
        _url(debrief_loop, "/final-vote"), data={"final-vote": "inclined_hire"}
    )
    assert response.status_code == status
    assert len(_final_votes()) == (1 if status == 302 else 0)


def test_a_shadow_is_refused_by_the_service_too(debrief_loop, clock):
    with pytest.raises(Forbidden, match="Shadow"):
        services.cast_final_vote(
            debrief_loop.loop, vote=Vote.STRONG_HIRE, actor=debrief_loop.shadow, now=clock()
        )


def test_no_final_vote_before_the_debrief_opens(ready_loop, clock):
    with pytest.raises(Conflict, match="only while the loop is in debrief"):
        services.cast_final_vote(
            ready_loop.loop, vote=Vote.STRONG_HIRE, actor=ready_loop.bar_raiser, now=clock()
        )


def test_no_final_vote_without_ones_own_written_feedback(make_loop, clock):
    built = make_loop()
    submit_panel_feedback(built, [Vote.STRONG_HIRE] * 3, clock())
    services.open_debrief(built.loop, reason="one is away", actor=built.bar_raiser, now=clock())
    with pytest.raises(Conflict, match="Submit your written feedback"):
        services.cast_final_vote(
            built.loop, vote=Vote.STRONG_HIRE, actor=built.interviewers[3], now=clock()
        )


def test_no_final_vote_once_decided(debrief_loop, decide, login_as):
    decide(debrief_loop, Outcome.NO_HIRE, "concur")
    response = login_as(debrief_loop.interviewers[1]).post(
        _url(debrief_loop, "/final-vote"), data={"final-vote": "strong_hire"}
    )
    assert response.status_code == 409
    assert "was decided on" in response.get_data(as_text=True)
    assert _final_votes() == []


@pytest.mark.parametrize("data", [{}, {"final-vote": "maybe"}, {"final-vote": "x" * 5000}])
def test_a_malformed_final_vote_is_refused_with_a_message(debrief_loop, login_as, data):
    response = login_as(debrief_loop.bar_raiser).post(_url(debrief_loop, "/final-vote"), data=data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Choose your final vote." in text or "Not a valid choice" in text
    assert _final_votes() == []


def test_the_final_tally_counts_panel_votes_only(debrief_loop, login_as, clock):
    for person, vote in zip(
        debrief_loop.interviewers,
        [Vote.STRONG_NO_HIRE, Vote.STRONG_NO_HIRE, Vote.INCLINED_NO_HIRE, Vote.STRONG_NO_HIRE],
        strict=True,
    ):
        services.cast_final_vote(debrief_loop.loop, vote=vote, actor=person, now=clock())
    db.session.commit()
    text = login_as("admin").get(_url(debrief_loop)).get_data(as_text=True)
    tally = text.split('data-testid="tally"')[1].split("</table>")[0]
    assert "Strong no hire</span></th><td>1</td><td>3</td>" in tally
    assert "<td>4 of 4</td><td>4 of 4</td>" in tally
