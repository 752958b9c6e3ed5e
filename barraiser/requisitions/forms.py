"""The requisition form: shape only; who may manage a requisition is checked by the service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange

from ..auth.forms import MultiCheckboxField, optional_id


class RequisitionForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=200)])
    level = IntegerField("Level", validators=[InputRequired(), NumberRange(min=1, max=12)])
    department = StringField("Department", validators=[InputRequired(), Length(max=120)])
    hiring_manager_id = SelectField("Hiring manager", coerce=optional_id, validate_choice=False)
    principle_ids = MultiCheckboxField("Principles every loop must cover", coerce=int)
    submit = SubmitField("Save requisition")
