"""Shared fixtures: the app on SQLite (default) or PostgreSQL (TEST_DATABASE_URL), a clean database
for every test that asks for `app`, a controllable clock, users by role and a logged-in client."""

from __future__ import annotations

import contextvars
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import flask_migrate
import postgres
import pytest
import sqlalchemy as sa
from builders import BuiltLoop, build_loop
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from barraiser import create_app
from barraiser.auth.models import BarRaiserStatus, Role, User
from barraiser.auth.services import create_user, hash_password, set_bar_raiser_status
from barraiser.cli import bind_migrations
from barraiser.config import normalise_database_url
from barraiser.extensions import db, limiter
from barraiser.principles.services import seed_default_catalog

PASSWORD = "correct horse battery"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


@dataclass
class Clock:
    """The app's notion of now, moved by tests instead of sleeping."""

    current: datetime = START

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, when: datetime) -> datetime:
        self.current = when
        return when


def _database_url(tmp_path_factory: pytest.TempPathFactory, worker: str) -> str:
    """SQLite: a file in this run's temporary directory. PostgreSQL: TEST_DATABASE_URL's database,
    or, when the suite runs in several worker processes, a database of each worker's own beside it
    (made afresh here, dropped at the end)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    url = normalise_database_url(url)
    if worker == "master":
        return url
    parsed = sa.engine.make_url(url)
    own = parsed.set(database=f"{parsed.database}_{worker}")
    postgres.drop_database(own.database)
    postgres.create_database(own.database)
    return own.render_as_string(hide_password=False)


def _drop_everything(app: Flask) -> None:
    with app.app_context():
        reflected = sa.MetaData()
        reflected.reflect(bind=db.engine)
        reflected.drop_all(bind=db.engine)


class IsolatedClient(FlaskClient):
    """A test client whose requests run as they do in production: each in its own app context,
    with its own `g` and database session, not the test body's.

    The test body's open transaction is committed first, so what the test set up is visible to
    the request and SQLite's write lock is free for it.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def _app(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Flask]:
    database_url = _database_url(tmp_path_factory, worker_id)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_PROFILE": "CHEAPEST",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
            # Off: each test builds the report from its own data (tests/calibration/test_cache.py
            # turns it on).
            "CALIBRATION_CACHE_SECONDS": 0,
        }
    )
    app.test_client_class = IsolatedClient
    _drop_everything(app)
    bind_migrations(app)
    with app.app_context():
        # 'heads': slices developed side by side may each add a migration branch.
        flask_migrate.upgrade(revision="heads")
    yield app
    with app.app_context():
        db.engine.dispose()
    if worker_id != "master" and database_url.startswith("postgresql"):
        postgres.drop_database(sa.engine.make_url(database_url).database)


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    connection.execute(table.delete())


@pytest.fixture
def clock(_app: Flask) -> Iterator[Clock]:
    the_clock = Clock()
    _app.config["CLOCK"] = the_clock
    yield the_clock
    _app.config.pop("CLOCK", None)


@pytest.fixture
def app(_app: Flask, clock: Clock) -> Iterator[Flask]:
    """The app with an empty database holding only the default principle catalog.

    An app context is pushed for the test body, as a CLI command or a service call would have.
    """
    _empty_tables(_app)
    limiter.reset()
    with _app.app_context():
        seed_default_catalog(now=clock())
        db.session.commit()
        yield _app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask, clock: Clock) -> Callable[..., User]:
    """Create and commit a user who can log in with PASSWORD."""
    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None,
        *,
        name: str | None = None,
        roles: tuple[Role, ...] = (),
        department: str = "Payments",
        level: int = 6,
        bar_raiser: BarRaiserStatus = BarRaiserStatus.NONE,
        password: str | None = PASSWORD,
    ) -> User:
        number = next(counter)
        email = email or f"user{number}@example.com"
        user = create_user(
            email=email,
            name=name or email.split("@")[0].title(),
            department=department,
            level=level,
            roles=roles,
            password=password,
            actor=None,
            now=clock(),
        )
        set_bar_raiser_status(user, bar_raiser, actor=None, now=clock())
        db.session.commit()
        return user

    return make


ROLE_PROFILES: dict[str, dict] = {
    "admin": {"roles": (Role.ADMIN,), "department": "People"},
    "recruiter": {"roles": (Role.RECRUITER,), "department": "Talent"},
    "hiring_manager": {"roles": (Role.HIRING_MANAGER,), "department": "Payments", "level": 7},
    "inspector": {"roles": (Role.INSPECTOR,), "department": "Hiring Committee"},
    "bar_raiser": {"department": "Logistics", "level": 7, "bar_raiser": BarRaiserStatus.CERTIFIED},
    "interviewer": {"department": "Payments"},
}


@pytest.fixture
def user_in_role(make_user: Callable[..., User]) -> Callable[[str], User]:
    def make(role: str) -> User:
        return make_user(f"{role}@example.com", **ROLE_PROFILES[role])

    return make


def login(client: FlaskClient, user: User | str, password: str = PASSWORD):
    email = user if isinstance(user, str) else user.email
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def login_as(app: Flask, user_in_role: Callable[[str], User]) -> Callable[..., FlaskClient]:
    """A test client logged in as a new user in `role` (or as the given user)."""

    def make(role_or_user: str | User) -> FlaskClient:
        user = user_in_role(role_or_user) if isinstance(role_or_user, str) else role_or_user
        client = app.test_client()
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        client.user = user  # type: ignore[attr-defined]
        return client

    return make


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], contextmanager]:
    """`with count_queries() as counted: ...` then `counted.count` SQL statements were run."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        lock = threading.Lock()

        def before(conn, cursor, statement, parameters, context, executemany):
            if re.match(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)", statement, re.I):
                return
            with lock:
                counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counting


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI (BARRAISER_FAIL_ON_SKIP=1) a skipped test fails the run: every test must run there."""
    if os.environ.get("BARRAISER_FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"{len(skipped)} test(s) skipped; CI requires every test to run.", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def make_loop(app: Flask, clock: Clock) -> Callable[..., BuiltLoop]:
    """Build a valid loop straight from the models (see tests/builders.py); its people log in
    with PASSWORD."""
    password_hash = hash_password(PASSWORD)

    def make(**options) -> BuiltLoop:
        return build_loop(now=clock(), password_hash=password_hash, **options)

    return make
