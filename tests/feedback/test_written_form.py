"""The feedback page writes its fields out from plain values (feedback/_macros.html) rather than
rendering the form's WTForms widgets: what it writes must stay what the widgets render for the
same form — empty, holding a draft, and refused after a post with its values and errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from feedback.writing import evidence, form_data
from flask import Flask

from barraiser.domain import Vote
from barraiser.extensions import db
from barraiser.feedback.forms import FeedbackForm, FormAnswers, feedback_form
from barraiser.feedback.models import Feedback
from barraiser.feedback.quality import TEXT_LIMIT, count_message, feedback_hints
from barraiser.loops.models import Interview
from barraiser.settings.services import current_settings

# The page's fields as the form's widgets draw them, with the hints and counts worked out from the
# form as the page did before it wrote them out.
WIDGETS = (Path(__file__).parent / "form_widgets.html").read_text()

# Pieces of WIDGETS' output: each field's markup, one a line.
PIECE = re.compile(r"^(<input|<fieldset|<div class=\"mb-3\">)", re.M)


def _normal(markup: str) -> str:
    """Markup with the whitespace between tags (the templates' layout) and CSRF tokens (each
    request has its own) left out; a text box's text is kept as it is."""
    markup = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]*"', r'\1TOKEN"', markup)
    return re.sub(r">\s+<", "><", markup).strip()


def _widget_pieces(app: Flask, form: FeedbackForm) -> list[str]:
    """Each of the form's fields as its widgets render it, with what the page showed around them
    (hints, word counts, errors)."""
    min_words = current_settings().min_evidence_words
    hints = feedback_hints(
        evidence=form.evidence_texts(), summary=form.summary.data or "", min_words=min_words
    )
    boxes = [form.evidence_field(principle) for principle in form.principles]
    counters = {
        box.name: count_message(box.data, min_words=min_words, plain=bool(box.errors))
        for box in boxes
    }
    for box in (form.summary, form.private_notes):
        counters[box.name] = count_message(box.data, min_words=None, plain=bool(box.errors))
    with app.test_request_context():
        markup = app.jinja_env.from_string(WIDGETS).render(
            form=form, hints=hints, counters=counters, min_words=min_words
        )
    starts = [match.start() for match in PIECE.finditer(markup)]
    pieces = [
        markup[start:end] for start, end in zip(starts, [*starts[1:], len(markup)], strict=True)
    ]
    return [_normal(piece) for piece in pieces if piece.strip()]


def _draft_form(app: Flask, interview: Interview) -> FeedbackForm:
    """The form holding the interviewer's saved draft (or nothing yet), as the page opens it."""
    feedback = db.session.scalar(sa.select(Feedback).where(Feedback.interview_id == interview.id))
    data: dict = {"version": 0}
    if feedback is not None:
        data = {
            "version": feedback.version,
            "vote": feedback.vote.value if feedback.vote else None,
            "raises_bar": {True: "yes", False: "no"}.get(feedback.raises_bar),
            "summary": feedback.summary,
            "private_notes": feedback.private_notes,
        }
        for rating in feedback.ratings:
            data[f"rating_{rating.principle_id}"] = rating.rating
            data[f"evidence_{rating.principle_id}"] = rating.evidence
    with app.test_request_context():
        return feedback_form(interview.principles, data=data)


def _assert_written_as_widgets(page: str, app: Flask, form: FeedbackForm) -> None:
    written = _normal(page)
    pieces = _widget_pieces(app, form)
    # The version, a rating and an evidence box a principle, the overall fields, two buttons;
    # and the token, when the form checks one.
    assert len(pieces) == 1 + 2 * len(form.principles) + 4 + 2 + ("csrf_token" in form)
    for piece in pieces:
        assert piece in written, piece
    problems = "problem" if len(form.errors) == 1 else "problems"
    alert = f"Please fix the {problems} marked below."
    assert (alert in page) == (bool(form.errors) and "alert-warning" not in page)


@pytest.fixture
def posted_forms(monkeypatch) -> Iterator[list[FeedbackForm]]:
    """The forms the page was drawn from after a refused post, as the view read them."""
    seen: list[FeedbackForm] = []
    answers_of = FormAnswers.of_form.__func__

    def spy(cls, form: FeedbackForm) -> FormAnswers:
        seen.append(form)
        return answers_of(cls, form)

    monkeypatch.setattr(FormAnswers, "of_form", classmethod(spy))
    yield seen


def _url(interview: Interview) -> str:
    return f"/interviews/{interview.id}/feedback"


def test_an_empty_form_is_written_as_the_widgets_draw_it(app, built, login_as):
    interview = built.panel[1]
    page = login_as(interview.interviewer).get(_url(interview))
    assert page.status_code == 200
    _assert_written_as_widgets(page.get_data(as_text=True), app, _draft_form(app, interview))


def test_a_draft_is_written_as_the_widgets_draw_it(app, built, login_as):
    interview = built.panel[1]
    client = login_as(interview.interviewer)
    data = form_data(interview, vote=Vote.INCLINED_NO_HIRE, raises_bar="no", rating=None)
    first = interview.principles[0].id
    data[f"rating_{first}"] = "4"
    data[f"evidence_{first}"] = "  Said <b>\"we\"</b> & 'I'\r\nthen:\r\n\r\nshipped  "
    data["summary"] = "A <script>alert(1)</script> “culture fit”, too old & married"
    data["private_notes"] = "Mine & only mine <ok>"
    assert client.post(_url(interview), data=data).status_code == 302
    page = client.get(_url(interview))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "culture fit" in body and "feedback-hint-criteria" in body
    _assert_written_as_widgets(body, app, _draft_form(app, interview))


def test_bad_input_is_written_back_as_the_widgets_draw_it(app, built, login_as, posted_forms):
    interview = built.panel[1]
    data = form_data(interview, marker="Kept")
    first, *_ = (principle.id for principle in interview.principles)
    data["vote"] = "maybe"
    data[f"rating_{first}"] = "abc"
    data[f"evidence_{first}"] = "x" * (TEXT_LIMIT + 1)
    data["private_notes"] = "y" * int(TEXT_LIMIT * 0.95)
    response = login_as(interview.interviewer).post(_url(interview), data=data)
    assert response.status_code == 400
    (form,) = posted_forms
    assert {"vote", f"rating_{first}", f"evidence_{first}"} <= set(form.errors)
    _assert_written_as_widgets(response.get_data(as_text=True), app, form)


def test_an_incomplete_submission_is_written_back_as_the_widgets_draw_it(
    app, over, login_as, posted_forms
):
    interview = over.panel[1]
    data = form_data(interview, action="submit", words=12, marker="Short", vote=None)
    data.pop("raises_bar")
    response = login_as(interview.interviewer).post(_url(interview), data=data)
    assert response.status_code == 422
    (form,) = posted_forms
    assert form.vote.errors and form.evidence_field(interview.principles[0]).errors
    _assert_written_as_widgets(response.get_data(as_text=True), app, form)


def test_a_save_from_a_stale_page_is_written_back_as_the_widgets_draw_it(
    app, built, login_as, posted_forms
):
    interview = built.panel[1]
    client = login_as(interview.interviewer)
    assert client.post(_url(interview), data=form_data(interview)).status_code == 302
    stale = form_data(interview, marker="Stale", words=3)
    response = client.post(_url(interview), data=stale)
    assert response.status_code == 409
    (form,) = posted_forms
    assert form.version.data == 1
    body = response.get_data(as_text=True)
    assert 'id="version" name="version" type="hidden" value="1"' in body
    _assert_written_as_widgets(body, app, form)


def test_an_expired_token_is_written_back_as_the_widgets_draw_it(app, over, login_as, posted_forms):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        data = form_data(interview, marker="Precious")
        data["csrf_token"] = "expired-or-forged"
        data["summary"] = evidence(5)
        response = client.post(_url(interview), data=data)
        assert response.status_code == 400
        (form,) = posted_forms
        assert form.csrf_failed
        _assert_written_as_widgets(response.get_data(as_text=True), app, form)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
