"""Importing past loops (`flask import-history`) from our history CSV or an ATS export
(Greenhouse scorecards, Lever feedback): the whole file is checked first, and only a file without
a single problem is written, in the caller's one transaction.

The files' contract is docs/import-format.md. Parsing is history.parse (pure; the exports are
turned into its rows by history.greenhouse and history.lever), writing is history.write (bulk
inserts) for all three; this module joins them to the database's catalog and settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import User
from ..collector import collector_held
from ..extensions import db
from ..principles.models import Principle
from ..settings.services import current_settings
from .bulk import one_import_at_a_time
from .greenhouse import parse_greenhouse
from .lever import parse_lever
from .parse import FileChanged, ParsedHistory, Problem, parse_history
from .write import write_history

PROGRESS_EVERY_ROWS = 20_000
FORMATS = ("csv", "greenhouse", "lever")


class HistoryRejected(Exception):
    """The file breaks its contract; nothing was written. Carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the history file")
        self.problems = problems


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    loops: int
    interviews: int
    skipped: int
    """Loops whose loop_ref was already in the database, left untouched."""
    users_created: int
    requisitions_created: int


def import_history(
    data: bytes | IO[bytes],
    *,
    file_name: str,
    now: datetime,
    progress: Callable[[str], None] | None = None,
    source: str = "csv",
    mapping: bytes | None = None,
    mapping_name: str = "mapping",
    actor: User | None = None,
) -> ImportSummary:
    """Check `data` (a history CSV, or an ATS export with its `mapping` file: bytes, or a binary
    file that can seek) and write its new loops; flushes, does not commit.

    A CSV is read as a stream, twice (checked, then written), never held whole. Raises
    HistoryRejected, before any write, when the file has any problem; also, after writing some
    of it, if the file changes between the two readings (the caller's rollback undoes those).
    Loops already imported (same loop_ref, or the same Greenhouse application or Lever
    opportunity) are skipped, so importing a file twice changes nothing; an import that writes
    nothing records no audit event.
    """
    # Before it reads anything: an import may lock the tables it writes (see write.py).
    one_import_at_a_time()
    catalog = list(db.session.scalars(sa.select(Principle.name)))
    deadline_hours = current_settings().feedback_deadline_hours
    # An import makes a record per loop that lives until it ends (see `collector`).
    with collector_held():
        parsed = _parse(data, source, file_name, mapping, mapping_name, catalog, progress)
        if parsed.problems:
            raise HistoryRejected(parsed.problems)
        if progress is not None:
            progress(f"Checked {parsed.rows} rows: {len(parsed.loops)} loops, no problems")
        try:
            counts = write_history(
                parsed, now=now, deadline_hours=deadline_hours, progress=progress
            )
        except FileChanged as changed:
            raise HistoryRejected(
                [Problem(1, f"the file changed while it was being imported ({changed})")]
            ) from changed
    summary = ImportSummary(
        rows=parsed.rows,
        loops=counts.loops,
        interviews=counts.interviews,
        skipped=counts.skipped,
        users_created=counts.users_created,
        requisitions_created=counts.requisitions_created,
    )
    if summary.loops:
        record(
            "history.imported",
            actor=actor,
            subject="history",
            now=now,
            file=file_name,
            format=source,
            rows=summary.rows,
            loops=summary.loops,
            interviews=summary.interviews,
            skipped=summary.skipped,
            users_created=summary.users_created,
            requisitions_created=summary.requisitions_created,
        )
    db.session.flush()
    return summary


def _parse(
    data: bytes | IO[bytes],
    source: str,
    file_name: str,
    mapping: bytes | None,
    mapping_name: str,
    catalog: list[str],
    progress: Callable[[str], None] | None,
) -> ParsedHistory:
    if source == "greenhouse":
        parse = parse_greenhouse
    elif source == "lever":
        parse = parse_lever
    elif source == "csv":
        return parse_history(
            data, catalog=catalog, progress=progress, progress_every=PROGRESS_EVERY_ROWS
        )
    else:
        raise ValueError(f"unknown history format {source!r}")
    # JSON is read whole: an export is a single value.
    whole = data if isinstance(data, bytes) else data.read()
    return parse(
        whole, file=file_name, mapping_data=mapping, mapping_file=mapping_name, catalog=catalog
    )
