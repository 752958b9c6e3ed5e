"""The debrief page writes a blank final-vote form out (templates/debrief/_forms.html) rather
than drawing it through the form's widgets, and draws it only when sending it back as typed: the
two must stay the same markup, CSRF token included."""

from __future__ import annotations

import re

from flask import get_template_attribute

from barraiser.debrief.forms import FinalVoteForm


def _markup(html: str) -> str:
    """`html` with the whitespace between and inside tags made one space."""
    return re.sub(r"\s+", " ", str(html).replace(">", "> ").replace("<", " <")).strip()


def test_the_written_out_final_vote_form_is_the_one_its_widgets_draw(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.test_request_context():
        drawn = get_template_attribute("debrief/_forms.html", "final_vote_fields")(
            FinalVoteForm(formdata=None)
        )
        written = get_template_attribute("debrief/_forms.html", "blank_final_vote_fields")()
    assert 'name="final-csrf_token"' in written
    assert _markup(written) == _markup(drawn)


def test_a_refused_final_vote_comes_back_drawn_with_its_error(debrief_loop, login_as, clock):
    """With no vote chosen, the form comes back through its widgets, saying why."""
    response = login_as(debrief_loop.interviewers[1]).post(
        f"/loops/{debrief_loop.loop.id}/debrief/final-vote", data={}
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Choose your final vote." in text
    assert 'class="form-check-input is-invalid" id="final-vote-0"' in text
