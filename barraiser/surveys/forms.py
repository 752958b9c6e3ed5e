"""The survey as the candidate answers it: three statements on a 1-5 scale, and a comment."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from .models import SCALE, STATEMENTS, Question
from .services import COMMENT_MAX


def _scale(question: Question) -> RadioField:
    return RadioField(
        STATEMENTS[question],
        choices=[SelectChoice(str(value), label) for value, label in SCALE.items()],
        validators=[Optional()],
        validate_choice=True,
    )


class SurveyForm(FlaskForm):
    fair = _scale(Question.FAIR)
    prepared = _scale(Question.PREPARED)
    time_respected = _scale(Question.TIME_RESPECTED)
    comment = TextAreaField(
        "Anything else you would like to tell us? (optional)",
        validators=[Optional(), Length(max=COMMENT_MAX)],
    )
    submit = SubmitField("Send my answers")

    def answers(self) -> dict[Question, int | None]:
        return {
            question: int(self[question.value].data) if self[question.value].data else None
            for question in Question
        }
