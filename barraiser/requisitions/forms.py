"""The requisition form: shape only; who may manage a requisition is checked by the service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..auth.forms import MultiCheckboxField, optional_id
from ..database import row_id


class RequisitionForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=200)])
    level = IntegerField("Level", validators=[InputRequired(), NumberRange(min=1, max=12)])
    department = StringField("Department", validators=[InputRequired(), Length(max=120)])
    hiring_manager_id = SelectField("Hiring manager", coerce=optional_id, validate_choice=False)
    principle_ids = MultiCheckboxField("Principles every loop must cover", coerce=int)
    submit = SubmitField("Save requisition")


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
