"""The report page's tables written in Python: the links are those `url_for` writes, every value
is escaped as the templates escape it, and a cell shows what the page always showed."""

from __future__ import annotations

import copy
import re

import pytest
from flask import url_for
from markupsafe import escape

from barraiser.calibration import table_markup
from barraiser.calibration.table_markup import (
    cell,
    escaped,
    figure,
    format_value,
    head,
    links,
    query_href,
    sort_links,
    sort_value,
)
from barraiser.calibration.tables import TABLES, Column

FILTERS = [
    {},
    {"since": "2026-01-01", "until": "2026-03-02"},
    {"since": "2026-01-01", "until": "2026-03-02", "department": "R&D / Ops+Ünits #1"},
    {"since": "2026-01-01", "until": "2026-03-02", "department": "Payments", "requisition": 7},
]
NASTY = ["plain", '<b>O\'Brien & "Co"</b>', "50% + 1 = ±2; a/b?c#d", "Zoë — ü\u00a0x", "&amp;"]


@pytest.mark.parametrize("filters", FILTERS)
def test_links_are_the_ones_url_for_writes(app, filters):
    with app.test_request_context("/calibration"):
        for endpoint in ("calibration.interviewer", "calibration.bar_raiser"):
            person = links(endpoint, "user_id", **filters)
            for user_id in (1, 42, 2147483646):
                assert person(user_id) == escape(url_for(endpoint, user_id=user_id, **filters))
        action = links("calibration.edit_action", "action_id")
        assert action(17) == escape(url_for("calibration.edit_action", action_id=17))
        by_direction = sort_links(filters)
        for table, columns in TABLES.items():
            for column in columns:
                for direction in ("asc", "desc"):
                    key = f"{table}.{column.key}"
                    expected = url_for("calibration.index", sort=key, dir=direction, **filters)
                    assert by_direction[direction](key) == escape(expected)


def test_a_create_action_link_carries_any_text_as_url_for_would(app):
    with app.test_request_context("/calibration"):
        path = url_for("calibration.new_action")
        for text in NASTY:
            args = {"subject": f"{text}@example.com", "reason": text}
            assert query_href(path, args.items()) == escape(
                url_for("calibration.new_action", **args)
            )


@pytest.mark.parametrize("text", NASTY)
def test_escaped_writes_what_the_templates_write(text):
    assert escaped(text) == str(escape(text))


@pytest.mark.parametrize(
    ("value", "kind", "shown", "order"),
    [
        (None, "rate", '<span class="text-muted no-data">no data</span>', ""),
        ([], "text", '<span class="text-muted no-data">no data</span>', ""),
        (0.9130434782608695, "rate", "91%", "0.9130434782608695"),
        (-0.2101449275362319, "signed", "-0.21", "-0.2101449275362319"),
        (23, "count", "23", "23"),
        (0, "number", "0.0", "0"),
        (["lenient", "low agreement"], "text", "lenient, low agreement", "lenient, low agreement"),
        ("O'Brien <b>", "text", "O&#39;Brien &lt;b&gt;", "o&#39;brien &lt;b&gt;"),
        ("2026-01-31T10:00:00+00:00", "text", "2026-01-31", "2026-01-31t10:00:00+00:00"),
    ],
)
def test_a_cell_shows_the_value_and_sorts_by_the_full_one(value, kind, shown, order):
    column = Column("figure", "Figure", kind)
    aligned = "" if kind == "text" else ' class="text-end"'
    assert cell({"figure": value}, column) == f'<td data-sort-value="{order}"{aligned}>{shown}</td>'
    if value is not None and value != []:
        assert shown == escape(format_value(value, kind))
        assert order == escape(sort_value(value))


def test_a_figure_carries_its_note_escaped_and_none_without_one():
    column = Column("rate", "Rate", "rate", note="rate_ci")
    assert figure({"rate": 0.5, "rate_ci": "40%–60% <x>"}, column) == (
        '50%<span class="d-block text-muted small">40%–60% &lt;x&gt;</span>'
    )
    assert figure({"rate": 0.5, "rate_ci": None}, column) == "50%"
    assert figure({"rate": 0.5}, column) == "50%"  # a row without the note (a Bar Raiser's own)


def test_the_sorted_column_says_so_and_links_the_other_way(app):
    with app.test_request_context("/calibration"):
        markup = head(
            "bar_raisers", TABLES["bar_raisers"], ("bar_raisers", "loops", False), sort_links({})
        )
    headers = markup.split("<th ")[1:]
    assert len(headers) == len(TABLES["bar_raisers"])
    (loops,) = [h for h in headers if "sort=bar_raisers.loops&amp;" in h]
    assert 'aria-sort="ascending"' in loops and "dir=desc" in loops
    assert all("aria-sort" not in h and "dir=asc" in h for h in headers if h is not loops)


def _row(table: str, **values) -> dict:
    row = {c.key: ("Text" if c.kind == "text" else 0.5) for c in TABLES[table]}
    if table in ("interviewers", "bar_raisers"):
        row["email"] = f"{table}@example.com"
    if table == "interviewers":
        row.update(flag_reasons=["lenient"], flag_labels=["Lenient"], flagged=True)
        row["flag_summary"] = "Text flagged as lenient."
    return {**row, **values}


def _shown(rows, sort=None, user_ids=None, actions=None, export_args=None):
    return table_markup.shown_tables(
        rows,
        sort,
        user_ids={"interviewers@example.com": 3} if user_ids is None else user_ids,
        actions_by_subject={} if actions is None else actions,
        export_args={"since": "2026-01-01"} if export_args is None else export_args,
    )


def test_the_tables_are_kept_by_everything_they_show_and_link(app, monkeypatch):
    drawn = []
    draw = table_markup._draw_tables

    def drawing(*args, **kwargs):
        drawn.append(1)
        return draw(*args, **kwargs)

    monkeypatch.setattr(table_markup, "_draw_tables", drawing)
    table_markup._drawn_tables.clear()
    rows = {name: [_row(name)] for name in TABLES}
    with app.test_request_context("/calibration"):
        first = _shown(rows)
        assert _shown(copy.deepcopy(rows)) == first
        assert len(drawn) == 1
        action = {"id": 9, "status": "open"}
        for variant in [
            {"rows": {**rows, "principles": [_row("principles", assigned=7)]}},
            {"rows": {**rows, "interviewers": [_row("interviewers", flagged=False)]}},
            {"sort": ("principles", "name", True)},
            {"user_ids": {}},
            {"actions": {"interviewers@example.com": [action]}},
            {"export_args": {"since": "2026-01-02"}},
        ]:
            count = len(drawn)
            arguments = {"rows": rows, **variant}
            shown = _shown(**arguments)
            assert len(drawn) == count + 1, variant
            assert shown != first and shown == draw(
                arguments["rows"],
                arguments.get("sort"),
                user_ids=variant.get("user_ids", {"interviewers@example.com": 3}),
                actions_by_subject=variant.get("actions", {}),
                export_args=variant.get("export_args", {"since": "2026-01-01"}),
            ), variant
    with app.test_request_context("/calibration", base_url="http://localhost/hiring"):
        mounted = _shown(rows)
        assert len(drawn) == 8
        assert 'href="/hiring/calibration/interviewers/3?' in mounted["interviewers"].body


# The trends table's rows as the page's template wrote them before they were written in Python.
TREND_ROWS_TEMPLATE = """{% for row in trends %}
<tr><td>{{ row.month }}</td><td class="text-end">{{ row.loops }}</td>
<td class="text-end">{{ fmt(row.krippendorff_alpha_ordinal, 'number2') }}</td>
{% for key in ['bar_raiser_rate', 'on_time_rate', 'submitted_before_debrief_rate',
               'principle_coverage_rate', 'veto_rate'] %}
<td class="text-end" title="95% CI {{ fmt(row[key ~ '_ci_low'], 'rate') }}\
–{{ fmt(row[key ~ '_ci_high'], 'rate') }}, n = {{ row[key ~ '_n'] }}">\
{{ fmt(row[key], 'rate') }}</td>
{% endfor %}
<td class="text-end">{{ fmt(row.leniency_adjusted_spread, 'number2') }}</td></tr>
{% endfor %}"""


def _month(month: str, **figures) -> dict:
    row = {"month": month, "loops": 12, "krippendorff_alpha_ordinal": 0.4567}
    for key in table_markup.TREND_RATES:
        row.update({key: 0.5, f"{key}_ci_low": 0.25, f"{key}_ci_high": 0.75, f"{key}_n": 12})
    row["leniency_adjusted_spread"] = 0.123
    return {**row, **figures}


TRENDS = [
    _month("2026-01"),
    _month("2026-02", loops=0, krippendorff_alpha_ordinal=None, leniency_adjusted_spread=None),
    _month("2026-03", veto_rate=None, veto_rate_ci_low=None, veto_rate_ci_high=None, veto_rate_n=0),
    _month("<b>&'\"</b>", on_time_rate=1.0, on_time_rate_ci_high=1.0),
]


def _between_tags(markup: str) -> str:
    return re.sub(r">\s+<", "><", markup.strip())


def test_the_trend_rows_are_what_the_template_wrote(app, monkeypatch):
    monkeypatch.setattr(table_markup, "_drawn_trends", table_markup.KeptMarkup(8))
    with app.test_request_context("/calibration"):
        template = app.jinja_env.from_string(TREND_ROWS_TEMPLATE)
        written = template.render(trends=TRENDS, fmt=format_value)
        rows = table_markup.trend_rows(TRENDS)
    assert _between_tags(str(rows)) == _between_tags(written)
    assert "<td>&lt;b&gt;&amp;&#39;&#34;&lt;/b&gt;</td>" in rows
    assert 'title="95% CI no data–no data, n = 0">no data</td>' in rows


def test_the_trend_rows_are_kept_by_the_figures(monkeypatch):
    monkeypatch.setattr(table_markup, "_drawn_trends", table_markup.KeptMarkup(8))
    drawn = []
    draw = table_markup._trend_row
    monkeypatch.setattr(table_markup, "_trend_row", lambda row: drawn.append(1) or draw(row))
    first = table_markup.trend_rows(TRENDS)
    assert table_markup.trend_rows(copy.deepcopy(TRENDS)) == first
    assert len(drawn) == len(TRENDS)
    changed = [*TRENDS[:-1], _month("2026-04", loops=13)]
    assert table_markup.trend_rows(changed) != first
    assert len(drawn) == 2 * len(TRENDS)
