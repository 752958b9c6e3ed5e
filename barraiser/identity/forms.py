"""The admin's forms for claim rules and SCIM tokens: shape only; the rules live in services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..auth.forms import ROLE_CHOICES, MultiCheckboxField


class ClaimRuleForm(FlaskForm):
    value = StringField(
        "Group",
        validators=[InputRequired(), Length(max=255)],
        description="A value of the groups claim, exactly as the provider sends it.",
    )
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES, validate_choice=True)
    department = StringField(
        "Department", validators=[Optional(), Length(max=120)], description="Empty: unchanged."
    )
    level = IntegerField(
        "Level",
        validators=[Optional(), NumberRange(min=1, max=12)],
        description="Empty: unchanged.",
    )
    submit = SubmitField("Add rule")


class ScimTokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[InputRequired(), Length(max=120)],
        description="The client that will use it, e.g. “Entra ID provisioning”.",
    )
    submit = SubmitField("Create token")


class ConfirmForm(FlaskForm):
    """A bare POST with its CSRF token: remove a rule, revoke a token."""
