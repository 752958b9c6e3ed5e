"""The candidate page's Privacy card (admins): download everything held on a candidate as JSON,
and erase the candidate after ticking a box and typing their name."""

from __future__ import annotations

import json

from flask import Blueprint, Response, url_for
from flask_login import current_user, login_required

from .. import clock, policy
from ..candidates.models import Candidate
from ..candidates.views import render_candidate_page
from ..errors import Forbidden, RuleViolation
from ..pages import act, load_or_404, note_refusal
from .forms import EraseCandidateForm
from .services import Erasure, candidate_export, ensure_erasable, erase_candidate

bp = Blueprint("privacy", __name__, url_prefix="/candidates")


@bp.get("/<int:candidate_id>/export.json")
@login_required
def export(candidate_id: int):
    """Everything held on the candidate, as a JSON download. An admin still owing feedback on one
    of the candidate's loops gets 403: the file holds the whole panel's feedback."""
    candidate = load_or_404(Candidate, candidate_id, check=policy.can_view_candidate)
    policy.require(policy.can_manage_candidate_data(current_user))
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
    candidate = load_or_404(Candidate, candidate_id, check=policy.can_view_candidate)
    policy.require(policy.can_manage_candidate_data(current_user))
    form = EraseCandidateForm()

    def page(status: int):
        return render_candidate_page(candidate, erase_form=form), status

    # Say why erasing is refused before asking the admin to retype anything.
    try:
        ensure_erasable(candidate)
    except RuleViolation as error:  # a read: nothing to roll back
        note_refusal(form, error)
        return page(error.status)
    if not form.validate_on_submit():
        return page(400)
    if not form.confirms_name(candidate):
        return page(422)

    def done(erasure: Erasure) -> str:
        loops = f"{erasure.loops} loop" + ("" if erasure.loops == 1 else "s")
        return (
            f"Candidate #{candidate.id} was erased: their name, email and notes are gone, and so "
            f"is the free text on their {loops}. Votes, ratings and dates stay for calibration."
        )

    return act(
        form,
        lambda: erase_candidate(candidate, actor=current_user, now=clock.now()),
        validate=False,
        page=page,
        on_page=(RuleViolation,),
        done=done,
        then=url_for("candidates.detail", candidate_id=candidate.id),
    )
