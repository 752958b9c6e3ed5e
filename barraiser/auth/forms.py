"""Login and user-admin forms: they check shape only; the rules live in auth.services."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length, NumberRange, Optional

from ..database import row_id
from .models import BarRaiserStatus, Role


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=1024)])
    submit = SubmitField("Log in")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]
STATUS_CHOICES = [SelectChoice(status.value, status.label) for status in BarRaiserStatus]


class UserForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    department = StringField("Department", validators=[Optional(), Length(max=120)])
    level = IntegerField(
        "Level", validators=[InputRequired(), NumberRange(min=1, max=12)], default=4
    )
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES, validate_choice=True)
    bar_raiser_status = SelectField("Bar Raiser status", choices=STATUS_CHOICES)
    active = BooleanField("Active (may log in)", default=True)
    submit = SubmitField("Save")


class NewUserForm(UserForm):
    email = EmailField(
        "Email", validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    invite = BooleanField(
        "Email them a link to set their own password",
        default=True,
        description="The link works once, for 72 hours unless configured otherwise; the user list "
        "can send another.",
    )
    password = PasswordField(
        "Or type an initial password",
        validators=[Optional(), Length(max=1024)],
        description="Leave both empty to create the account without a login yet.",
    )
    submit = SubmitField("Create user")


POLICY_HINT = (
    "At least 12 characters; no rules about digits or symbols. A few unrelated words make a good "
    "one. Common passwords and your own name or email are refused."
)


def _new_password(label: str) -> PasswordField:
    # Length here is only the shape: the policy (auth.passwords) says what is too short.
    return PasswordField(
        label, validators=[InputRequired(), Length(max=1024)], description=POLICY_HINT
    )


def _repeat(of: str) -> PasswordField:
    return PasswordField(
        "New password again",
        validators=[InputRequired(), Length(max=1024), EqualTo(of, "The two passwords differ.")],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired(), Length(max=1024)]
    )
    new_password = _new_password("New password")
    confirm = _repeat("new_password")
    submit = SubmitField("Change password")


class SetPasswordForm(FlaskForm):
    password = _new_password("New password")
    confirm = _repeat("password")
    submit = SubmitField("Set password")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])
    submit = SubmitField("Email me a link")


def optional_id(value: Any) -> int | None:
    """An id from a select, or None for its empty option. Anything else is refused (ValueError)."""
    if value in (None, "", "None"):
        return None
    return row_id(value)
