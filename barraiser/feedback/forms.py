"""The feedback form (built per interview: one rating and evidence box per assigned principle) and
the addendum form. They check shape only; what a submission needs is checked by the services.

The feedback page writes its fields out from plain values (FormAnswers) rather than rendering the
form's widgets, which cost more than the rest of the page; posts are still read and validated by
FeedbackForm, and tests/feedback/test_written_form.py keeps the written-out fields equal to what
the widgets render."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from ..domain import RATING_LABELS, Vote
from .form_page import OwnFeedback
from .quality import TEXT_LIMIT, characters_in
from .services import FeedbackContent, RatingInput

BAR_QUESTION = (
    "Would this candidate raise the bar — better than half of the people in this role today?"
)

# The overall fields' labels and help, for the form and for the page that writes them out.
LABELS = {
    "vote": "Overall vote",
    "raises_bar": BAR_QUESTION,
    "summary": "Summary",
    "private_notes": "Your private notes",
}
HELP = {
    "summary": "Your overall reading of the candidate, grounded in the evidence above.",
    "private_notes": "Only you ever see these: not the panel, not the debrief, not an admin. "
    "They are saved with your draft and erased with the candidate.",
}


class NamedPrinciple(Protocol):
    """A principle as the form names its fields and labels: a Principle, or a row of one."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


def within_limit(form: Any, field: Field) -> None:
    """At most TEXT_LIMIT characters, refused with the count. Unlike Length, it gives the page no
    `maxlength`, with which a browser silently cuts a long paste."""
    length = characters_in(field.data)
    if length > TEXT_LIMIT:
        raise ValidationError(
            f"This text is {length:,} characters long; the limit is {TEXT_LIMIT:,}. "
            "Shorten it: nothing was saved."
        )


RATING_CHOICES = [
    SelectChoice(score, RATING_LABELS[score]) for score in sorted(RATING_LABELS, reverse=True)
]
VOTE_CHOICES = [SelectChoice(vote.value, vote.label) for vote in Vote]
BAR_CHOICES = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]

# The same choices as the page writes them out: (value, label) in order.
RATING_OPTIONS = tuple((str(choice.value), choice.label) for choice in RATING_CHOICES)
VOTE_OPTIONS = tuple((str(choice.value), choice.label) for choice in VOTE_CHOICES)
BAR_OPTIONS = tuple((str(choice.value), choice.label) for choice in BAR_CHOICES)


class OptionalRadioField(RadioField):
    """A radio group that may be left unanswered (a draft); an answer must still be a choice."""

    def pre_validate(self, form: Any) -> None:
        if self.data is None and not self.raw_data:
            return
        super().pre_validate(form)


class FeedbackForm(FlaskForm):
    # The feedback's version when the page was opened: a save from another window is not
    # overwritten unseen. 0 when no draft exists yet.
    version = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0)], default=0
    )
    vote = OptionalRadioField(LABELS["vote"], choices=VOTE_CHOICES, validators=[Optional()])
    raises_bar = OptionalRadioField(
        LABELS["raises_bar"], choices=BAR_CHOICES, validators=[Optional()]
    )
    summary = TextAreaField(
        LABELS["summary"],
        validators=[Optional(), within_limit],
        description=HELP["summary"],
    )
    private_notes = TextAreaField(
        LABELS["private_notes"],
        validators=[Optional(), within_limit],
        description=HELP["private_notes"],
    )
    save_draft = SubmitField("Save draft")
    submit = SubmitField("Submit and lock")

    principles: Sequence[NamedPrinciple] = ()

    def rating_field(self, principle: NamedPrinciple) -> Field:
        return self[f"rating_{principle.id}"]

    def evidence_field(self, principle: NamedPrinciple) -> Field:
        return self[f"evidence_{principle.id}"]

    @property
    def csrf_failed(self) -> bool:
        return "csrf_token" in self.errors

    def content(self) -> FeedbackContent:
        return FeedbackContent(
            ratings={
                principle.id: RatingInput(
                    rating=self.rating_field(principle).data,
                    evidence=(self.evidence_field(principle).data or "").strip(),
                )
                for principle in self.principles
            },
            vote=Vote(self.vote.data) if self.vote.data else None,
            raises_bar={"yes": True, "no": False}.get(self.raises_bar.data or ""),
            summary=(self.summary.data or "").strip(),
            private_notes=(self.private_notes.data or "").strip(),
        )

    def evidence_texts(self) -> dict[int, tuple[str, str]]:
        """(principle name, evidence) by principle id, as quality hints want them."""
        return {
            principle.id: (principle.name, self.evidence_field(principle).data or "")
            for principle in self.principles
        }


# The Bar Raiser question's answer as the form's radio value; unanswered (None) has none.
RAISES_BAR_CHOICE: dict[bool | None, str] = {True: "yes", False: "no"}


def draft_data(own: OwnFeedback | None) -> dict[str, Any]:
    """The form's initial values from a saved draft (or nothing yet)."""
    if own is None:
        return {"version": 0}
    data: dict[str, Any] = {
        "version": own.version,
        "vote": own.vote.value if own.vote else None,
        "raises_bar": RAISES_BAR_CHOICE.get(own.raises_bar),
        "summary": own.summary,
        "private_notes": own.private_notes,
    }
    for principle_id, (rating, evidence) in own.ratings.items():
        data[f"rating_{principle_id}"] = rating
        data[f"evidence_{principle_id}"] = evidence
    return data


@dataclass(frozen=True)
class FormAnswers:
    """What the feedback page's fields show, as plain values: `values` holds each field's value
    as the page writes it (a box's text, the chosen radio's value, the version; a radio group
    without an answer has none), `field_errors` each field's error messages, and `errors` the
    form's errors by field, as FlaskForm.errors has them (the alert above the form counts them).
    """

    values: Mapping[str, str]
    field_errors: Mapping[str, Sequence[str]]
    errors: Mapping[str | None, Sequence[Any]]

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    @classmethod
    def of_draft(cls, own: OwnFeedback | None) -> FormAnswers:
        """A draft's answers (or an empty form's), as the form shows draft_data."""
        values = {name: str(value) for name, value in draft_data(own).items() if value is not None}
        return cls(values=values, field_errors={}, errors={})

    @classmethod
    def of_form(cls, form: FeedbackForm) -> FormAnswers:
        """A posted form's answers and errors, as its widgets would show them: a box shows what
        was sent, a radio group the choice its data matches (none for a value not among them)."""
        values: dict[str, str] = {}
        for field in form:
            if isinstance(field, RadioField):
                chosen = [str(choice.value) for choice in field.iter_choices() if choice.selected]
                if chosen:
                    values[field.name] = chosen[0]
            elif isinstance(field, TextAreaField) or field is form.version:
                values[field.name] = field._value()
        field_errors = {field.name: field.errors for field in form if field.errors}
        return cls(values=values, field_errors=field_errors, errors=form.errors)


def feedback_form(
    principles: Sequence[NamedPrinciple], *, data: dict[str, Any] | None = None
) -> FeedbackForm:
    """A form with a rating and an evidence box for each of `principles`. On a POST it reads the
    request; otherwise it shows `data`."""
    fields: dict[str, Field] = {}
    for principle in principles:
        fields[f"rating_{principle.id}"] = OptionalRadioField(
            f"Rating for {principle.name}",
            choices=RATING_CHOICES,
            coerce=int,
            validators=[Optional()],
        )
        fields[f"evidence_{principle.id}"] = TextAreaField(
            f"Evidence for {principle.name}",
            validators=[Optional(), within_limit],
        )
    form_class = type("InterviewFeedbackForm", (FeedbackForm,), fields)
    form = form_class(data=data or {})
    form.principles = principles
    return form


class AddendumForm(FlaskForm):
    body = TextAreaField(
        "Addendum",
        validators=[InputRequired(message="Write the addendum first."), within_limit],
        description="Appended below your submitted feedback with today's date; the original "
        "stays as it was.",
    )
    submit = SubmitField("Add addendum")
