"""A small history file to break one cell at a time: four loops on lines 2 to 14, and the
helpers that write it and change it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

HEADER = [
    "loop_ref",
    "candidate_name",
    "candidate_email",
    "requisition",
    "department",
    "hiring_manager_email",
    "bar_raiser_email",
    "interviewer_email",
    "interviewer_name",
    "interview_at",
    "interview_minutes",
    "principles",
    "ratings",
    "vote",
    "submitted_at",
    "shadow",
    "decision",
    "vetoed",
    "decided_at",
    "performance",
]

DAY = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def _loop(ref: str, *, decision: str, vetoed: str, performance: str, day: datetime, **extra):
    base = {
        "loop_ref": ref,
        "candidate_name": f"Candidate {ref}",
        "candidate_email": f"{ref.lower()}@candidates.example.org",
        "requisition": "Payments Engineer",
        "department": "Payments",
        "hiring_manager_email": "hm@example.com",
        "bar_raiser_email": "br@example.com",
        "decision": decision,
        "vetoed": vetoed,
        "decided_at": (day + timedelta(days=1)).isoformat() if decision else "",
        "performance": performance,
    }
    base.update(extra)
    return base


def _row(
    loop: dict, interviewer: str, hour: int, principles: str, ratings: str, vote: str, **extra
):
    starts = datetime.fromisoformat(loop["_day"]) + timedelta(hours=hour)
    row = {key: value for key, value in loop.items() if not key.startswith("_")}
    row.update(
        {
            "interviewer_email": interviewer,
            "interviewer_name": "",
            "interview_at": starts.isoformat(),
            "interview_minutes": "60",
            "principles": principles,
            "ratings": ratings,
            "vote": vote,
            "submitted_at": (starts + timedelta(hours=3)).isoformat(),
            "shadow": "false",
        }
    )
    row.update(extra)
    return row


def good_rows() -> list[dict[str, str]]:
    """Four loops: a hire with a performance rating (and a shadow and a late interviewer), a
    vetoed hire, a plain no hire, and one still waiting for its decision: lines 2 to 14."""
    rows = []
    specs = [
        ("L-1", "hire", "false", "4"),
        ("L-2", "no_hire", "true", ""),
        ("L-3", "no_hire", "false", ""),
        ("L-4", "", "", ""),
    ]
    for index, (ref, decision, vetoed, performance) in enumerate(specs):
        day = DAY + timedelta(days=7 * index)
        loop = _loop(ref, decision=decision, vetoed=vetoed, performance=performance, day=day)
        loop["_day"] = day.isoformat()
        rows += [
            _row(
                loop,
                "br@example.com",
                0,
                "Customer Obsession",
                "Customer Obsession=3",
                "inclined_hire",
            ),
            _row(
                loop,
                "ana@example.com",
                1,
                "Ownership|Dive Deep",
                "Ownership=4| dive deep = 3",
                "strong_hire",
                interviewer_name="Ana Alvarez",
            ),
            _row(
                loop, "ben@example.com", 2, "customer obsession|Frugality", "", "inclined_no_hire"
            ),
        ]
        if ref == "L-1":
            rows[-1]["submitted_at"] = (day + timedelta(hours=3 + 30)).isoformat()  # late
            rows.append(
                _row(
                    loop,
                    "brit@example.com",
                    0,
                    "Customer Obsession",
                    "Customer Obsession=2",
                    "inclined_no_hire",
                    shadow="true",
                )
            )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or HEADER
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def set_row(line: int, **values):
    """Change row `line` (the file's line number: the header is line 1)."""

    def change(rows, header):
        rows[line - 2].update(values)
        return rows, header

    return change


def set_loop(ref: str, **values):
    def change(rows, header):
        for row in rows:
            if row["loop_ref"] == ref:
                row.update(values)
        return rows, header

    return change
