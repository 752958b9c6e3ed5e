"""What the debrief page writes out rather than asks for: a blank final-vote form
(templates/debrief/_forms.html), drawn through the form's widgets only when sent back as typed,
must stay the markup the widgets draw, CSRF token included; the actions' addresses, written below
the page's, must stay the ones their routes have."""

from __future__ import annotations

import re

import pytest
from flask import get_template_attribute, url_for

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


@pytest.mark.parametrize(
    ("endpoint", "below"),
    [
        ("open_debrief", "/open"),
        ("final_vote", "/final-vote"),
        ("propose", "/proposal"),
        ("concur", "/concur"),
        ("veto", "/veto"),
        ("performance", "/performance"),
        ("print_view", "/print"),
    ],
)
def test_the_page_writes_its_actions_addresses_below_its_own(app, endpoint, below):
    with app.test_request_context():
        page = url_for("debrief.page", loop_id=42)
        assert url_for(f"debrief.{endpoint}", loop_id=42) == page + below
    source = app.jinja_env.loader.get_source(app.jinja_env, "debrief/page.html")[0]
    assert "{{ page_url }}" + below in source
