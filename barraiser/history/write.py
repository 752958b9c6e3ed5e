"""Writing checked history records: rows go in as plain tuples in batches, through COPY on
PostgreSQL and one prepared INSERT run over many rows (executemany) on SQLite; no ORM object per
row, no statement compiled per row, no query per loop.

Ids are handed out before the rows go in (from each table's sequence on PostgreSQL; on SQLite,
after the largest id, under the write lock this transaction takes first), so children are
written right after their parents without reading anything back. The loops go first, a chunk at
a time, then the interviews under them, a batch at a time as history.parse reads them again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from itertools import islice, repeat
from queue import Full, Queue
from typing import Any, TypeVar

import sqlalchemy as sa

from ..auth.models import BarRaiserStatus, Role, User, UserRole
from ..candidates.models import Candidate
from ..changes import REPORT_DATA, bump
from ..database import UTCDateTime
from ..debrief.models import FinalVote, HirePerformance, Proposal, Verdict
from ..domain import FeedbackState, LoopState, VerdictKind, interview_end
from ..extensions import db
from ..feedback.deadline import due_at, submitted_late
from ..feedback.models import Feedback, PrincipleRating
from ..feedback.quality import word_count
from ..loops.models import Interview, InterviewPrinciple, Loop
from ..principles.models import Principle
from ..requisitions.models import Requisition, RequisitionStatus, requisition_principle
from .parse import LoopRecord, ParsedHistory, debrief_of
from .row import InterviewRecord

# Neither the file nor history says how senior a role or a person was: people and roles both get
# the users' default level, so imported people may sit on new loops for an imported requisition
# without an edit.
IMPORTED_LEVEL: int = User.__table__.c.level.default.arg
CANDIDATE_SOURCE = "import"
PROPOSAL_RATIONALE = "Imported from history."
VETO_RATIONALE = "Imported veto"
T = TypeVar("T")
MOMENTS_REMEMBERED = 16_384
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


class _Rows:
    """One table's INSERT, prepared once for rows given as tuples in the order of `names`.

    Each value is turned into what the database takes as SQLAlchemy would bind it (the columns'
    types), and the columns' Python-side defaults fill the columns not named. Values are turned
    a column at a time (map over the column), not a row at a time.
    """

    def __init__(self, writer: _Writer, table: sa.Table, names: Sequence[str]) -> None:
        self.writer = writer
        dialect = writer.dialect
        defaults = [
            column
            for column in table.columns
            if column.name not in names and column.default is not None
        ]
        self.processors = [_processor(table.c[name].type, writer) for name in names]
        self.defaults: list[tuple[Any, Callable[[Any], Any]]] = [
            (column.default, _processor(column.type, writer) or _same) for column in defaults
        ]
        all_names = [*names, *(column.name for column in defaults)]
        preparer = dialect.identifier_preparer
        columns = ", ".join(preparer.quote(name) for name in all_names)
        quoted_table = preparer.format_table(table)
        self.binary_types = _binary_types(table, all_names) if writer.postgres else None
        if writer.postgres and self.binary_types is not None:
            self.statement = f"COPY {quoted_table} ({columns}) FROM STDIN (FORMAT BINARY)"
        elif writer.postgres:
            self.statement = f"COPY {quoted_table} ({columns}) FROM STDIN"
        else:
            marks = ", ".join("?" for _ in all_names)
            self.statement = f"INSERT INTO {quoted_table} ({columns}) VALUES ({marks})"

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        prepared: list[Any] = list(rows)
        if not prepared:
            return
        if self.defaults or any(self.processors):
            count = len(prepared)
            columns: list[Iterable[Any]] = [
                column if process is None else map(process, column)
                for column, process in zip(
                    zip(*prepared, strict=True), self.processors, strict=True
                )
            ]
            for default, process in self.defaults:
                if default.is_callable:
                    columns.append([process(default.arg(None)) for _ in range(count)])
                else:
                    columns.append(repeat(process(default.arg), count))
            prepared = list(zip(*columns, strict=True))
        self.writer.batches += 1
        if self.writer.postgres:
            self.writer.copy(self.statement, prepared, self.binary_types)
        else:
            self.writer.dbapi.executemany(self.statement, prepared)


# PostgreSQL's types of the columns an import writes, for COPY in its binary format: the
# server reads each value as it is stored, parsing no text.
_BINARY_TYPES = {
    sa.Integer: "int4",
    sa.Boolean: "bool",
    sa.Date: "date",
    sa.Text: "text",
    sa.String: "varchar",
}


def _binary_types(table: sa.Table, names: Sequence[str]) -> list[str] | None:
    """Each column's type for a binary COPY, or None if any is not one of _BINARY_TYPES."""
    types = []
    for name in names:
        kind = table.c[name].type
        if isinstance(kind, UTCDateTime):
            types.append("timestamptz")
            continue
        found = next(
            (pg for sa_type, pg in _BINARY_TYPES.items() if isinstance(kind, sa_type)), None
        )
        if found is None or isinstance(kind, sa.BigInteger | sa.SmallInteger):
            return None
        types.append(found)
    return types


def _same(value: Any) -> Any:
    return value


def _processor(kind: Any, writer: _Writer) -> Callable[[Any], Any] | None:
    dialect = writer.dialect
    if isinstance(kind, UTCDateTime):
        if dialect.name == "sqlite":
            return writer.moment
        # psycopg sends an aware datetime as it is, which is all the type makes of it there;
        # every moment of a history is aware (history.row reads them so).
        return None
    process = kind._cached_bind_processor(dialect)
    if process is None:
        return None
    # A type of a few values (an enum, a boolean) is turned once per value, then looked up.
    if isinstance(kind, sa.Enum):
        values: list[Any] = [None, *kind.enum_class]  # type: ignore[misc]
    elif isinstance(kind, sa.Boolean):
        values = [None, False, True]
    else:
        return process
    return {value: process(value) for value in values}.__getitem__


def _sqlite_moment(dialect: Any) -> Callable[[Any], Any]:
    """An aware datetime as SQLite stores it: the text SQLAlchemy writes, made by isoformat (a
    fraction of the time). Checked against SQLAlchemy's own, which is used if they ever differ."""
    slow = UTCDateTime()._cached_bind_processor(dialect)
    # An interview's moments come back in several columns and tables (its feedback's created,
    # updated and submitted at once; its due time in both): each is turned into text once.
    memo: dict[datetime, str] = {}

    def fast(value: datetime | None) -> str | None:
        if value is None:
            return None
        text = memo.get(value)
        if text is None:
            if len(memo) >= MOMENTS_REMEMBERED:
                memo.clear()
            utc = value if value.tzinfo is UTC else value.astimezone(UTC)
            text = memo[value] = utc.isoformat(" ", "microseconds")[:-6]  # without "+00:00"
        return text

    samples = (
        datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
        datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=-5))),
    )
    if slow is not None and all(fast(sample) == slow(sample) for sample in samples):
        return fast
    return slow or (lambda value: value)


class _Writer:
    """The transaction's bare connection, and the ids it hands out."""

    def __init__(self) -> None:
        # The writes below bypass the session, so the report's data is marked changed here; on
        # SQLite this first write also takes the write lock, before any id is handed out.
        bump(REPORT_DATA)
        connection = db.session.connection()
        self.dialect = connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        self.dbapi: Any = connection.connection.dbapi_connection
        self.moment = _sqlite_moment(self.dialect) if not self.postgres else None
        self.batches = 0
        self._next_ids: dict[str, int] = {}
        self._sequences: dict[str, str] = {}
        self._tables: dict[tuple[str, tuple[str, ...]], _Rows] = {}

    def rows(self, table: sa.Table, names: Sequence[str]) -> _Rows:
        key = (table.name, tuple(names))
        if key not in self._tables:
            self._tables[key] = _Rows(self, table, names)
        return self._tables[key]

    def new_ids(self, table: sa.Table, count: int) -> Sequence[int]:
        """`count` ids for new rows of `table`, no other transaction's."""
        return self.new_ids_of(count, table)[0]

    def new_ids_of(self, count: int, *tables: sa.Table) -> list[Sequence[int]]:
        """`count` new ids for each of `tables`, in one statement on PostgreSQL."""
        if count == 0:
            return [[] for _ in tables]
        if self.postgres:
            sequences = [self._sequence(table) for table in tables]
            calls = ", ".join("nextval(%s)" for _ in sequences)
            with self.dbapi.cursor() as cursor:
                cursor.execute(f"SELECT {calls} FROM generate_series(1, %s)", [*sequences, count])
                return [list(ids) for ids in zip(*cursor.fetchall(), strict=True)]
        return [self._sqlite_ids(table, count) for table in tables]

    def _sequence(self, table: sa.Table) -> str:
        if table.name not in self._sequences:
            self._sequences[table.name] = db.session.execute(
                sa.select(sa.func.pg_get_serial_sequence(table.name, "id"))
            ).scalar_one()
        return self._sequences[table.name]

    def _sqlite_ids(self, table: sa.Table, count: int) -> Sequence[int]:
        # SQLite gives a new row the largest id plus one; this transaction holds the write lock,
        # so no other takes these ids before it commits.
        first = self._next_ids.get(table.name)
        if first is None:
            first = (
                1
                + db.session.execute(
                    sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))
                ).scalar_one()
            )
        self._next_ids[table.name] = first + count
        return range(first, first + count)

    def copy(self, statement: str, rows: list[Any], types: list[str] | None) -> None:
        with self.dbapi.cursor() as cursor, cursor.copy(statement) as copy:
            if types is not None:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)


def _table(model: type) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined]


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
    """Insert every loop whose ref is not in the database yet; flushes, does not commit."""
    present = existing_refs()
    new_loops = [loop for loop in parsed.loops if loop.ref not in present]
    counts = WriteCounts(skipped=len(parsed.loops) - len(new_loops))
    if not new_loops:
        return counts

    writer = _Writer()
    principle_ids = {
        name: id_ for name, id_ in db.session.execute(sa.select(Principle.name, Principle.id))
    }
    user_ids, counts.users_created = _users(writer, new_loops, now=now)
    requisition_ids, counts.requisitions_created = _requisitions(
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
    batches = _batches(interviews, BATCH_INTERVIEWS)
    if writer.postgres:
        batches = _read_ahead(batches)
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
    refresh_planner_statistics()
    return counts


def _batches(items: Iterator[T], size: int) -> Generator[list[T], None, None]:
    while batch := list(islice(items, size)):
        yield batch


def _read_ahead(batches: Iterator[T], depth: int = 2) -> Generator[T, None, None]:
    """`batches`, made by a thread of its own up to `depth` ahead of the one being written.

    So the file is read again (and its rows turned into records) while PostgreSQL's server
    writes the batch before, checking its foreign keys at the end of each COPY while this process
    only waits. (Not on SQLite: it runs in this process, and takes Python's lock back for every
    row, so a second thread slows it down.) Only this thread touches `batches`, and it never
    touches the session. An error in the thread is raised here; leaving early stops the thread.
    """
    queue: Queue[tuple[Any, BaseException | None]] = Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item: tuple[Any, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not put((batch, None)):
                    return
            put((done, None))
        except BaseException as error:  # handed to the writer, raised there
            put((None, error))
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="history-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            batch, error = queue.get()
            if error is not None:
                raise error
            if batch is done:
                return
            yield batch
    finally:
        stop.set()
        thread.join()


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


def _users(
    writer: _Writer, loops: Iterable[LoopRecord], *, now: datetime
) -> tuple[dict[str, int], int]:
    """Every person's id by email, creating the unknown ones as users who cannot log in yet."""
    known = {email: id_ for email, id_ in db.session.execute(sa.select(User.email, User.id))}
    names: dict[str, str] = {}
    departments: dict[str, str] = {}
    for loop in loops:
        for email in (loop.hiring_manager_email, loop.bar_raiser_email):
            names.setdefault(email, "")
        departments.setdefault(loop.hiring_manager_email, loop.department)
        for seat in loop.seats:
            if not names.get(seat.interviewer_email):
                names[seat.interviewer_email] = seat.interviewer_name
    missing = [email for email in names if email not in known]
    ids = writer.new_ids(_table(User), len(missing))
    writer.rows(
        _table(User),
        (
            "id",
            "email",
            "name",
            "department",
            "level",
            "password_hash",
            "active",
            "bar_raiser_status",
            "certified_by_id",
            "certified_at",
            "created_at",
        ),
    ).write(
        (
            id_,
            email,
            names[email] or _name_from_email(email),
            departments.get(email, ""),
            IMPORTED_LEVEL,
            # No password: the person cannot log in until an admin invites them.
            None,
            True,
            BarRaiserStatus.NONE,
            None,
            None,
            now,
        )
        for email, id_ in zip(missing, ids, strict=True)
    )
    known.update(zip(missing, ids, strict=True))
    # Someone who ran a loop as its hiring manager holds that role, so the requisitions created
    # for them can be edited and given new loops without a trip to the user admin first.
    managers = {email for email in departments if email in missing}
    writer.rows(_table(UserRole), ("user_id", "role")).write(
        (known[email], Role.HIRING_MANAGER) for email in sorted(managers)
    )
    return known, len(missing)


def _name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part)[:120]


def _requisitions(
    writer: _Writer,
    loops: Sequence[LoopRecord],
    *,
    user_ids: dict[str, int],
    principle_ids: dict[str, int],
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
    new: dict[tuple[str, str], list[Any]] = {}
    required: dict[tuple[str, str], set[str]] = {}
    for loop in loops:
        key = (loop.requisition, loop.department)
        if key in ids:
            continue
        if key not in new:
            new[key] = [
                loop.requisition,
                IMPORTED_LEVEL,
                loop.department,
                user_ids[loop.hiring_manager_email],
                RequisitionStatus.OPEN,
                loop.first_interview_at,
                None,
            ]
            required[key] = set(loop.panel_principles)
        else:
            new[key][5] = min(new[key][5], loop.first_interview_at)
            required[key] &= loop.panel_principles
    keys = list(new)
    new_ids = writer.new_ids(_table(Requisition), len(keys))
    writer.rows(
        _table(Requisition),
        (
            "id",
            "title",
            "level",
            "department",
            "hiring_manager_id",
            "status",
            "created_at",
            "created_by_id",
        ),
    ).write((id_, *new[key]) for key, id_ in zip(keys, new_ids, strict=True))
    ids.update(zip(keys, new_ids, strict=True))
    writer.rows(requisition_principle, ("requisition_id", "principle_id")).write(
        (ids[key], principle_ids[name]) for key in keys for name in sorted(required[key])
    )
    return ids, len(keys)


def _write_loops(
    writer: _Writer,
    loops: Sequence[LoopRecord],
    *,
    user_ids: dict[str, int],
    requisition_ids: dict[tuple[str, str], int],
) -> Sequence[int]:
    """Insert a chunk of loops with their candidates and decisions; returns the loops' ids."""
    candidate_ids, loop_ids = writer.new_ids_of(len(loops), _table(Candidate), _table(Loop))
    writer.rows(
        _table(Candidate),
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
        _table(Loop),
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
    writer: _Writer,
    batch: Sequence[tuple[str, InterviewRecord]],
    *,
    loops: dict[str, tuple[int, LoopRecord]],
    user_ids: dict[str, int],
    principle_ids: dict[str, int],
    deadline_hours: int,
) -> None:
    """Insert a batch of interviews, each with its feedback, principles, ratings and final vote."""
    interview_ids, feedback_ids = writer.new_ids_of(len(batch), _table(Interview), _table(Feedback))
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
        _table(Interview),
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
        _table(InterviewPrinciple),
        (
            "interview_id",
            "principle_id",
            "position",
            "submitted_rating",
            "submitted_evidence_words",
        ),
    ).write(assigned)
    writer.rows(
        _table(Feedback),
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
        _table(PrincipleRating), ("feedback_id", "principle_id", "rating", "evidence")
    ).write(ratings)
    writer.rows(
        _table(FinalVote), ("loop_id", "interview_id", "voter_id", "vote", "cast_at")
    ).write(final_votes)


def _state(loop: LoopRecord) -> LoopState:
    if loop.outcome:
        return LoopState.DECIDED
    return LoopState.DEBRIEF if loop.debrief_opened_at else LoopState.SCHEDULED


def _write_decisions(
    writer: _Writer,
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
    proposal_ids = writer.new_ids(_table(Proposal), len(decided))
    writer.rows(
        _table(Proposal),
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
        _table(Verdict),
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
        _table(HirePerformance),
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
