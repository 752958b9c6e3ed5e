"""Writing checked history records as the mechanism's rows: loops, candidates, interviews with
their feedback, ratings and final votes, and each loop's proposal, verdict and later performance,
in batches of plain tuples (history.bulk); no ORM object per row, no query per loop.

Ids are handed out before the rows go in (from each table's sequence on PostgreSQL; on SQLite,
after the largest id, under the write lock this transaction takes first), so children are
written right after their parents without reading anything back. The people and requisitions
come first (history.references), then the loops, a chunk at a time, then the interviews under
them, a batch at a time as history.parse reads them again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..auth.models import User, UserRole
from ..candidates.models import Candidate
from ..debrief.models import FinalVote, HirePerformance, Proposal, Verdict
from ..domain import FeedbackState, LoopState, VerdictKind, interview_end
from ..extensions import db
from ..feedback.deadline import due_at, submitted_late
from ..feedback.models import Feedback, PrincipleRating
from ..feedback.quality import word_count
from ..loops.models import Interview, InterviewPrinciple, Loop
from ..principles.models import Principle
from ..requisitions.models import Requisition, requisition_principle
from .bulk import (
    BulkWriter,
    foreign_keys_checked_at_end,
    in_batches,
    indexes_built_at_end,
    read_ahead,
    table_of,
)
from .parse import LoopRecord, ParsedHistory, debrief_of
from .references import people, requisitions
from .row import InterviewRecord

CANDIDATE_SOURCE = "import"
PROPOSAL_RATIONALE = "Imported from history."
VETO_RATIONALE = "Imported veto"
CHUNK_LOOPS = 2000
BATCH_INTERVIEWS = 5000
"""Interviews written at a time, each with its feedback, principles and ratings (some 10 rows):
large enough that a statement's fixed cost vanishes, small enough that memory stays flat."""


@dataclass
class WriteCounts:
    loops: int = 0
    interviews: int = 0
    skipped: int = 0
    users_created: int = 0
    requisitions_created: int = 0
    batches: int = 0
    """Batches of rows written (one per table and chunk): a file's size changes their size,
    hardly their number."""


def existing_refs() -> set[str]:
    return set(
        db.session.scalars(sa.select(Loop.external_ref).where(Loop.external_ref.is_not(None)))
    )


def write_history(
    parsed: ParsedHistory,
    *,
    now: datetime,
    deadline_hours: int,
    progress: Callable[[str], None] | None = None,
) -> WriteCounts:
    """Insert every loop whose ref is not in the database yet; flushes, does not commit.
    The caller has made sure no other import runs (`bulk.one_import_at_a_time`)."""
    present = existing_refs()
    new_loops = [loop for loop in parsed.loops if loop.ref not in present]
    counts = WriteCounts(skipped=len(parsed.loops) - len(new_loops))
    if not new_loops:
        return counts
    with _checks(len(new_loops)):
        _write(parsed, new_loops, counts, now=now, deadline_hours=deadline_hours, progress=progress)
    refresh_planner_statistics()
    return counts


def _checks(new_loops: int) -> AbstractContextManager[None]:
    """How a load that at least doubles the history (a first import, typically) writes its
    rows: on PostgreSQL with the foreign keys checked once at the end, which at 20,000 loops
    halves the import (its pages that read loops then wait for it to end); on SQLite with the
    plain indexes built once at the end, which takes about a tenth off (`bulk.py`). A smaller
    load keeps its keys and indexes up to date row by row."""
    if new_loops < BULK_CHECK_LOOPS:
        return nullcontext()
    history = db.session.scalar(sa.select(sa.func.count()).select_from(Loop)) or 0
    if history > new_loops:
        return nullcontext()
    if db.session.get_bind().dialect.name == "postgresql":
        return foreign_keys_checked_at_end(CHECKED_AT_END)
    return indexes_built_at_end(CHECKED_AT_END)


def _write(
    parsed: ParsedHistory,
    new_loops: list[LoopRecord],
    counts: WriteCounts,
    *,
    now: datetime,
    deadline_hours: int,
    progress: Callable[[str], None] | None,
) -> None:
    writer = BulkWriter()
    principle_ids = {
        name: id_ for name, id_ in db.session.execute(sa.select(Principle.name, Principle.id))
    }
    user_ids, counts.users_created = people(writer, new_loops, now=now)
    requisition_ids, counts.requisitions_created = requisitions(
        writer, new_loops, user_ids=user_ids, principle_ids=principle_ids
    )
    loops: dict[str, tuple[int, LoopRecord]] = {}
    for start in range(0, len(new_loops), CHUNK_LOOPS):
        chunk = new_loops[start : start + CHUNK_LOOPS]
        loop_ids = _write_loops(writer, chunk, user_ids=user_ids, requisition_ids=requisition_ids)
        loops.update((loop.ref, (id_, loop)) for loop, id_ in zip(chunk, loop_ids, strict=True))
        counts.loops += len(chunk)
        if progress is not None:
            progress(f"Wrote {counts.loops} of {len(new_loops)} loops")
    interviews = ((ref, interview) for ref, interview in parsed.interviews() if ref in loops)
    batches = in_batches(interviews, BATCH_INTERVIEWS)
    if writer.postgres:
        batches = read_ahead(batches)
    # Closed on any error too, so that a thread reading ahead stops at once.
    with closing(batches):
        for batch in batches:
            _write_interviews(
                writer,
                batch,
                loops=loops,
                user_ids=user_ids,
                principle_ids=principle_ids,
                deadline_hours=deadline_hours,
            )
            counts.interviews += len(batch)
            if progress is not None:
                progress(f"Wrote {counts.interviews} interviews")
    counts.batches = writer.batches


WRITTEN_TABLES = (
    table_of(User),
    table_of(UserRole),
    table_of(Requisition),
    requisition_principle,
    table_of(Candidate),
    table_of(Loop),
    table_of(Interview),
    table_of(InterviewPrinciple),
    table_of(Feedback),
    table_of(PrincipleRating),
    table_of(Proposal),
    table_of(Verdict),
    table_of(HirePerformance),
    table_of(FinalVote),
)
"""Every table an import writes to."""

CHECKED_AT_END = tuple(
    table
    for table in WRITTEN_TABLES
    if table
    not in (table_of(User), table_of(UserRole), table_of(Requisition), requisition_principle)
)
"""The tables whose foreign keys (PostgreSQL) or indexes (SQLite) a large import checks or
builds at its end: all it writes but people and requisitions (a few hundred rows, and every
page reads the people)."""
BULK_CHECK_LOOPS = 1000
"""Below this many new loops, an import keeps its keys and indexes up to date row by row
whatever the history."""


def refresh_planner_statistics() -> None:
    """On PostgreSQL, ANALYZE the tables an import wrote to, in the import's transaction.

    The planner chooses joins by its statistics of each table. Straight after a bulk import it
    has none (autovacuum analyzes later, if it runs at all), and takes a table of a hundred
    thousand rows for a small one: the calibration report's per-loop counts then scan whole
    tables for every loop, and take minutes instead of a fraction of a second. SQLite plans
    these queries well without statistics, and is left as it is.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    preparer = db.session.get_bind().dialect.identifier_preparer
    names = ", ".join(preparer.format_table(table) for table in WRITTEN_TABLES)
    db.session.execute(sa.text(f"ANALYZE {names}"))


def _write_loops(
    writer: BulkWriter,
    loops: Sequence[LoopRecord],
    *,
    user_ids: dict[str, int],
    requisition_ids: dict[tuple[str, str], int],
) -> Sequence[int]:
    """Insert a chunk of loops with their candidates and decisions; returns the loops' ids."""
    candidate_ids, loop_ids = writer.new_ids_of(len(loops), table_of(Candidate), table_of(Loop))
    writer.rows(
        table_of(Candidate),
        ("id", "name", "email", "source", "notes", "created_at", "created_by_id", "erased_at"),
    ).write(
        (
            candidate_id,
            loop.candidate_name,
            loop.candidate_email,
            CANDIDATE_SOURCE,
            "",
            # History's own time, so lists ordered by creation show imported loops in place.
            loop.first_interview_at,
            None,
            None,
        )
        for loop, candidate_id in zip(loops, candidate_ids, strict=True)
    )
    writer.rows(
        table_of(Loop),
        (
            "id",
            "candidate_id",
            "requisition_id",
            "hiring_manager_id",
            "bar_raiser_id",
            "state",
            "cancel_reason",
            "version",
            "external_ref",
            "created_at",
            "created_by_id",
            "first_interview_at",
            "debrief_opened_at",
            "debrief_opened_by_id",
            "debrief_early_reason",
            "outcome",
            "vetoed",
            "decided_at",
        ),
    ).write(
        (
            loop_id,
            candidate_id,
            requisition_ids[(loop.requisition, loop.department)],
            user_ids[loop.hiring_manager_email],
            user_ids[loop.bar_raiser_email],
            _state(loop),
            None,
            1,
            loop.ref,
            loop.first_interview_at,
            None,
            loop.first_interview_at,
            loop.debrief_opened_at,
            # The Bar Raiser runs the debrief, so they are the one who opened it.
            user_ids[loop.bar_raiser_email] if loop.debrief_opened_at else None,
            None,
            loop.outcome,
            loop.vetoed,
            loop.decided_at,
        )
        for loop, loop_id, candidate_id in zip(loops, loop_ids, candidate_ids, strict=True)
    )
    _write_decisions(writer, loops, loop_ids, user_ids=user_ids)
    return loop_ids


def _write_interviews(
    writer: BulkWriter,
    batch: Sequence[tuple[str, InterviewRecord]],
    *,
    loops: dict[str, tuple[int, LoopRecord]],
    user_ids: dict[str, int],
    principle_ids: dict[str, int],
    deadline_hours: int,
) -> None:
    """Insert a batch of interviews, each with its feedback, principles, ratings and final vote."""
    interview_ids, feedback_ids = writer.new_ids_of(
        len(batch), table_of(Interview), table_of(Feedback)
    )
    interviews = []
    assigned = []
    feedback = []
    ratings = []
    final_votes = []
    for (ref, interview), interview_id, feedback_id in zip(
        batch, interview_ids, feedback_ids, strict=True
    ):
        loop_id, loop = loops[ref]
        interviewer_id = user_ids[interview.interviewer_email]
        due = due_at(
            interview_end(interview.starts_at, interview.duration_minutes), hours=deadline_hours
        )
        submitted = interview.submitted
        interviews.append(
            (
                interview_id,
                loop_id,
                interviewer_id,
                interview.starts_at,
                interview.duration_minutes,
                interview.is_shadow,
                due,
            )
        )
        for position, name in enumerate(interview.principles):
            principle_id = principle_ids[name]
            rating = interview.ratings.get(name)
            evidence = interview.evidence.get(name, "")
            # What submitting records for the report; feedback never submitted has neither.
            assigned.append(
                (
                    interview_id,
                    principle_id,
                    position,
                    rating if submitted else None,
                    (word_count(evidence) if evidence else 0) if submitted else None,
                )
            )
            ratings.append((feedback_id, principle_id, rating, evidence))
        feedback.append(
            (
                feedback_id,
                interview_id,
                interviewer_id,
                FeedbackState.SUBMITTED if submitted else FeedbackState.DRAFT,
                interview.vote if submitted else None,
                interview.raises_bar if submitted else None,
                interview.summary,
                interview.submitted_at,
                interview.submitted_at,
                interview.submitted_at if submitted else None,
                due,
                submitted and submitted_late(interview.submitted_at, due),
                1,
            )
        )
        if interview.final_vote is not None:
            # Cast in the debrief; history keeps when it opened, not each vote's minute.
            final_votes.append(
                (
                    loop_id,
                    interview_id,
                    interviewer_id,
                    interview.final_vote,
                    loop.debrief_opened_at,
                )
            )
    writer.rows(
        table_of(Interview),
        (
            "id",
            "loop_id",
            "interviewer_id",
            "starts_at",
            "duration_minutes",
            "is_shadow",
            "feedback_due_at",
        ),
    ).write(interviews)
    writer.rows(
        table_of(InterviewPrinciple),
        (
            "interview_id",
            "principle_id",
            "position",
            "submitted_rating",
            "submitted_evidence_words",
        ),
    ).write(assigned)
    writer.rows(
        table_of(Feedback),
        (
            "id",
            "interview_id",
            "author_id",
            "state",
            "vote",
            "raises_bar",
            "summary",
            "created_at",
            "updated_at",
            "submitted_at",
            "due_at",
            "is_late",
            "version",
        ),
    ).write(feedback)
    writer.rows(
        table_of(PrincipleRating), ("feedback_id", "principle_id", "rating", "evidence")
    ).write(ratings)
    writer.rows(
        table_of(FinalVote), ("loop_id", "interview_id", "voter_id", "vote", "cast_at")
    ).write(final_votes)


def _state(loop: LoopRecord) -> LoopState:
    if loop.outcome:
        return LoopState.DECIDED
    return LoopState.DEBRIEF if loop.debrief_opened_at else LoopState.SCHEDULED


def _write_decisions(
    writer: BulkWriter,
    loops: Sequence[LoopRecord],
    loop_ids: Sequence[int],
    *,
    user_ids: dict[str, int],
) -> None:
    """The proposal and verdict behind each decision, and the hire's performance.

    A veto is a hire proposal the Bar Raiser refused; a plain no_hire is a no_hire proposal the
    Bar Raiser concurred with. The hiring manager proposes and the Bar Raiser answers, both at
    decided_at, as the debrief would have recorded them.
    """
    decided = [
        (loop, loop_id, *debrief_of(loop.outcome, loop.vetoed))
        for loop, loop_id in zip(loops, loop_ids, strict=True)
        if loop.outcome
    ]
    proposal_ids = writer.new_ids(table_of(Proposal), len(decided))
    writer.rows(
        table_of(Proposal),
        ("id", "loop_id", "proposed_by_id", "decision", "rationale", "proposed_at"),
    ).write(
        (
            proposal_id,
            loop_id,
            user_ids[loop.hiring_manager_email],
            proposal,
            PROPOSAL_RATIONALE,
            loop.decided_at,
        )
        for (loop, loop_id, proposal, _), proposal_id in zip(decided, proposal_ids, strict=True)
    )
    writer.rows(
        table_of(Verdict),
        ("loop_id", "proposal_id", "bar_raiser_id", "kind", "rationale", "decided_at"),
    ).write(
        (
            loop_id,
            proposal_id,
            user_ids[loop.bar_raiser_email],
            verdict,
            VETO_RATIONALE if verdict is VerdictKind.VETO else "",
            loop.decided_at,
        )
        for (loop, loop_id, _, verdict), proposal_id in zip(decided, proposal_ids, strict=True)
    )
    writer.rows(
        table_of(HirePerformance),
        ("loop_id", "rating", "rated_on", "recorded_by_id", "recorded_at"),
    ).write(
        (
            loop_id,
            loop.performance,
            # The file carries no rating date; the decision's date keeps it inside history.
            loop.decided_at.date(),  # type: ignore[union-attr]
            None,
            loop.decided_at,
        )
        for loop, loop_id, _, _ in decided
        if loop.performance is not None
    )
