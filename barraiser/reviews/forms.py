"""The reviews' forms: the committee, the record, an anecdote, a decision (an action item)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..auth.forms import MultiCheckboxField
from .services import ANECDOTE_MAX, NOTES_MAX


def _optional_id(value: object) -> int | None:
    """A select's value as an id; the empty choice ("none") as None."""
    if value in (None, "", "None"):
        return None
    return int(str(value))


class CommitteeForm(FlaskForm):
    members = MultiCheckboxField(
        "Members",
        coerce=int,
        validate_choice=True,
        description="None ticked: every inspector sits on the committee.",
    )
    chair = SelectField("Chair", coerce=_optional_id, validate_choice=True)
    submit = SubmitField("Save the committee")


class RecordForm(FlaskForm):
    attendees = MultiCheckboxField("Attendees", coerce=int, validate_choice=True)
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=NOTES_MAX)])
    submit = SubmitField("Save the record")


class AnecdoteForm(FlaskForm):
    text = TextAreaField("Anecdote", validators=[InputRequired(), Length(max=ANECDOTE_MAX)])
    loop = SelectField("About a decided loop", coerce=_optional_id, validate_choice=True)
    interviewer = SelectField("About an interviewer", coerce=_optional_id, validate_choice=True)
    principle = SelectField("About a principle", coerce=_optional_id, validate_choice=True)
    submit = SubmitField("Attach the anecdote")


class DecisionForm(FlaskForm):
    """A decision of the review, an action item in the same step."""

    subject = StringField("Interviewer (email)", validators=[InputRequired(), Length(max=254)])
    reason = TextAreaField("Decision", validators=[InputRequired(), Length(max=2000)])
    owner = SelectField("Owner", coerce=int, validate_choice=True)
    due_on = DateField("Due on", validators=[InputRequired()])
    submit = SubmitField("Decide: make it an action")
