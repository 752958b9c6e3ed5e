"""The feedback form (built per interview: one rating and evidence box per assigned principle) and
the addendum form. They check shape only; what a submission needs is checked by the services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from ..domain import RATING_LABELS, Vote
from ..principles.models import Principle
from .models import Feedback
from .quality import TEXT_LIMIT, characters_in
from .services import FeedbackContent, RatingInput

BAR_QUESTION = (
    "Would this candidate raise the bar — better than half of the people in this role today?"
)


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
    vote = OptionalRadioField("Overall vote", choices=VOTE_CHOICES, validators=[Optional()])
    raises_bar = OptionalRadioField(BAR_QUESTION, choices=BAR_CHOICES, validators=[Optional()])
    summary = TextAreaField(
        "Summary",
        validators=[Optional(), within_limit],
        description="Your overall reading of the candidate, grounded in the evidence above.",
    )
    private_notes = TextAreaField(
        "Your private notes",
        validators=[Optional(), within_limit],
        description="Only you ever see these: not the panel, not the debrief, not an admin. "
        "They are saved with your draft and erased with the candidate.",
    )
    save_draft = SubmitField("Save draft")
    submit = SubmitField("Submit and lock")

    principles: Sequence[Principle] = ()

    def rating_field(self, principle: Principle) -> Field:
        return self[f"rating_{principle.id}"]

    def evidence_field(self, principle: Principle) -> Field:
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


def draft_data(feedback: Feedback | None) -> dict[str, Any]:
    """The form's initial values from a saved draft (or nothing yet)."""
    if feedback is None:
        return {"version": 0}
    data: dict[str, Any] = {
        "version": feedback.version,
        "vote": feedback.vote.value if feedback.vote else None,
        "raises_bar": None
        if feedback.raises_bar is None
        else ("yes" if feedback.raises_bar else "no"),
        "summary": feedback.summary,
        "private_notes": feedback.private_notes,
    }
    for row in feedback.ratings:
        data[f"rating_{row.principle_id}"] = row.rating
        data[f"evidence_{row.principle_id}"] = row.evidence
    return data


def feedback_form(
    principles: Sequence[Principle], *, data: dict[str, Any] | None = None
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
