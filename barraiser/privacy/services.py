"""A candidate's personal data (DESIGN §6): export everything held on them, and erase them.

Each slice that holds text about a candidate or their loops contributes its part (`registry.py`);
this module runs them together, in the caller's transaction, with the audit event. Erasure is the
one place where submitted feedback and decisions are written to after the fact, and only to blank
their free text: votes, ratings, timestamps, outcomes and vetoes stay, so the calibration report
adds up the same before and after. The contributions write with bulk UPDATE statements, never
through the feedback or debrief services, whose "never edit" guards stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import User
from ..candidates.models import Candidate
from ..domain import LoopState
from ..errors import Conflict, RuleViolation
from ..extensions import db
from ..loops.models import Loop
from ..personal_data import ERASED_TEXT, DataSubject, ExportDocument
from .registry import CONTRIBUTIONS

__all__ = ["ERASED_TEXT", "Erasure", "candidate_export", "ensure_erasable", "erase_candidate"]

# A loop still running may gain feedback, addenda and a decision: erase only once it is closed.
OPEN_LOOP_STATES = frozenset({LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DEBRIEF})


@dataclass(frozen=True)
class Erasure:
    """How many rows the erasure blanked, by kind ("loops", "feedback", "messages", …): the audit
    event's only details."""

    counts: Mapping[str, int]

    @property
    def loops(self) -> int:
        return self.counts["loops"]


def _subject(candidate: Candidate) -> DataSubject:
    loop_ids = db.session.scalars(
        sa.select(Loop.id).where(Loop.candidate_id == candidate.id).order_by(Loop.id)
    )
    return DataSubject(candidate_id=candidate.id, loop_ids=tuple(loop_ids))


def candidate_export(candidate: Candidate) -> dict[str, Any]:
    """Everything held on the candidate, as JSON-able data, in a fixed number of queries.

    Feedback is exported once submitted. The caller checks that the reader may see every loop's
    panel feedback (policy.can_export_candidate).
    """
    subject = _subject(candidate)
    document = ExportDocument()
    for contribution in CONTRIBUTIONS:
        contribution.export(subject, document)
    return document.as_json()


def ensure_erasable(candidate: Candidate) -> None:
    """Refuse (409) a candidate already erased and (422) one with a loop still open, naming it."""
    if candidate.erased_at is not None:
        raise Conflict("This candidate was already erased.")
    open_loops = db.session.execute(
        sa.select(Loop.id, Loop.state)
        .where(Loop.candidate_id == candidate.id, Loop.state.in_(OPEN_LOOP_STATES))
        .order_by(Loop.id)
    ).all()
    if open_loops:
        listed = ", ".join(f"loop #{loop_id} ({state.value})" for loop_id, state in open_loops)
        raise RuleViolation(
            f"This candidate still has an open loop: {listed}. Cancel it or take it to a "
            "decision first, then erase the candidate."
        )


def erase_candidate(candidate: Candidate, *, actor: User | None, now: datetime) -> Erasure:
    """Blank the candidate's name, email, source and notes, and every free text on their loops
    and in messages about them.

    Refuses (409) a candidate already erased and (422) one with a loop still open. Writes one
    audit event, "candidate.erased", holding row counts only.
    """
    ensure_erasable(candidate)
    subject = _subject(candidate)
    counts: dict[str, int] = {}
    for contribution in CONTRIBUTIONS:
        counts |= contribution.erase(subject, now=now)
        # The candidate's record goes first and claims the erasure with a conditional UPDATE: of
        # two admins erasing at once, one wins and the other gets a 409, never a second event.
        if counts.pop("candidates", 1) != 1:
            raise Conflict("This candidate was already erased.")
    erasure = Erasure(counts=counts)
    record("candidate.erased", actor=actor, subject=candidate, now=now, **counts)
    db.session.flush()
    return erasure
