"""Each moment that matters tells the people it concerns, once, through the outbox: who gets which
notice (moment × recipient), that doing it again (or re-running its notice) sends nothing more,
and that every link in it opens for its recipient."""

from __future__ import annotations

import pytest
from outbox.story import BASE_URL, Story, tell_story
from outbox.test_messages import TEMPLATES
from outbox.test_messages import _relative_links as relative_links


@pytest.fixture
def story(app, org, clock, login_as, make_user, monkeypatch) -> Story:
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    return tell_story(org, clock, login_as, make_user)


def _expected(story: Story) -> dict[str, tuple[str, set[str]]]:
    """Moment → (kind, the emails of whom it tells)."""
    o = story.org
    br, hm, rec, trainee = o.bar_raiser, o.hiring_manager, o.recruiter, o.trainee
    i0, i1, i2, i3 = o.interviewers
    return {
        "scheduled": (
            "interview_invitation",
            {br.email, i0.email, i1.email, i2.email, trainee.email},
        ),
        "moved": ("interview_moved", {i0.email}),
        "moved again": ("interview_moved", {i0.email}),
        "last feedback": ("loop_ready", {br.email}),
        "debrief opened": (
            "debrief_opened",
            {i0.email, i2.email, i3.email, trainee.email, hm.email},
        ),
        "proposed": ("proposal_made", {br.email}),
        "vetoed": (
            "loop_decided",
            {i0.email, i2.email, i3.email, trainee.email, hm.email, rec.email},
        ),
        "loop cancelled": ("interview_cancelled", {br.email, i0.email, i1.email, i2.email}),
        "action assigned": ("action_assigned", {story.owner.email}),
        "action due": ("action_due", {story.owner.email}),
        "certified": ("bar_raiser_status", {story.certified.email}),
    }


MOMENTS = [
    "scheduled",
    "moved",
    "moved again",
    "last feedback",
    "debrief opened",
    "proposed",
    "vetoed",
    "loop cancelled",
    "action assigned",
    "action due",
    "certified",
]


def test_each_moment_tells_exactly_whom_it_concerns_once(story):
    for name, (kind, emails) in _expected(story).items():
        messages = story.moments[name].messages
        assert {m.kind for m in messages} == {kind}, name
        recipients = [m.recipient.email for m in messages]
        assert sorted(recipients) == sorted(emails), name  # each person once


def test_a_panel_change_cancels_for_who_leaves_and_invites_who_joins(story):
    o = story.org
    messages = story.moments["panel swapped"].messages
    assert sorted((m.kind, m.recipient.email) for m in messages) == [
        ("interview_cancelled", o.interviewers[1].email),
        ("interview_invitation", o.interviewers[3].email),
    ]


def test_doing_it_again_sends_nothing_more(story):
    """The action repeated (a panel saved unchanged, a sweep run twice, a status set again) or
    its notice re-run right after queues no second message."""
    assert {name: m.repeated for name, m in story.moments.items() if m.repeated} == {}


def test_every_link_opens_for_its_recipient(story):
    """The notification's link and every URL in the text, followed with the recipient's own
    session right after the moment: 200, under BASE_URL."""
    for name, moment in story.moments.items():
        assert all(message.link for message in moment.messages), name
        assert moment.followed, name
        assert [pair for pair in moment.followed if pair[1] != 200] == [], name
        for message in moment.messages:
            assert f"{BASE_URL}/" in message.body, name
            assert relative_links(message.body) == [], (name, message.body)


def test_every_email_template_is_told_by_some_moment(story):
    told = {m.kind for moment in story.moments.values() for m in moment.messages}
    # Feedback reminders come from the reminder sweep (tests/outbox/test_messages.py), and
    # set-password links from an admin or the login page (tests/auth/test_password_links.py),
    # a review falling due and the candidate's survey from the sweep (tests/reviews); an action
    # changed under its owner (tests/calibration/test_action_owners.py) and a hire's rating
    # falling due (tests/debrief/test_hiring_manager_home.py) are told there.
    templates = {path.stem for path in TEMPLATES.glob("*.txt")}
    elsewhere = {
        "feedback_reminder",
        "password_link",
        "review_due",
        "candidate_survey",
        "action_changed",
        "performance_due",
    }
    assert told | elsewhere == templates


def test_the_decision_tells_who_may_know_the_outcome_and_not_how_anyone_voted(story):
    messages = story.moments["vetoed"].messages
    for message in messages:
        assert message.subject.startswith("Vetoed:"), message.recipient.email
        assert "vetoed" in message.body
        for secret in ("ZQPANEL", "ZQRATIONALE", "ZQVETO", "strong", "inclined"):
            assert secret.lower() not in (message.subject + message.body).lower()
