"""The mechanism settings form; ranges are checked again by the service."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange


class SettingsForm(FlaskForm):
    feedback_deadline_hours = IntegerField(
        "Feedback deadline (hours after the interview ends)",
        validators=[InputRequired(), NumberRange(min=1, max=336)],
    )
    min_evidence_words = IntegerField(
        "Minimum words of evidence per principle",
        validators=[InputRequired(), NumberRange(min=0, max=500)],
    )
    allow_principle_overlap = BooleanField("Allow one principle on two interviews of a loop")
    submit = SubmitField("Save settings")
