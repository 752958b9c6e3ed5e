"""One row of a history file: the file's columns, and turning a row's text into typed values,
or into problems that name the line. Pure: the principle catalog comes in as names; the column
widths are read from the models, and the rules an interview shares with the app are loops.rules'."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

import sqlalchemy as sa

from ..auth.models import User
from ..auth.services import normalise_email
from ..candidates.models import Candidate
from ..domain import PERFORMANCE_RATINGS, RATING_LABELS, Outcome, Vote
from ..loops.models import Loop
from ..loops.rules import DEFAULT_DURATION_MINUTES, duration_problem
from ..requisitions.models import Requisition

REQUIRED_COLUMNS = (
    "loop_ref",
    "candidate_name",
    "requisition",
    "hiring_manager_email",
    "bar_raiser_email",
    "interviewer_email",
    "interview_at",
    "principles",
    "vote",
    "submitted_at",
)
OPTIONAL_COLUMNS = (
    "candidate_email",
    "department",
    "interviewer_name",
    "interview_minutes",
    "ratings",
    "raises_bar",
    "shadow",
    "decision",
    "vetoed",
    "decided_at",
    "performance",
    "debrief_opened_at",
    "final_vote",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# Columns that describe the loop, not the interview: every row of a loop must repeat them alike.
LOOP_COLUMNS = (
    "candidate_name",
    "candidate_email",
    "requisition",
    "department",
    "hiring_manager_email",
    "bar_raiser_email",
    "decision",
    "vetoed",
    "decided_at",
    "performance",
    "debrief_opened_at",
)
# The rest describe one interview (loop_ref names the loop the row belongs to).
INTERVIEW_COLUMNS = tuple(name for name in COLUMNS if name not in LOOP_COLUMNS)
LoopValues = dict[str, object]


def _width(column: Any) -> int:
    """A text column's width, as its model declares it."""
    kind = column.type
    assert isinstance(kind, sa.String) and kind.length is not None
    return kind.length


# The database's column widths, checked here so PostgreSQL never refuses a row mid-write.
MAX_LENGTHS = {
    "loop_ref": _width(Loop.external_ref),
    "candidate_name": _width(Candidate.name),
    "requisition": _width(Requisition.title),
    "department": _width(Requisition.department),
    "interviewer_name": _width(User.name),
}
MAX_EMAIL_LENGTH = _width(User.email)
LOWEST_RATING, HIGHEST_RATING = min(RATING_LABELS), max(RATING_LABELS)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BOOLEANS = {"true": True, "false": False}
_PLAIN_BOOLEANS: dict[str, bool | None] = {"": None, **_BOOLEANS}


class Problem(NamedTuple):
    """A problem and its place: a CSV's line, or (for a JSON export) `place`, the file and a
    JSON pointer such as `scorecards.json /3/attributes/1/rating`; `line` then only orders."""

    line: int
    message: str
    place: str = ""

    def __str__(self) -> str:
        return f"{self.place or f'line {self.line}'}: {self.message}"


@dataclass(frozen=True, slots=True)
class InterviewRecord:
    """One row: one interviewer's interview of the loop and their submitted feedback."""

    line: int
    interviewer_email: str
    interviewer_name: str
    starts_at: datetime
    duration_minutes: int
    principles: tuple[str, ...]
    """Catalog names, in the order the file gives them (their position on the interview)."""
    ratings: dict[str, int]
    vote: Vote
    raises_bar: bool
    submitted_at: datetime
    is_shadow: bool
    final_vote: Vote | None = None
    """The vote cast in the debrief, which may differ from the written `vote`."""
    evidence: dict[str, str] = field(default_factory=dict)
    """Evidence text by principle name; an ATS export's notes (our CSV carries none)."""
    summary: str = ""
    submitted: bool = True
    """False for an ATS scorecard without a vote (`mixed`): imported as feedback never submitted,
    its raw recommendation kept in the summary, since submitted feedback always holds a vote."""


def clause(sentence: str) -> str:
    """A rule's message, as the app words it, fitted into a line of the problem list: the app's
    sentences start with a capital and end with a full stop; the list's messages do neither."""
    return sentence[:1].lower() + sentence[1:].removesuffix(".")


class _Invalid:
    """A value that failed its own check; already reported, so comparisons skip it."""


INVALID = _Invalid()


def suggestion(value: str, choices: Iterable[str], *, lower: bool = False) -> str:
    choices = list(choices)
    keys = {choice.lower(): choice for choice in choices} if lower else {c: c for c in choices}
    matches = difflib.get_close_matches(value.lower() if lower else value, keys, n=1)
    return f" (did you mean '{keys[matches[0]]}'?)" if matches else ""


# Checks that cost a lookup per column and row are only made on the columns that have them.
_CHECKED: dict[tuple[str, ...], list[tuple[str, bool, int | None]]] = {}
# Each row's principles and ratings, and its interviewer's email, are mostly texts seen before:
# what a valid one reads as is kept, up to this many of each, and only ever returned again for
# the very same text.
REMEMBERED = 4096


class RowChecker:
    """Checks one row's values, turning text into typed values or problems."""

    def __init__(self, catalog: Iterable[str]) -> None:
        self.principles = {name.strip().lower(): name for name in catalog}
        self.outcomes = {outcome.value: outcome for outcome in Outcome}
        self.votes = {vote.value: vote for vote in Vote}
        self.final_votes: dict[str, Vote | None] = {"": None, **self.votes}
        self._minutes: dict[str, int | None] = {"": None}
        for length in range(5, 8 * 60 + 1, 5):  # the usual lengths, looked up without a check
            if not duration_problem(length):
                self._minutes[str(length)] = length
        self._emails: dict[str, str] = {}
        self._assessed: dict[tuple[str, str], tuple[tuple[str, ...], dict[str, int]]] = {}

    def loop_values(self, line: int, raw: dict[str, str], problems: list[Problem]) -> LoopValues:
        """The loop-level columns of a row, typed; INVALID where a value failed its check."""

        def report(message: str) -> None:
            problems.append(Problem(line, message))

        self.required_and_lengths(raw, LOOP_COLUMNS, report)
        # An empty required value is reported above; INVALID keeps it out of comparisons.
        return {
            "candidate_name": raw.get("candidate_name") or INVALID,
            "candidate_email": self.email(raw, "candidate_email", report, required=False),
            "requisition": raw.get("requisition") or INVALID,
            "department": raw.get("department", ""),
            "hiring_manager_email": self.email(raw, "hiring_manager_email", report),
            "bar_raiser_email": self.email(raw, "bar_raiser_email", report),
            "decision": self.choice(raw, "decision", self.outcomes, report),
            "vetoed": self.boolean(raw, "vetoed", report),
            "decided_at": self.moment(raw, "decided_at", report),
            "performance": self.number(
                raw, "performance", PERFORMANCE_RATINGS[0], PERFORMANCE_RATINGS[-1], report
            ),
            "debrief_opened_at": self.moment(raw, "debrief_opened_at", report),
        }

    def interview(
        self, line: int, raw: dict[str, str], problems: list[Problem]
    ) -> InterviewRecord | None:
        """The row's interview and feedback, or None when any of its values has a problem."""
        found: list[Problem] = []

        def report(message: str) -> None:
            found.append(Problem(line, message))

        self.required_and_lengths(raw, INTERVIEW_COLUMNS, report)
        email_text = raw.get("interviewer_email", "")
        interviewer_email = self._emails.get(email_text) or self.email(
            raw, "interviewer_email", report
        )
        starts_at = self.moment(raw, "interview_at", report)
        submitted_at = self.moment(raw, "submitted_at", report)
        get = raw.get
        # The common texts are looked up at once; any other goes through its full check.
        minutes: object = self._minutes.get(get("interview_minutes", ""), INVALID)
        if minutes is INVALID:
            minutes = self.minutes(raw, "interview_minutes", report)
        vote: object = self.votes.get(get("vote", ""), INVALID)
        if vote is INVALID:
            vote = self.choice(raw, "vote", self.votes, report)
        final_vote: object = self.final_votes.get(get("final_vote", ""), INVALID)
        if final_vote is INVALID:
            final_vote = self.choice(raw, "final_vote", self.votes, report)
        raises_bar: object = _PLAIN_BOOLEANS.get(get("raises_bar", ""), INVALID)
        if raises_bar is INVALID:
            raises_bar = self.boolean(raw, "raises_bar", report)
        shadow: object = _PLAIN_BOOLEANS.get(get("shadow", ""), INVALID)
        if shadow is INVALID:
            shadow = self.boolean(raw, "shadow", report)
        texts = (raw.get("principles", ""), raw.get("ratings", ""))
        assessed = self._assessed.get(texts)
        principles: tuple[str, ...] | None
        ratings: dict[str, int] | None
        if assessed is not None:
            principles, ratings = assessed
        else:
            before = len(found)
            listed = self.principle_list(texts[0], report)
            principles = tuple(listed) if listed is not None else None
            ratings = self.rating_map(texts[1], listed, report)
            if (
                len(found) == before
                and principles is not None
                and ratings is not None
                and len(self._assessed) < REMEMBERED
            ):
                self._assessed[texts] = (principles, ratings)
        if (
            isinstance(interviewer_email, str)
            and email_text not in self._emails
            and len(self._emails) < REMEMBERED
        ):
            self._emails[email_text] = interviewer_email
        if (
            isinstance(starts_at, datetime)
            and isinstance(submitted_at, datetime)
            and submitted_at < starts_at
        ):
            report("submitted_at is before interview_at")
        if final_vote is not None and final_vote is not INVALID and shadow is True:
            report("final_vote is given on a shadow's row: shadows do not vote in the debrief")

        if found:
            problems.extend(found)
            return None
        # No problem reported: every value above is valid and typed.
        vote = cast(Vote, vote)
        return InterviewRecord(
            line=line,
            interviewer_email=cast(str, interviewer_email),
            interviewer_name=raw.get("interviewer_name", ""),
            starts_at=cast(datetime, starts_at),
            duration_minutes=cast(int, minutes) or DEFAULT_DURATION_MINUTES,
            principles=cast(tuple[str, ...], principles),
            # Shared by every row with the same ratings text: read, never changed.
            ratings=cast(dict[str, int], ratings),
            # History rarely kept the Bar Raiser question; the vote's lean is its nearest answer.
            raises_bar=vote.leans_hire if raises_bar is None else bool(raises_bar),
            vote=vote,
            submitted_at=cast(datetime, submitted_at),
            is_shadow=bool(shadow),
            final_vote=cast(Vote | None, final_vote),
        )

    @staticmethod
    def required_and_lengths(
        raw: dict[str, str], columns: tuple[str, ...], report: Callable[[str], None]
    ) -> None:
        checked = _CHECKED.get(columns)
        if checked is None:
            checked = _CHECKED[columns] = [
                (name, name in REQUIRED_COLUMNS, MAX_LENGTHS.get(name))
                for name in columns
                if name in REQUIRED_COLUMNS or name in MAX_LENGTHS
            ]
        for name, required, limit in checked:
            value = raw.get(name, "")
            if required and not value:
                report(f"{name} is required but empty")
            if limit is not None and len(value) > limit:
                report(f"{name} is longer than {limit} characters")

    @staticmethod
    def email(raw: dict[str, str], name: str, report, *, required: bool = True) -> object:
        value = normalise_email(raw.get(name, ""))
        if not value:
            return None if not required else INVALID
        if len(value) > MAX_EMAIL_LENGTH or not _EMAIL.match(value):
            report(f"{name} '{raw[name]}' is not an email address")
            return INVALID
        return value

    @staticmethod
    def choice(raw: dict[str, str], name: str, choices: dict, report) -> object:
        value = raw.get(name, "")
        if not value:
            return None if name != "vote" else INVALID
        member = choices.get(value.lower())
        if member is None:
            allowed = ", ".join(choices)
            report(
                f"{name} '{value}' is not one of {allowed}{suggestion(value, choices, lower=True)}"
            )
            return INVALID
        return member

    @staticmethod
    def boolean(raw: dict[str, str], name: str, report) -> object:
        value = raw.get(name, "")
        if not value:
            return None
        if value.lower() not in _BOOLEANS:
            report(f"{name} '{value}' must be true or false")
            return INVALID
        return _BOOLEANS[value.lower()]

    @staticmethod
    def moment(raw: dict[str, str], name: str, report) -> object:
        value = raw.get(name, "")
        if not value:
            return None if name in OPTIONAL_COLUMNS else INVALID
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            report(f"{name} '{value}' is not an ISO 8601 date and time (e.g. 2025-03-04T14:00Z)")
            return INVALID
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    @staticmethod
    def number(raw: dict[str, str], name: str, low: int, high: int, report) -> object:
        value = raw.get(name, "")
        if not value:
            return None
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            report(f"{name} '{value}' must be a whole number from {low} to {high}")
            return INVALID
        return number

    @staticmethod
    def minutes(raw: dict[str, str], name: str, report) -> object:
        """An interview's length: a whole number, within the app's limits for an interview."""
        value = raw.get(name, "")
        if not value:
            return None
        try:
            minutes = int(value)
        except ValueError:
            report(f"{name} '{value}' must be a whole number of minutes")
            return INVALID
        problem = duration_problem(minutes)
        if problem:
            report(f"{name} '{value}': {clause(problem)}")
            return INVALID
        return minutes

    def principle(self, name: str, report) -> str | None:
        known = self.principles.get(name.strip().lower())
        if known is None:
            nearest = suggestion(name.strip(), self.principles.values(), lower=True)
            report(f"unknown principle '{name.strip()}'{nearest}")
        return known

    def principle_list(self, value: str, report) -> list[str] | None:
        if not value:
            return None
        names: list[str] = []
        valid = True
        for piece in value.split("|"):
            if not piece.strip():
                continue
            name = self.principle(piece, report)
            if name is None:
                valid = False
            elif name in names:
                report(f"principle '{name}' is listed twice in principles")
                valid = False
            else:
                names.append(name)
        return names if valid else None

    def rating_map(self, value: str, principles: list[str] | None, report) -> dict[str, int] | None:
        if not value:
            return {}
        ratings: dict[str, int] = {}
        valid = True
        for piece in value.split("|"):
            if not piece.strip():
                continue
            name_text, equals, rating_text = piece.rpartition("=")
            if not equals or not name_text.strip():
                report(f"ratings entry '{piece.strip()}' must look like 'Principle Name=3'")
                valid = False
                continue
            name = self.principle(name_text, report)
            try:
                rating = int(rating_text.strip())
            except ValueError:
                rating = 0
            if rating not in RATING_LABELS:
                report(
                    f"rating '{rating_text.strip()}' for '{name_text.strip()}' must be "
                    f"{LOWEST_RATING} to {HIGHEST_RATING}"
                )
                valid = False
            if name is None:
                valid = False
            elif name in ratings:
                report(f"principle '{name}' is rated twice")
                valid = False
            elif principles is not None and name not in principles:
                report(f"'{name}' is rated but not among this interview's principles")
                valid = False
            elif valid:
                ratings[name] = rating
        return ratings if valid else None
