"""The loop list's statements (GET /loops/): its count and its lines, built once for each
combination of filters, the values bound per request. Building a select with its joins and
clauses, and the key the compiled-statement cache finds it by, cost as much as running it."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..auth.models import User
from ..candidates.models import Candidate
from ..database import read_rows
from ..domain import LoopState
from ..extensions import db
from ..pages import ListPage, paginate_counted
from ..requisitions.models import Requisition
from .models import Interview, Loop
from .queries import ListOutcome, LoopRow, sealed_lines, sealed_lines_of, with_outcome

# LIKE's escape character in a search's pattern (the one SQLAlchemy's autoescape uses).
_ESCAPE = "/"
_READER = sa.bindparam("reader_id", type_=sa.Integer)
_PATTERN = sa.bindparam("pattern", type_=sa.String)


def _number(name: str) -> sa.BindParameter[int]:
    """A LIMIT or OFFSET bound per request but written into the statement's text, so that a
    prepared statement's plan is made for it (database._state_written_into_the_statement)."""
    return sa.bindparam(name, type_=sa.Integer, literal_execute=True)


def search_pattern(text: str) -> str:
    """The LIKE pattern that finds `text` anywhere in a lowercased name, its wildcards taken
    as themselves."""
    needle = text.strip().lower()
    for special in (_ESCAPE, "%", "_"):
        needle = needle.replace(special, _ESCAPE + special)
    return f"%{needle}%"


def _holds(column: Any) -> sa.ColumnElement[bool]:
    return sa.func.lower(column).like(_PATTERN, escape=_ESCAPE)


def search_clause() -> sa.ColumnElement[bool]:
    """Loops whose candidate, requisition, Bar Raiser or an interviewer holds the search
    (:pattern, a search_pattern)."""
    people = sa.select(User.id).where(_holds(User.name))
    return sa.or_(
        Loop.candidate_id.in_(
            sa.select(Candidate.id).where(Candidate.erased_at.is_(None), _holds(Candidate.name))
        ),
        Loop.requisition_id.in_(sa.select(Requisition.id).where(_holds(Requisition.title))),
        Loop.bar_raiser_id.in_(people),
        Loop.id.in_(sa.select(Interview.loop_id).where(Interview.interviewer_id.in_(people))),
    )


@functools.cache
def _statements(
    *, dialect: str, everything: bool, state: bool, outcome: ListOutcome | None, search: bool
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """The list's count (up to :bound rows) and its lines (:limit of them from :offset), for
    one combination of filters: the reader's own loops (:visible) unless they see every one, a
    state (:state), an outcome (never one sealed from :reader_id), a search (:pattern)."""
    query = sa.select(Loop)
    if not everything and dialect == "postgresql":
        # The ids bound as one array: one text whoever reads and however many loops are
        # theirs, which PostgreSQL plans once for every reader. As a list of values (one text
        # per length) it planned each anew on every load: 1 ms, three times running it.
        visible = sa.bindparam("visible", type_=postgresql.ARRAY(sa.Integer))
        query = query.where(Loop.id == sa.any_(visible))
    elif not everything:  # SQLite has no arrays, and keeps no plans to lose
        query = query.where(Loop.id.in_(sa.bindparam("visible", expanding=True)))
    if state:
        query = query.where(Loop.state == sa.bindparam("state", type_=Loop.state.type))
    query = with_outcome(query, outcome, _READER)
    if search:
        query = query.where(search_clause())
    count = sa.select(sa.func.count()).select_from(
        query.with_only_columns(Loop.id).limit(_number("bound")).subquery()
    )
    # Every loop has a panel, so a first interview (the column is never NULL once written). The
    # order is an index's (ix_loop_first_interview_at, or ix_loop_state_first_interview_at under
    # a state filter; the ties of equal times broken by id within the page's rows), so a page
    # reads its own rows and no more.
    lines = sealed_lines_of(
        query.order_by(Loop.first_interview_at.desc(), Loop.id.desc())
        .limit(_number("limit"))
        .offset(_number("offset"))
    )
    return count, lines


def loop_list(
    *,
    reader_id: int,
    visible: Sequence[int] | None,
    state: LoopState | None,
    outcome: ListOutcome | None,
    text: str,
    per_page: int,
) -> tuple[ListPage[LoopRow], set[int]]:
    """The page of the list the request asks for (pages.paginate_counted), and which of its
    loops are sealed from the reader. `visible`: the reader's own loops, or None for every one."""
    count, lines = _statements(
        dialect=db.engine.dialect.name,
        everything=visible is None,
        state=state is not None,
        outcome=outcome,
        search=bool(text),
    )
    parameters: dict[str, Any] = {"reader_id": reader_id}
    if visible is not None:
        parameters["visible"] = list(visible)
    if state is not None:
        parameters["state"] = state
    if text:
        parameters["pattern"] = search_pattern(text)
    sealed: set[int] = set()

    def read(limit: int, offset: int) -> list[LoopRow]:
        found = sealed_lines(read_rows(lines, {**parameters, "limit": limit, "offset": offset}))
        sealed.update(line.id for line, is_sealed in found if is_sealed)
        return [line for line, _ in found]

    page = paginate_counted(
        lambda bound: read_rows(count, {**parameters, "bound": bound}).scalar_one(),
        read,
        per_page=per_page,
    )
    return page, sealed
