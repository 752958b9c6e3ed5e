"""The debrief's forms. They check shape only; who may act, and when, is decided by the services.

Several forms share the page, so each has a prefix: their fields never collide in ids or names.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..domain import Outcome, Vote
from .services import MAX_TEXT

VOTE_CHOICES = [
    SelectChoice(vote.value, vote.label) for vote in sorted(Vote, key=lambda v: -v.score)
]
DECISION_CHOICES = [
    SelectChoice(Outcome.HIRE.value, "Hire"),
    SelectChoice(Outcome.NO_HIRE.value, "No hire"),
]
RATING_CHOICES = [
    SelectChoice(5, "5 — Exceptional"),
    SelectChoice(4, "4 — Exceeds expectations"),
    SelectChoice(3, "3 — Meets expectations"),
    SelectChoice(2, "2 — Partly meets expectations"),
    SelectChoice(1, "1 — Does not meet expectations"),
]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class OpenDebriefForm(FlaskForm):
    reason = TextAreaField(
        "Reason to open before all feedback is in",
        validators=[Optional(), Length(max=MAX_TEXT)],
        description="Needed only while feedback is missing; it is recorded and shown to all.",
    )
    submit = SubmitField("Open the debrief")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="open", **kwargs)


class FinalVoteForm(FlaskForm):
    vote = RadioField(
        "Your final vote",
        choices=VOTE_CHOICES,
        validators=[InputRequired(message="Choose your final vote.")],
    )
    submit = SubmitField("Cast final vote")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="final", **kwargs)


class ProposalForm(FlaskForm):
    decision = RadioField(
        "Your proposal",
        choices=DECISION_CHOICES,
        validators=[InputRequired(message="Choose hire or no hire.")],
    )
    rationale = TextAreaField(
        "Rationale",
        validators=[
            InputRequired(message="Write the rationale for your proposal."),
            Length(max=MAX_TEXT),
        ],
    )
    early_reason = TextAreaField(
        "Why propose before every final vote is in",
        validators=[Optional(), Length(max=MAX_TEXT)],
        description="Needed only while final votes are missing; it is recorded and shown to all.",
    )
    submit = SubmitField("Propose")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="proposal", **kwargs)


def confirmation(outcome: str) -> str:
    """What a concurrence or veto does, restated where the Bar Raiser confirms it."""
    return f"I understand: this loop will be decided {outcome}. The decision is final."


class ConcurForm(FlaskForm):
    rationale = TextAreaField("Comment (optional)", validators=[Optional(), Length(max=MAX_TEXT)])
    # Checked by the server, so a page without scripts confirms too; with scripts, a dialog
    # that restates the outcome checks it.
    confirm = BooleanField(
        confirmation("as proposed"),
        validators=[DataRequired(message="Confirm that you concur: the decision is final.")],
    )
    submit = SubmitField("Concur")

    def __init__(self, *args, outcome: str = "as proposed", **kwargs) -> None:
        super().__init__(*args, prefix="concur", **kwargs)
        self.confirm.label.text = confirmation(outcome)


class VetoForm(FlaskForm):
    rationale = TextAreaField(
        "Why you veto",
        validators=[
            InputRequired(message="A veto needs a written rationale."),
            Length(max=MAX_TEXT),
        ],
    )
    principles = MultiCheckboxField(
        "Principles concerned",
        coerce=int,
        validators=[InputRequired(message="Name at least one principle the veto is about.")],
    )
    confirm = BooleanField(
        "I understand: this loop will be decided no hire. A veto is final.",
        validators=[DataRequired(message="Confirm the veto: it is final.")],
    )
    submit = SubmitField("Veto")

    def __init__(self, *args, principles=(), **kwargs) -> None:
        super().__init__(*args, prefix="veto", **kwargs)
        self.principles.choices = [
            SelectChoice(principle.id, principle.name) for principle in principles
        ]


class PerformanceForm(FlaskForm):
    rating = SelectField(
        "Performance rating", choices=RATING_CHOICES, coerce=int, validators=[InputRequired()]
    )
    rated_on = DateField("Rated on", validators=[InputRequired()])
    submit = SubmitField("Record performance")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="performance", **kwargs)
