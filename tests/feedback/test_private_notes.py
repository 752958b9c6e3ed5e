"""An interviewer's private notes: kept with the draft and shown back to their author alone —
never on the panel's pages, the debrief (print view included), the loop, the audit log or the
candidate export, whatever other roles the reader holds — and erased with the candidate."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa
from feedback.writing import after_interviews, content, current_version, form_data, submit_for

from barraiser.auth.models import Role, UserRole
from barraiser.debrief import services as debrief
from barraiser.domain import Outcome
from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.feedback.services import submit_feedback
from barraiser.privacy.services import candidate_export, erase_candidate

NOTES = "PRIVATENOTE she paused a long time before the second question"


def _write_notes(built, clock):
    """Panelist 1 submits with private notes; everyone else submits; the debrief opens."""
    clock.set(after_interviews(built))
    interview = built.panel[1]
    submit_feedback(
        interview,
        replace(content(interview), private_notes=NOTES),
        expected_version=current_version(interview),
        actor=interview.interviewer,
        now=clock(),
    )
    db.session.commit()
    for other in built.loop.interviews:
        if other.id != interview.id:
            submit_for(other, clock())
    debrief.open_debrief(built.loop, actor=built.bar_raiser, now=clock())
    db.session.commit()
    return interview


def test_notes_are_kept_with_the_draft_and_shown_back_to_their_author(make_loop, login_as, clock):
    built = make_loop()
    clock.set(after_interviews(built))
    interview = built.panel[1]
    client = login_as(interview.interviewer)
    data = form_data(interview)
    data["private_notes"] = NOTES
    assert (
        client.post(f"/interviews/{interview.id}/feedback/draft.json", data=data).status_code == 200
    )
    assert db.session.scalar(sa.select(Feedback.private_notes)) == NOTES
    page = client.get(f"/interviews/{interview.id}/feedback").get_data(as_text=True)
    assert NOTES in page and "Only you ever see these" in page


@pytest.mark.parametrize("extra", [None, Role.ADMIN, Role.RECRUITER, Role.INSPECTOR])
@pytest.mark.parametrize("seat", ["bar_raiser", "panelist", "hiring_manager"])
def test_no_one_else_ever_reads_the_notes(make_loop, login_as, clock, seat, extra):
    built = make_loop(with_shadow=True)
    interview = _write_notes(built, clock)
    reader = {
        "bar_raiser": built.bar_raiser,
        "panelist": built.interviewers[2],
        "hiring_manager": built.hiring_manager,
    }[seat]
    if extra is not None:
        reader.role_rows.append(UserRole(role=extra))
        db.session.commit()
    loop_id, candidate_id = built.loop.id, built.loop.candidate_id
    client = login_as(reader)
    urls = [
        f"/loops/{loop_id}/debrief",
        f"/loops/{loop_id}/debrief/print",
        f"/loops/{loop_id}/feedback",
        f"/loops/{loop_id}",
        f"/candidates/{candidate_id}",
        f"/candidates/{candidate_id}/export.json",
        "/admin/audit/",
        "/",
    ]
    read = 0
    for url in urls:
        response = client.get(url)
        assert NOTES not in response.get_data(as_text=True), url
        read += response.status_code == 200
    assert read >= 3  # the debrief, its print view and the panel's page at least
    # Their author still reads them.
    own = login_as(interview.interviewer).get(f"/interviews/{interview.id}/feedback")
    assert NOTES in own.get_data(as_text=True)


def test_the_export_withholds_the_notes_and_erasure_blanks_them(make_loop, clock):
    built = make_loop()
    _write_notes(built, clock)
    debrief.propose(
        built.loop,
        decision=Outcome.NO_HIRE,
        rationale="No.",
        early_reason="Now.",
        actor=built.hiring_manager,
        now=clock(),
    )
    debrief.concur(built.loop, actor=built.bar_raiser, now=clock())
    db.session.commit()
    candidate = built.loop.candidate
    exported = str(candidate_export(candidate))
    assert NOTES not in exported and "withheld: private to the interviewer" in exported
    erase_candidate(candidate, actor=None, now=clock())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(Feedback.private_notes != "")) == 0
