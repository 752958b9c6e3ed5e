"""The Bar Raiser training pipeline: who sees it, mentor notes appended and refused, and what the
pipeline counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.domain import FeedbackState, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.feedback.services import stamp_assignments
from barraiser.training.models import MentorNote
from barraiser.training.services import trainee_pipeline

NOTE = "Ran the bar-raiser question well; push harder on the data behind the ledger story."


def _submit_shadow_feedback(built, now, *, state=FeedbackState.SUBMITTED) -> Feedback:
    """The shadow's feedback written straight into the model, as tests/debrief/panel_feedback.py
    does for the panel."""
    shadow = next(interview for interview in built.loop.interviews if interview.is_shadow)
    submitted = state is FeedbackState.SUBMITTED
    feedback = Feedback(
        interview=shadow,
        author_id=shadow.interviewer_id,
        state=state,
        vote=Vote.INCLINED_HIRE if submitted else None,
        raises_bar=True if submitted else None,
        summary="Shadow summary.",
        created_at=now,
        updated_at=now,
        submitted_at=now if submitted else None,
        due_at=now + timedelta(hours=24),
        is_late=False,
    )
    if submitted:
        stamp_assignments(shadow, [])
    db.session.add(feedback)
    db.session.commit()
    return feedback


@pytest.fixture
def trainee_loop(make_loop):
    return make_loop(with_shadow=True)


def _client_for(who, trainee_loop, login_as, client):
    if who == "anonymous":
        return client
    if who == "trainee":
        return login_as(trainee_loop.shadow)
    return login_as(who)


ROLES = ["admin", "bar_raiser", "trainee", "interviewer", "recruiter", "inspector", "anonymous"]
ALLOWED = {"admin", "bar_raiser"}


@pytest.mark.parametrize("who", ROLES)
def test_pipeline_page_is_for_mentors_and_admins(who, trainee_loop, login_as, client):
    response = _client_for(who, trainee_loop, login_as, client).get("/training/")
    if who == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif who in ALLOWED:
        assert response.status_code == 200
        assert trainee_loop.shadow.name in response.get_data(as_text=True)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("who", ROLES)
def test_trainee_page_is_for_mentors_admins_and_the_trainee(who, trainee_loop, login_as, client):
    url = f"/training/{trainee_loop.shadow.id}"
    response = _client_for(who, trainee_loop, login_as, client).get(url)
    if who == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif who in ALLOWED:
        assert response.status_code == 200
        assert "Add a note" in response.get_data(as_text=True)
    elif who == "trainee":  # their own record, without the mentors' note form
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Mentor notes" in page and "Add a note" not in page
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("who", ROLES)
def test_only_mentors_and_admins_write_notes(who, trainee_loop, login_as, client):
    url = f"/training/{trainee_loop.shadow.id}/notes"
    response = _client_for(who, trainee_loop, login_as, client).post(url, data={"body": NOTE})
    written = db.session.scalar(sa.select(sa.func.count()).select_from(MentorNote))
    if who == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert written == 0
    elif who in ALLOWED:
        assert response.status_code == 302
        assert written == 1
    else:
        assert response.status_code == 403
        assert written == 0


def test_the_nav_shows_training_to_mentors_only(trainee_loop, login_as):
    assert 'href="/training/"' in login_as(trainee_loop.bar_raiser).get("/").get_data(as_text=True)
    assert 'href="/training/"' not in login_as("interviewer").get("/").get_data(as_text=True)


def test_unknown_user_and_one_never_in_training_are_404(trainee_loop, login_as):
    mentor = login_as("admin")
    assert mentor.get("/training/999999").status_code == 404
    panelist = trainee_loop.interviewers[1]
    assert mentor.get(f"/training/{panelist.id}").status_code == 404
    response = mentor.post(f"/training/{panelist.id}/notes", data={"body": NOTE})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MentorNote)) == 0


def test_a_note_is_appended_with_author_and_time_and_shown_newest_first(
    trainee_loop, login_as, clock
):
    mentor = login_as(trainee_loop.bar_raiser)
    url = f"/training/{trainee_loop.shadow.id}"
    first = mentor.post(f"{url}/notes", data={"body": "First note.", "loop": ""})
    assert first.status_code == 302 and first.headers["Location"] == url
    clock.advance(hours=2)
    second = mentor.post(f"{url}/notes", data={"body": NOTE, "loop": str(trainee_loop.loop.id)})
    assert second.status_code == 302

    notes = list(db.session.scalars(sa.select(MentorNote).order_by(MentorNote.id)))
    assert [note.body for note in notes] == ["First note.", NOTE]
    assert {note.author_id for note in notes} == {trainee_loop.bar_raiser.id}
    assert notes[1].loop_id == trainee_loop.loop.id
    assert notes[1].created_at == clock()

    page = mentor.get(url).get_data(as_text=True)
    assert page.index(NOTE) < page.index("First note.")
    assert trainee_loop.bar_raiser.name in page
    assert clock().strftime("%Y-%m-%d %H:%M UTC") in page


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("", 400, "Write the note first."),
        ("   ", 422, "Write the note first."),
        ("x" * 5001, 400, "at most 5000 characters"),
    ],
)
def test_an_empty_or_too_long_note_is_refused_next_to_the_field(
    body, status, message, trainee_loop, login_as
):
    mentor = login_as("admin")
    response = mentor.post(f"/training/{trainee_loop.shadow.id}/notes", data={"body": body})
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert 'id="body-errors"' in page and message in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MentorNote)) == 0


def test_a_note_about_a_loop_the_trainee_did_not_shadow_is_refused(
    trainee_loop, make_loop, login_as
):
    other = make_loop(tag="other")
    mentor = login_as("admin")
    response = mentor.post(
        f"/training/{trainee_loop.shadow.id}/notes", data={"body": NOTE, "loop": str(other.loop.id)}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="loop-errors"' in page and "did not shadow that loop" in page
    assert NOTE in page  # the text is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MentorNote)) == 0


@pytest.mark.parametrize("loop", ["999999", "not-a-loop"])
def test_a_bad_loop_value_is_a_clear_4xx(loop, trainee_loop, login_as):
    mentor = login_as("admin")
    response = mentor.post(
        f"/training/{trainee_loop.shadow.id}/notes", data={"body": NOTE, "loop": loop}
    )
    assert response.status_code in (400, 422)
    assert 'id="loop-errors"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MentorNote)) == 0


def test_the_audit_event_holds_no_note_text(trainee_loop, login_as):
    mentor = login_as(trainee_loop.bar_raiser)
    mentor.post(f"/training/{trainee_loop.shadow.id}/notes", data={"body": NOTE})
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "training.note_added")
    )
    assert event is not None
    assert event.actor_id == trainee_loop.bar_raiser.id
    assert event.subject_id == trainee_loop.shadow.id
    stored = json.dumps(event.details)
    assert "ledger" not in stored and NOTE not in stored


def test_the_pipeline_counts_loops_shadowed_with_submitted_feedback(make_loop, clock, login_as):
    # Three loops shadowed by the same trainee (same tag, same people); feedback submitted on two.
    loops = [make_loop(with_shadow=True) for _ in range(3)]
    _submit_shadow_feedback(loops[0], clock())
    _submit_shadow_feedback(loops[1], clock())
    _submit_shadow_feedback(loops[2], clock(), state=FeedbackState.DRAFT)
    trainee = loops[0].shadow

    rows = {row.trainee.id: row for row in trainee_pipeline(now=clock())}
    row = rows[trainee.id]
    assert row.loops_shadowed == 2
    assert {shadow.loop_id for shadow in row.recent_shadows} == {
        loops[0].loop.id,
        loops[1].loop.id,
    }
    assert row.loops_led_shadowed == 0
    assert row.notes == 0 and row.last_note_at is None
    assert not row.certified

    page = login_as("admin").get("/training/").get_data(as_text=True)
    assert trainee.name in page and "Senior Engineer" in page


def test_the_trainee_page_links_only_the_loops_the_viewer_may_open(trainee_loop, login_as):
    # The loop's Bar Raiser may open the loop; another certified Bar Raiser may not.
    url = f"/training/{trainee_loop.shadow.id}"
    loop_url = f'href="/loops/{trainee_loop.loop.id}"'
    candidate = trainee_loop.loop.candidate.display_name

    own = login_as(trainee_loop.bar_raiser).get(url).get_data(as_text=True)
    assert loop_url in own and candidate in own

    outsider = login_as("bar_raiser").get(url).get_data(as_text=True)
    assert loop_url not in outsider and candidate not in outsider
    assert f"Loop #{trainee_loop.loop.id}" in outsider


def test_the_pipeline_page_runs_the_same_queries_for_one_and_three_trainees(
    make_loop, clock, login_as, count_queries
):
    admin = login_as("admin")

    def trainee_with_history(tag: str) -> None:
        for _ in range(2):
            built = make_loop(with_shadow=True, tag=tag)
            _submit_shadow_feedback(built, clock())
        admin.post(f"/training/{built.shadow.id}/notes", data={"body": NOTE})

    def queries() -> int:
        with count_queries() as counted:
            assert admin.get("/training/").status_code == 200
        return counted.count

    trainee_with_history("a")
    one = queries()
    trainee_with_history("b")
    trainee_with_history("c")
    assert queries() == one
