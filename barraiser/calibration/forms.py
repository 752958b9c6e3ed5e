"""The report's filters (a GET form, shared by the page, the JSON, the CSV and the CLI) and the
action item forms. They check shape only; the rules live in calibration.actions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    Form,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..database import read_rows
from ..loops.models import Loop
from ..requisitions.models import Requisition
from .actions import progress_statuses
from .cache import cached_small
from .models import ActionItem, ActionStatus
from .queries import ReportFilters
from .tables import SORT_DIRECTIONS, parse_sort

DEFAULT_DAYS = 90
"""Without dates, the report covers the last 90 days, today included."""
EARLIEST = date(1970, 1, 1)
LATEST = date(2999, 12, 31)
ALL_DEPARTMENTS = SelectChoice("", "All departments")
ALL_REQUISITIONS = SelectChoice("", "All requisitions")


def _within_calendar(form: Form, field: DateField) -> None:
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(f"Pick a date between {EARLIEST} and {LATEST}.")


class ReportFilterForm(Form):
    """GET parameters, so a plain wtforms Form: no CSRF token on a read-only query."""

    since = DateField(
        "From", validators=[Optional(), _within_calendar], description="First interview on or after"
    )
    until = DateField(
        "To", validators=[Optional(), _within_calendar], description="… and on or before (UTC)"
    )
    department = SelectField("Department", choices=[ALL_DEPARTMENTS], default="")
    requisition = SelectField("Requisition", choices=[ALL_REQUISITIONS], default="")
    sort = StringField("Sort", validators=[Optional(), Length(max=80)])
    dir = SelectField(
        "Order",
        choices=[SelectChoice("", ""), *(SelectChoice(d, d) for d in SORT_DIRECTIONS)],
        default="",
    )

    def validate_sort(self, field: StringField) -> None:
        try:
            parse_sort(field.data, self.dir.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate_until(self, field: DateField) -> None:
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date.")


@dataclass(frozen=True)
class ParsedFilters:
    """The form as typed (to show it again, errors included) and the filters it gave, if valid."""

    form: ReportFilterForm
    filters: ReportFilters | None

    @property
    def problems(self) -> list[tuple[str, str]]:
        """(field name, message) for every problem: `since`, `until`, `department`..."""
        return [
            (name, message) for name, messages in self.form.errors.items() for message in messages
        ]

    @property
    def error(self) -> str:
        """Every problem in one sentence each, for a 400 page or a JSON error."""
        return " ".join(
            f"{self.form[name].label.text}: {message}" for name, message in self.problems
        )


# Built once (building a select costs as much as running it); the period is given per call,
# and written into the text, as the report's statements have it (`queries.loop_ids`).
_DEPARTMENTS = sa.select(Requisition.department).distinct().order_by(Requisition.department)
_START, _END = (
    sa.bindparam(name, type_=Loop.first_interview_at.type, literal_execute=True)
    for name in ("start", "end")
)
# Asked per requisition (a probe of ix_loop_requisition_first_interview_at each), not as the
# requisitions of the period's loops: that read every loop of a long period.
_IN_PERIOD = (
    sa.select(Loop.id)
    .where(
        Loop.requisition_id == Requisition.id,
        Loop.first_interview_at >= _START,
        Loop.first_interview_at < _END,
    )
    .exists()
)
_REQUISITIONS = sa.select(Requisition.id, Requisition.title, Requisition.department).order_by(
    Requisition.title, Requisition.id
)
_REQUISITIONS_IN_PERIOD = _REQUISITIONS.where(_IN_PERIOD)
_REQUISITIONS_IN_PERIOD_OR_CHOSEN = _REQUISITIONS.where(
    sa.or_(_IN_PERIOD, Requisition.id == sa.bindparam("chosen", type_=sa.Integer))
)


def departments() -> list[str]:
    """Departments that have requisitions, for the filter's choices."""
    return [department for (department,) in read_rows(_DEPARTMENTS)]


def requisitions(period: tuple[datetime, datetime], chosen: str) -> list[tuple[int, str, str]]:
    """(id, title, department) of the requisitions with a loop in `period` (those a filter can
    show anything of), and the one `chosen`, if it exists: the list grows with the period shown,
    not with every requisition the history ever held."""
    start, end = period
    if chosen.isdigit() and len(chosen) < 12:
        rows = read_rows(
            _REQUISITIONS_IN_PERIOD_OR_CHOSEN, {"start": start, "end": end, "chosen": int(chosen)}
        )
    else:
        rows = read_rows(_REQUISITIONS_IN_PERIOD, {"start": start, "end": end})
    return [(id_, title, department) for id_, title, department in rows]


def _period_asked(form: ReportFilterForm, today: date) -> tuple[date, date]:
    """The period the form asks for, with the defaults filled in (`since`, `until`); a date
    outside the calendar (refused by validation) counts as not given."""

    def within(value: date | None) -> date | None:
        return value if value is not None and EARLIEST <= value <= LATEST else None

    given_since, given_until = within(form.since.data), within(form.until.data)
    until = given_until or max(today, given_since or today)
    since = given_since or until - timedelta(days=DEFAULT_DAYS - 1)
    return since, until


def filter_choices(period: tuple[datetime, datetime], chosen: str) -> dict[str, Any]:
    """`departments()` and `requisitions(period, chosen)`, kept while the report's data is
    unchanged (`cache`): every requisition and loop written is a change to it."""
    return cached_small(
        ("filter choices", period, chosen),
        lambda: {"departments": departments(), "requisitions": requisitions(period, chosen)},
    )


def parse_filters(args: Mapping[str, str] | MultiDict, *, today: date) -> ParsedFilters:
    """Check the query string against the data (known departments and requisitions: those with
    loops in the period, and the one asked for).

    Missing dates default to the DEFAULT_DAYS ending `until` (itself today by default).
    """
    form = ReportFilterForm(formdata=args if isinstance(args, MultiDict) else MultiDict(args))
    since, until = _period_asked(form, today)
    # Dates in the wrong order fail validation below; the choices are then those of the
    # default period, only to show the form again.
    asked = (
        ReportFilters(since=since, until=until)
        if since <= until
        else ReportFilters(since=today - timedelta(days=DEFAULT_DAYS - 1), until=today)
    )
    choices = filter_choices(asked.period, form.requisition.data or "")
    form.department.choices = [
        ALL_DEPARTMENTS,
        *(SelectChoice(d, d) for d in choices["departments"]),
    ]
    form.requisition.choices = [
        ALL_REQUISITIONS,
        *(
            SelectChoice(str(id_), f"{title} · {department} (#{id_})")
            for id_, title, department in choices["requisitions"]
        ),
    ]
    if not form.validate():
        return ParsedFilters(form, None)
    form.since.data, form.until.data = since, until
    filters = ReportFilters(
        since=since,
        until=until,
        department=form.department.data or None,
        requisition_id=int(form.requisition.data) if form.requisition.data else None,
    )
    return ParsedFilters(form, filters)


# -- action items -------------------------------------------------------------------------------


class ActionForm(FlaskForm):
    """Turn a flag into an action: who it is about, why, who owns it and by when."""

    subject = StringField("Interviewer (email)", validators=[InputRequired(), Length(max=254)])
    reason = TextAreaField(
        "Reason",
        validators=[InputRequired(), Length(max=2000)],
        description="Prefilled from the flag; say what the report showed.",
    )
    owner = SelectField("Owner", coerce=int, validate_choice=True)
    due_on = DateField("Due on", validators=[InputRequired()])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Create action")


class ActionUpdateForm(FlaskForm):
    status = SelectField(
        "Status", choices=[SelectChoice(status.value, status.label) for status in ActionStatus]
    )
    owner = SelectField("Owner", coerce=int, validate_choice=True)
    due_on = DateField("Due on", validators=[InputRequired()])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    version = HiddenField(validators=[InputRequired()])
    submit = SubmitField("Save")

    def validate_version(self, field: HiddenField) -> None:
        if not (field.data or "").isdigit():
            raise ValidationError("The form is damaged; reload the page.")


class ActionProgressForm(FlaskForm):
    """The owner's form: move the item along (or close it) and keep notes."""

    status = SelectField("Status")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    version = HiddenField(validators=[InputRequired()])
    submit = SubmitField("Save")

    def validate_version(self, field: HiddenField) -> None:
        if not (field.data or "").isdigit():
            raise ValidationError("The form is damaged; reload the page.")


def progress_form(action: ActionItem) -> ActionProgressForm:
    """The owner's form for `action` as it stands: its status and the moves open to it."""
    form = ActionProgressForm(formdata=None, obj=action)
    form.status.choices = [SelectChoice(s.value, s.label) for s in progress_statuses(action.status)]
    form.status.data = action.status.value
    form.version.data = str(action.version)
    return form
