"""What the feedback form says about length: a live count per box that states what submitting
needs (the same words the page's script writes), one message per problem, the character limit
stated before it bites, and a text over it refused with its length — never silently cut."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from feedback.writing import form_data

from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.feedback.quality import TEXT_LIMIT, count_message, word_count

TOO_LONG = "x" * 25_000


def _page(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.mark.parametrize(
    ("text", "min_words", "message"),
    [
        ("", 30, "This evidence has 0 of the 30 words needed to submit."),
        (
            "She didn't wait — she shipped.",
            30,
            "This evidence has 5 of the 30 words needed to submit.",
        ),
        ("one two three", 3, "3 words: enough to submit."),
        ("one", None, "1 word."),
        ("a\r\n" * 9_500, None, "9500 words. 19,000 of 20,000 characters."),
        ("y" * 20_001, None, "1 word. Too long: 20,001 of 20,000 characters. Shorten it to save."),
    ],
)
def test_the_count_says_what_submitting_needs(text, min_words, message):
    assert count_message(text, min_words=min_words) == message


def test_a_line_break_counts_as_one_character_as_typed():
    # A browser sends "\r\n" for each line break; the limit is on what the person typed.
    typed_at_the_limit = "ab\r\n" * 6_666 + "ab"  # 20,000 as typed, 26,666 as sent
    assert count_message(typed_at_the_limit, min_words=None) == (
        "6667 words. 20,000 of 20,000 characters."
    )


def test_the_form_states_what_blocks_submission_and_the_limit(over, login_as):
    interview = over.panel[1]
    body = login_as(interview.interviewer).get(f"/interviews/{interview.id}/feedback")
    text = _page(body)
    assert (
        "To submit, each principle needs a rating and at least 30 words of evidence, and the "
        "overall vote and the Bar Raiser question need an answer." in text
    )
    assert "Each box holds up to 20,000 characters; a longer text is refused, never cut." in text
    assert "This evidence has 0 of the 30 words needed to submit." in text
    # No maxlength: a browser would cut a long paste without a word.
    assert "maxlength" not in body.get_data(as_text=True)


def test_a_failed_submit_says_each_problem_once(over, login_as):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    response = client.post(
        f"/interviews/{interview.id}/feedback", data=form_data(interview, action="submit", words=2)
    )
    assert response.status_code == 422
    text = _page(response)
    name = interview.principles[0].name
    assert text.count("needs at least 30 words (it has 2)") == 1
    assert "of the 30 words needed to submit" not in text  # the count now says only "2 words."
    assert f"Evidence for {name} has 2 of the 30" not in text  # nor the hint
    assert "2 words." in text


@pytest.mark.parametrize("route", ["/feedback", "/feedback/draft.json"])
def test_a_text_over_the_limit_is_refused_with_its_length_never_cut(over, login_as, route):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    data = form_data(interview)
    data[f"evidence_{interview.principles[0].id}"] = TOO_LONG
    response = client.post(f"/interviews/{interview.id}{route}", data=data)
    assert response.status_code == 400
    message = (
        "This text is 25,000 characters long; the limit is 20,000. Shorten it: nothing was saved."
    )
    if route.endswith(".json"):
        assert response.json["message"] == f"Not saved: {message}"
    else:
        assert message in _page(response)
        # The text comes back whole, for the interviewer to shorten.
        assert TOO_LONG in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Feedback.id))) == 0


def test_the_limit_itself_is_accepted(over, login_as):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    data = form_data(interview)
    data[f"evidence_{interview.principles[0].id}"] = "z" * TEXT_LIMIT
    assert (
        client.post(f"/interviews/{interview.id}/feedback/draft.json", data=data).status_code == 200
    )
    assert word_count(db.session.scalar(sa.select(Feedback)).ratings[0].evidence) == 1
