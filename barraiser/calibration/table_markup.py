"""The report page's sortable tables as markup, written in Python once per page.

A page of the report holds some 300 cells; written by a template, each cost a macro call, two
function calls through the template's context and their escaping, and each link a `url_for`:
most of the page's time. Here a cell is one string format, and a kind of link is built once with
a stand-in (urls.path_for: once per process) and filled in per row (`links`). Every value is
escaped here, as the template would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import request
from markupsafe import Markup, escape

from ..database import MAX_ID
from ..urls import path_for
from .kept import KeptMarkup
from .tables import TABLES, Column

URL_SAFE = "!$'()*,/:;?@"
"""What werkzeug leaves unencoded in a query string (https://url.spec.whatwg.org/#percent-encoded-bytes)."""
NO_DATA = '<span class="text-muted no-data">no data</span>'


NUMBER_FORMATS = {
    "rate": ".0%",
    "signed": "+.2f",
    "number": ".1f",
    "hours": ".1f",
    "number2": ".2f",
}
"""How a number of each kind is shown (format specs); a count, or a number of another kind, is
shown whole."""


def format_value(value: Any, kind: str) -> str:
    """A number as the page shows it (the JSON and CSV keep full precision); "no data" where
    there is none."""
    if value is None or value == []:
        return "no data"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    spec = NUMBER_FORMATS.get(kind)
    if spec is not None:
        return format(value, spec)
    if kind == "text" and isinstance(value, str) and value[:4].isdigit() and "T" in value:
        return value[:10]  # an ISO timestamp in a text column: the date is enough
    return str(value)


def sort_value(value: Any) -> str:
    """What the browser sorts a cell by: the full number, or folded text; empty for no data."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return ", ".join(map(str, value)).casefold()
    return str(value).casefold()


def escaped(text: str) -> str:
    """`text` escaped for HTML as the templates escape it (markupsafe's entities), without
    making a Markup object of every cell's two values."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _shown(value: Any, kind: str) -> tuple[str, str]:
    """A cell's value as shown and as sorted, both escaped; "no data" greyed where there is
    none. A number's two forms hold only digits, signs, "." and "%", and are written as they
    are (a cell is mostly numbers: this is format_value and sort_value for them, inline)."""
    if value is None or value == []:
        return NO_DATA, ""
    number = type(value)
    if number is float or number is int:
        spec = NUMBER_FORMATS.get(kind)
        return (format(value, spec) if spec is not None else str(value)), repr(value)
    return escaped(format_value(value, kind)), escaped(sort_value(value))


def figure(row: Mapping[str, Any], column: Column) -> Markup:
    """A figure as a cell or a person's page shows it: the value ("no data" greyed where there
    is none), then its note (an interval) small beneath it."""
    shown = _shown(row[column.key], column.kind)[0]
    note = row.get(column.note) if column.note else None
    if note:
        shown += f'<span class="d-block text-muted small">{escaped(str(note))}</span>'
    return Markup(shown)


def cell(row: Mapping[str, Any], column: Column) -> str:
    """A table cell: the figure, and the value the browser sorts it by."""
    shown, order = _shown(row[column.key], column.kind)
    note = row.get(column.note) if column.note else None
    if note:
        shown += f'<span class="d-block text-muted small">{escaped(str(note))}</span>'
    aligned = "" if column.kind == "text" else ' class="text-end"'
    return f'<td data-sort-value="{order}"{aligned}>{shown}</td>'


def links(endpoint: str, slot: str, **values: Any) -> Callable[[object], str]:
    """The escaped href of `url_for(endpoint, **{slot: x}, **values)` for any `x`, for the cost
    of one `path_for`: the URL is built with a stand-in number for `x` (a path's id converter
    takes it), whose first occurrence (the path comes before the query) `x` replaces. `x` must be
    written unchanged in a URL: an id, or a word of letters, digits, dots and underscores."""
    arguments: dict[str, Any] = {slot: MAX_ID, **values}  # in this order, as url_for gets them
    url = path_for(endpoint, **arguments)
    before, found, after = url.partition(str(MAX_ID))
    assert found, url
    head, tail = str(escape(before)), str(escape(after))
    return lambda x: f"{head}{x}{tail}"


def query_href(path: str, args: Iterable[tuple[str, str]]) -> str:
    """The escaped href of `path` with `args` as its query string, encoded as `url_for` encodes
    them (werkzeug's `_urlencode`), for links whose values are free text."""
    return str(escape(f"{path}?{urlencode(list(args), safe=URL_SAFE)}"))


@dataclass(frozen=True)
class ShownTable:
    """A table as the page shows it: its header row (sort links) and its rows, as markup."""

    head: Markup
    body: Markup


def head(
    table: str,
    columns: Sequence[Column],
    sort: tuple[str, str, bool] | None,
    sort_links: Mapping[str, Callable[[object], str]],
) -> Markup:
    """The header row: every column sorts (on the server, or in the browser when the script
    runs); the sorted one carries aria-sort and its link the other direction."""
    cells = []
    for column in columns:
        active = sort is not None and sort[0] == table and sort[1] == column.key
        descending = active and sort is not None and sort[2]
        href = sort_links["desc" if active and not descending else "asc"](f"{table}.{column.key}")
        aligned = "" if column.kind == "text" else " text-end"
        aria = f' aria-sort="{"descending" if descending else "ascending"}"' if active else ""
        title = f' title="{escaped(column.title)}"' if column.title else ""
        cells.append(
            f'\n    <th scope="col" data-kind="{column.kind}" class="sortable{aligned}"{aria}'
            f'{title}>\n      <a class="sort-link" href="{href}#table-{table}">'
            f'{escaped(column.label)}<span class="visually-hidden"> (sort)</span></a>\n    </th>'
        )
    return Markup(f"<thead>\n  <tr>{''.join(cells)}\n  </tr>\n</thead>")


def sort_links(export_args: Mapping[str, Any]) -> dict[str, Callable[[object], str]]:
    """The header links of every table, by the direction they ask for: the filters kept."""
    return {
        direction: links("calibration.index", "sort", dir=direction, **export_args)
        for direction in ("asc", "desc")
    }


def table(
    name: str,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    sort_links: Mapping[str, Callable[[object], str]],
    sort: tuple[str, str, bool] | None,
    *,
    person: Callable[[object], str] | None = None,
    user_ids: Mapping[str, int] | None = None,
) -> ShownTable:
    """A table of the report: a row per entry, a cell per column; with `person` (the link to a
    person's page, by id) a name known in `user_ids` links to their page."""
    lines = []
    for row in rows:
        cells = [cell(row, column) for column in columns]
        user_id = user_ids.get(row["email"]) if user_ids is not None else None
        if person is not None and user_id:
            cells[0] = (
                f'<th scope="row" data-sort-value="{escaped(sort_value(row["name"]))}">'
                f'<a href="{person(user_id)}">{escaped(row["name"])}</a></th>'
            )
        lines.append(f"<tr>{''.join(cells)}</tr>")
    return ShownTable(head(name, columns, sort, sort_links), Markup("\n".join(lines)))


def interviewers_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    sort_links: Mapping[str, Callable[[object], str]],
    sort: tuple[str, str, bool] | None,
    *,
    user_ids: Mapping[str, int],
    actions_by_subject: Mapping[str, Sequence[Mapping[str, Any]]],
    export_args: Mapping[str, Any],
) -> ShownTable:
    """The interviewers table: each name links to the interviewer's page with their email under
    it; a flagged interviewer's row is marked, with the flags, the open actions about them and
    a button that opens an action prefilled with why."""
    person = links("calibration.interviewer", "user_id", **export_args)
    action = links("calibration.edit_action", "action_id")
    new_action = path_for("calibration.new_action")
    lines = []
    for row in rows:
        cells = []
        for column in columns:
            if column.key == "name":
                name = escaped(row["name"])
                user_id = user_ids.get(row["email"])
                if user_id:
                    name = f'<a href="{person(user_id)}" data-testid="interviewer-link">{name}</a>'
                cells.append(
                    f'<th scope="row" data-sort-value="{escaped(sort_value(row["name"]))}">{name}'
                    '<span class="d-block text-muted small fw-normal" data-testid="email">'
                    f"{escaped(row['email'])}</span></th>"
                )
            elif column.key == "flag_reasons":
                cells.append(_flags(row, action, new_action, actions_by_subject))
            else:
                cells.append(cell(row, column))
        marked = ' class="table-warning" data-flagged="true"' if row["flagged"] else ""
        lines.append(f"<tr{marked}>{''.join(cells)}</tr>")
    return ShownTable(head("interviewers", columns, sort, sort_links), Markup("\n".join(lines)))


def _flags(
    row: Mapping[str, Any],
    action: Callable[[object], str],
    new_action: str,
    actions_by_subject: Mapping[str, Sequence[Mapping[str, Any]]],
) -> str:
    """The flags cell: a badge per reason; when flagged, the open actions about the interviewer
    and the button that creates one."""
    parts = [
        f'<span class="badge text-bg-warning flag-badge">{escaped(reason)}</span> '
        for reason in row["flag_labels"]
    ]
    if row["flagged"]:
        parts.extend(
            f'\n<a class="small d-block" href="{action(item["id"])}">Action #{item["id"]} '
            f"({escaped(item['status'].replace('_', ' '))})</a>"
            for item in actions_by_subject.get(row["email"], ())
        )
        href = query_href(new_action, [("subject", row["email"]), ("reason", row["flag_summary"])])
        parts.append(
            '\n<a class="btn btn-outline-danger btn-sm d-print-none mt-1" '
            f'data-testid="create-action" href="{href}">Create action</a>\n'
        )
    return f'<td data-sort-value="{escaped(sort_value(row["flag_reasons"]))}">{"".join(parts)}</td>'


_drawn_tables: KeptMarkup[dict[str, ShownTable]] = KeptMarkup(16)
"""A few pages and sorts of a few periods, looked at in turn."""


def shown_tables(
    rows: Mapping[str, Sequence[Mapping[str, Any]]],
    sort: tuple[str, str, bool] | None,
    *,
    user_ids: Mapping[str, int],
    actions_by_subject: Mapping[str, Sequence[Mapping[str, Any]]],
    export_args: Mapping[str, Any],
) -> dict[str, ShownTable]:
    """Every table of the report page (TABLES), from the rows it shows of each (a page of the
    long ones, the others whole), or as drawn before from equal rows, links and sort (`kept`:
    the links hold the app's mount point too)."""
    inputs = (request.script_root, rows, sort, user_ids, actions_by_subject, export_args)
    return _drawn_tables.get(
        inputs,
        lambda: _draw_tables(
            rows,
            sort,
            user_ids=user_ids,
            actions_by_subject=actions_by_subject,
            export_args=export_args,
        ),
    )


def _draw_tables(
    rows: Mapping[str, Sequence[Mapping[str, Any]]],
    sort: tuple[str, str, bool] | None,
    *,
    user_ids: Mapping[str, int],
    actions_by_subject: Mapping[str, Sequence[Mapping[str, Any]]],
    export_args: Mapping[str, Any],
) -> dict[str, ShownTable]:
    sorting = sort_links(export_args)
    return {
        "interviewers": interviewers_table(
            rows["interviewers"],
            TABLES["interviewers"],
            sorting,
            sort,
            user_ids=user_ids,
            actions_by_subject=actions_by_subject,
            export_args=export_args,
        ),
        "bar_raisers": table(
            "bar_raisers",
            rows["bar_raisers"],
            TABLES["bar_raisers"],
            sorting,
            sort,
            person=links("calibration.bar_raiser", "user_id", **export_args),
            user_ids=user_ids,
        ),
        **{
            name: table(name, rows[name], TABLES[name], sorting, sort)
            for name in ("principles", "bar_raisers_in_training")
        },
    }


TREND_RATES = (
    "bar_raiser_rate",
    "on_time_rate",
    "submitted_before_debrief_rate",
    "principle_coverage_rate",
    "veto_rate",
)
"""The rates of a month in the trends table, in its columns' order, each with its interval."""

_drawn_trends: KeptMarkup[Markup] = KeptMarkup(8)


def trend_rows(trends: Sequence[Mapping[str, Any]]) -> Markup:
    """The trends table's rows, a month each, or as drawn before from equal trends (`kept`):
    seventeen figures a month, which written by the template cost a 90-day page a tenth of its
    time, and a period of years several milliseconds."""
    return _drawn_trends.get(trends, lambda: Markup("\n".join(map(_trend_row, trends))))


def _trend_row(row: Mapping[str, Any]) -> str:
    cells = [
        f"<td>{escaped(str(row['month']))}</td>",
        f'<td class="text-end">{escaped(str(row["loops"]))}</td>',
        f'<td class="text-end">'
        f"{escaped(format_value(row['krippendorff_alpha_ordinal'], 'number2'))}</td>",
    ]
    for key in TREND_RATES:
        low = format_value(row[f"{key}_ci_low"], "rate")
        high = format_value(row[f"{key}_ci_high"], "rate")
        title = f"95% CI {low}–{high}, n = {row[f'{key}_n']}"
        rate = format_value(row[key], "rate")
        cells.append(f'<td class="text-end" title="{escaped(title)}">{escaped(rate)}</td>')
    spread = format_value(row["leniency_adjusted_spread"], "number2")
    cells.append(f'<td class="text-end">{escaped(spread)}</td>')
    return f"<tr>{''.join(cells)}</tr>"
