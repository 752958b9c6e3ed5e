"""What the debrief tells people: the panel that it opened, the Bar Raiser that the hiring manager
has proposed, and everyone on the loop that it is decided.

Independence holds in messages as on the page: no message carries a vote, a rating, a proposal's
decision or its rationale. The outcome itself is told only to whom the debrief page would show
the panel's feedback (policy.can_view_panel_feedback); a panelist who never submitted learns
only that the loop was decided, and where to read it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from .. import policy
from ..auth.models import User
from ..domain import Outcome
from ..extensions import db
from ..loops.models import Interview, Loop
from ..outbox.emails import app_path
from ..outbox.services import queue_message
from ..outbox.webhooks import queue_event


def _people(loop: Loop, *, but: User, recruiter: bool = False) -> list[User]:
    """The panel (shadows included) and the hiring manager, and the recruiter who built the
    loop if asked, other than `but` (who acted and knows)."""
    wanted: list[sa.ColumnElement[bool]] = [
        User.id.in_(sa.select(Interview.interviewer_id).where(Interview.loop_id == loop.id))
    ]
    wanted.append(User.id == loop.hiring_manager_id)
    if recruiter and loop.created_by_id is not None:
        wanted.append(User.id == loop.created_by_id)
    return list(
        db.session.scalars(
            sa.select(User).where(sa.or_(*wanted), User.id != but.id).order_by(User.id)
        )
    )


def debrief_opened(loop: Loop, *, actor: User, now: datetime) -> None:
    candidate = loop.candidate.display_name
    queue_event(
        "debrief.opened",
        {
            "loop_id": loop.id,
            "candidate_id": loop.candidate_id,
            "requisition_id": loop.requisition_id,
            "opened_by_id": actor.id,
            "early": loop.debrief_early_reason is not None,
            "opened_at": now.isoformat(),
        },
        key=str(loop.id),
        now=now,
        loop_id=loop.id,
        candidate_id=loop.candidate_id,
    )
    for person in _people(loop, but=actor):
        queue_message(
            person,
            kind="debrief_opened",
            dedupe_key=f"debrief-open:{loop.id}:{person.id}",
            subject=f"Debrief open: {candidate}",
            template="debrief_opened",
            context={"loop": loop, "candidate": candidate, "opened_by": actor},
            now=now,
            loop_id=loop.id,
            candidate_id=loop.candidate_id,
            link=app_path("debrief.page", loop_id=loop.id),
        )


def proposal_made(loop: Loop, *, actor: User, now: datetime) -> None:
    """The Bar Raiser's turn: concur or veto. The proposal itself is read on the page."""
    candidate = loop.candidate.display_name
    queue_message(
        loop.certified_shadow or loop.bar_raiser,  # whoever holds the veto
        kind="proposal_made",
        dedupe_key=f"proposal-made:{loop.id}",
        subject=f"Proposal made: {candidate} ({loop.requisition.title}) awaits your verdict",
        template="proposal_made",
        context={"loop": loop, "candidate": candidate, "proposed_by": actor},
        now=now,
        loop_id=loop.id,
        candidate_id=loop.candidate_id,
        link=app_path("debrief.page", loop_id=loop.id),
    )


def loop_decided(loop: Loop, *, actor: User, now: datetime) -> None:
    """The recruiter, the hiring manager and the panel learn the outcome (or, if independence
    still holds for them, that there is one)."""
    candidate = loop.candidate.display_name
    assert loop.outcome is not None
    # The outcome and the veto, once decided: never a vote, a rating or a word of feedback.
    queue_event(
        "loop.decided",
        {
            "loop_id": loop.id,
            "candidate_id": loop.candidate_id,
            "requisition_id": loop.requisition_id,
            "outcome": loop.outcome.value,
            "vetoed": bool(loop.vetoed),
            "decided_at": now.isoformat(),
        },
        key=str(loop.id),
        now=now,
        loop_id=loop.id,
        candidate_id=loop.candidate_id,
    )
    for person in _people(loop, but=actor, recruiter=True):
        told = policy.can_view_panel_feedback(person, loop)
        if not told:
            subject = f"Decided: {candidate} ({loop.requisition.title})"
        elif loop.vetoed:
            subject = f"Vetoed: {candidate} ({loop.requisition.title}) — no hire"
        elif loop.outcome is Outcome.HIRE:
            subject = f"Hire: {candidate} ({loop.requisition.title})"
        else:
            subject = f"No hire: {candidate} ({loop.requisition.title})"
        queue_message(
            person,
            kind="loop_decided",
            dedupe_key=f"loop-decided:{loop.id}:{person.id}",
            subject=subject,
            template="loop_decided",
            context={"loop": loop, "candidate": candidate, "told": told, "Outcome": Outcome},
            now=now,
            loop_id=loop.id,
            candidate_id=loop.candidate_id,
            link=app_path("debrief.page", loop_id=loop.id),
        )
