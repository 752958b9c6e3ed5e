"""Writing checked history records: multi-row INSERTs per table in chunks of loops, no ORM object
per row and no query per loop, so 20,000 loops go in well under a minute on SQLite.

Ids come back from INSERT ... RETURNING in parameter order (SQLAlchemy's "insertmanyvalues"),
which SQLite and psycopg 3 both support, so children are inserted in bulk right after parents.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..auth.models import BarRaiserStatus, Role, User, UserRole
from ..candidates.models import Candidate
from ..changes import REPORT_DATA, bump
from ..debrief.models import FinalVote, HirePerformance, Proposal, Verdict
from ..domain import FeedbackState, LoopState, VerdictKind, interview_end
from ..extensions import db
from ..feedback.deadline import due_at, submitted_late
from ..feedback.models import Feedback, PrincipleRating
from ..feedback.quality import word_count
from ..loops.models import Interview, InterviewPrinciple, Loop
from ..principles.models import Principle
from ..requisitions.models import Requisition, RequisitionStatus, requisition_principle
from .parse import LoopRecord, debrief_of

# Neither the file nor history says how senior a role or a person was: people and roles both get
# the users' default level, so imported people may sit on new loops for an imported requisition
# without an edit.
IMPORTED_LEVEL: int = User.__table__.c.level.default.arg
CANDIDATE_SOURCE = "import"
PROPOSAL_RATIONALE = "Imported from history."
VETO_RATIONALE = "Imported veto"
CHUNK_LOOPS = 2000


@dataclass
class WriteCounts:
    loops: int = 0
    interviews: int = 0
    skipped: int = 0
    users_created: int = 0
    requisitions_created: int = 0


def _insert_returning_ids(
    model: type, rows: list[dict[str, Any]], *, key: tuple[str, ...]
) -> list[int]:
    """Insert many rows and return their new ids in the order of `rows`.

    RETURNING comes back in no promised order, and asking SQLAlchemy to sort it makes SQLite
    insert one row per statement (ten times slower). So each row is found again by `key`: columns
    that tell the rows apart, or, where they may not, that make equal rows interchangeable.
    """
    if not rows:
        return []
    table = _table(model)
    if db.session.get_bind().dialect.name == "postgresql":
        return _copy_with_new_ids(table, rows)
    statement = sa.insert(table).returning(table.c.id, *(table.c[name] for name in key))
    ids_by_key: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for id_, *values in db.session.execute(statement, rows):
        ids_by_key[tuple(values)].append(id_)
    return [ids_by_key[tuple(row[name] for name in key)].pop() for row in rows]


def _insert(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        _copy(table, rows)
        return
    db.session.execute(sa.insert(table), rows)


# PostgreSQL: COPY instead of INSERT. A multi-row INSERT of a thousand rows is a statement of
# its own size, which the server parses anew every time (psycopg prepares statements only up to
# a few KB); COPY streams the rows with no statement to parse. The ids come from the table's
# sequence first, in one statement, so that children can point at their parents.


def _copy_with_new_ids(table: sa.Table, rows: list[dict[str, Any]]) -> list[int]:
    sequence = db.session.execute(
        sa.select(sa.func.pg_get_serial_sequence(table.name, "id"))
    ).scalar_one()
    ids = list(
        db.session.scalars(
            sa.select(sa.func.nextval(sequence)).select_from(sa.func.generate_series(1, len(rows)))
        )
    )
    _copy(table, [{**row, "id": id_} for row, id_ in zip(rows, ids, strict=True)])
    return ids


def _copy(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """COPY `rows` into `table`, each value as an INSERT would bind it (the columns' types and
    Python-side defaults apply)."""
    dialect = db.session.get_bind().dialect
    given = set().union(*(row.keys() for row in rows))
    defaults = {
        column.name: column.default
        for column in table.columns
        if column.name not in given and column.default is not None
    }
    names = [
        column.name for column in table.columns if column.name in given or column.name in defaults
    ]
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    # COPY runs on the bare connection, unseen by the session's watch on the report's data.
    bump(REPORT_DATA)
    connection = db.session.connection().connection.dbapi_connection
    assert connection is not None
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        columns = ", ".join(f'"{name}"' for name in names)
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                values = []
                for name, process in zip(names, processors, strict=True):
                    if name in row:
                        value = row[name]
                    else:
                        default: Any = defaults[name]
                        value = default.arg(None) if default.is_callable else default.arg
                    if process is not None:
                        value = process(value)
                    if isinstance(value, dict | list):
                        value = json.dumps(value)
                    values.append(value)
                copy.write_row(values)


def _table(model: type) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined]


def existing_refs() -> set[str]:
    return set(
        db.session.scalars(sa.select(Loop.external_ref).where(Loop.external_ref.is_not(None)))
    )


def write_history(
    loops: Sequence[LoopRecord],
    *,
    now: datetime,
    deadline_hours: int,
    progress: Callable[[str], None] | None = None,
) -> WriteCounts:
    """Insert every loop whose ref is not in the database yet; flushes, does not commit."""
    present = existing_refs()
    new_loops = [loop for loop in loops if loop.ref not in present]
    counts = WriteCounts(skipped=len(loops) - len(new_loops))
    if not new_loops:
        return counts

    principle_ids = {
        name: id_ for name, id_ in db.session.execute(sa.select(Principle.name, Principle.id))
    }
    user_ids, counts.users_created = _users(new_loops, now=now)
    requisition_ids, counts.requisitions_created = _requisitions(
        new_loops, user_ids=user_ids, principle_ids=principle_ids
    )
    for start in range(0, len(new_loops), CHUNK_LOOPS):
        chunk = new_loops[start : start + CHUNK_LOOPS]
        counts.interviews += _write_chunk(
            chunk,
            user_ids=user_ids,
            requisition_ids=requisition_ids,
            principle_ids=principle_ids,
            deadline_hours=deadline_hours,
            now=now,
        )
        counts.loops += len(chunk)
        if progress is not None:
            progress(f"Wrote {counts.loops} of {len(new_loops)} loops")
    refresh_planner_statistics()
    return counts


WRITTEN_TABLES = (
    _table(User),
    _table(UserRole),
    _table(Requisition),
    requisition_principle,
    _table(Candidate),
    _table(Loop),
    _table(Interview),
    _table(InterviewPrinciple),
    _table(Feedback),
    _table(PrincipleRating),
    _table(Proposal),
    _table(Verdict),
    _table(HirePerformance),
    _table(FinalVote),
)
"""Every table an import writes to."""


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


def _users(loops: Iterable[LoopRecord], *, now: datetime) -> tuple[dict[str, int], int]:
    """Every person's id by email, creating the unknown ones as users who cannot log in yet."""
    known = {email: id_ for email, id_ in db.session.execute(sa.select(User.email, User.id))}
    names: dict[str, str] = {}
    departments: dict[str, str] = {}
    for loop in loops:
        for email in (loop.hiring_manager_email, loop.bar_raiser_email):
            names.setdefault(email, "")
        departments.setdefault(loop.hiring_manager_email, loop.department)
        for interview in loop.interviews:
            if not names.get(interview.interviewer_email):
                names[interview.interviewer_email] = interview.interviewer_name
    missing = [email for email in names if email not in known]
    rows = [
        {
            "email": email,
            "name": names[email] or _name_from_email(email),
            "department": departments.get(email, ""),
            "level": IMPORTED_LEVEL,
            # No password: the person cannot log in until an admin invites them.
            "password_hash": None,
            "active": True,
            "bar_raiser_status": BarRaiserStatus.NONE,
            "certified_by_id": None,
            "certified_at": None,
            "created_at": now,
        }
        for email in missing
    ]
    known.update(zip(missing, _insert_returning_ids(User, rows, key=("email",)), strict=True))
    # Someone who ran a loop as its hiring manager holds that role, so the requisitions created
    # for them can be edited and given new loops without a trip to the user admin first.
    managers = {email for email in departments if email in missing}
    if managers:
        db.session.execute(
            sa.insert(UserRole),
            [{"user_id": known[email], "role": Role.HIRING_MANAGER} for email in sorted(managers)],
        )
    return known, len(missing)


def _name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part)[:120]


def _requisitions(
    loops: Sequence[LoopRecord], *, user_ids: dict[str, int], principle_ids: dict[str, int]
) -> tuple[dict[tuple[str, str], int], int]:
    """Requisition ids by (title, department), reusing existing ones and creating the others.

    A created requisition requires the principles its imported loops all covered on the panel:
    the union would demand more principles than a panel can probe, and fail every old loop.
    An existing requisition is left as it is.
    """
    ids = {
        (title, department): id_
        for id_, title, department in db.session.execute(
            sa.select(Requisition.id, Requisition.title, Requisition.department).order_by(
                Requisition.id.desc()
            )
        )
    }
    new: dict[tuple[str, str], dict[str, Any]] = {}
    required: dict[tuple[str, str], set[str]] = {}
    for loop in loops:
        key = (loop.requisition, loop.department)
        if key in ids:
            continue
        panel_principles = {
            name
            for interview in loop.interviews
            if not interview.is_shadow
            for name in interview.principles
        }
        if key not in new:
            new[key] = {
                "title": loop.requisition,
                "level": IMPORTED_LEVEL,
                "department": loop.department,
                "hiring_manager_id": user_ids[loop.hiring_manager_email],
                "status": RequisitionStatus.OPEN,
                "created_at": loop.first_interview_at,
                "created_by_id": None,
            }
            required[key] = panel_principles
        else:
            new[key]["created_at"] = min(new[key]["created_at"], loop.first_interview_at)
            required[key] &= panel_principles
    keys = list(new)
    ids.update(
        zip(
            keys,
            _insert_returning_ids(Requisition, list(new.values()), key=("title", "department")),
            strict=True,
        )
    )
    _insert(
        requisition_principle,
        [
            {"requisition_id": ids[key], "principle_id": principle_ids[name]}
            for key in keys
            for name in sorted(required[key])
        ],
    )
    return ids, len(keys)


def _write_chunk(
    loops: Sequence[LoopRecord],
    *,
    user_ids: dict[str, int],
    requisition_ids: dict[tuple[str, str], int],
    principle_ids: dict[str, int],
    deadline_hours: int,
    now: datetime,
) -> int:
    """Insert a chunk of loops and everything under them; returns the interviews written."""
    candidate_ids = _insert_returning_ids(
        Candidate,
        [
            {
                "name": loop.candidate_name,
                "email": loop.candidate_email,
                "source": CANDIDATE_SOURCE,
                "notes": "",
                # History's own time, so lists ordered by creation show imported loops in place.
                "created_at": loop.first_interview_at,
                "created_by_id": None,
                "erased_at": None,
            }
            for loop in loops
        ],
        # Candidates equal on these are equal in every column, so which id goes where is moot.
        key=("name", "email", "created_at"),
    )
    loop_ids = _insert_returning_ids(
        Loop,
        [
            {
                "candidate_id": candidate_id,
                "requisition_id": requisition_ids[(loop.requisition, loop.department)],
                "hiring_manager_id": user_ids[loop.hiring_manager_email],
                "bar_raiser_id": user_ids[loop.bar_raiser_email],
                "state": _state(loop),
                "cancel_reason": None,
                "version": 1,
                "external_ref": loop.ref,
                "created_at": loop.first_interview_at,
                "created_by_id": None,
                "first_interview_at": loop.first_interview_at,
                "debrief_opened_at": loop.debrief_opened_at,
                # The Bar Raiser runs the debrief, so they are the one who opened it.
                "debrief_opened_by_id": (
                    user_ids[loop.bar_raiser_email] if loop.debrief_opened_at else None
                ),
                "debrief_early_reason": None,
                "outcome": loop.outcome,
                "vetoed": loop.vetoed,
                "decided_at": loop.decided_at,
            }
            for loop, candidate_id in zip(loops, candidate_ids, strict=True)
        ],
        key=("external_ref",),
    )
    loops_by_id = dict(zip(loop_ids, loops, strict=True))
    interviews = [
        (loop_id, interview)
        for loop, loop_id in zip(loops, loop_ids, strict=True)
        for interview in loop.interviews
    ]
    interview_ids = _insert_returning_ids(
        Interview,
        [
            {
                "loop_id": loop_id,
                "interviewer_id": user_ids[interview.interviewer_email],
                "starts_at": interview.starts_at,
                "duration_minutes": interview.duration_minutes,
                "is_shadow": interview.is_shadow,
                "feedback_due_at": due_at(
                    interview_end(interview.starts_at, interview.duration_minutes),
                    hours=deadline_hours,
                ),
            }
            for loop_id, interview in interviews
        ],
        key=("loop_id", "interviewer_id"),
    )
    _insert(
        _table(InterviewPrinciple),
        [
            {
                "interview_id": interview_id,
                "principle_id": principle_ids[name],
                "position": index,
                # What submitting records for the report; feedback never submitted has neither.
                "submitted_rating": interview.ratings.get(name) if interview.submitted else None,
                "submitted_evidence_words": (
                    word_count(interview.evidence.get(name, "")) if interview.submitted else None
                ),
            }
            for (_, interview), interview_id in zip(interviews, interview_ids, strict=True)
            for index, name in enumerate(interview.principles)
        ],
    )
    feedback_rows = []
    for (_, interview), interview_id in zip(interviews, interview_ids, strict=True):
        ends_at = interview_end(interview.starts_at, interview.duration_minutes)
        due = due_at(ends_at, hours=deadline_hours)
        submitted = interview.submitted
        feedback_rows.append(
            {
                "interview_id": interview_id,
                "author_id": user_ids[interview.interviewer_email],
                "state": FeedbackState.SUBMITTED if submitted else FeedbackState.DRAFT,
                "vote": interview.vote if submitted else None,
                "raises_bar": interview.raises_bar if submitted else None,
                "summary": interview.summary,
                "created_at": interview.submitted_at,
                "updated_at": interview.submitted_at,
                "submitted_at": interview.submitted_at if submitted else None,
                "due_at": due,
                "is_late": submitted and submitted_late(interview.submitted_at, due),
                "version": 1,
            }
        )
    feedback_ids = _insert_returning_ids(Feedback, feedback_rows, key=("interview_id",))
    _insert(
        _table(PrincipleRating),
        [
            {
                "feedback_id": feedback_id,
                "principle_id": principle_ids[name],
                "rating": interview.ratings.get(name),
                "evidence": interview.evidence.get(name, ""),
            }
            for (_, interview), feedback_id in zip(interviews, feedback_ids, strict=True)
            for name in interview.principles
        ],
    )
    _insert(
        _table(FinalVote),
        [
            {
                "loop_id": loop_id,
                "interview_id": interview_id,
                "voter_id": user_ids[interview.interviewer_email],
                "vote": interview.final_vote,
                # Cast in the debrief; history keeps when it opened, not each vote's minute.
                "cast_at": loops_by_id[loop_id].debrief_opened_at,
            }
            for (loop_id, interview), interview_id in zip(interviews, interview_ids, strict=True)
            if interview.final_vote is not None
        ],
    )
    _write_decisions(loops, loop_ids, user_ids=user_ids)
    return len(interviews)


def _state(loop: LoopRecord) -> LoopState:
    if loop.outcome:
        return LoopState.DECIDED
    return LoopState.DEBRIEF if loop.debrief_opened_at else LoopState.SCHEDULED


def _write_decisions(
    loops: Sequence[LoopRecord], loop_ids: Sequence[int], *, user_ids: dict[str, int]
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
    proposal_ids = _insert_returning_ids(
        Proposal,
        [
            {
                "loop_id": loop_id,
                "proposed_by_id": user_ids[loop.hiring_manager_email],
                "decision": proposal,
                "rationale": PROPOSAL_RATIONALE,
                "proposed_at": loop.decided_at,
            }
            for loop, loop_id, proposal, _ in decided
        ],
        key=("loop_id",),
    )
    _insert(
        _table(Verdict),
        [
            {
                "loop_id": loop_id,
                "proposal_id": proposal_id,
                "bar_raiser_id": user_ids[loop.bar_raiser_email],
                "kind": verdict,
                "rationale": VETO_RATIONALE if verdict is VerdictKind.VETO else "",
                "decided_at": loop.decided_at,
            }
            for (loop, loop_id, _, verdict), proposal_id in zip(decided, proposal_ids, strict=True)
        ],
    )
    _insert(
        _table(HirePerformance),
        [
            {
                "loop_id": loop_id,
                "rating": loop.performance,
                # The file carries no rating date; the decision's date keeps it inside history.
                "rated_on": loop.decided_at.date(),  # type: ignore[union-attr]
                "recorded_by_id": None,
                "recorded_at": loop.decided_at,
            }
            for loop, loop_id, _, _ in decided
            if loop.performance is not None
        ],
    )
