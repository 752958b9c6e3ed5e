"""Retiring a principle open requisitions require, and closing a requisition with loops under
way, are confirmed knowing what they affect: the server asks (409, the list), whatever the
browser runs, and nothing changes until the confirmed form comes back."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.domain import LoopState
from barraiser.errors import NeedsConfirmation
from barraiser.extensions import db
from barraiser.principles.services import retire_principle
from barraiser.requisitions.models import RequisitionStatus


def test_retiring_a_required_principle_lists_the_requisitions_first(make_loop, login_as, clock):
    built = make_loop()
    requisition = built.loop.requisition
    principle = requisition.required_principles[0]
    admin = login_as("admin")
    asked = admin.post(f"/principles/{principle.id}/retire")
    assert asked.status_code == 409
    page = html.unescape(asked.get_data(as_text=True))
    assert "1 open requisition requires" in page and requisition.title in page
    assert f"/requisitions/{requisition.id}" in page and 'name="confirmed" value="yes"' in page
    db.session.expire_all()
    assert not principle.retired and principle in requisition.required_principles
    with pytest.raises(NeedsConfirmation):
        retire_principle(principle, actor=admin.user, now=clock())
    db.session.rollback()

    done = admin.post(f"/principles/{principle.id}/retire", data={"confirmed": "yes"})
    assert done.status_code == 302
    db.session.expire_all()
    assert principle.retired and principle not in requisition.required_principles
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "principle.retired"))
    assert event.details["requisitions"] == [requisition.id]
    # A new loop for the requisition no longer has to cover it.
    assert built.loop.state is LoopState.SCHEDULED


@pytest.mark.parametrize("state", [LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DECIDED])
def test_closing_a_requisition_with_loops_under_way_is_confirmed(make_loop, login_as, state):
    built = make_loop(state=state) if state is not LoopState.DECIDED else make_loop()
    if state is LoopState.DECIDED:
        built.loop.state, built.loop.outcome = state, "no_hire"
        built.loop.decided_at = built.loop.created_at
        db.session.commit()
    requisition = built.loop.requisition
    recruiter = login_as("recruiter")
    url = f"/requisitions/{requisition.id}/close"
    response = recruiter.post(url)
    db.session.expire_all()
    if state is LoopState.DECIDED:  # nothing under way: closed at once
        assert response.status_code == 302 and requisition.status is RequisitionStatus.CLOSED
        return
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert "1 loop is under way" in page and f"Loop #{built.loop.id}" in page
    assert built.loop.candidate.display_name in page
    assert requisition.status is RequisitionStatus.OPEN
    assert recruiter.post(url, data={"confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert requisition.status is RequisitionStatus.CLOSED and built.loop.state is state
