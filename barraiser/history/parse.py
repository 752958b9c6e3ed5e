"""Reading a whole history CSV into plain loop records, collecting every problem with its line.

Nothing here touches the database: the principle catalog comes in as names, so the whole contract
(docs/import-format.md) is checked by pure functions and a bad file is refused before any write.
One row's values are checked in history.row; the rules across a loop's rows are here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

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


@dataclass(slots=True)
class LoopRecord:
    """All rows sharing one loop_ref, with the loop-level columns read from its first row."""

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
    interviews: list[InterviewRecord] = field(default_factory=list)

    @property
    def first_interview_at(self) -> datetime:
        return min(interview.starts_at for interview in self.interviews)


# The debrief lets a Bar Raiser veto only a hire proposal.
VETOED_PROPOSAL = Outcome.HIRE


def debrief_of(outcome: Outcome, vetoed: bool) -> tuple[Outcome, VerdictKind]:
    """The proposal and the Bar Raiser's verdict behind a decided loop of history: a veto refused
    a hire proposal; any other decision was proposed as it was made, and concurred with."""
    if vetoed:
        return VETOED_PROPOSAL, VerdictKind.VETO
    return outcome, VerdictKind.CONCUR


@dataclass
class ParsedHistory:
    loops: list[LoopRecord]
    rows: int
    problems: list[Problem]


def parse_history(
    data: bytes,
    *,
    catalog: Iterable[str],
    progress: Callable[[str], None] | None = None,
    progress_every: int = 0,
) -> ParsedHistory:
    """Read and check a whole history file. `catalog` holds every principle name, retired ones
    included (history may use them). The result's loops are only usable when problems is empty."""
    problems: list[Problem] = []
    text = _decode(data, problems)
    if text is None:
        return ParsedHistory([], 0, problems)
    if not text.strip():
        return ParsedHistory([], 0, [Problem(1, "the file is empty: expected a header row")])

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as error:
        return ParsedHistory([], 0, [Problem(1, f"the header row is not valid CSV ({error})")])
    columns = [name.strip().lower() for name in header]
    problems.extend(_check_header(columns))
    if problems:
        return ParsedHistory([], 0, problems)

    parsed = check_rows(
        _rows(reader, columns, problems),
        catalog=catalog,
        progress=progress,
        progress_every=progress_every,
    )
    parsed.problems.extend(problems)
    if parsed.rows == 0 and not parsed.problems:
        parsed.problems.append(Problem(1, "the file has a header but no interview rows"))
    parsed.problems.sort(key=lambda problem: problem.line)
    return parsed


def _rows(
    reader, columns: list[str], problems: list[Problem]
) -> Iterator[tuple[int, dict[str, str]]]:
    for line, values in _records(reader, problems):
        if len(values) != len(columns):
            problems.append(
                Problem(
                    line,
                    f"{len(values)} values but the header has {len(columns)} columns "
                    "(a missing or extra comma?)",
                )
            )
            continue
        yield line, {name: value.strip() for name, value in zip(columns, values, strict=True)}


def check_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    catalog: Iterable[str],
    progress: Callable[[str], None] | None = None,
    progress_every: int = 0,
    place: Callable[[int], str] = lambda line: f"line {line}",
) -> ParsedHistory:
    """Check rows of our CSV's columns (text by column name), numbered by `line`, into loops.

    Our CSV and every ATS export meet here: an export is turned into these rows first, so the
    three formats share every rule and write through one path. `place` names a line in the
    problems that point at another row.
    """
    problems: list[Problem] = []
    checker = RowChecker(catalog)
    loops: dict[str, LoopRecord] = {}
    first_values: dict[str, dict[str, tuple[int, str, object]]] = {}
    row_counts: dict[str, int] = {}
    count = 0
    for line, raw in rows:
        count += 1
        if progress is not None and progress_every and count % progress_every == 0:
            progress(f"Checked {count} rows")
        interview = checker.interview(line, raw, problems)
        ref = raw.get("loop_ref", "")
        if not ref:
            continue
        row_counts[ref] = row_counts.get(ref, 0) + 1
        first = first_values.get(ref)
        if first is None:
            loop_values = checker.loop_values(line, raw, problems)
            first_values[ref] = {
                name: (line, raw.get(name, ""), loop_values[name]) for name in LOOP_COLUMNS
            }
            loops[ref] = _new_loop(ref, line, loop_values)
        elif any(raw.get(name, "") != first[name][1] for name in LOOP_COLUMNS):
            # The same text as the loop's first row was checked there: only a change is read.
            loop_values = checker.loop_values(line, raw, problems)
            problems.extend(_disagreements(ref, line, raw, loop_values, first, place))
        if interview is not None:
            loops[ref].interviews.append(interview)

    for loop in loops.values():
        problems.extend(_check_loop(loop, first_values[loop.ref], row_counts[loop.ref], place))
    problems.sort(key=lambda problem: problem.line)
    return ParsedHistory(list(loops.values()), count, problems)


def _decode(data: bytes, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex()
        problems.append(
            Problem(
                line,
                f"the file is not UTF-8 (byte 0x{byte} cannot be read); save it as CSV UTF-8",
            )
        )
        return None


def _records(reader, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
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
    first: dict[str, tuple[int, str, object]],
    place: Callable[[int], str],
) -> Iterator[Problem]:
    for name in LOOP_COLUMNS:
        first_line, first_text, first_value = first[name]
        value = values[name]
        if value is INVALID or first_value is INVALID or value == first_value:
            continue
        yield Problem(
            line,
            f"loop '{ref}' has {name} '{raw.get(name, '')}' here but '{first_text}' on "
            f"{place(first_line)}; loop-level columns must agree on every row of a loop",
        )


def _check_loop(
    loop: LoopRecord,
    first: dict[str, tuple[int, str, object]],
    rows: int,
    place: Callable[[int], str],
) -> Iterator[Problem]:
    """Rules across the rows of one loop, reported on the loop's first line."""
    line = loop.line

    def valid(name: str) -> bool:
        return first[name][2] is not INVALID

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
        if loop.interviews and loop.debrief_opened_at < loop.first_interview_at:
            yield Problem(
                line, f"loop '{loop.ref}' has debrief_opened_at before its first interview"
            )
    elif valid("debrief_opened_at"):
        for interview in loop.interviews:
            if interview.final_vote is not None:
                yield Problem(
                    interview.line,
                    f"loop '{loop.ref}': final_vote is given but the loop has no "
                    "debrief_opened_at (final votes are cast in the debrief)",
                )

    # A shadow's row is a seat on the loop like any other: nobody takes two.
    seats = [interview.interviewer_email for interview in loop.interviews]
    for index, earlier in repeated_interviewers(seats).items():
        interview = loop.interviews[index]
        name = f"{interview.interviewer_email} ({place(loop.interviews[earlier].line)})"
        repeated = clause(repeated_interviewer_problem(name))
        yield Problem(interview.line, f"loop '{loop.ref}': {repeated}")
    # Only judged when every row of the loop was readable: a bad row would hide the bar raiser.
    if valid("bar_raiser_email") and loop.bar_raiser_email and rows == len(loop.interviews):
        problem = bar_raiser_interview_problem(
            f"bar raiser {loop.bar_raiser_email}",
            loop.bar_raiser_email,
            (i.interviewer_email for i in loop.interviews if not i.is_shadow),
        )
        if problem:
            yield Problem(line, f"loop '{loop.ref}': {clause(problem)}")
