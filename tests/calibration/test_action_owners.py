"""An action item's owner — whatever roles they hold, an interviewer included — sees it on their
home page, moves it along and closes it there, and is told when it is assigned or changed."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import Role
from barraiser.calibration.actions import create_action, update_action
from barraiser.calibration.models import ActionItem, ActionStatus
from barraiser.errors import Forbidden
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage

DUE = date(2026, 3, 20)


@pytest.fixture
def item(app, make_user, clock):
    """An action owned by someone who only interviews, about another interviewer."""
    inspector = make_user("committee@example.com", roles=(Role.INSPECTOR,))
    owner = make_user("owner@example.com", name="Olive Owner")
    subject = make_user("subject@example.com", name="Sam Subject")
    action = create_action(
        subject_email=subject.email,
        reason="Sam rates everyone a 4: calibrate with a shadowed loop.",
        owner_id=owner.id,
        due_on=DUE,
        actor=inspector,
        now=clock(),
    )
    db.session.commit()
    return action


def _messages(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def _client(who, item, login_as):
    return login_as(item.owner) if who == "owner" else login_as(who)


WHO = ["owner", "interviewer", "hiring_manager", "recruiter", "inspector", "admin"]
# route → who gets what; everyone else: 404 (someone else's action item is not theirs to know).
EXPECTED = {
    ("GET", ""): {"owner": 200, "inspector": 200, "admin": 200},
    ("POST", "/progress"): {"owner": 302, "inspector": 302, "admin": 302},
    ("POST", ""): {"owner": 403, "inspector": 302, "admin": 302},
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", list(EXPECTED))
def test_who_may_see_and_move_an_action_item(item, login_as, who, route):
    method, path = route
    client = _client(who, item, login_as)
    url = f"/calibration/actions/{item.id}{path}"
    form = {"status": "in_progress", "notes": "Booked a session.", "version": "1"}
    if path == "":
        form |= {"owner": str(item.owner_id), "due_on": DUE.isoformat()}
    response = client.get(url) if method == "GET" else client.post(url, data=form)
    assert response.status_code == EXPECTED[route].get(who, 404)
    db.session.expire_all()
    moved = response.status_code == 302
    assert (item.status is ActionStatus.IN_PROGRESS) is moved
    # The committee's list stays the committee's.
    listing = client.get("/calibration/actions").status_code
    assert listing == (200 if who in ("inspector", "admin") else 403)


def test_the_owner_closes_it_from_home_and_is_told_of_changes_by_others(item, login_as, clock):
    assert [m.recipient_id for m in _messages("action_assigned")] == [item.owner_id]
    assert _messages("action_assigned")[0].link == f"/calibration/actions/{item.id}"

    inspector = login_as("inspector")
    inspector.post(
        f"/calibration/actions/{item.id}",
        data={
            "status": "open",
            "owner": str(item.owner_id),
            "due_on": DUE.isoformat(),
            "notes": "Pair with Dara.",
            "version": "1",
        },
    )
    changed = _messages("action_changed")
    assert [m.recipient_id for m in changed] == [item.owner_id]
    assert "Inspector" in changed[0].subject or "changed by" in changed[0].subject

    owner = login_as(item.owner)
    home = owner.get("/").get_data(as_text=True)
    assert "Your action items" in home and "Sam rates everyone a 4" in home
    response = owner.post(
        f"/calibration/actions/{item.id}/progress",
        data={"status": "closed", "notes": "Done: calibrated.", "version": "2", "next": "home"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    db.session.expire_all()
    assert item.status is ActionStatus.CLOSED and item.notes == "Done: calibrated."
    closed = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "action.closed"))
    assert closed.actor_id == item.owner_id
    assert len(_messages("action_changed")) == 1  # their own change tells nobody
    assert "Your action items" not in owner.get("/").get_data(as_text=True)


def test_an_owner_neither_reassigns_nor_moves_the_due_date(item, make_user, clock):
    other = make_user("other@example.com")
    for change in (
        {"owner_id": other.id, "due_on": DUE},
        {"owner_id": item.owner_id, "due_on": date(2026, 4, 1)},
    ):
        with pytest.raises(Forbidden, match="Only inspectors"):
            update_action(
                item,
                status=item.status,
                notes="",
                version=item.version,
                actor=item.owner,
                now=clock(),
                **change,
            )
    db.session.rollback()
    assert db.session.get(ActionItem, item.id).owner_id != other.id


def _progress_form(page: str, action_id: int) -> str:
    """The item's progress form on a page: whitespace, the CSRF token (these tests turn the
    check off, which only the page's form then leaves out) and the home page's way back aside."""
    match = re.search(rf'<form[^>]*data-testid="action-progress-{action_id}".*?</form>', page, re.S)
    assert match is not None
    form = match.group(0).replace('<input type="hidden" name="next" value="home">', "")
    form = re.sub(r"<input id=\"csrf_token\" [^>]*>", "", form)
    return re.sub(r"\s+", " ", form.replace(">", "> ").replace("<", " <")).strip()


@pytest.mark.parametrize("status", [ActionStatus.OPEN, ActionStatus.IN_PROGRESS])
def test_the_home_page_offers_the_same_form_as_the_action_page(item, login_as, clock, status):
    update_action(
        item,
        status=status,
        owner_id=item.owner_id,
        due_on=DUE,
        notes='Pair with "Dara" <soon> & book it.',
        version=item.version,
        actor=None,
        now=clock(),
    )
    db.session.commit()
    owner = login_as(item.owner)
    home = _progress_form(owner.get("/").get_data(as_text=True), item.id)
    page = _progress_form(
        owner.get(f"/calibration/actions/{item.id}").get_data(as_text=True), item.id
    )
    assert home == page
    assert "&lt;soon&gt; &amp; book it" in home and f'value="{item.version}"' in home
