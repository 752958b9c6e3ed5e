"""What every page's frame reads (barraiser/frame.py): the unread count and the settings in force
come with the signed-in person in one statement, are exactly what a statement of their own would
read, and are read again once the transaction has written or ended."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from notices import queue_notices

from barraiser import frame
from barraiser.auth.models import Role
from barraiser.auth.sessions import open_login_session
from barraiser.auth.views import load_user
from barraiser.extensions import db
from barraiser.outbox.queries import UNREAD_WITH_LOGIN
from barraiser.settings.services import (
    _STORED,
    STORED_WITH_LOGIN,
    _settings_from,
    _stored_rows,
    change_settings,
    current_settings,
)


def _signed_in(app, user, clock) -> None:
    """A new transaction that has just loaded `user` from a login session, as a page does."""
    token = open_login_session(user, now=clock())
    db.session.commit()
    with app.test_request_context("/"):
        loaded = load_user(token)
    assert loaded is not None and loaded.id == user.id


CHANGES = {
    "none stored": {},
    "every kind": {
        "time_zone": "America/Argentina/Buenos_Aires",
        "flag_leniency_threshold": 0.1 + 0.2,
        "flag_agreement_floor": 0.55,
        "allow_principle_overlap": True,
        "candidate_survey": False,
        "feedback_deadline_hours": 36,
        "min_panel_size": 5,
    },
}


@pytest.mark.parametrize("changes", list(CHANGES.values()), ids=list(CHANGES))
def test_the_settings_read_with_the_login_are_the_stored_ones(app, make_user, clock, changes):
    admin = make_user("admin@example.com", roles=(Role.ADMIN,))
    if changes:
        change_settings(current_settings().replace(**changes), actor=admin, now=clock())
        db.session.commit()
    _signed_in(app, admin, clock)
    assert frame.kept(STORED_WITH_LOGIN) is not frame.MISSING
    with_login = current_settings()
    assert with_login == _settings_from(db.session.execute(_STORED))
    for key, value in changes.items():
        assert getattr(with_login, key) == value


def test_the_unread_count_read_with_the_login(app, make_user, clock):
    person = make_user("nina@example.com")
    someone_else = make_user("omar@example.com")
    queue_notices(person, clock, 3)
    queue_notices(someone_else, clock, 2)
    db.session.commit()
    _signed_in(app, person, clock)
    assert frame.kept(UNREAD_WITH_LOGIN) == 3


def test_a_write_or_the_transactions_end_forgets_what_was_read_with_the_login(
    app, make_user, clock
):
    person = make_user("nina@example.com")
    _signed_in(app, person, clock)
    assert frame.kept(UNREAD_WITH_LOGIN) == 0
    person.name = "Nina Renamed"
    db.session.flush()
    assert frame.kept(UNREAD_WITH_LOGIN) is frame.MISSING

    _signed_in(app, person, clock)
    db.session.execute(sa.update(type(person)).where(type(person).id == person.id).values(level=5))
    assert frame.kept(UNREAD_WITH_LOGIN) is frame.MISSING

    _signed_in(app, person, clock)
    db.session.commit()
    assert frame.kept(UNREAD_WITH_LOGIN) is frame.MISSING
    # ...and then a page reads them itself, as they are now
    queue_notices(person, clock, 1)
    db.session.commit()
    assert frame.kept(STORED_WITH_LOGIN) is frame.MISSING
    assert current_settings() == _settings_from(db.session.execute(_STORED))


def test_what_was_read_is_kept_over_the_commit_that_marks_the_session_seen(app, make_user, clock):
    person = make_user("nina@example.com")
    queue_notices(person, clock, 2)
    token = open_login_session(person, now=clock())
    db.session.commit()
    clock.advance(minutes=5)
    with app.test_request_context("/"):
        assert load_user(token) is not None
    assert frame.kept(UNREAD_WITH_LOGIN) == 2


def test_a_setting_changed_in_the_transaction_is_the_one_in_force(app, make_user, clock):
    admin = make_user("admin@example.com", roles=(Role.ADMIN,))
    _signed_in(app, admin, clock)
    assert current_settings().time_zone == "UTC"
    change_settings(current_settings().replace(time_zone="Asia/Tokyo"), actor=admin, now=clock())
    assert current_settings().time_zone == "Asia/Tokyo"


def test_a_page_reads_its_frame_with_the_login(app, make_user, clock, login_as, count_queries):
    admin = make_user("admin@example.com", roles=(Role.ADMIN,))
    change_settings(current_settings().replace(time_zone="Asia/Tokyo"), actor=admin, now=clock())
    queue_notices(admin, clock, 2)
    db.session.commit()
    client = login_as(admin)
    client.get("/notifications/")
    with count_queries() as counted:
        page = client.get("/notifications/").get_data(as_text=True)
    assert re.search(r'data-testid="unread-count">2<', page)
    alone = [
        statement
        for statement in counted.statements
        if re.match(r"\s*SELECT (count\(outbox_message.id\)|mechanism_setting.key)", statement)
    ]
    assert alone == []
    assert "mechanism_setting" in counted.statements[0]


def test_nothing_is_registered_once_the_login_statement_is_built(app, make_user, clock):
    _signed_in(app, make_user("nina@example.com"), clock)
    with pytest.raises(RuntimeError):
        frame.read_with_login("too_late", lambda user_id: sa.literal(1))


def test_stored_text_splits_back_exactly():
    text = "\x1e".join(
        [
            "a\x1f'\"it''s\"'",  # SQLite's quote() of JSON text holding a quote
            "b\x1f3.00000000000000044408e-01",
            "c\x1f'true'",
            "d\x1f36",
        ]
    )
    assert _stored_rows(text) == [("a", "it's"), ("b", 0.1 + 0.2), ("c", True), ("d", 36)]
    assert _stored_rows(None) == []
