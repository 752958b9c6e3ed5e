"""The webhook endpoints page's forms: shape only (webhooks.create_endpoint checks the URL)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, SubmitField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from .webhooks import MAX_URL_LENGTH, WEBHOOK_EVENTS


class EndpointForm(FlaskForm):
    url = StringField(
        "URL",
        validators=[InputRequired(), Length(max=MAX_URL_LENGTH)],
        description="http:// or https://; redirects are not followed.",
    )
    description = StringField("Description", validators=[Optional(), Length(max=200)])
    events = SelectMultipleField(
        "Events",
        choices=[SelectChoice(name, f"{name} — {what}") for name, what in WEBHOOK_EVENTS.items()],
        validators=[InputRequired(message="Choose at least one event.")],
        validate_choice=True,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    submit = SubmitField("Add endpoint")


class EndpointActionForm(FlaskForm):
    submit = SubmitField()
