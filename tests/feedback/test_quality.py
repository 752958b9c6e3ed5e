"""Quality hints: evidence too short, vague phrases, things that must not decide a hire. Shown on
the form before submitting; they never block a submission."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa
from feedback.writing import evidence, form_data

from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.feedback.quality import (
    NOT_HIRING_CRITERIA,
    VAGUE_PHRASES,
    feedback_hints,
    not_hiring_criteria_in,
    vague_phrases_in,
    word_count,
)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("   ", 0),
        ("They didn't stop.", 3),
        ("Situation — action — result", 3),
        ("Cut p99 latency from 900ms to 120ms.", 7),
        ("one,two , three", 3),
    ],
)
def test_words_are_counted_as_a_reader_counts_them(text, words):
    assert word_count(text) == words


@pytest.mark.parametrize("phrase", ["culture fit", "seems smart", "good vibes", "gut feeling"])
def test_the_issue_s_vague_phrases_are_caught_in_any_case(phrase):
    assert phrase in VAGUE_PHRASES
    assert vague_phrases_in(f"Honestly, {phrase.upper()} all round.") == [phrase]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("She mentioned her age twice.", "age"),
        ("Worried he is too old for a startup pace.", "age"),
        ("Has three kids, may not travel.", "family"),
        ("She is pregnant, so maybe later.", "pregnancy"),
        ("Goes to church on Sundays.", "religion"),
        ("Nationality could be a visa problem.", "nationality"),
        ("Strong accent, hard to follow.", "accent"),
    ],
)
def test_remarks_that_must_not_decide_a_hire_are_flagged(text, topic):
    assert topic in NOT_HIRING_CRITERIA
    assert topic in not_hiring_criteria_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "Managed the migration and the message queue.",
        "They own the storage layer; usage grew tenfold.",
        "Page load improved; the team engaged early.",
    ],
)
def test_words_merely_containing_a_flagged_word_are_not_flagged(text):
    assert not_hiring_criteria_in(text) == []
    assert vague_phrases_in(text) == []


def test_hints_name_the_field_they_are_about():
    hints = feedback_hints(
        evidence={7: ("Ownership", "Good vibes."), 8: ("Dive Deep", evidence(40))},
        summary="Culture fit, and she has kids.",
        min_words=30,
    )
    by_field = {(hint.field, hint.kind) for hint in hints}
    assert by_field == {
        ("evidence_7", "short"),
        ("evidence_7", "vague"),
        ("summary", "vague"),
        ("summary", "criteria"),
    }
    short = next(hint for hint in hints if hint.kind == "short")
    assert "Ownership has 2 of the 30 words" in short.message


def test_the_form_shows_hints_on_the_saved_draft(built, login_as):
    interview = built.panel[1]
    client = login_as(interview.interviewer)
    data = form_data(interview, summary="Great culture fit; mentioned her religion.")
    data[f"evidence_{interview.principles[0].id}"] = "Seems smart."
    client.post(f"/interviews/{interview.id}/feedback", data=data)
    page = html.unescape(client.get(f"/interviews/{interview.id}/feedback").get_data(as_text=True))
    assert "has 2 of the 30 words needed to submit" in page
    assert "“seems smart” is an impression, not evidence" in page
    assert "“culture fit” is an impression" in page
    assert "religion, which must not decide a hire" in page


def test_hints_never_block_a_submission(over, login_as):
    interview = over.panel[1]
    data = form_data(interview, action="submit", summary="Culture fit, good vibes, seems smart.")
    response = login_as(interview.interviewer).post(
        f"/interviews/{interview.id}/feedback", data=data
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Feedback)).submitted
