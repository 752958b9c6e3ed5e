"""A candidate's loops in their export and erasure: the loops and their panels; the free text is
the reason a loop was cancelled and the reason its debrief opened early."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..personal_data import DataSubject, ExportDocument, blank, iso, marker_if_present, name_of
from .models import Interview, InterviewPrinciple, Loop


class LoopRecords:
    handles = (Loop.cancel_reason, Loop.debrief_early_reason)

    def export(self, subject: DataSubject, document: ExportDocument) -> None:
        loops = db.session.scalars(
            sa.select(Loop)
            .where(Loop.id.in_(subject.loop_ids))
            .options(
                joinedload(Loop.requisition),
                joinedload(Loop.hiring_manager),
                joinedload(Loop.bar_raiser),
                selectinload(Loop.interviews).joinedload(Interview.interviewer),
                selectinload(Loop.interviews)
                .selectinload(Interview.assignments)
                .joinedload(InterviewPrinciple.principle),
            )
            .order_by(Loop.created_at, Loop.id)
        ).all()
        for loop in loops:
            interviews: list[dict[str, Any]] = [
                {
                    "id": interview.id,
                    "interviewer": interview.interviewer.name,
                    "starts_at": iso(interview.starts_at),
                    "duration_minutes": interview.duration_minutes,
                    "shadow": interview.is_shadow,
                    "principles": [principle.name for principle in interview.principles],
                }
                for interview in loop.interviews
            ]
            document.interviews.update((entry["id"], entry) for entry in interviews)
            document.loops[loop.id] = {
                "id": loop.id,
                "requisition": {
                    "id": loop.requisition.id,
                    "title": loop.requisition.title,
                    "level": loop.requisition.level,
                    "department": loop.requisition.department,
                },
                "state": loop.state.value,
                "hiring_manager": name_of(loop.hiring_manager),
                "bar_raiser": name_of(loop.bar_raiser),
                "created_at": iso(loop.created_at),
                "first_interview_at": iso(loop.first_interview_at),
                "cancel_reason": loop.cancel_reason,
                "debrief_opened_at": iso(loop.debrief_opened_at),
                "debrief_early_reason": loop.debrief_early_reason,
                "decided_at": iso(loop.decided_at),
                "outcome": loop.outcome.value if loop.outcome is not None else None,
                "vetoed": loop.vetoed,
                "interviews": interviews,
            }

    def erase(self, subject: DataSubject, *, now: datetime) -> dict[str, int]:
        """A reason that was given becomes the marker, so "cancelled" and "opened early" still
        read true; the version moves on, so a form opened before the erasure cannot write back."""
        return {
            "loops": blank(
                sa.update(Loop)
                .where(Loop.id.in_(subject.loop_ids))
                .values(
                    cancel_reason=marker_if_present(Loop.cancel_reason),
                    debrief_early_reason=marker_if_present(Loop.debrief_early_reason),
                    version=Loop.version + 1,
                )
            )
        }


personal_data = LoopRecords()
