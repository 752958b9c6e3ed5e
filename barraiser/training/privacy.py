"""Mentor notes about a candidate's loops in their export and erasure. A note tells of the
trainee, but one written on a loop tells of its candidate too: its text goes with the candidate
and becomes the marker, so the trainee's record still shows that a note was written."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..personal_data import ERASED_TEXT, DataSubject, ExportDocument, blank, iso, name_of
from .models import MentorNote


class MentorNotes:
    handles = (MentorNote.body,)

    def export(self, subject: DataSubject, document: ExportDocument) -> None:
        notes: dict[int, list[MentorNote]] = {}
        for note in db.session.scalars(
            sa.select(MentorNote)
            .where(MentorNote.loop_id.in_(subject.loop_ids))
            .options(joinedload(MentorNote.author), joinedload(MentorNote.trainee))
            .order_by(MentorNote.created_at, MentorNote.id)
        ):
            assert note.loop_id is not None
            notes.setdefault(note.loop_id, []).append(note)
        for loop_id, loop in document.loops.items():
            loop["mentor_notes"] = [
                {
                    "trainee": name_of(note.trainee),
                    "author": name_of(note.author),
                    "body": note.body,
                    "created_at": iso(note.created_at),
                }
                for note in notes.get(loop_id, [])
            ]

    def erase(self, subject: DataSubject, *, now: datetime) -> dict[str, int]:
        return {
            "mentor_notes": blank(
                sa.update(MentorNote)
                .where(MentorNote.loop_id.in_(subject.loop_ids))
                .values(body=ERASED_TEXT)
            )
        }


personal_data = MentorNotes()
