"""The flask commands an operator runs: init, create-user, demo."""

from __future__ import annotations

import sqlalchemy as sa
from conftest import login

from barraiser.auth.models import BarRaiserStatus, Role, User
from barraiser.debrief.models import HirePerformance
from barraiser.domain import LoopState, Outcome
from barraiser.extensions import db
from barraiser.loops.models import Loop
from barraiser.principles.models import Principle


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_init_twice_is_harmless(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    second = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "0 principle(s) added" in second.output
    assert _count(Principle) == 16


def test_create_user_makes_an_admin_who_can_log_in(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "Root@Example.com",
            "--name",
            "Root",
            "--role",
            "admin",
            "--password",
            "a strong password",
        ]
    )
    assert result.exit_code == 0, result.output
    root = db.session.scalar(sa.select(User).where(User.email == "root@example.com"))
    assert root.roles == {Role.ADMIN}
    assert login(app.test_client(), root, "a strong password").status_code == 302


def test_create_user_can_certify_a_bar_raiser(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "bea@example.com",
            "--name",
            "Bea",
            "--bar-raiser",
            "certified",
            "--password",
            "a strong password",
        ]
    )
    assert result.exit_code == 0, result.output
    bea = db.session.scalar(sa.select(User).where(User.email == "bea@example.com"))
    assert bea.bar_raiser_status is BarRaiserStatus.CERTIFIED
    assert bea.certified_at is not None


def test_create_user_refuses_a_duplicate_without_a_traceback(app, make_user):
    make_user("ben@example.com")
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "ben@example.com",
            "--name",
            "Ben",
            "--password",
            "long enough pw",
        ]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert "Traceback" not in result.output


def test_demo_builds_the_organisation_and_prints_logins(app):
    result = app.test_cli_runner().invoke(args=["demo", "--reset", "--password", "demo-passes-1"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5000/login" in result.output
    assert "demo-passes-1" in result.output
    for email in (
        "admin@example.com",
        "recruiter@example.com",
        "hm@example.com",
        "br@example.com",
        "brit@example.com",
        "inspector@example.com",
    ):
        assert email in result.output
    db.session.expire_all()
    br = db.session.scalar(sa.select(User).where(User.email == "br@example.com"))
    hm = db.session.scalar(sa.select(User).where(User.email == "hm@example.com"))
    brit = db.session.scalar(sa.select(User).where(User.email == "brit@example.com"))
    assert br.bar_raiser_status is BarRaiserStatus.CERTIFIED
    assert br.department != hm.department
    assert brit.bar_raiser_status is BarRaiserStatus.IN_TRAINING
    interviewers = db.session.scalars(
        sa.select(User).where(~User.role_rows.any(), User.bar_raiser_status == BarRaiserStatus.NONE)
    ).all()
    assert len(interviewers) >= 6
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
    assert login(app.test_client(), admin, "demo-passes-1").status_code == 302


def test_demo_has_history_and_a_loop_in_every_state(app):
    result = app.test_cli_runner().invoke(args=["demo", "--reset", "--password", "demo-passes-1"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    states = db.session.execute(
        sa.select(Loop.state, sa.func.count())
        .where(Loop.external_ref.is_(None))
        .group_by(Loop.state)
    ).all()
    assert {state for state, _ in states} == set(LoopState)
    vetoed = db.session.scalar(
        sa.select(Loop).where(Loop.external_ref.is_(None), Loop.vetoed.is_(True))
    )
    assert vetoed is not None and vetoed.outcome is Outcome.NO_HIRE
    history = db.session.scalar(
        sa.select(sa.func.count()).select_from(Loop).where(Loop.external_ref.is_not(None))
    )
    assert history >= 300
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HirePerformance)) > 0


def test_demo_generates_a_password_when_none_is_given(app):
    result = app.test_cli_runner().invoke(args=["demo", "--reset"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Every account's password: ")[1].split()[0]
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
    assert login(app.test_client(), admin, password).status_code == 302


def test_demo_refuses_a_database_with_users_unless_reset(app, make_user):
    make_user("someone@example.com")
    result = app.test_cli_runner().invoke(args=["demo", "--password", "demo-passes-1"])
    assert result.exit_code == 1
    assert "--reset" in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "admin@example.com")) is None
