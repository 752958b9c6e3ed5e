"""The one way through a request that every page takes: load the object (404) → check access →
validate the form → one service call → commit → redirect, or the page again with the reason."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import abort, flash, redirect, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from sqlalchemy.orm import Mapper
from sqlalchemy.sql.base import ExecutableOption

from . import policy
from .errors import Conflict, DomainError, Forbidden, NotFound, RuleViolation
from .extensions import db

M = TypeVar("M")
E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")

# A page again, with the status to answer it with (400, 409, 422).
Page = Callable[[int], ResponseReturnValue]


def load_or_404(
    model: type[M],
    ident: int,
    *,
    check: Callable[[Any, M], bool] | None = None,
    options: Sequence[ExecutableOption] = (),
) -> M:
    """The row with primary key `ident`, loaded with `options`; 404 when there is none or when
    `check(current_user, row)` says the user may not know it exists. Both answer the same page,
    so a missing object and a hidden one cannot be told apart.

    For "may see it but not do this" (403), call `policy.require(...)` after loading.
    """
    if options:
        # A query, not the identity map: the eager loads apply even to a row already in the
        # session (read again after a rollback, say).
        row = db.session.scalar(_loader(model, tuple(options)), {"ident": ident})
    else:
        row = db.session.get(model, ident)
    policy.require(row is not None and (check is None or check(current_user, row)), hide=True)
    assert row is not None
    return row


# The statements load_or_404 built, by model and options. Options are told apart by identity, so
# the module-level tuples pages pass (such as loops.models.PANEL) are built once; options made
# afresh per call would only fill it, hence the bound.
_LOADERS: dict[tuple[type[Any], tuple[ExecutableOption, ...]], sa.Select[Any]] = {}
_LOADERS_KEPT = 256


def _loader(model: type[Any], options: tuple[ExecutableOption, ...]) -> sa.Select[Any]:
    """The statement that loads one `model` with `options`, built once: building a select with
    its loader options (and the key the compiled-statement cache finds it by) cost as much as
    running it."""
    statement = _LOADERS.get((model, options))
    if statement is None:
        if len(_LOADERS) >= _LOADERS_KEPT:
            _LOADERS.clear()
        mapper: Mapper[Any] = sa.inspect(model)
        (key,) = mapper.primary_key
        statement = _LOADERS[(model, options)] = (
            sa.select(model).where(key == sa.bindparam("ident")).options(*options)
        )
    return statement


def note_refusal(form: FlaskForm, error: DomainError, field: str | None = None) -> None:
    """Put a refusal's message next to the field it names (else `field`, else on the form)."""
    name = error.field if error.field and error.field in form else field
    errors = form[name].errors if name else form.form_errors
    if isinstance(errors, tuple):  # a field not yet validated holds a tuple
        errors = list(errors)
        form[name].errors = errors
    errors.append(error.message)


def act(
    form: FlaskForm,
    service: Callable[[], T],
    *,
    page: Page,
    done: str | Callable[[T], str],
    then: str | Callable[[T], str],
    field: str | None = None,
    answers: Mapping[type[DomainError], Callable[[Any], ResponseReturnValue]] | None = None,
    on_page: tuple[type[DomainError], ...] = (RuleViolation, Conflict),
    validate: bool = True,
    category: str = "success",
) -> ResponseReturnValue:
    """Validate → one service call → commit → flash `done` and redirect to `then`; or the page
    again, the form kept as typed.

    - The form does not validate: `page(400)`; nothing is called.
    - The service refuses: everything it did is rolled back. An error of a kind in `answers`
      gets that answer (e.g. a 409 showing the object as it now stands); one of the kinds in
      `on_page` gets its message next to its field (or `field`, or on the form) and
      `page(error.status)` — 422 for a broken rule, 409 for a conflict. Anything else, and
      always Forbidden and NotFound (about who asks, not what they typed), goes to the error
      page.

    `done` and `then` may be functions of what the service returned (the new row's id, say).
    """
    if validate and not form.validate_on_submit():
        return page(400)
    try:
        result = service()
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        answer = next(
            (answer for kind, answer in (answers or {}).items() if isinstance(error, kind)),
            None,
        )
        if answer is None and not isinstance(error, on_page):
            raise
        db.session.rollback()
        if answer is not None:
            return answer(error)
        note_refusal(form, error, field)
        return page(error.status)
    db.session.commit()
    flash(done if isinstance(done, str) else done(result), category)
    return redirect(then if isinstance(then, str) else then(result))


# No list is longer than this many pages; a larger `page=` is the last page anyway, and keeping
# the OFFSET small keeps it inside the database's integer range.
MAX_PAGE = 100_000


def paginate(query: sa.Select[Any], *, per_page: int, error_out: bool = False) -> Pagination:
    """`db.paginate` for a list page, reading `page=` from the query string: a page past the end
    (however large) shows the last page, and one below 1 (or not a number) the first."""
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    page = min(max(page, 1), MAX_PAGE)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=error_out)
    if pagination.pages and page > pagination.pages:
        pagination = db.paginate(
            query, page=pagination.pages, per_page=per_page, error_out=error_out
        )
    return pagination


# A list that grows with the history counts its rows only this far past the page shown: enough to
# say "page 3 of 12", while a count of every loop ever held would cost what the history weighs.
COUNT_AHEAD = 1000


@dataclass
class ListPage(Generic[T]):
    """One page of a list whose length is counted only up to a bound (paginate_bounded): the
    pagination macro's interface, with `more` when there are rows past the counted `total`."""

    items: list[T]
    page: int
    per_page: int
    total: int
    more: bool

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more or self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def paginate_bounded(
    query: sa.Select[Any],
    *,
    per_page: int,
    key: Any,
    read: Callable[[sa.Select[Any]], list[T]] | None = None,
) -> ListPage[Any]:
    """`paginate` for a list that grows with the history (`query` ordered by what an index
    serves): it counts the rows only up to COUNT_AHEAD past the page (or to the page, deep in
    the list), `key` being the column it counts by, so the first page costs the same whatever
    the history holds. A page past the end shows the last page, one below 1 the first.
    `read` turns the page's query (limited and offset) into its items; by default the ORM
    loads the entities `query` selects."""

    def count(at_most: int) -> int:
        counted = query.with_only_columns(key).order_by(None).limit(at_most).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0

    def window(limit: int, offset: int) -> list[Any]:
        rows = query.limit(limit).offset(offset)
        return read(rows) if read is not None else list(db.session.scalars(rows).unique())

    return paginate_counted(count, window, per_page=per_page)


def paginate_counted(
    count: Callable[[int], int],
    read: Callable[[int, int], list[T]],
    *,
    per_page: int,
) -> ListPage[T]:
    """paginate_bounded for a list whose statements are built once, the bounds bound per
    request: `count(at_most)` counts its rows up to `at_most`, `read(limit, offset)` reads a
    page of them."""
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    page = min(max(page, 1), MAX_PAGE)
    bound = max(COUNT_AHEAD, page * per_page)
    counted = count(bound + 1)
    more = counted > bound
    total = min(counted, bound)
    last = max(1, math.ceil(total / per_page))
    if not more:
        page = min(page, last)
    return ListPage(read(per_page, (page - 1) * per_page), page, per_page, total, more)


def state_filter(
    name: str, kind: type[E], *, default: str, everything: str, refusal: str
) -> E | None:
    """A list's filter from the query string: `name` as one of `kind`'s values, or None (no
    filter) for `everything`; `default` when absent. Anything else is a 400 saying `refusal`,
    which may name the value as {value!r}."""
    value = request.args.get(name, default)
    if value == everything:
        return None
    try:
        return kind(value)
    except ValueError:
        abort(400, refusal.format(value=value[:40]))
