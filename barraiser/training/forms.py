"""The mentor-note form: shape only (body within the limit, a loop id); rules are the service's."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from .models import NOTE_LIMIT


def _loop_id(value: object) -> int | None:
    """'' is "no loop"; anything else must be a loop id (a non-number fails the form, 400)."""
    if value in ("", None):
        return None
    return int(value)  # type: ignore[call-overload]


class MentorNoteForm(FlaskForm):
    body = TextAreaField(
        "Note",
        validators=[
            InputRequired(message="Write the note first."),
            Length(max=NOTE_LIMIT, message=f"A note holds at most {NOTE_LIMIT} characters."),
        ],
        description="Appended with your name and today's date; notes are never edited — "
        "write a new one to correct an old one.",
    )
    # Choices list the trainee's shadowed loops, but whether a loop was shadowed is the service's
    # rule (422 with its message), so the field does not refuse other ids itself.
    loop = SelectField("About loop (optional)", coerce=_loop_id, validate_choice=False)
    submit = SubmitField("Add note")


class CertifyForm(FlaskForm):
    """Certify a trainee from the pipeline: the thresholds are the service's to check."""

    submit = SubmitField("Certify")
