"""Loop forms. They check shape (required, length, choice); the rules
of a valid loop live in loops.rules and are checked by the services."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from ..auth.forms import MultiCheckboxField, optional_id
from ..database import row_id
from ..settings.viewer import from_viewer, to_viewer
from .rules import DEFAULT_DURATION_MINUTES, MAX_DURATION_MINUTES, InterviewPlan, PanelPlan

Choices = list[tuple[Any, str]]
MAX_ROWS = 12
DEFAULT_ROWS = 5


class InterviewRow(Form):
    """One row of the panel editor; an empty row (no interviewer, no time) is ignored."""

    interviewer_id = SelectField("Interviewer", coerce=optional_id, validate_choice=False)
    starts_at = DateTimeLocalField(
        "Starts",
        validators=[Optional()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    duration_minutes = IntegerField(
        "Minutes",
        default=DEFAULT_DURATION_MINUTES,
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_DURATION_MINUTES,
                message=f"An interview lasts 1 to {MAX_DURATION_MINUTES} minutes.",
            ),
        ],
    )
    # Checkboxes: every principle in sight, the chosen ones ticked, no Ctrl-click.
    principle_ids = MultiCheckboxField("Principles to probe", coerce=row_id, validate_choice=False)

    def is_blank(self) -> bool:
        return not (self.interviewer_id.data or self.starts_at.data or self.principle_ids.data)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.is_blank():
            return valid
        if self.interviewer_id.data is None and not self.interviewer_id.errors:
            self.interviewer_id.errors.append("Pick the interviewer, or clear this row.")
            valid = False
        if self.starts_at.data is None and not self.starts_at.errors:
            self.starts_at.errors.append("Give the start time.")
            valid = False
        return valid


class PanelForm(FlaskForm):
    """The panel of an existing loop; NewLoopForm adds the candidate and the requisition."""

    hiring_manager_id = SelectField("Hiring manager", coerce=optional_id, validate_choice=False)
    bar_raiser_id = SelectField("Bar Raiser", coerce=optional_id, validate_choice=False)
    shadow_id = SelectField(
        "Shadow",
        coerce=optional_id,
        validate_choice=False,
        description="Optional: a Bar Raiser in training sits in on the Bar Raiser's interview; "
        "their feedback has no vote. When a trainee leads the loop, pick a certified Bar Raiser "
        "here: they shadow the trainee and hold the veto.",
    )
    interviews = FieldList(FormField(InterviewRow), min_entries=1, max_entries=MAX_ROWS)
    version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])
    submit = SubmitField("Save loop")
    add_row = SubmitField("Add another interview")
    suggest = SubmitField("Suggest principles and Bar Raiser")

    def set_choices(
        self,
        *,
        people: Choices,
        bar_raisers: Choices,
        trainees: Choices,
        managers: Choices,
        principles: Choices,
    ) -> None:
        self.hiring_manager_id.choices = [("", "The requisition's hiring manager"), *managers]
        self.bar_raiser_id.choices = [("", "Pick the Bar Raiser"), *bar_raisers]
        self.shadow_id.choices = [("", "No shadow"), *trainees]
        for row in self.interviews:
            row.interviewer_id.choices = [("", "—"), *people]
            row.principle_ids.choices = principles

    def ensure_rows(self, count: int) -> None:
        while len(self.interviews) < min(count, MAX_ROWS):
            self.interviews.append_entry()

    def filled_rows(self) -> list[int]:
        """Indices of the rows that hold an interview."""
        return [index for index, row in enumerate(self.interviews) if not row.is_blank()]

    def panel_plan(self) -> tuple[PanelPlan, list[int]]:
        """The plan for the service, and for each planned interview the form row it came from."""
        rows = self.filled_rows()
        interviews = tuple(
            InterviewPlan(
                interviewer_id=self.interviews[index].interviewer_id.data,
                starts_at=from_viewer(self.interviews[index].starts_at.data),  # type: ignore[arg-type]
                duration_minutes=self.interviews[index].duration_minutes.data
                or DEFAULT_DURATION_MINUTES,
                principle_ids=tuple(self.interviews[index].principle_ids.data or ()),
            )
            for index in rows
        )
        plan = PanelPlan(
            bar_raiser_id=self.bar_raiser_id.data,
            hiring_manager_id=self.hiring_manager_id.data,
            shadow_id=self.shadow_id.data,
            interviews=interviews,
        )
        return plan, rows

    def fill_from(self, plan: PanelPlan, *, version: int | None = None) -> None:
        """Load a plan into an unsubmitted form (editing an existing loop)."""
        self.hiring_manager_id.data = plan.hiring_manager_id
        self.bar_raiser_id.data = plan.bar_raiser_id
        self.shadow_id.data = plan.shadow_id
        self.version.data = "" if version is None else str(version)
        while len(self.interviews):
            self.interviews.pop_entry()
        for interview in plan.interviews:
            self.interviews.append_entry(
                {
                    "interviewer_id": interview.interviewer_id,
                    "starts_at": to_viewer(interview.starts_at),
                    "duration_minutes": interview.duration_minutes,
                    "principle_ids": list(interview.principle_ids),
                }
            )

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class NewLoopForm(PanelForm):
    candidate_id = SelectField("Candidate", coerce=optional_id, validate_choice=False)
    # The candidate picker's search (server-side: the select then lists the matches).
    candidate_query = StringField(
        "Search by name or email", validators=[Optional(), Length(max=200)]
    )
    find_candidate = SubmitField("Search")
    requisition_id = SelectField("Requisition", coerce=optional_id, validate_choice=False)
    submit = SubmitField("Create loop")


class VersionForm(FlaskForm):
    """A POST button on the loop page, carrying the version the page showed."""

    version = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,9}$")])

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class ScheduleForm(VersionForm):
    """Schedule the loop; interviews already in the past must be confirmed first."""

    confirm_past = BooleanField("Yes, the interviews in the past took place as planned")


class CancelForm(VersionForm):
    reason = TextAreaField(
        "Why is the loop cancelled?", validators=[InputRequired(), Length(max=2000)]
    )
    submit = SubmitField("Cancel the loop")
