"""The mechanism settings form; ranges are checked again by the service."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, IntegerField, SubmitField
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
    flag_min_n = IntegerField(
        "Flags: minimum loops before an interviewer can be flagged",
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
    )
    flag_leniency_threshold = FloatField(
        "Flags: leniency threshold (vote points)",
        validators=[InputRequired(), NumberRange(min=0.05, max=3.0)],
    )
    flag_agreement_floor = FloatField(
        "Flags: agreement floor (share, 0-1)",
        validators=[InputRequired(), NumberRange(min=0.0, max=1.0)],
    )
    flag_agreement_z = FloatField(
        "Flags: agreement outlier (standard deviations)",
        validators=[InputRequired(), NumberRange(min=0.5, max=5.0)],
    )
    submit = SubmitField("Save settings")
