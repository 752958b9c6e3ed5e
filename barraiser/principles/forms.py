"""The principle form: shape only; uniqueness is checked by the service."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

KIT_LIMIT = 5000


class PrincipleForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    description = TextAreaField("One-line description", validators=[Optional(), Length(max=500)])
    kit_questions = TextAreaField(
        "Interview questions",
        validators=[Optional(), Length(max=KIT_LIMIT)],
        description="One question a line. Ask for one real past situation each.",
    )
    kit_strong = TextAreaField(
        "What strong evidence sounds like",
        validators=[Optional(), Length(max=KIT_LIMIT)],
    )
    kit_weak = TextAreaField(
        "What weak evidence sounds like",
        validators=[Optional(), Length(max=KIT_LIMIT)],
    )
    submit = SubmitField("Save")


class ConfirmForm(FlaskForm):
    """An empty form: a POST button that carries the CSRF token."""

    submit = SubmitField("Confirm")
