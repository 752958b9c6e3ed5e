"""Heavy work run below the request's CPU priority: the same result, the same errors, the same
app and session, the lower priority only for the work's own thread."""

from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa
from flask import current_app

from barraiser.extensions import db
from barraiser.priority import at_low_priority


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_the_work_runs_niced_in_its_own_thread_and_the_caller_keeps_its_priority(app):
    before = _nice()
    seen = at_low_priority(lambda: (threading.get_native_id(), _nice()), niceness=5)
    assert seen[0] != threading.get_native_id()
    assert seen[1] == min(before + 5, 19)
    assert _nice() == before


def test_threads_the_work_starts_run_at_its_priority(app):
    def work() -> int:
        found: list[int] = []
        reader = threading.Thread(target=lambda: found.append(_nice()))
        reader.start()
        reader.join()
        return found[0]

    assert at_low_priority(work, niceness=4) == min(_nice() + 4, 19)


def test_the_work_sees_the_callers_app_and_database_session(app):
    db.session.execute(sa.text("SELECT 1"))
    session = db.session()

    def work() -> tuple[object, object, int]:
        return (
            current_app._get_current_object(),
            db.session(),
            db.session.scalar(sa.text("SELECT 2")),
        )

    assert at_low_priority(work, niceness=3) == (app, session, 2)


def test_an_error_in_the_work_is_raised_to_the_caller(app):
    def work() -> None:
        raise LookupError("no such report")

    with pytest.raises(LookupError, match="no such report"):
        at_low_priority(work, niceness=3)


def test_no_niceness_runs_the_work_in_the_callers_thread(app):
    assert at_low_priority(threading.get_native_id, niceness=0) == threading.get_native_id()
