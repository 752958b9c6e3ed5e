"""What the Greenhouse and Lever imports share: reading JSON without ever raising, placing each
problem at its file and JSON pointer, the mapping file (principles, people, loops), and turning an
export's records into rows of our CSV's columns, which history.parse then checks like any CSV.

Pure: nothing here touches the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from .parse import ParsedHistory, check_rows
from .row import INVALID, LOOP_COLUMNS, InterviewRecord, Problem, RowChecker, suggestion

# The deepest JSON an import reads: deeper nesting is no export, and would exhaust the stack.
MAX_DEPTH = 64
# Loop-level keys a mapping's loop entry may hold, beside final_votes, shadows and interviews.
LOOP_KEYS = tuple(name for name in LOOP_COLUMNS)


def pointer(*parts: object) -> str:
    """An RFC 6901 JSON pointer: `/3/attributes/1/rating`."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


class Places:
    """Numbers every place a problem can be (file + JSON pointer), in reading order, so problems
    sort as the files read and rows checked by history.parse can be placed again."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.problems: list[Problem] = []

    def line(self, file: str, where: str) -> int:
        self.names.append(f"{file} {where or '/'}")
        return len(self.names)

    def name(self, line: int) -> str:
        return self.names[line - 1] if 0 < line <= len(self.names) else f"line {line}"

    def report(self, file: str, where: str, message: str) -> None:
        line = self.line(file, where)
        self.problems.append(Problem(line, message, self.name(line)))

    def placed(self, problems: Iterable[Problem]) -> list[Problem]:
        return [Problem(p.line, p.message, p.place or self.name(p.line)) for p in problems]


def load_json(data: bytes, file: str, places: Places) -> Any:
    """The file's JSON value, or INVALID with a problem saying where it breaks."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        places.report(
            file,
            "",
            f"the file is not UTF-8 (byte 0x{data[error.start : error.start + 1].hex()} at "
            f"offset {error.start} cannot be read)",
        )
        return INVALID
    if not text.strip():
        places.report(file, "", "the file is empty: expected JSON")
        return INVALID
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        places.report(
            file, "", f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        )
        return INVALID
    except (ValueError, RecursionError) as error:
        # Numbers too long to read, NaN, or nesting deeper than Python's stack.
        places.report(file, "", f"not usable JSON: {str(error) or type(error).__name__}")
        return INVALID
    if _depth(value) > MAX_DEPTH:
        places.report(file, "", f"the JSON is nested deeper than {MAX_DEPTH} levels")
        return INVALID
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)
    return deepest


def moment_from_text(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def identifier(value: Any) -> str | None:
    """An export's id, as text: a whole number or a non-empty string (never a bool)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip() and len(value) <= 64:
        return value.strip()
    return None


class _Text(HTMLParser):
    """Text of an HTML fragment, with a paragraph break at each block and a line at each <br>."""

    BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "tr", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an answer that may hold HTML; paragraph breaks kept, markup dropped."""
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    paragraphs = [
        "\n".join(" ".join(line.split()) for line in block.split("\n")).strip()
        for block in "".join(parser.parts).split("\n\n")
    ]
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


@dataclass
class LoopEntry:
    where: str
    raw: dict[str, str]
    """Our CSV's loop columns, as text."""
    final_votes: dict[str, str] = field(default_factory=dict)
    shadows: set[str] = field(default_factory=set)
    interviews: dict[str, str] = field(default_factory=dict)
    valid: bool = True


@dataclass
class Mapping:
    """The companion file: what our history needs and the export lacks (see import-format.md)."""

    principles: dict[str, str | None] = field(default_factory=dict)
    people: dict[str, tuple[str, str]] = field(default_factory=dict)
    loops: dict[str, LoopEntry] = field(default_factory=dict)


def load_mapping(data: bytes | None, file: str, catalog: Iterable[str], places: Places) -> Mapping:
    """Read and check the mapping file; problems go to `places`."""
    mapping = Mapping()
    if data is None:
        places.report(file, "", "a mapping file is required (--mapping): see import-format.md")
        return mapping
    value = load_json(data, file, places)
    if value is INVALID:
        return mapping
    if not isinstance(value, dict):
        places.report(file, "", "must be a JSON object with principles, people and loops")
        return mapping
    for key in value:
        if key not in ("principles", "people", "loops"):
            places.report(file, pointer(key), f"unknown key '{key}'")
    names = {name.strip().lower(): name for name in catalog}
    for name, target in _object(value, "principles", file, places).items():
        where = pointer("principles", name)
        if target is None:
            mapping.principles[name.strip().lower()] = None
        elif isinstance(target, str) and target.strip().lower() in names:
            mapping.principles[name.strip().lower()] = names[target.strip().lower()]
        else:
            shown = target if isinstance(target, str) else json.dumps(target)[:80]
            nearest = suggestion(shown, names.values(), lower=True) if shown is target else ""
            places.report(
                file,
                where,
                f"'{shown}' is not one of our principles (or null to ignore the attribute)"
                f"{nearest}",
            )
    for person_id, person in _object(value, "people", file, places).items():
        where = pointer("people", person_id)
        email = person.get("email") if isinstance(person, dict) else None
        given = person.get("name", "") if isinstance(person, dict) else None
        if not isinstance(email, str) or not email.strip() or not isinstance(given, str):
            places.report(file, where, 'must be {"email": "...", "name": "..."} (name optional)')
            continue
        checked = RowChecker.email(
            {"email": email}, "email", lambda m, w=where: places.report(file, w, m)
        )
        if checked is not INVALID:
            mapping.people[person_id] = (email, given)
    checker = RowChecker(catalog)
    for loop_id, entry in _object(value, "loops", file, places).items():
        loop = _loop_entry(loop_id, entry, file, places, checker)
        if loop is not None:
            mapping.loops[loop_id] = loop
    return mapping


def _object(value: dict, key: str, file: str, places: Places) -> dict[str, Any]:
    found = value.get(key, {})
    if not isinstance(found, dict):
        places.report(file, pointer(key), "must be a JSON object")
        return {}
    return found


def _text(value: Any) -> str | None:
    """A loop value as our CSV writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    return None


def _loop_entry(
    loop_id: str, entry: Any, file: str, places: Places, checker: RowChecker
) -> LoopEntry | None:
    where = pointer("loops", loop_id)
    if not isinstance(entry, dict):
        places.report(file, where, "must be a JSON object of the loop's columns")
        return None
    loop = LoopEntry(where=where, raw={})
    for key, item in entry.items():
        if key in ("final_votes", "interviews"):
            if not isinstance(item, dict) or not all(isinstance(v, str) for v in item.values()):
                places.report(file, pointer("loops", loop_id, key), "must map ids to strings")
                loop.valid = False
            else:
                getattr(loop, key).update(item)
        elif key == "shadows":
            ids = [identifier(v) for v in item] if isinstance(item, list) else [None]
            if None in ids:
                places.report(file, pointer("loops", loop_id, key), "must be a list of ids")
                loop.valid = False
            else:
                loop.shadows = {v for v in ids if v}
        elif key in LOOP_KEYS:
            text = _text(item)
            if text is None:
                places.report(file, pointer("loops", loop_id, key), "must be a string or number")
                loop.valid = False
            else:
                loop.raw[key] = text
        else:
            places.report(
                file,
                pointer("loops", loop_id, key),
                f"unknown key '{key}'{suggestion(key, (*LOOP_KEYS, 'final_votes', 'shadows'))}",
            )
            loop.valid = False
    found: list[Problem] = []
    checker.loop_values(0, loop.raw, found)
    for problem in found:
        places.report(file, where, problem.message)
    loop.valid = loop.valid and not found
    return loop


@dataclass
class ExportRow:
    """One export record as a row of our CSV's columns, and what the CSV cannot carry."""

    line: int
    raw: dict[str, str]
    evidence: dict[str, str]
    summary: str
    submitted: bool


def checked_loops(
    rows: list[ExportRow], *, catalog: Iterable[str], places: Places
) -> ParsedHistory:
    """Check the rows as our CSV's and add what the CSV cannot carry; every problem placed."""
    extras = {row.line: row for row in rows}
    interviews: list[tuple[str, InterviewRecord]] = []

    def keep(ref: str, interview: InterviewRecord) -> None:
        extra = extras[interview.line]
        interviews.append(
            (
                ref,
                replace(
                    interview,
                    evidence=extra.evidence,
                    summary=extra.summary,
                    submitted=extra.submitted,
                ),
            )
        )

    parsed = check_rows(
        ((row.line, row.raw) for row in rows), catalog=catalog, keep=keep, place=places.name
    )
    problems = places.problems + places.placed(parsed.problems)
    problems.sort(key=lambda problem: problem.line)
    return ParsedHistory(parsed.loops, len(rows), problems, lambda: iter(interviews))


def person_row(
    mapping: Mapping,
    person_id: str,
    fallback_name: str,
    report: Callable[[str], None],
) -> tuple[str, str] | None:
    person = mapping.people.get(person_id)
    if person is None:
        report(
            f"person {person_id}{f' ({fallback_name})' if fallback_name else ''} is not in the "
            "mapping's people: give their email"
        )
        return None
    email, name = person
    return email, name or fallback_name


def check_panel_ids(
    mapping: Mapping, panels: dict[str, set[str]], mapping_file: str, places: Places
) -> None:
    """A final vote or a shadow in the mapping must name someone on the loop's panel in the
    export: a mistyped id would otherwise drop a vote change without a word."""
    for loop_id, people in panels.items():
        loop = mapping.loops[loop_id]
        for key, ids in (("final_votes", loop.final_votes), ("shadows", loop.shadows)):
            for person_id in sorted(set(ids) - people):
                places.report(
                    mapping_file,
                    pointer("loops", loop_id, key),
                    f"{person_id} has no feedback on this loop in the export",
                )


def loop_columns(entry: LoopEntry) -> dict[str, str]:
    return {name: entry.raw.get(name, "") for name in LOOP_KEYS}
