"""Reading a history CSV into plain loop records, collecting every problem with its line.

Nothing here touches the database: the principle catalog comes in as names, so the whole contract
(docs/import-format.md) is checked by pure functions and a bad file is refused before any write.
One row's values are checked in history.row; the rules across a loop's rows are here.

The file is read as a stream, twice: the first pass checks every row and keeps only what the
rules across rows need (a small record per loop, a seat per interview); the second, made only for
a file without a problem, reads the interviews again for the writer, a batch at a time. So
memory grows with the number of loops, not with the size of the file.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, NamedTuple, cast

from ..debrief.services import outcome_of
from ..domain import Outcome, VerdictKind
from ..loops.rules import (
    bar_raiser_interview_problem,
    repeated_interviewer_problem,
    repeated_interviewers,
)
from .row import (
    COLUMNS,
    INVALID,
    LOOP_COLUMNS,
    REQUIRED_COLUMNS,
    InterviewRecord,
    Problem,
    RowChecker,
    clause,
    suggestion,
)


class Seat(NamedTuple):
    """What the rules across a loop's rows, and the people to create, need of one interview."""

    line: int
    interviewer_email: str
    interviewer_name: str
    is_shadow: bool
    has_final_vote: bool


@dataclass(slots=True)
class LoopRecord:
    """All rows sharing one loop_ref, with the loop-level columns read from its first row.

    The interviews themselves are not kept here (they come again from ParsedHistory.interviews):
    only their seats, and what the loop's own columns need of them."""

    ref: str
    line: int
    candidate_name: str
    candidate_email: str | None
    requisition: str
    department: str
    hiring_manager_email: str
    bar_raiser_email: str
    outcome: Outcome | None
    vetoed: bool
    decided_at: datetime | None
    performance: int | None
    debrief_opened_at: datetime | None = None
    rows: int = 0
    """Rows of the loop, readable or not."""
    seats: list[Seat] = field(default_factory=list)
    """The loop's readable rows, in the file's order."""
    started_at: datetime | None = None
    """The earliest of its readable rows' interview_at."""
    panel_principles: set[str] = field(default_factory=set)
    """Every principle its interviewers (shadows aside) probed."""

    @property
    def first_interview_at(self) -> datetime:
        assert self.started_at is not None, "a checked loop has an interview"
        return self.started_at

    def add(self, interview: InterviewRecord, names: dict[str, str]) -> None:
        """Count a readable row of this loop; `names` shares equal names among the seats."""
        name = interview.interviewer_name
        self.seats.append(
            Seat(
                interview.line,
                interview.interviewer_email,
                names.setdefault(name, name),
                interview.is_shadow,
                interview.final_vote is not None,
            )
        )
        if self.started_at is None or interview.starts_at < self.started_at:
            self.started_at = interview.starts_at
        if not interview.is_shadow:
            self.panel_principles.update(interview.principles)


# The debrief lets a Bar Raiser veto only a hire proposal.
VETOED_PROPOSAL = Outcome.HIRE


def debrief_of(outcome: Outcome, vetoed: bool) -> tuple[Outcome, VerdictKind]:
    """The proposal and the Bar Raiser's verdict behind a decided loop of history: a veto refused
    a hire proposal; any other decision was proposed as it was made, and concurred with."""
    if vetoed:
        return VETOED_PROPOSAL, VerdictKind.VETO
    return outcome, VerdictKind.CONCUR


def _no_interviews() -> Iterator[tuple[str, InterviewRecord]]:
    return iter(())


@dataclass
class ParsedHistory:
    loops: list[LoopRecord]
    rows: int
    problems: list[Problem]
    interviews: Callable[[], Iterator[tuple[str, InterviewRecord]]] = _no_interviews
    """Every row's interview with its loop's ref, in the file's order; read again from the file
    at each call for a CSV. Only usable, like the loops, when problems is empty."""


class FileChanged(Exception):
    """The file read differently the second time: it changed while it was being imported."""


class _NotUtf8(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


# A byte that is not UTF-8 is read as one of these (errors="surrogateescape"), so the stream can
# name its line without decoding the whole file first.
_UNREADABLE = re.compile("[\udc80-\udcff]")


def parse_history(
    source: bytes | IO[bytes],
    *,
    catalog: Iterable[str],
    progress: Callable[[str], None] | None = None,
    progress_every: int = 0,
) -> ParsedHistory:
    """Read and check a history file (its bytes, or a binary file that can seek, read from where
    it stands). `catalog` holds every principle name, retired ones included (history may use
    them). The result's loops and interviews are only usable when problems is empty."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    start = stream.tell()
    checker = RowChecker(catalog)
    problems: list[Problem] = []
    sums = array("I")
    try:
        parsed = _check(stream, checker, problems, sums, progress, progress_every)
    except _NotUtf8 as error:
        return ParsedHistory([], 0, [error.problem])
    if parsed is None:
        return ParsedHistory([], 0, problems)
    parsed.problems.extend(problems)
    if parsed.rows == 0 and not parsed.problems:
        parsed.problems.append(Problem(1, "the file has a header but no interview rows"))
    parsed.problems.sort(key=lambda problem: problem.line)
    if not parsed.problems:
        parsed.interviews = lambda: _read_again(stream, start, checker, parsed, sums)
    return parsed


def _check(
    stream: IO[bytes],
    checker: RowChecker,
    problems: list[Problem],
    sums: array[int],
    progress: Callable[[str], None] | None,
    progress_every: int,
) -> ParsedHistory | None:
    with _table(stream, problems, sums, reading_again=False) as rows:
        if rows is None:
            return None
        return check_rows(rows, checker=checker, progress=progress, progress_every=progress_every)


def _read_again(
    stream: IO[bytes], start: int, checker: RowChecker, parsed: ParsedHistory, sums: array[int]
) -> Iterator[tuple[str, InterviewRecord]]:
    """The second pass: each row's interview, as the first pass found it (and checked it).
    Every line is compared with the first reading's (by its checksum) before it is used."""
    stream.seek(start)
    problems: list[Problem] = []
    count = 0
    with _table(stream, problems, sums, reading_again=True) as rows:
        for line, raw in rows or ():
            interview = checker.interview(line, raw, problems)
            if interview is None or problems:
                raise FileChanged(f"line {line} reads differently")
            count += 1
            yield raw["loop_ref"], interview
    if problems or count != parsed.rows:
        raise FileChanged(f"{count} rows instead of {parsed.rows}")


@contextmanager
def _table(
    stream: IO[bytes], problems: list[Problem], sums: array[int], *, reading_again: bool
) -> Iterator[Iterator[tuple[int, dict[str, str]]] | None]:
    """The file's data rows, numbered by line and named by the header's columns; None (and the
    problems) when the header cannot be used. The file stays open when done. Each line's
    checksum goes into `sums`, or, `reading_again`, must equal the one there."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        yield _header_and_rows(_lines(text, sums, reading_again), problems)
    finally:
        text.detach()


def _header_and_rows(
    lines: Iterator[str], problems: list[Problem]
) -> Iterator[tuple[int, dict[str, str]]] | None:
    blank: list[str] = []
    for first in lines:
        if first.strip():
            break
        blank.append(first)
    else:
        problems.append(Problem(1, "the file is empty: expected a header row"))
        return None
    reader = csv.reader(itertools.chain(blank, [first], lines))
    try:
        header = next(reader)
    except csv.Error as error:
        problems.append(Problem(1, f"the header row is not valid CSV ({error})"))
        return None
    columns = [name.strip().lower() for name in header]
    found = _check_header(columns)
    if found:
        problems.extend(found)
        return None
    return _rows(reader, columns, problems)


def _lines(text: IO[str], sums: array[int], reading_again: bool) -> Iterator[str]:
    for number, line in enumerate(text, 1):
        checksum = zlib.crc32(line.encode("utf-8", "surrogateescape"))
        if not reading_again:
            sums.append(checksum)
        elif number > len(sums) or sums[number - 1] != checksum:
            raise FileChanged(f"line {number} reads differently")
        if not line.isascii() and (unreadable := _UNREADABLE.search(line)):
            byte = ord(unreadable.group()) - 0xDC00
            raise _NotUtf8(
                Problem(
                    number,
                    f"the file is not UTF-8 (byte 0x{byte:02x} cannot be read); "
                    "save it as CSV UTF-8",
                )
            )
        yield line


def _rows(
    reader: Any, columns: list[str], problems: list[Problem]
) -> Iterator[tuple[int, dict[str, str]]]:
    width = len(columns)
    for line, values in _records(reader, problems):
        if len(values) != width:
            problems.append(
                Problem(
                    line,
                    f"{len(values)} values but the header has {width} columns "
                    "(a missing or extra comma?)",
                )
            )
            continue
        yield line, dict(zip(columns, map(str.strip, values), strict=True))


def check_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    catalog: Iterable[str] = (),
    checker: RowChecker | None = None,
    keep: Callable[[str, InterviewRecord], None] | None = None,
    progress: Callable[[str], None] | None = None,
    progress_every: int = 0,
    place: Callable[[int], str] = lambda line: f"line {line}",
) -> ParsedHistory:
    """Check rows of our CSV's columns (text by column name), numbered by `line`, into loops.

    Our CSV and every ATS export meet here: an export is turned into these rows first, so the
    three formats share every rule and write through one path. Each readable row's interview
    goes to `keep`, with its loop's ref, if given (the CSV's are read again instead). `place`
    names a line in the problems that point at another row.
    """
    problems: list[Problem] = []
    checker = checker or RowChecker(catalog)
    loops: dict[str, LoopRecord] = {}
    first_rows: dict[str, FirstRow] = {}
    names: dict[str, str] = {}
    count = 0
    for line, raw in rows:
        count += 1
        if progress is not None and progress_every and count % progress_every == 0:
            progress(f"Checked {count} rows")
        interview = checker.interview(line, raw, problems)
        ref = raw.get("loop_ref", "")
        if not ref:
            continue
        loop = loops.get(ref)
        texts = tuple([raw.get(name, "") for name in LOOP_COLUMNS])
        if loop is None:
            loop_values = checker.loop_values(line, raw, problems)
            first_rows[ref] = FirstRow(
                line, texts, tuple([loop_values[name] for name in LOOP_COLUMNS])
            )
            loop = loops[ref] = _new_loop(ref, line, loop_values)
        else:
            first = first_rows[ref]
            if texts != first.texts:
                # The same text as the loop's first row was checked there: only a change is read.
                loop_values = checker.loop_values(line, raw, problems)
                problems.extend(_disagreements(ref, line, raw, loop_values, first, place))
        loop.rows += 1
        if interview is not None:
            loop.add(interview, names)
            if keep is not None:
                keep(ref, interview)

    for loop in loops.values():
        problems.extend(_check_loop(loop, first_rows[loop.ref], place))
    problems.sort(key=lambda problem: problem.line)
    return ParsedHistory(list(loops.values()), count, problems)


class FirstRow(NamedTuple):
    """A loop's first row: its line, and the loop-level columns' text and values (in the order
    of LOOP_COLUMNS), which every later row of the loop must agree with."""

    line: int
    texts: tuple[str, ...]
    values: tuple[object, ...]

    def valid(self, name: str) -> bool:
        return self.values[LOOP_COLUMNS.index(name)] is not INVALID


def _records(reader: Any, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """Data rows with the line each starts on (a quoted field may span lines)."""
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append(Problem(start, f"not valid CSV ({error})"))
            return
        if values:
            yield start, values


def _check_header(columns: list[str]) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            problems.append(Problem(1, f"column '{name}' appears twice in the header"))
        seen.add(name)
        if name not in COLUMNS:
            problems.append(Problem(1, f"unknown column '{name}'{suggestion(name, COLUMNS)}"))
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.append(Problem(1, f"required column '{name}' is missing from the header"))
    return problems


def _new_loop(ref: str, line: int, values: dict[str, object]) -> LoopRecord:
    def value(name: str) -> object:
        found = values[name]
        return None if found is INVALID else found

    # Values that failed their check become empty: the file is refused, the record never used.
    return LoopRecord(
        ref=ref,
        line=line,
        candidate_name=cast(str, value("candidate_name") or ""),
        candidate_email=cast(str | None, value("candidate_email")),
        requisition=cast(str, value("requisition") or ""),
        department=cast(str, values["department"]),
        hiring_manager_email=cast(str, value("hiring_manager_email") or ""),
        bar_raiser_email=cast(str, value("bar_raiser_email") or ""),
        outcome=cast(Outcome | None, value("decision")),
        vetoed=bool(value("vetoed")),
        decided_at=cast(datetime | None, value("decided_at")),
        performance=cast(int | None, value("performance")),
        debrief_opened_at=cast(datetime | None, value("debrief_opened_at")),
    )


def _disagreements(
    ref: str,
    line: int,
    raw: dict[str, str],
    values: dict[str, object],
    first: FirstRow,
    place: Callable[[int], str],
) -> Iterator[Problem]:
    for name, first_text, first_value in zip(LOOP_COLUMNS, first.texts, first.values, strict=True):
        value = values[name]
        if value is INVALID or first_value is INVALID or value == first_value:
            continue
        yield Problem(
            line,
            f"loop '{ref}' has {name} '{raw.get(name, '')}' here but '{first_text}' on "
            f"{place(first.line)}; loop-level columns must agree on every row of a loop",
        )


def _check_loop(
    loop: LoopRecord, first: FirstRow, place: Callable[[int], str]
) -> Iterator[Problem]:
    """Rules across the rows of one loop, reported on the loop's first line."""
    line = loop.line
    valid = first.valid

    if valid("vetoed") and loop.vetoed and valid("decision"):
        # The decision is the one the debrief makes of a vetoed proposal.
        decision = outcome_of(VETOED_PROPOSAL, VerdictKind.VETO)
        if loop.outcome is not decision:
            yield Problem(line, f"loop '{loop.ref}' is vetoed, so its decision must be {decision}")
    if valid("decision") and valid("decided_at"):
        if loop.outcome is not None and loop.decided_at is None:
            yield Problem(line, f"loop '{loop.ref}' has a decision but no decided_at")
        if loop.outcome is None and loop.decided_at is not None:
            yield Problem(line, f"loop '{loop.ref}' has decided_at but no decision")
    if (
        valid("performance")
        and loop.performance is not None
        and valid("decision")
        and loop.outcome is not Outcome.HIRE
    ):
        yield Problem(line, f"loop '{loop.ref}' has a performance rating but was not a hire")
    if (
        valid("hiring_manager_email")
        and loop.hiring_manager_email
        and loop.hiring_manager_email == loop.bar_raiser_email
    ):
        yield Problem(line, f"loop '{loop.ref}': the bar raiser cannot be the hiring manager")

    if valid("debrief_opened_at") and loop.debrief_opened_at is not None:
        if valid("decided_at") and loop.decided_at and loop.debrief_opened_at > loop.decided_at:
            yield Problem(line, f"loop '{loop.ref}' has debrief_opened_at after decided_at")
        if loop.started_at is not None and loop.debrief_opened_at < loop.started_at:
            yield Problem(
                line, f"loop '{loop.ref}' has debrief_opened_at before its first interview"
            )
    elif valid("debrief_opened_at"):
        for seat in loop.seats:
            if seat.has_final_vote:
                yield Problem(
                    seat.line,
                    f"loop '{loop.ref}': final_vote is given but the loop has no "
                    "debrief_opened_at (final votes are cast in the debrief)",
                )

    # A shadow's row is a seat on the loop like any other: nobody takes two.
    seats = [seat.interviewer_email for seat in loop.seats]
    for index, earlier in repeated_interviewers(seats).items():
        seat = loop.seats[index]
        name = f"{seat.interviewer_email} ({place(loop.seats[earlier].line)})"
        repeated = clause(repeated_interviewer_problem(name))
        yield Problem(seat.line, f"loop '{loop.ref}': {repeated}")
    # Only judged when every row of the loop was readable: a bad row would hide the bar raiser.
    if valid("bar_raiser_email") and loop.bar_raiser_email and loop.rows == len(loop.seats):
        problem = bar_raiser_interview_problem(
            f"bar raiser {loop.bar_raiser_email}",
            loop.bar_raiser_email,
            (seat.interviewer_email for seat in loop.seats if not seat.is_shadow),
        )
        if problem:
            yield Problem(line, f"loop '{loop.ref}': {clause(problem)}")
