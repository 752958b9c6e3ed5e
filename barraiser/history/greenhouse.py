"""Greenhouse Harvest scorecards (`GET /v1/scorecards`) as rows of our history CSV: one loop per
application, one interview per scorecard. Format and tables: docs/import-format.md."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..domain import Vote
from .exports import (
    ExportRow,
    LoopEntry,
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

# overall_recommendation → our vote; the two without a lean are no vote (the feedback is kept
# unsubmitted, its recommendation in the summary).
VOTES: dict[str, Vote | None] = {
    "definitely_not": Vote.STRONG_NO_HIRE,
    "no": Vote.INCLINED_NO_HIRE,
    "yes": Vote.INCLINED_HIRE,
    "strong_yes": Vote.STRONG_HIRE,
    "no_decision": None,
    "mixed": None,
}
# An attribute's rating → our 1–4 rating; our scale has no middle, so `mixed` is no rating, and
# `no_decision` means the attribute was not assessed.
RATINGS: dict[str, int | None] = {
    "definitely_not": 1,
    "no": 2,
    "mixed": None,
    "yes": 3,
    "strong_yes": 4,
    "no_decision": None,
}
LOOP_REF_PREFIX = "greenhouse"


def loop_ref(candidate_id: str, application_id: str) -> str:
    return f"{LOOP_REF_PREFIX}:{candidate_id}:{application_id}"


def parse_greenhouse(
    data: bytes,
    *,
    file: str,
    mapping_data: bytes | None,
    mapping_file: str,
    catalog: Iterable[str],
) -> ParsedHistory:
    """Read and check a scorecards export and its mapping; loops usable only without problems."""
    catalog = list(catalog)
    places = Places()
    mapping = load_mapping(mapping_data, mapping_file, catalog, places)
    value = load_json(data, file, places)
    rows: list[ExportRow] = []
    panels: dict[str, set[str]] = {}
    if value is not INVALID:
        for where, scorecard in _scorecards(value, file, places):
            row = _row(scorecard, where, file, mapping, mapping_file, places)
            if isinstance(scorecard, dict):
                application = identifier(scorecard.get("application_id"))
                interviewer = scorecard.get("interviewer")
                person = (
                    identifier(interviewer.get("id")) if isinstance(interviewer, dict) else None
                )
                if application in mapping.loops and person is not None:
                    panels.setdefault(application, set()).add(person)
            if row is not None:
                rows.append(row)
        check_panel_ids(mapping, panels, mapping_file, places)
        if not rows and not places.problems:
            places.report(file, "", "the export holds no scorecards")
    return checked_loops(rows, catalog=catalog, places=places)


def _scorecards(value: Any, file: str, places: Places) -> Iterable[tuple[tuple, Any]]:
    """A page (an array of scorecards) or several pages (an array of arrays)."""
    if not isinstance(value, list):
        places.report(file, "", "must be a JSON array of scorecards (or an array of pages)")
        return
    for index, item in enumerate(value):
        if isinstance(item, list):
            for inner, scorecard in enumerate(item):
                yield (index, inner), scorecard
        else:
            yield (index,), item


def _row(
    scorecard: Any,
    where: tuple,
    file: str,
    mapping: Mapping,
    mapping_file: str,
    places: Places,
) -> ExportRow | None:
    found = False

    def report(message: str, *parts: object) -> None:
        nonlocal found
        found = True
        places.report(file, pointer(*where, *parts), message)

    if not isinstance(scorecard, dict):
        report("must be a scorecard (a JSON object)")
        return None
    candidate = identifier(scorecard.get("candidate_id"))
    application = identifier(scorecard.get("application_id"))
    for name, id_ in (("candidate_id", candidate), ("application_id", application)):
        if id_ is None:
            report(f"{name} must be a number or a non-empty string", name)
    interviewed_at = _moment(scorecard, "interviewed_at", report)
    submitted_at = _moment(scorecard, "submitted_at", report)
    interviewer = scorecard.get("interviewer")
    person_id = identifier(interviewer.get("id")) if isinstance(interviewer, dict) else None
    given = interviewer.get("name") if isinstance(interviewer, dict) else None
    if person_id is None:
        report("interviewer must be an object with an id", "interviewer")
    name = given if isinstance(given, str) else ""
    person = (
        person_row(mapping, person_id, name, lambda m: report(m, "interviewer", "id"))
        if person_id is not None
        else None
    )
    recommendation = scorecard.get("overall_recommendation")
    if not isinstance(recommendation, str) or recommendation not in VOTES:
        report(
            f"overall_recommendation must be one of {', '.join(VOTES)}", "overall_recommendation"
        )
    vote = VOTES.get(recommendation) if isinstance(recommendation, str) else None
    principles, ratings, evidence = _attributes(scorecard.get("attributes"), mapping, report)
    summary = _answers(scorecard.get("questions"), report)
    loop = mapping.loops.get(application) if application else None
    if application is not None and loop is None:
        report(
            f"application {application} is not in the mapping's loops: give its candidate, "
            "requisition, hiring manager and bar raiser",
            "application_id",
        )
    if found or loop is None or not loop.valid or person is None:
        return None
    assert candidate is not None and application is not None and person_id is not None
    final_vote = loop.final_votes.get(person_id, "")
    if final_vote and vote is None:
        places.report(
            mapping_file,
            pointer("loops", application, "final_votes", person_id),
            "a final vote for a scorecard without a vote (submit a vote before a final vote)",
        )
        return None
    return _export_row(
        places.line(file, pointer(*where)),
        loop,
        ref=loop_ref(candidate, application),
        person=person,
        interviewed_at=interviewed_at,
        submitted_at=submitted_at,
        principles=principles,
        ratings=ratings,
        vote=vote,
        raw_recommendation=str(recommendation),
        final_vote=final_vote,
        shadow=person_id in loop.shadows,
        evidence=evidence,
        summary=summary,
    )


def _export_row(
    line: int,
    loop: LoopEntry,
    *,
    ref: str,
    person: tuple[str, str],
    interviewed_at: str,
    submitted_at: str,
    principles: list[str],
    ratings: dict[str, int],
    vote: Vote | None,
    raw_recommendation: str,
    final_vote: str,
    shadow: bool,
    evidence: dict[str, str],
    summary: str,
) -> ExportRow:
    if vote is None:
        note = f"Overall recommendation in Greenhouse: {raw_recommendation} (no vote)."
        summary = f"{note}\n\n{summary}" if summary else note
    raw = loop_columns(loop) | {
        "loop_ref": ref,
        "interviewer_email": person[0],
        "interviewer_name": person[1],
        "interview_at": interviewed_at,
        "submitted_at": submitted_at,
        "principles": "|".join(principles),
        "ratings": "|".join(f"{name}={rating}" for name, rating in ratings.items()),
        # Feedback without a vote is kept unsubmitted: this stands in only for the row's checks.
        "vote": (vote or Vote.INCLINED_NO_HIRE).value,
        "final_vote": final_vote,
        "shadow": "true" if shadow else "false",
    }
    return ExportRow(line, raw, evidence, summary, submitted=vote is not None)


def _moment(scorecard: dict, name: str, report) -> str:
    value = scorecard.get(name)
    if not isinstance(value, str) or moment_from_text(value) is None:
        report(f"{name} must be an ISO 8601 date and time (e.g. 2025-03-04T14:00:00Z)", name)
        return ""
    return value


def _attributes(
    attributes: Any, mapping: Mapping, report
) -> tuple[list[str], dict[str, int], dict[str, str]]:
    """The principles probed (an attribute rated, or with a note), their ratings (the lowest of
    their attributes': a concern anywhere counts) and evidence (the attributes' notes)."""
    principles: list[str] = []
    ratings: dict[str, int] = {}
    notes: dict[str, list[str]] = {}
    if not isinstance(attributes, list):
        report("attributes must be an array", "attributes")
        return principles, ratings, {}
    failed = False

    def problem(message: str, *where: object) -> None:
        nonlocal failed
        failed = True
        report(message, "attributes", *where)

    for index, attribute in enumerate(attributes):
        if not isinstance(attribute, dict):
            problem("must be an object with name, type, note and rating", index)
            continue
        name, rating, note = attribute.get("name"), attribute.get("rating"), attribute.get("note")
        if not isinstance(name, str) or not name.strip():
            problem("name must be a non-empty string", index, "name")
            continue
        if not isinstance(rating, str) or rating not in RATINGS:
            problem(f"rating must be one of {', '.join(RATINGS)}", index, "rating")
            continue
        if note is not None and not isinstance(note, str):
            problem("note must be a string or null", index, "note")
            continue
        key = name.strip().lower()
        if key not in mapping.principles:
            problem(
                f"attribute '{name.strip()}' is not in the mapping's principles: map it to one "
                "of ours, or to null to ignore it",
                index,
                "name",
            )
            continue
        principle = mapping.principles[key]
        note_text = html_to_text(note) if note else ""
        if principle is None or (rating == "no_decision" and not note_text):
            continue
        if principle not in principles:
            principles.append(principle)
        score = RATINGS[rating]
        if score is not None:
            ratings[principle] = min(score, ratings.get(principle, score))
        if note_text:
            notes.setdefault(principle, []).append(note_text)
    if not principles and not failed:
        report("no attribute is rated against one of our principles", "attributes")
    return principles, ratings, {name: "\n\n".join(texts) for name, texts in notes.items()}


def _answers(questions: Any, report) -> str:
    """The questions and their answers as the feedback's summary, HTML turned to text."""
    if questions is None:
        return ""
    if not isinstance(questions, list):
        report("questions must be an array", "questions")
        return ""
    parts = []
    for index, item in enumerate(questions):
        question = item.get("question") if isinstance(item, dict) else None
        answer = item.get("answer") if isinstance(item, dict) else None
        if not isinstance(question, str) or not (answer is None or isinstance(answer, str)):
            report('must be {"question": text, "answer": text or null}', "questions", index)
            continue
        text = html_to_text(answer or "")
        if text:
            parts.append(f"{html_to_text(question)}\n{text}")
    return "\n\n".join(parts)
