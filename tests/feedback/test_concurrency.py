"""Two submits of the same feedback at once end with one submission and a clear 409 for the other;
two last submissions of a loop at once still tell the Bar Raiser exactly once. Each writer runs in
its own thread, app context and session, as two requests would (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from concurrency import race
from feedback.writing import content, form_data

from barraiser.audit.models import AuditEvent
from barraiser.errors import Conflict
from barraiser.extensions import db
from barraiser.feedback.models import Feedback, PrincipleRating
from barraiser.feedback.services import submit_feedback
from barraiser.loops.models import Interview
from barraiser.outbox.models import OutboxMessage


def _submit_job(interview_id: int, user_id: int, now, marker: str) -> Callable[[], object]:
    def job() -> object:
        interview = db.session.get(Interview, interview_id)
        feedback = submit_feedback(
            interview,
            content(interview, marker=marker),
            expected_version=0,
            actor=interview.interviewer,
            now=now,
        )
        db.session.commit()
        return feedback.id

    return job


def test_two_submits_of_the_same_feedback_end_with_one_submission_and_a_conflict(app, over, clock):
    interview = over.panel[1]
    ids = (interview.id, interview.interviewer_id)
    now = clock()
    db.session.commit()  # no transaction held by the test while the writers race
    results = race(app, _submit_job(*ids, now, "Alpha"), _submit_job(*ids, now, "Beta"))

    conflicts = [r for r in results if isinstance(r, Conflict)]
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1 and len(conflicts) == 1, results
    assert "already submitted at" in conflicts[0].message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 1
    # Nothing half-written: the one feedback holds one submission's text, whole.
    evidence = db.session.scalars(sa.select(PrincipleRating.evidence)).all()
    assert len(evidence) == len(interview.principles)
    assert len({text.split()[0] for text in evidence}) == 1
    submitted_events = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "feedback.submitted")
    )
    assert submitted_events == 1


def test_two_submit_clicks_over_http_give_one_redirect_and_one_409(app, over, login_as):
    interview = over.panel[1]
    first, second = login_as(interview.interviewer), login_as(interview.interviewer)
    url = f"/interviews/{interview.id}/feedback"
    data = form_data(interview, action="submit")
    db.session.commit()

    results = race(app, lambda: first.post(url, data=data), lambda: second.post(url, data=data))
    statuses = sorted(response.status_code for response in results)
    assert statuses == [302, 409]
    refused = next(response for response in results if response.status_code == 409)
    assert "This feedback was already submitted at" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 1


def test_the_last_two_submissions_at_once_tell_the_bar_raiser_exactly_once(app, over, clock):
    now = clock()
    for interview in over.panel[:-2]:
        submit_feedback(
            interview, content(interview), expected_version=0, actor=interview.interviewer, now=now
        )
    db.session.commit()
    last_two = [(i.id, i.interviewer_id) for i in over.panel[-2:]]
    db.session.commit()

    results = race(app, *[_submit_job(*ids, now, "Last") for ids in last_two])
    assert all(isinstance(result, int) for result in results), results
    messages = db.session.scalars(
        sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "loop_ready")
    ).all()
    assert messages == [f"loop-ready:{over.loop.id}"]
