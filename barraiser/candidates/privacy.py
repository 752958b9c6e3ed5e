"""The candidate's own record in their export and erasure: name, email, source and notes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..personal_data import DataSubject, ExportDocument, blank, iso
from .models import Candidate


class CandidateRecord:
    handles = (Candidate.name, Candidate.email, Candidate.source, Candidate.notes)

    def export(self, subject: DataSubject, document: ExportDocument) -> None:
        candidate = db.session.get(Candidate, subject.candidate_id)
        assert candidate is not None
        document.candidate = {
            "id": candidate.id,
            "name": candidate.name,
            "email": candidate.email,
            "source": candidate.source,
            "notes": candidate.notes,
            "created_at": iso(candidate.created_at),
            "erased_at": iso(candidate.erased_at),
        }

    def erase(self, subject: DataSubject, *, now: datetime) -> dict[str, int]:
        """Blank the record and stamp `erased_at` with a conditional UPDATE: of two erasures at
        once, only one counts a row here."""
        return {
            "candidates": blank(
                sa.update(Candidate)
                .where(Candidate.id == subject.candidate_id, Candidate.erased_at.is_(None))
                .values(name="", email=None, source="", notes="", erased_at=now)
            )
        }


personal_data = CandidateRecord()
