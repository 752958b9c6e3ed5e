"""Reading PostgreSQL's plans of the statements a page runs, to tell which read a table of the
history whole (the home pages' and the loop list's tests); on SQLite, which keeps no statistics
to plan by, counting the work its statements do instead."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa

from barraiser.extensions import db

# The tables that grow with the history: a page statement may read them only by index.
HISTORY_TABLES = {
    "loop",
    "interview",
    "interview_principle",
    "feedback",
    "principle_rating",
    "addendum",
    "final_vote",
    "proposal",
    "verdict",
    "hire_performance",
    "candidate",
    "audit_event",
    "outbox_message",
}

SCAN = re.compile(r"(Seq Scan|Index Scan|Index Only Scan)(?: Backward)?(?: using \w+)? on (\w+)")
NODE = re.compile(r"(?:->\s*)?([A-Z][A-Za-z ]+?)(?:\s+(?:using|on)\b|\s+\(|$)")
# Nodes that read all of what is below them before giving a row: a Limit above one of them
# does not bound the scan under it.
READS_ALL = {
    "Sort",
    "Aggregate",
    "HashAggregate",
    "GroupAggregate",
    "Hash",
    "Materialize",
    "Unique",
    "WindowAgg",
    "SetOp",
    "HashSetOp",
}
# A subquery's plan under its heading: the Limit of the statement around it does not bound it
# (a hashed subplan or an init plan reads its rows once, whole, whatever the Limit lets through).
SUBPLANS = ("SubPlan", "hashed SubPlan", "InitPlan")


def grown_tables(at_least: int) -> set[str]:
    """The history tables that now hold at least `at_least` rows (a table of a few rows is best
    read whole, and the planner rightly does)."""
    with db.engine.connect() as connection:
        return {
            table
            for table in HISTORY_TABLES
            if connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one()
            >= at_least
        }


def _depth(line: str) -> int:
    return len(line) - len(line.lstrip())


def _under_a_limit(lines: list[str], number: int) -> bool:
    """The scan on `lines[number]` stops with a Limit above it: it reads what the limit
    lets through (an ordered index read for one page), not the table."""
    depth = _depth(lines[number])
    for index in range(number - 1, -1, -1):
        above = lines[index]
        if _depth(above) < depth and above.strip().startswith(SUBPLANS):
            return False  # run apart from the rows the Limit lets through (or once, whole)
        if _depth(above) >= depth or ("->" not in above and index > 0):
            continue  # a sibling's line, or a detail (Sort Key, Filter...)
        depth = _depth(above)
        node = NODE.match(above.strip())
        name = node.group(1).strip() if node else ""
        if name == "Limit":
            return True
        if name in READS_ALL:
            return False
    return False


def history_scans(plans: list[str], grown: set[str], *, limited_reads: bool = False) -> list[str]:
    """Of `plans`, those that read a grown history table whole: a sequential scan, or an index
    scan with no index condition (walking the index). With `limited_reads`, an index walk under
    a Limit (the first rows in the index's order, for one page of a list) is not one. Run with
    sequential scans priced out (enable_seqscan off), one is left only where no index can
    serve the statement."""
    found = []
    for plan in plans:
        lines = plan.splitlines()
        for number, line in enumerate(lines):
            scan = SCAN.search(line)
            if not scan or scan.group(2) not in grown:
                continue
            depth = _depth(line)
            details = []
            for below in lines[number + 1 :]:
                if _depth(below) <= depth or "->" in below:
                    break
                details.append(below.strip())
            if scan.group(1) != "Seq Scan" and any(d.startswith("Index Cond") for d in details):
                continue
            if limited_reads and scan.group(1) != "Seq Scan" and _under_a_limit(lines, number):
                continue
            found.append(f"{line.strip()}\n{plan}")
    return found


def subplans_reading_whole(plans: list[str], grown: set[str]) -> list[str]:
    """Of `plans` (as the planner chose them, sequential scans allowed), those with a subquery
    that reads a grown history table whole: a hashed subplan or an init plan runs once for the
    statement and reads all it finds, however few rows the statement itself gives."""
    found = []
    for plan in plans:
        lines = plan.splitlines()
        for number, line in enumerate(lines):
            if not line.strip().startswith(SUBPLANS):
                continue
            for below in lines[number + 1 :]:
                if _depth(below) <= _depth(line):
                    break
                scan = SCAN.search(below)
                if scan and scan.group(1) == "Seq Scan" and scan.group(2) in grown:
                    found.append(f"{line.strip()}: {below.strip()}\n{plan}")
    return found


def explained(client, url: str, *, as_planned: bool = False) -> list[str]:
    """EXPLAIN each SELECT that loading `url` runs, with the values it bound: with sequential
    scans priced out, unless `as_planned`."""

    def load() -> None:
        assert client.get(url).status_code == 200

    return explained_run(load, as_planned=as_planned)


def explained_run(run: Callable[[], Any], *, as_planned: bool = False) -> list[str]:
    """EXPLAIN each SELECT that `run()` runs, as `explained` does for a page."""
    plans: list[str] = []

    def explain(connection, cursor, statement, parameters, context, executemany):
        if not re.match(r"\s*SELECT", statement, re.I):
            return
        if not as_planned:
            cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        plans.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("RESET enable_seqscan")

    sa.event.listen(db.engine, "before_cursor_execute", explain)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", explain)
    return plans


def sqlite_steps(client, url: str) -> int:
    """How many virtual-machine instructions SQLite runs for the statements of loading `url`:
    a statement that walks a table runs some for each row it reads, so a page that reads the
    history whole costs many more of them once the history has grown. Counted, not timed: the
    same data gives the same count on any machine."""

    def load() -> None:
        assert client.get(url).status_code == 200

    return sqlite_steps_of(load)


def sqlite_steps_of(run: Callable[[], Any]) -> int:
    """How many virtual-machine instructions SQLite runs for the statements `run()` runs."""
    steps = 0
    watched: list[Any] = []  # the connections given the handler, to take it back from each

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0  # go on

    def watch(connection, cursor, statement, parameters, context, executemany):
        raw = connection.connection.dbapi_connection
        if all(raw is not seen for seen in watched):
            raw.set_progress_handler(count, 1)
            watched.append(raw)

    sa.event.listen(db.engine, "before_cursor_execute", watch)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", watch)
        for raw in watched:
            raw.set_progress_handler(None, 0)
    return steps


def rows_read(run: Callable[[], Any], table: str) -> int:
    """How many rows of `table` the SELECTs that `run()` runs read, as PostgreSQL planned and ran
    them (EXPLAIN ANALYZE: each scan's rows times the times it ran)."""
    read = 0

    def walk(node: dict[str, Any]) -> None:
        nonlocal read
        if node.get("Relation Name") == table:
            read += int(node["Actual Rows"] * node["Actual Loops"])
        for child in node.get("Plans", ()):
            walk(child)

    def explain(connection, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*SELECT", statement, re.I):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            walk(cursor.fetchone()[0][0]["Plan"])

    sa.event.listen(db.engine, "before_cursor_execute", explain)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", explain)
    return read


def planned_each_time(
    client, url: str, *, loads: int = 12, pages: list[bytes] | None = None
) -> list[str]:
    """On PostgreSQL, the SELECTs of loading `url` that PostgreSQL plans anew on every load
    (elsewhere, none). The page is loaded `loads` times on one connection, each load a request
    of its own, as a server's worker loads it (in a thread with no app context, so that each
    request's end is a real end): psycopg prepares a statement sent five times, and PostgreSQL,
    after five plans made for the values bound, plans it once for every later load, unless a
    plan made for any values looks dearer than those. The pages loaded are added to `pages`."""
    used: list[Any] = []
    errors: list[int] = []

    def checkout(dbapi_connection, record, proxy) -> None:
        used.append(dbapi_connection)

    def load() -> None:
        for _ in range(loads):
            response = client.get(url)
            if response.status_code != 200:
                errors.append(response.status_code)
            if pages is not None:
                pages.append(response.get_data())

    db.session.close()
    db.engine.dispose()  # a pool of one connection, so that every load is served by it
    sa.event.listen(db.engine, "checkout", checkout)
    try:
        thread = threading.Thread(target=load)
        thread.start()
        thread.join(120)
    finally:
        sa.event.remove(db.engine, "checkout", checkout)
    assert errors == [] and len(used) >= loads, (errors, len(used))
    if db.engine.dialect.name != "postgresql":
        return []
    connection = used[-1]
    assert all(each is connection for each in used[-loads // 2 :]), "one connection served"
    rows = connection.execute(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
    ).fetchall()
    connection.rollback()
    reads = [row for row in rows if row[0].startswith("SELECT")]
    assert reads, "the page's reads were prepared"
    return [" ".join(statement.split())[:300] for statement, generic, _ in reads if generic == 0]


@contextmanager
def sent_with(text: str) -> Iterator[list[tuple[str, list[Any]]]]:
    """The statements holding `text` that the app sends while the block runs, each with the
    dates and times bound to it (none where they are written into its text)."""
    sent: list[tuple[str, list[Any]]] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        if text in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            sent.append((statement, [value for value in values if isinstance(value, date)]))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
