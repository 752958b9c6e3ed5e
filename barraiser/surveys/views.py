"""The survey page, opened from the candidate's email: no account, the link is the key. An
unknown link is a 404, a used or expired one a 410 saying which; nothing about the loop or the
people on it is shown."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from .. import clock
from ..errors import RuleViolation
from ..extensions import db
from ..pages import note_refusal
from .forms import SurveyForm
from .services import answer_survey, survey_for_token

bp = Blueprint("surveys", __name__, url_prefix="/survey")


@bp.route("/<token>", methods=["GET", "POST"])
def answer(token: str):
    """The survey (GET) and its answers (POST); then a thank-you on the same address."""
    survey_for_token(token, now=clock.now())
    form = SurveyForm()
    if request.method == "GET":
        return render_template("surveys/survey.html", form=form)
    if not form.validate_on_submit():
        return render_template("surveys/survey.html", form=form), 400
    try:
        answer_survey(
            token, answers=form.answers(), comment=form.comment.data or "", now=clock.now()
        )
    except RuleViolation as error:
        db.session.rollback()
        note_refusal(form, error)
        return render_template("surveys/survey.html", form=form), error.status
    db.session.commit()
    return render_template("surveys/thanks.html")
