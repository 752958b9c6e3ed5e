"""Mentor notes (append-only) and the training pipeline: who is in training, what they shadowed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .. import policy
from ..audit.services import record
from ..auth.models import BarRaiserStatus, User
from ..auth.services import set_bar_raiser_status
from ..domain import LoopState
from ..errors import Forbidden, RuleViolation
from ..extensions import db
from ..feedback.models import Feedback
from ..loops.models import Interview, Loop
from ..requisitions.models import Requisition
from ..settings.services import current_settings
from . import notices  # noqa: F401 - tells people of their Bar Raiser status
from .models import NOTE_LIMIT, MentorNote

# Certified Bar Raisers stay on the pipeline this long, so a programme can see who it produced.
RECENTLY_CERTIFIED = timedelta(days=365)
RECENT_SHADOWS = 10


@dataclass(frozen=True)
class ShadowedLoop:
    loop_id: int
    starts_at: datetime
    requisition: str


@dataclass(frozen=True)
class Thresholds:
    """What certification asks of a trainee (settings)."""

    loops_shadowed: int
    loops_led: int

    @classmethod
    def in_force(cls) -> Thresholds:
        settings = current_settings()
        return cls(settings.certification_loops_shadowed, settings.certification_loops_led)

    def shortfall(self, *, shadowed: int, led: int) -> list[str]:
        """What a trainee with these counts still lacks, in words; empty when nothing."""
        missing = []
        if shadowed < self.loops_shadowed:
            missing.append(f"{shadowed} of {self.loops_shadowed} loops shadowed")
        if led < self.loops_led:
            missing.append(f"{led} of {self.loops_led} loops led under a certified shadow")
        return missing


@dataclass(frozen=True)
class TraineeRow:
    trainee: User
    loops_shadowed: int
    recent_shadows: list[ShadowedLoop]
    loops_led_shadowed: int
    notes: int
    last_note_at: datetime | None
    missing: tuple[str, ...] = ()  # what certification still asks of them

    @property
    def certified(self) -> bool:
        return self.trainee.is_certified_bar_raiser

    @property
    def ready(self) -> bool:
        """In training and past every threshold: an admin may certify them."""
        return self.trainee.bar_raiser_status is BarRaiserStatus.IN_TRAINING and not self.missing


def shadowed(trainee: User, loop: Loop) -> bool:
    """Did `trainee` shadow an interview on this loop?"""
    query = sa.select(Interview.id).where(
        Interview.loop_id == loop.id,
        Interview.interviewer_id == trainee.id,
        Interview.is_shadow.is_(True),
    )
    return db.session.scalar(query.limit(1)) is not None


def ever_in_training(trainee: User) -> bool:
    """In training or certified now, or with a training record left from before (a shadowed
    loop, a mentor note) — a withdrawn trainee's record stays readable."""
    if trainee.bar_raiser_status is not BarRaiserStatus.NONE:
        return True
    shadows = sa.select(Interview.id).where(
        Interview.interviewer_id == trainee.id, Interview.is_shadow.is_(True)
    )
    notes = sa.select(MentorNote.id).where(MentorNote.trainee_id == trainee.id)
    return db.session.scalar(sa.select(sa.or_(shadows.exists(), notes.exists()))) is True


def add_mentor_note(
    trainee: User, body: str, *, loop: Loop | None = None, actor: User, now: datetime
) -> MentorNote:
    """Append a mentor's note on a trainee, optionally about a loop they shadowed."""
    if not policy.can_write_mentor_note(actor):
        raise Forbidden("Only certified Bar Raisers and admins write mentor notes.")
    if trainee.bar_raiser_status is BarRaiserStatus.NONE:
        raise RuleViolation(
            f"{trainee.name} is not a Bar Raiser in training; enrol them first.", field="body"
        )
    if trainee.id == actor.id:
        raise RuleViolation("Mentor notes are written about someone else.", field="body")
    text = (body or "").strip()
    if not text:
        raise RuleViolation("Write the note first.", field="body")
    if len(text) > NOTE_LIMIT:
        raise RuleViolation(
            f"A note holds at most {NOTE_LIMIT} characters; this one has {len(text)}.",
            field="body",
        )
    if loop is not None and not shadowed(trainee, loop):
        raise RuleViolation(
            f"{trainee.name} did not shadow that loop; choose one of theirs or none.", field="loop"
        )
    note = MentorNote(
        trainee_id=trainee.id,
        author_id=actor.id,
        loop_id=loop.id if loop is not None else None,
        body=text,
        created_at=now,
    )
    db.session.add(note)
    db.session.flush()
    # Ids and a length only: audit events are never erased, so they must hold no free text.
    record(
        "training.note_added",
        actor=actor,
        subject=trainee,
        now=now,
        note_id=note.id,
        loop_id=note.loop_id,
        characters=len(text),
    )
    return note


def trainee_pipeline(*, now: datetime) -> list[TraineeRow]:
    """Everyone in training, and those certified in the last year: five queries, whatever the
    number of trainees or loops."""
    trainees = list(
        db.session.scalars(
            sa.select(User)
            .options(joinedload(User.certified_by))
            .where(
                sa.or_(
                    User.bar_raiser_status == BarRaiserStatus.IN_TRAINING,
                    sa.and_(
                        User.bar_raiser_status == BarRaiserStatus.CERTIFIED,
                        User.certified_at >= now - RECENTLY_CERTIFIED,
                    ),
                )
            )
            .order_by(User.bar_raiser_status.desc(), User.name, User.id)
        ).unique()
    )
    ids = [trainee.id for trainee in trainees]
    if not ids:
        return []
    shadows = _submitted_shadows(ids)
    led = _loops_led_with_certified_shadow(ids)
    thresholds = Thresholds.in_force()
    notes = {
        trainee_id: (count, last)
        for trainee_id, count, last in db.session.execute(
            sa.select(MentorNote.trainee_id, sa.func.count(), sa.func.max(MentorNote.created_at))
            .where(MentorNote.trainee_id.in_(ids))
            .group_by(MentorNote.trainee_id)
        )
    }
    return [
        TraineeRow(
            trainee=trainee,
            loops_shadowed=shadows.get(trainee.id, (0, []))[0],
            recent_shadows=shadows.get(trainee.id, (0, []))[1],
            loops_led_shadowed=led.get(trainee.id, 0),
            notes=notes.get(trainee.id, (0, None))[0],
            last_note_at=_aware(notes.get(trainee.id, (0, None))[1]),
            missing=tuple(
                thresholds.shortfall(
                    shadowed=shadows.get(trainee.id, (0, []))[0], led=led.get(trainee.id, 0)
                )
            ),
        )
        for trainee in trainees
    ]


def certify_trainee(trainee: User, *, actor: User, now: datetime) -> None:
    """Certify a Bar Raiser in training who has met the thresholds (settings); refused, saying
    what is missing, before. The trainee is told (auth's status notice)."""
    if not policy.can_certify(actor):
        raise Forbidden("Only admins certify Bar Raisers.")
    if trainee.bar_raiser_status is not BarRaiserStatus.IN_TRAINING:
        raise RuleViolation(f"{trainee.name} is not a Bar Raiser in training.")
    shadowed = _submitted_shadows([trainee.id]).get(trainee.id, (0, []))[0]
    led = _loops_led_with_certified_shadow([trainee.id]).get(trainee.id, 0)
    missing = Thresholds.in_force().shortfall(shadowed=shadowed, led=led)
    if missing:
        raise RuleViolation(
            f"{trainee.name} cannot be certified yet: {'; '.join(missing)}. "
            "The thresholds are in the mechanism settings."
        )
    set_bar_raiser_status(trainee, BarRaiserStatus.CERTIFIED, actor=actor, now=now)


def _aware(value: datetime | None) -> datetime | None:
    """Belt and braces: an aggregate may come back without its column type on some drivers."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _submitted_shadows(ids: list[int]) -> dict[int, tuple[int, list[ShadowedLoop]]]:
    """Per trainee: loops shadowed with feedback submitted, and the latest RECENT_SHADOWS of them
    (a window function keeps it to one query)."""
    submitted = (
        sa.select(
            Interview.interviewer_id.label("trainee_id"),
            Interview.loop_id.label("loop_id"),
            Interview.starts_at.label("starts_at"),
            Requisition.title.label("requisition"),
            sa.func.row_number()
            .over(
                partition_by=Interview.interviewer_id,
                order_by=(Interview.starts_at.desc(), Interview.id.desc()),
            )
            .label("position"),
            sa.func.count().over(partition_by=Interview.interviewer_id).label("total"),
        )
        .join(Feedback, Feedback.interview_id == Interview.id)
        .join(Loop, Loop.id == Interview.loop_id)
        .join(Requisition, Requisition.id == Loop.requisition_id)
        .where(
            Interview.interviewer_id.in_(ids),
            Interview.is_shadow.is_(True),
            # A certified Bar Raiser shadowing a trainee who leads is mentoring, not training.
            sa.or_(
                Loop.certified_shadow_id.is_(None),
                Loop.certified_shadow_id != Interview.interviewer_id,
            ),
            Feedback.submitted,
        )
        .subquery()
    )
    rows = db.session.execute(
        sa.select(submitted)
        .where(submitted.c.position <= RECENT_SHADOWS)
        .order_by(submitted.c.trainee_id, submitted.c.position)
    )
    result: dict[int, tuple[int, list[ShadowedLoop]]] = {}
    for row in rows:
        _, recent = result.setdefault(row.trainee_id, (row.total, []))
        recent.append(
            ShadowedLoop(
                loop_id=row.loop_id,
                starts_at=row.starts_at,
                requisition=row.requisition,
            )
        )
    return result


def _loops_led_with_certified_shadow(ids: list[int]) -> dict[int, int]:
    """Loops a trainee led to a decision while a certified Bar Raiser shadowed them (reverse
    shadow; the certified one was fixed on the loop when its panel was set)."""
    query = (
        sa.select(Loop.bar_raiser_id, sa.func.count(Loop.id))
        .where(
            Loop.bar_raiser_id.in_(ids),
            Loop.certified_shadow_id.is_not(None),
            Loop.state == LoopState.DECIDED,
        )
        .group_by(Loop.bar_raiser_id)
    )
    return {bar_raiser_id: count for bar_raiser_id, count in db.session.execute(query)}


def shadow_interviews(trainee: User) -> list[Interview]:
    """Every loop the trainee shadowed, newest first, with what a page needs to show it and to
    ask can_view_loop (the loop's panel) loaded up front."""
    query = (
        sa.select(Interview)
        .where(Interview.interviewer_id == trainee.id, Interview.is_shadow.is_(True))
        .options(
            joinedload(Interview.loop).joinedload(Loop.candidate),
            joinedload(Interview.loop).joinedload(Loop.requisition),
            joinedload(Interview.loop).selectinload(Loop.interviews),
        )
        .order_by(Interview.starts_at.desc(), Interview.id.desc())
    )
    return list(db.session.scalars(query).unique())


def submitted_shadow_interview_ids(trainee: User) -> set[int]:
    query = (
        sa.select(Feedback.interview_id)
        .join(Interview, Interview.id == Feedback.interview_id)
        .where(
            Interview.interviewer_id == trainee.id,
            Interview.is_shadow.is_(True),
            Feedback.submitted,
        )
    )
    return set(db.session.scalars(query))


def mentor_notes(trainee: User) -> list[MentorNote]:
    """The trainee's notes, newest first, authors loaded in the same query."""
    query = (
        sa.select(MentorNote)
        .where(MentorNote.trainee_id == trainee.id)
        .options(joinedload(MentorNote.author))
        .order_by(MentorNote.created_at.desc(), MentorNote.id.desc())
    )
    return list(db.session.scalars(query))
