"""Lever feedback (`GET /opportunities/:id/feedback`) as rows of our history CSV: one loop per
opportunity, one interview per completed feedback form. Format: docs/import-format.md."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ..domain import Vote
from .exports import (
    ExportRow,
    Mapping,
    Places,
    check_panel_ids,
    checked_loops,
    html_to_text,
    identifier,
    load_json,
    load_mapping,
    loop_columns,
    moment_from_text,
    person_row,
    pointer,
)
from .parse import ParsedHistory
from .row import INVALID

# The leading digit of the overall score ("4 - Strong Hire") → our vote.
VOTES: dict[int, Vote] = {
    4: Vote.STRONG_HIRE,
    3: Vote.INCLINED_HIRE,
    2: Vote.INCLINED_NO_HIRE,
    1: Vote.STRONG_NO_HIRE,
}
SCORE_TYPE = "score"
RATED_TYPES = ("score-system", "scorecard")
TEXT_TYPES = ("text", "textarea")
LOOP_REF_PREFIX = "lever"
# Epoch milliseconds from 1970 to the year 9999: anything else is no date.
_LAST_MS = 253_402_300_799_000
_SCORE = re.compile(r"^\s*([1-4])(?:\s*[-–—:.]\s*.*)?\s*$", re.DOTALL)


def loop_ref(opportunity_id: str) -> str:
    return f"{LOOP_REF_PREFIX}:{opportunity_id}"


def score_of(value: Any) -> int | None:
    """1..4 from `"4 - Strong Hire"`, `"3"` or `3`; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value in VOTES else None
    if isinstance(value, str):
        match = _SCORE.match(value)
        return int(match.group(1)) if match else None
    return None


def parse_lever(
    data: bytes,
    *,
    file: str,
    mapping_data: bytes | None,
    mapping_file: str,
    catalog: Iterable[str],
) -> ParsedHistory:
    """Read and check a feedback export (`{"<opportunity id>": {"data": [...]}, ...}`)."""
    catalog = list(catalog)
    places = Places()
    mapping = load_mapping(mapping_data, mapping_file, catalog, places)
    value = load_json(data, file, places)
    rows: list[ExportRow] = []
    if value is not INVALID:
        if not isinstance(value, dict):
            places.report(file, "", 'must be a JSON object: {"<opportunity id>": {"data": [...]}}')
        else:
            panels: dict[str, set[str]] = {}
            for opportunity, response in value.items():
                rows += _opportunity(opportunity, response, file, mapping, mapping_file, places)
                forms = response.get("data") if isinstance(response, dict) else None
                if opportunity in mapping.loops and isinstance(forms, list):
                    panels[opportunity] = {
                        person
                        for form in forms
                        if isinstance(form, dict) and not _skipped(form)
                        for person in [identifier(form.get("user"))]
                        if person is not None
                    }
            check_panel_ids(mapping, panels, mapping_file, places)
            if not rows and not places.problems:
                places.report(file, "", "the export holds no completed feedback")
    return checked_loops(rows, catalog=catalog, places=places)


def _opportunity(
    opportunity: str,
    response: Any,
    file: str,
    mapping: Mapping,
    mapping_file: str,
    places: Places,
) -> list[ExportRow]:
    forms = response.get("data") if isinstance(response, dict) else None
    if not isinstance(forms, list):
        places.report(file, pointer(opportunity), 'must be a response: {"data": [...]}')
        return []
    loop = mapping.loops.get(opportunity)
    live = [(i, form) for i, form in enumerate(forms) if not _skipped(form)]
    if loop is None and live:
        places.report(
            file,
            pointer(opportunity),
            f"opportunity {opportunity} is not in the mapping's loops: give its candidate, "
            "requisition, hiring manager and bar raiser",
        )
    rows = []
    for index, form in live:
        read = _row(form, (opportunity, "data", index), file, mapping, places)
        if read is None or loop is None or not loop.valid:
            continue
        person_id, row = read
        row.raw |= loop_columns(loop) | {
            "loop_ref": loop_ref(opportunity),
            "final_vote": loop.final_votes.get(person_id, ""),
            "shadow": "true" if person_id in loop.shadows else "false",
        }
        interview = identifier(form.get("interview"))
        if interview is not None and interview in loop.interviews:
            row.raw["interview_at"] = loop.interviews[interview]
            if moment_from_text(row.raw["interview_at"]) is None:
                places.report(
                    mapping_file,
                    pointer("loops", opportunity, "interviews", interview),
                    "must be an ISO 8601 date and time",
                )
                continue
        if row.raw["final_vote"] and not row.submitted:
            places.report(
                mapping_file,
                pointer("loops", opportunity, "final_votes", person_id),
                "a final vote for feedback without an overall score",
            )
            continue
        rows.append(row)
    return rows


def _skipped(form: Any) -> bool:
    """A draft (not completed) or a deleted form is no feedback."""
    return isinstance(form, dict) and (
        form.get("completedAt") is None or form.get("deletedAt") is not None
    )


def _row(
    form: Any, where: tuple, file: str, mapping: Mapping, places: Places
) -> tuple[str, ExportRow] | None:
    found = False

    def report(message: str, *parts: object) -> None:
        nonlocal found
        found = True
        places.report(file, pointer(*where, *parts), message)

    if not isinstance(form, dict):
        report("must be a feedback form (a JSON object)")
        return None
    completed = _moment(form.get("completedAt"))
    if completed is None:
        report("completedAt must be epoch milliseconds, or null for a draft", "completedAt")
    created = _moment(form.get("createdAt")) if form.get("createdAt") is not None else completed
    if created is None:
        report("createdAt must be epoch milliseconds", "createdAt")
    person_id = identifier(form.get("user"))
    if person_id is None:
        report("user must be the interviewer's id", "user")
    person = (
        person_row(mapping, person_id, "", lambda m: report(m, "user"))
        if person_id is not None
        else None
    )
    fields = form.get("fields")
    vote, principles, ratings, evidence, summary = _fields(fields, mapping, report)
    if found or person is None or completed is None or created is None:
        return None
    assert person_id is not None
    if vote is None:
        note = "No overall score in Lever (no vote)."
        summary = f"{note}\n\n{summary}" if summary else note
    raw = {
        "interviewer_email": person[0],
        "interviewer_name": person[1],
        # When the form was opened stands for the interview's start, unless the mapping says.
        "interview_at": min(created, completed).isoformat(),
        "submitted_at": completed.isoformat(),
        "principles": "|".join(principles),
        "ratings": "|".join(f"{name}={rating}" for name, rating in ratings.items()),
        "vote": (vote or Vote.INCLINED_NO_HIRE).value,
    }
    line = places.line(file, pointer(*where))
    return person_id, ExportRow(line, raw, evidence, summary, submitted=vote is not None)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _LAST_MS:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def _fields(
    fields: Any, mapping: Mapping, report
) -> tuple[Vote | None, list[str], dict[str, int], dict[str, str], str]:
    vote: Vote | None = None
    principles: list[str] = []
    ratings: dict[str, int] = {}
    evidence: dict[str, list[str]] = {}
    summary: list[str] = []
    if not isinstance(fields, list):
        report("fields must be an array", "fields")
        return None, principles, ratings, {}, ""
    scores = 0
    failed = False

    def problem(message: str, *where: object) -> None:
        nonlocal failed
        failed = True
        report(message, *where)

    def principle_of(label: str, *where: object) -> str | None:
        key = label.strip().lower()
        if key not in mapping.principles:
            problem(
                f"'{label.strip()}' is not in the mapping's principles: map it to one of ours, "
                "or to null to ignore it",
                *where,
            )
            return None
        return mapping.principles[key]

    def rate(principle: str, rating: int | None, comment: str) -> None:
        if principle not in principles:
            principles.append(principle)
        if rating is not None:
            ratings[principle] = min(rating, ratings.get(principle, rating))
        if comment:
            evidence.setdefault(principle, []).append(comment)

    for index, item in enumerate(fields):
        kind = item.get("type") if isinstance(item, dict) else None
        label = item.get("text") if isinstance(item, dict) else None
        if not isinstance(kind, str) or not isinstance(label, str):
            problem("must be an object with a type and a text", "fields", index)
            continue
        value = item.get("value")
        if kind == SCORE_TYPE:
            scores += 1
            score = score_of(value)
            if value is not None and score is None:
                problem(
                    'must be a score from 1 to 4, like "4 - Strong Hire"', "fields", index, "value"
                )
            vote = VOTES[score] if score is not None else None
        elif kind == "score-system":
            principle = principle_of(label, "fields", index, "text")
            score = score_of(value)
            if value is not None and score is None:
                problem('must be a rating from 1 to 4, like "3 - Hire"', "fields", index, "value")
            elif principle is not None and (score is not None or value is not None):
                rate(principle, score, "")
        elif kind == "scorecard":
            _scorecard(value, (index,), problem, principle_of, rate)
        elif kind in TEXT_TYPES:
            if value is not None and not isinstance(value, str):
                problem("must be text", "fields", index, "value")
                continue
            text = html_to_text(value or "")
            principle = mapping.principles.get(label.strip().lower())
            if text and principle:
                rate(principle, None, text)
            elif text:
                summary.append(f"{label.strip()}\n{text}")
        elif isinstance(value, str | int | float) and not isinstance(value, bool) and str(value):
            summary.append(f"{label.strip()}\n{value}")
    if scores != 1:
        report('must hold exactly one overall score field (type "score")', "fields")
    if not principles and not failed:
        report("no field is rated against one of our principles", "fields")
    return (
        vote,
        principles,
        ratings,
        {name: "\n\n".join(texts) for name, texts in evidence.items()},
        "\n\n".join(summary),
    )


def _scorecard(value: Any, where: tuple, report, principle_of, rate) -> None:
    """A scorecard field's value: `[{"text": skill, "score": 1..4 or null, "comment": text}]`."""
    if not isinstance(value, list):
        report("must be an array of {text, score, comment}", "fields", *where, "value")
        return
    for index, entry in enumerate(value):
        place = ("fields", *where, "value", index)
        label = entry.get("text") if isinstance(entry, dict) else None
        comment = entry.get("comment") if isinstance(entry, dict) else None
        if not isinstance(label, str) or not (comment is None or isinstance(comment, str)):
            report('must be {"text": skill, "score": 1..4, "comment": text}', *place)
            continue
        raw_score = entry.get("score")
        score = score_of(raw_score)
        if raw_score is not None and score is None:
            report("must be a rating from 1 to 4", *place, "score")
            continue
        principle = principle_of(label, *place, "text")
        text = html_to_text(comment or "")
        if principle is not None and (score is not None or text):
            rate(principle, score, text)
