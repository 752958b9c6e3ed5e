"""The principle form: shape only; uniqueness is checked by the service."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class PrincipleForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    description = TextAreaField("One-line description", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Save")


class ConfirmForm(FlaskForm):
    """An empty form: a POST button that carries the CSRF token."""

    submit = SubmitField("Confirm")
