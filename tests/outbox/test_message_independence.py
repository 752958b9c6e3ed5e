"""Independence in messages and notifications: a panelist (or the shadow) who never submitted —
whatever other roles they hold: admin, inspector, recruiter, hiring manager — is never told how
anyone voted, what anyone wrote, what the hiring manager proposed or whether the Bar Raiser
vetoed, in any message, in their notifications list or in their home page's recent decisions.
They learn that the loop was decided. A panelist who submitted learns the outcome: the check can
see it when it is there."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from feedback.writing import after_interviews, submit_for

from barraiser.auth.models import Role, UserRole
from barraiser.debrief.services import open_debrief, propose, veto
from barraiser.domain import Outcome, Vote
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage

MARKER = "LEAKMARKER"
# What would tell the outcome or a vote: hire (not "hiring"), veto, the vote labels.
TELLS = re.compile(r"\bhire\b|veto|strong|inclined|" + MARKER, re.IGNORECASE)
ROLE_SETS = [
    (Role.ADMIN,),
    (Role.INSPECTOR,),
    (Role.RECRUITER,),
    (Role.HIRING_MANAGER,),
    (Role.ADMIN, Role.INSPECTOR, Role.RECRUITER, Role.HIRING_MANAGER),
]


def _messages_to(user_id: int) -> list[OutboxMessage]:
    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient_id == user_id))
    )


@pytest.mark.parametrize("seat", ["panelist", "shadow"])
@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda roles: "+".join(r.value for r in roles))
def test_an_unsubmitted_panelist_is_told_nothing_of_votes_or_outcome(
    app, make_loop, clock, login_as, seat, roles
):
    built = make_loop(with_shadow=True)
    shadow = next(i for i in built.loop.interviews if i.is_shadow)
    own = built.panel[1] if seat == "panelist" else shadow
    user = own.interviewer
    user.role_rows = [*user.role_rows, *(UserRole(role=role) for role in roles)]
    db.session.commit()
    clock.set(after_interviews(built))
    others = [i for i in built.loop.interviews if i.id != own.id]
    for interview in others:
        submit_for(interview, clock(), vote=Vote.STRONG_HIRE, marker=MARKER)
    clock.advance(minutes=5)
    open_debrief(built.loop, reason="Their feedback is late.", actor=built.bar_raiser, now=clock())
    propose(
        built.loop,
        decision=Outcome.HIRE,
        rationale=f"{MARKER} hire",
        early_reason="The panel agreed in the room.",
        actor=built.hiring_manager,
        now=clock(),
    )
    veto(
        built.loop,
        rationale=f"{MARKER} below the bar",
        principle_ids=[built.panel[0].principles[0].id],
        actor=built.bar_raiser,
        now=clock(),
    )
    db.session.commit()

    theirs = _messages_to(user.id)
    assert "loop_decided" in {m.kind for m in theirs}
    for message in theirs:
        text = " ".join((message.subject, message.body, message.calendar or ""))
        assert TELLS.findall(text) == [], (message.kind, text)
    client = login_as(user)
    listed = client.get("/notifications/").get_data(as_text=True)
    assert "is decided" in listed and TELLS.findall(listed) == []
    home = client.get("/").get_data(as_text=True)
    decisions = re.search(r'data-testid="recent-decisions".*?</section>', home, re.S)
    if decisions is not None:  # recruiters, admins and hiring managers have the section
        assert "decided" in decisions.group(0) and TELLS.findall(decisions.group(0)) == []

    # A panelist who submitted is told: the check sees an outcome when there is one.
    told = _messages_to(built.panel[2].interviewer_id)
    (decided,) = [m for m in told if m.kind == "loop_decided"]
    assert TELLS.findall(decided.subject + decided.body)
    assert MARKER not in decided.subject + decided.body
