"""Debriefs of a candidate's loops in their export and erasure: final votes, the proposal, the
verdict and the hire's performance. The free text is the proposal's rationale and early reason
and the verdict's rationale; a veto's becomes the marker (a CHECK keeps it non-empty), so the
veto still reads as one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..domain import VerdictKind
from ..extensions import db
from ..personal_data import (
    ERASED_TEXT,
    DataSubject,
    ExportDocument,
    blank,
    iso,
    marker_if_present,
    name_of,
)
from .models import FinalVote, HirePerformance, Proposal, Verdict


class DebriefRecords:
    handles = (Proposal.rationale, Proposal.early_reason, Verdict.rationale)

    def export(self, subject: DataSubject, document: ExportDocument) -> None:
        final_votes = {
            vote.interview_id: vote
            for vote in db.session.scalars(
                sa.select(FinalVote).where(FinalVote.loop_id.in_(subject.loop_ids))
            )
        }
        proposals = {
            proposal.loop_id: proposal
            for proposal in db.session.scalars(
                sa.select(Proposal)
                .where(Proposal.loop_id.in_(subject.loop_ids))
                .options(joinedload(Proposal.proposed_by))
            )
        }
        verdicts = {
            verdict.loop_id: verdict
            for verdict in db.session.scalars(
                sa.select(Verdict)
                .where(Verdict.loop_id.in_(subject.loop_ids))
                .options(joinedload(Verdict.bar_raiser), selectinload(Verdict.principles))
            )
        }
        performance: dict[int, list[HirePerformance]] = {}
        for rating in db.session.scalars(
            sa.select(HirePerformance)
            .where(HirePerformance.loop_id.in_(subject.loop_ids))
            .order_by(HirePerformance.rated_on, HirePerformance.id)
        ):
            performance.setdefault(rating.loop_id, []).append(rating)

        for interview_id, interview in document.interviews.items():
            final_vote = final_votes.get(interview_id)
            interview["final_vote"] = (
                None
                if final_vote is None
                else {"vote": final_vote.vote.value, "cast_at": iso(final_vote.cast_at)}
            )
        for loop_id, loop in document.loops.items():
            proposal = proposals.get(loop_id)
            verdict = verdicts.get(loop_id)
            loop["proposal"] = (
                None
                if proposal is None
                else {
                    "decision": proposal.decision.value,
                    "rationale": proposal.rationale,
                    "early_reason": proposal.early_reason,
                    "proposed_by": name_of(proposal.proposed_by),
                    "proposed_at": iso(proposal.proposed_at),
                }
            )
            loop["verdict"] = (
                None
                if verdict is None
                else {
                    "kind": verdict.kind.value,
                    "rationale": verdict.rationale,
                    "principles": [principle.name for principle in verdict.principles],
                    "bar_raiser": name_of(verdict.bar_raiser),
                    "decided_at": iso(verdict.decided_at),
                }
            )
            loop["hire_performance"] = [
                {"rating": rating.rating, "rated_on": iso(rating.rated_on)}
                for rating in performance.get(loop_id, [])
            ]

    def erase(self, subject: DataSubject, *, now: datetime) -> dict[str, int]:
        return {
            "proposals": blank(
                sa.update(Proposal)
                .where(Proposal.loop_id.in_(subject.loop_ids))
                .values(
                    rationale="",
                    early_reason=marker_if_present(Proposal.early_reason),
                )
            ),
            "verdicts": blank(
                sa.update(Verdict)
                .where(Verdict.loop_id.in_(subject.loop_ids))
                .values(
                    rationale=sa.case(
                        (Verdict.kind == VerdictKind.VETO, sa.literal(ERASED_TEXT)), else_=""
                    )
                )
            ),
        }


personal_data = DebriefRecords()
