"""The token pages' forms: shape only (the services check the rules)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, SubmitField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from .models import Scope
from .services import MAX_EXPIRY_DAYS


class TokenForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    expires_days = IntegerField(
        "Expires after (days)",
        validators=[Optional(), NumberRange(min=1, max=MAX_EXPIRY_DAYS)],
        default=90,
    )
    submit = SubmitField("Create token")


class ServiceTokenForm(TokenForm):
    scopes = SelectMultipleField(
        "Scopes",
        choices=[SelectChoice(scope.value, scope.value) for scope in Scope],
        validate_choice=True,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )


class RevokeForm(FlaskForm):
    submit = SubmitField("Revoke")
