"""The candidate page's Privacy card (admins): download everything held on a candidate as JSON,
and erase the candidate after ticking a box and typing their name."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from .. import clock, policy
from ..candidates.models import Candidate
from ..candidates.views import render_candidate_page
from ..errors import Forbidden, RuleViolation
from ..extensions import db
from .services import candidate_export, ensure_erasable, erase_candidate

bp = Blueprint("privacy", __name__, url_prefix="/candidates")


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


@bp.app_template_global()
def erase_candidate_form() -> EraseCandidateForm:
    """A blank erase form for the Privacy card, so the candidate page's view needs no knowledge
    of it; the erase view passes its own form (with errors) instead."""
    return EraseCandidateForm(formdata=None)


def _load(candidate_id: int) -> Candidate:
    """The candidate: 404 for whom may not know of them, 403 for whom may see but not manage."""
    candidate = db.get_or_404(Candidate, candidate_id)
    policy.require(policy.can_view_candidate(current_user, candidate), hide=True)
    policy.require(policy.can_manage_candidate_data(current_user))
    return candidate


@bp.get("/<int:candidate_id>/export.json")
@login_required
def export(candidate_id: int):
    """Everything held on the candidate, as a JSON download. An admin still owing feedback on one
    of the candidate's loops gets 403: the file holds the whole panel's feedback."""
    candidate = _load(candidate_id)
    if not policy.can_export_candidate(current_user, candidate):
        raise Forbidden(
            "You are on the panel of one of this candidate's loops and have not submitted your "
            "feedback; the export holds the whole panel's feedback. Submit yours first, or ask "
            "another admin to export."
        )
    body = json.dumps(candidate_export(candidate), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="candidate-{candidate.id}.json"',
            # Personal data: kept out of shared caches like the HTML pages are.
            "Cache-Control": "no-store",
        },
    )


@bp.post("/<int:candidate_id>/erase")
@login_required
def erase(candidate_id: int):
    """Erase the candidate. Already erased: 409. An open loop: 422 with the reason on the card.
    The box unticked or the name missing: 400; the name mistyped: 422. Each changes nothing."""
    candidate = _load(candidate_id)
    form = EraseCandidateForm()
    try:
        # Say why erasing is refused before asking the admin to retype anything.
        ensure_erasable(candidate)
        if not form.validate_on_submit():
            return render_candidate_page(candidate, erase_form=form), 400
        if not form.confirms_name(candidate):
            return render_candidate_page(candidate, erase_form=form), 422
        erasure = erase_candidate(candidate, actor=current_user, now=clock.now())
    except RuleViolation as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return render_candidate_page(candidate, erase_form=form), error.status
    db.session.commit()
    loops = f"{erasure.loops} loop" + ("" if erasure.loops == 1 else "s")
    flash(
        f"Candidate #{candidate.id} was erased: their name, email and notes are gone, and so is "
        f"the free text on their {loops}. Votes, ratings and dates stay for calibration.",
        "success",
    )
    return redirect(url_for("candidates.detail", candidate_id=candidate.id))
