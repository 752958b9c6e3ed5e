"""The requisition form: shape only; who may manage a requisition is checked by the service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..auth.forms import MultiCheckboxField, optional_id
from ..database import row_id
from ..principles.models import Principle
from .services import QUESTION_LIMIT, QUESTIONS_PER_PRINCIPLE, questions_field

# One box: every question at its longest, one a line.
QUESTIONS_TEXT_LIMIT = QUESTIONS_PER_PRINCIPLE * (QUESTION_LIMIT + 2)


class RequisitionForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=200)])
    level = IntegerField("Level", validators=[InputRequired(), NumberRange(min=1, max=12)])
    department = StringField("Department", validators=[InputRequired(), Length(max=120)])
    hiring_manager_id = SelectField("Hiring manager", coerce=optional_id, validate_choice=False)
    principle_ids = MultiCheckboxField("Principles every loop must cover", coerce=int)
    submit = SubmitField("Save requisition")


class RequisitionQuestionsForm(FlaskForm):
    """The role's own questions: one box per principle (added by `questions_form`)."""

    submit = SubmitField("Save questions")

    def boxes(self, principles: Sequence[Principle]) -> list[Any]:
        return [self[questions_field(principle.id)] for principle in principles]

    def questions(self, principles: Sequence[Principle]) -> dict[int, str]:
        return {
            principle.id: self[questions_field(principle.id)].data or "" for principle in principles
        }


def questions_form(principles: Sequence[Principle], **kwargs: Any) -> RequisitionQuestionsForm:
    """A questions form with a box for each of `principles`."""

    class Form(RequisitionQuestionsForm):
        pass

    for principle in principles:
        setattr(
            Form,
            questions_field(principle.id),
            TextAreaField(
                principle.name,
                validators=[
                    Optional(),
                    Length(
                        max=QUESTIONS_TEXT_LIMIT,
                        message=f"Keep {principle.name}'s questions under "
                        f"{QUESTIONS_TEXT_LIMIT:,} characters.",
                    ),
                ],
            ),
        )
    return Form(**kwargs)


class PlanSlotRow(Form):
    """One slot of the interview plan; a row with no principle is left out."""

    principle_ids = MultiCheckboxField("Principles to probe", coerce=row_id, validate_choice=False)
    duration_minutes = IntegerField(
        "Minutes",
        default=60,
        validators=[Optional(), NumberRange(min=1, max=480, message="1 to 480 minutes.")],
    )
    interviewer_id = SelectField(
        "Usual interviewer (optional)", coerce=optional_id, validate_choice=False
    )


class PlanForm(FlaskForm):
    slots = FieldList(FormField(PlanSlotRow), min_entries=1, max_entries=12)
    submit = SubmitField("Save the plan")
    add_row = SubmitField("Add a slot")

    def set_choices(
        self, *, people: list[tuple[int, str]], principles: list[tuple[int, str]]
    ) -> None:
        for row in self.slots:
            row.interviewer_id.choices = [("", "—"), *people]
            row.principle_ids.choices = principles
