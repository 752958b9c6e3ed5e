"""Anecdotes tied to one of the candidate's loops, in their export and erasure. The review keeps
the anecdote (it was said, about this loop), its text becomes the marker."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..personal_data import ERASED_TEXT, DataSubject, ExportDocument, blank, iso
from .models import Anecdote


class ReviewAnecdotes:
    handles = (Anecdote.text,)

    def export(self, subject: DataSubject, document: ExportDocument) -> None:
        document.sections["review_anecdotes"] = [
            {"loop_id": anecdote.loop_id, "text": anecdote.text, "at": iso(anecdote.created_at)}
            for anecdote in db.session.scalars(
                sa.select(Anecdote)
                .where(Anecdote.loop_id.in_(subject.loop_ids))
                .order_by(Anecdote.id)
            )
        ]

    def erase(self, subject: DataSubject, *, now: datetime) -> dict[str, int]:
        return {
            "review_anecdotes": blank(
                sa.update(Anecdote)
                .where(Anecdote.loop_id.in_(subject.loop_ids))
                .values(text=ERASED_TEXT)
            )
        }


personal_data = ReviewAnecdotes()
