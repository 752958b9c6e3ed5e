"""An interviewer writes feedback in a real browser: finds the interview on their home page, saves a
draft, reloads and finds the text, lets autosave keep more, submits — and only then reads the rest
of the panel's feedback."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from conftest import PASSWORD
from feedback.writing import evidence, submit_for
from playwright.sync_api import Page, expect
from processes import wait_for

from barraiser.domain import Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback, PrincipleRating

from .conftest import log_in

OTHERS = "Othercanary"


def test_an_interviewer_drafts_reloads_submits_and_only_then_reads_the_panel(
    page: Page, live_server: str, make_loop, clock
):
    built = make_loop(starts_at=clock() - timedelta(hours=5))  # every interview is over
    for index in (0, 2, 3):  # everyone but panelist 1 has submitted
        submit_for(built.panel[index], clock(), vote=Vote.STRONG_NO_HIRE, marker=OTHERS)
    me, interview = built.interviewers[1], built.panel[1]
    email, interview_id, loop_id = me.email, interview.id, built.loop.id
    principle = interview.principles[0].name
    db.session.commit()  # the server's requests must not wait on this test's transaction

    # The page's timers run on a fake clock, so autosave's 30 s pass without waiting.
    page.clock.install()
    log_in(page, live_server, email, PASSWORD)
    expect(page.get_by_role("heading", name="Feedback to write")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Write feedback")).click()
    expect(page).to_have_url(f"{live_server}/interviews/{interview_id}/feedback")

    evidence_box = page.get_by_label(f"Evidence for {principle}")
    first_text = evidence(40, "Drafted")
    evidence_box.fill(first_text)
    page.get_by_label("3 — Meets: at the bar").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved at")).to_be_visible()

    page.reload()
    expect(page.get_by_label(f"Evidence for {principle}")).to_have_value(first_text)
    expect(page.get_by_label("3 — Meets: at the bar")).to_be_checked()

    # Autosave: change the text, let 30 s pass on the page's clock, reload: the change is kept.
    second_text = evidence(45, "Autosaved")
    page.get_by_label(f"Evidence for {principle}").fill(second_text)
    page.clock.run_for(31_000)
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^Draft saved at \d"))
    page.reload()
    expect(page.get_by_label(f"Evidence for {principle}")).to_have_value(second_text)

    # Before submitting, the panel's page shows counts and nothing of anyone's feedback.
    page.goto(f"{live_server}/loops/{loop_id}/feedback")
    expect(page.get_by_text("3 of 4 submitted")).to_be_visible()
    expect(page.get_by_text(OTHERS)).to_have_count(0)
    page.get_by_role("link", name="Continue your feedback").click()

    page.get_by_label("Inclined hire", exact=True).check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Summary").fill("Hire: owned the settlement problem end to end.")
    page.get_by_role("button", name="Submit and lock").click()

    expect(page).to_have_url(f"{live_server}/loops/{loop_id}/feedback")
    expect(page.get_by_text("Your feedback is submitted and locked.")).to_be_visible()
    expect(page.get_by_text("4 of 4 submitted")).to_be_visible()
    expect(page.get_by_text(OTHERS).first).to_be_visible()
    expect(page.locator(".vote-strong_no_hire").first).to_be_visible()


# Text on which word counters disagree: apostrophes straight and curly, dashes, underscores,
# digits, accents, scripts without spaces between letters and words, emoji, line breaks.
AWKWARD = [
    "",
    "   ",
    "didn't — won’t; rock'n'roll",
    "snake_case and kebab-case",
    "3.14 and 1,000,000 and v2",
    "naïve café résumé Ñandú",
    "日本語 テキスト 中文",
    "👍 ok 🚀launch",
    "line one\nline two\r\nthree\ttabs",
    "'quoted' and ‘curly’ and it's''",
    "___ --- ... !!!",
    "e\u0301 combining accent",
]


def test_the_page_counts_words_as_the_server_does(page: Page, live_server: str, make_loop, clock):
    from barraiser.feedback.quality import count_message

    built = make_loop(starts_at=clock() - timedelta(hours=5))
    interview = built.panel[1]
    email, interview_id = interview.interviewer.email, interview.id
    db.session.commit()
    log_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/interviews/{interview_id}/feedback")
    for text in AWKWARD:
        for min_words in (None, 3):
            in_page = page.evaluate(
                "([text, min]) => window.barRaiserFeedback.countMessage(text, min, 20000)",
                [text, min_words],
            )
            assert in_page == count_message(text, min_words=min_words), text


def test_text_typed_just_before_leaving_is_there_on_return(
    page: Page, live_server: str, make_loop, clock
):
    built = make_loop(starts_at=clock() - timedelta(hours=5))
    interview = built.panel[1]
    email, interview_id = interview.interviewer.email, interview.id
    principle = interview.principles[0].name
    db.session.commit()
    log_in(page, live_server, email, PASSWORD)
    url = f"{live_server}/interviews/{interview_id}/feedback"
    page.goto(url)

    box = page.get_by_label(f"Evidence for {principle}")
    box.press_sequentially("Traced the drift to rounding")
    # The count follows the typing at once.
    expect(page.locator(f"#{box.get_attribute('id')}-count")).to_have_text(
        "This evidence has 5 of the 30 words needed to submit."
    )
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Home"
    ).click()  # within the pause before a save
    expect(page).to_have_url(f"{live_server}/")
    # The save the page sent as it was left outlives it, and the server handles it beside the
    # home page's load: on a busy machine it may land after that load, so the return waits
    # for it (and fails if it never lands).
    held = (
        sa.select(PrincipleRating.evidence)
        .join(Feedback, Feedback.id == PrincipleRating.feedback_id)
        .where(Feedback.interview_id == interview_id)
    )
    assert wait_for(lambda: "Traced the drift to rounding" in _read(held), timeout=15), (
        "the save sent on leaving never landed"
    )
    page.goto(url)
    expect(page.get_by_label(f"Evidence for {principle}")).to_have_value(
        "Traced the drift to rounding"
    )


def _read(query: sa.Select) -> list:
    """What the database holds now (committed by the live server), on a connection of its own."""
    with db.engine.connect() as connection:
        return list(connection.scalars(query))
