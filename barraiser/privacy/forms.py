"""The candidate page's Privacy card: the erase form, and what the card shows."""

from __future__ import annotations

from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from ..candidates.models import Candidate


class EraseCandidateForm(FlaskForm):
    understood = BooleanField(
        "I understand this cannot be undone",
        validators=[DataRequired("Tick the box to confirm you understand.")],
    )
    confirm_name = StringField(
        "Type the candidate's name to confirm",
        validators=[InputRequired("Type the candidate's name."), Length(max=200)],
    )
    submit = SubmitField("Erase this candidate")

    def confirms_name(self, candidate: Candidate) -> bool:
        """Does the typed name match? Case and spacing aside: a deliberate act, not a spelling
        test. A mismatch is put next to the field."""
        typed = " ".join((self.confirm_name.data or "").split()).casefold()
        if typed and typed == " ".join(candidate.name.split()).casefold():
            return True
        self.confirm_name.errors = [
            *self.confirm_name.errors,
            "That is not the candidate's name as shown at the top of the page; nothing was erased.",
        ]
        return False


@dataclass(frozen=True)
class PrivacyCard:
    """What the card shows an admin: whether they may export now, and the erase form (blank, or
    as posted with its errors)."""

    can_export: bool
    erase_form: EraseCandidateForm
