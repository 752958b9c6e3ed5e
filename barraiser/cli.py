"""Flask commands: init, create-user, invite, demo, import-history, remind, worker, calibration."""

from __future__ import annotations

import json
import logging
import secrets
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from werkzeug.serving import run_simple

from . import clock
from .api.models import Scope, TokenKind
from .api.services import MAX_EXPIRY_DAYS, create_token
from .auth.links import issue_password_link
from .auth.models import BarRaiserStatus, PasswordLinkPurpose, Role, User
from .auth.services import create_user, set_bar_raiser_status, user_by_email
from .calibration.export import report_to_csv
from .calibration.forms import parse_filters
from .calibration.report import calibration_report
from .database import schema_lock
from .errors import DomainError
from .extensions import db
from .history.services import FORMATS, HistoryRejected, import_history
from .lazy import lazy_module
from .principles.services import seed_default_catalog
from .worker import Worker, sweep

if TYPE_CHECKING:
    import flask_migrate
    import flask_migrate.cli as migrate_cli

    from .demo import organisation as demo_organisation
else:  # Alembic comes with it: imported when the schema is changed, not at start-up
    flask_migrate = lazy_module("flask_migrate")
    migrate_cli = lazy_module("flask_migrate.cli")
    # The demo's people and history: for the demo command alone, never for serving pages.
    demo_organisation = lazy_module("barraiser.demo.organisation")

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def bind_migrations(app: Flask) -> None:
    """Give `app` Flask-Migrate: its settings (`app.extensions["migrate"]`, which the migrations'
    env.py reads) and its `flask db` commands. Done when a command that changes the schema runs,
    not in create_app: importing it loads Alembic (some 70 ms), which serving pages never needs."""
    if "migrate" in app.extensions:
        return
    # Alembic announces its plugins (INFO) as it is imported: imported at start-up, before
    # logging was set up, it was never heard; it stays quiet now that it comes later.
    plugins = logging.getLogger("alembic.runtime.plugins")
    level = plugins.level
    plugins.setLevel(logging.WARNING)
    try:
        flask_migrate.Migrate(app, db, directory=str(MIGRATIONS), compare_type=True)
    finally:
        plugins.setLevel(level)


class SchemaCommands(click.Group):
    """`flask db ...`: Flask-Migrate's commands (upgrade, check, migrate, ...), bound to the app
    when one of them runs (see `bind_migrations`)."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations.")
        self.app = app

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # The context made here is the real group's: click invokes what it holds.
        bind_migrations(self.app)
        return migrate_cli.db.make_context(info_name, args, parent=parent, **extra)


def upgrade_and_seed() -> int:
    """Bring the schema to head and add any missing default principles. Safe to repeat, and to
    run from several hosts at once: one does the work while the others wait, then find nothing
    left to do."""
    with schema_lock():
        bind_migrations(current_app._get_current_object())  # type: ignore[attr-defined]
        flask_migrate.upgrade()
        added = seed_default_catalog(now=clock.now())
        db.session.commit()
    return added


@click.command("init")
def init_command() -> None:
    """Create or upgrade the database schema and seed the principle catalog."""
    added = upgrade_and_seed()
    click.echo(f"Database is at the latest schema; {added} principle(s) added to the catalog.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--department", default="")
@click.option("--level", type=click.IntRange(1, 12), default=4, show_default=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([role.value for role in Role]),
    help="Repeat for several roles.",
)
@click.option(
    "--bar-raiser",
    type=click.Choice([status.value for status in BarRaiserStatus]),
    default=BarRaiserStatus.NONE.value,
    show_default=True,
)
@click.password_option(help="Prompted for when omitted.")
def create_user_command(
    email: str,
    name: str,
    department: str,
    level: int,
    roles: tuple[str, ...],
    bar_raiser: str,
    password: str,
) -> None:
    """Create a user who can log in (the first admin, typically)."""
    now = clock.now()
    try:
        user = create_user(
            email=email,
            name=name,
            department=department,
            level=level,
            roles=[Role(value) for value in roles],
            password=password,
            actor=None,
            now=now,
        )
        # The operator at the console certifies: recorded with no actor, like every CLI change.
        set_bar_raiser_status(user, BarRaiserStatus(bar_raiser), actor=None, now=now)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(roles)) or 'interviewer'}.")


@click.command("invite")
@click.option("--email", "emails", multiple=True, help="Repeat for several users.")
@click.option(
    "--all-without-password",
    is_flag=True,
    help="Every active user who has no password yet (imported users, say).",
)
def invite_command(emails: tuple[str, ...], all_without_password: bool) -> None:
    """Queue set-password links by email (`flask remind` delivers queued messages)."""
    users = []
    for email in emails:
        user = user_by_email(email)
        if user is None:
            raise click.ClickException(f"No user has the email {email}.")
        users.append(user)
    if all_without_password:
        users += db.session.scalars(
            sa.select(User)
            .where(User.password_hash.is_(None), User.active.is_(True))
            .order_by(User.id)
        )
    if not users:
        raise click.UsageError("Name users with --email, or use --all-without-password.")
    now = clock.now()
    hours = current_app.config["PASSWORD_LINK_HOURS"]
    try:
        for user in dict.fromkeys(users):
            purpose = (
                PasswordLinkPurpose.RESET if user.password_hash else PasswordLinkPurpose.INVITE
            )
            issue_password_link(
                user, purpose=purpose, actor=None, now=now, valid_for=timedelta(hours=hours)
            )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Queued a set-password link for {len(dict.fromkeys(users))} user(s).")


@click.command("demo")
@click.option("--password", help="Password for every demo account; generated when omitted.")
@click.option("--serve", is_flag=True, help="Start the development server afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--sweep-every",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="With --serve: seconds between the in-process worker's sweeps.",
)
@click.option(
    "--reset",
    is_flag=True,
    help="Empty the database first. Without it, demo refuses a database that holds users.",
)
def demo_command(
    password: str | None, serve: bool, host: str, port: int, sweep_every: float, reset: bool
) -> None:
    """Build a fresh demo organisation (and optionally serve it, with a worker delivering its
    messages in the same process: to the log, unless MAIL_SERVER is set)."""
    if reset:
        with schema_lock():
            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade_and_seed()
    if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        raise click.ClickException(
            "This database already holds users; run demo with --reset to replace them "
            "(everything in it is deleted)."
        )
    password = password or secrets.token_urlsafe(9)
    try:
        accounts = demo_organisation.build_demo_organisation(password=password, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    url = f"http://{host}:{port}/login"
    click.echo(f"Demo organisation ready. Open {url}")
    click.echo(f"Every account's password: {password}")
    for email, description in accounts:
        click.echo(f"  {email:<28} {description}")
    sys.stdout.flush()
    if serve:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        Worker(app, interval=sweep_every).start_in_background()
        # Flask refuses app.run() inside its own CLI; werkzeug's server is what it would start.
        run_simple(host, port, app, threaded=True)


@click.command("import-history")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "source",
    type=click.Choice(FORMATS),
    help="csv (our format; the default for any file but .json), greenhouse (Harvest "
    "scorecards) or lever (feedback); required for a .json file.",
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="For greenhouse and lever: the JSON file of principles, people and loops.",
)
def import_history_command(file: Path, source: str | None, mapping: Path | None) -> None:
    """Import past loops from a history CSV or an ATS export (docs/import-format.md)."""
    source = source or ("csv" if file.suffix.lower() != ".json" else "")
    if not source:
        raise click.UsageError("A .json file is an ATS export: say --format greenhouse or lever.")
    if source != "csv" and mapping is None:
        raise click.UsageError(f"--format {source} needs --mapping (see docs/import-format.md).")
    if source == "csv" and mapping is not None:
        raise click.UsageError("--mapping is for the greenhouse and lever formats only.")
    try:
        # Opened, not read: the import reads a CSV as a stream, never whole.
        data = file.open("rb")
        mapping_data = mapping.read_bytes() if mapping is not None else None
    except OSError as error:
        raise click.ClickException(f"Cannot read {error.filename}: {error.strerror}.") from error
    started = time.perf_counter()
    try:
        with data:
            summary = import_history(
                data,
                file_name=file.name,
                now=clock.now(),
                progress=lambda message: click.echo(message, err=True),
                source=source,
                mapping=mapping_data,
                mapping_name=mapping.name if mapping is not None else "",
            )
    except HistoryRejected as rejected:
        db.session.rollback()
        for problem in rejected.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(rejected.problems)} problem(s). Nothing was imported.", err=True)
        raise click.exceptions.Exit(1) from None
    except sa.exc.DBAPIError as error:
        db.session.rollback()
        raise click.ClickException(
            f"The database refused the import ({error.orig}). Nothing was imported; "
            "is the schema up to date (flask init)?"
        ) from error
    db.session.commit()
    seconds = time.perf_counter() - started
    click.echo(
        f"Imported {summary.loops} loops ({summary.interviews} interviews) in {seconds:.1f} s; "
        f"{summary.skipped} already present."
    )
    if summary.users_created or summary.requisitions_created:
        click.echo(
            f"Created {summary.users_created} user(s), who cannot log in until invited "
            "(flask invite --all-without-password), "
            f"and {summary.requisitions_created} requisition(s)."
        )


@click.command("remind")
def remind_command() -> None:
    """One sweep: queue due feedback reminders, then deliver the messages that are due. Safe to
    run from cron every few minutes, on several hosts at once: each reminder step is queued once
    and each message sent once. Exits 1 when a send failed (it will be retried)."""
    report = sweep(now=clock.now())
    click.echo(str(report))
    if report.delivery.failed:
        raise click.ClickException(
            f"{report.delivery.failed} message(s) could not be sent; see the log. They are "
            "retried later (admins see them under Messages)."
        )


@click.command("worker")
@click.option(
    "--interval",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds between sweeps.",
)
def worker_command(interval: float) -> None:
    """Sweep every INTERVAL seconds (reminders, then delivery) until SIGTERM or SIGINT, then
    finish the message in hand and exit 0. Run one on every host."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = Worker(app, interval=interval)

    def stop(signum: int, frame: object) -> None:
        app.logger.info("%s: stopping after the message in hand", signal.Signals(signum).name)
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    current_app.logger.info("worker: a sweep every %ss", interval)
    worker.run()
    current_app.logger.info("worker stopped")


@click.command("calibration")
@click.option("--format", "output", type=click.Choice(["json", "csv"]), default="json")
@click.option("--since", help="First interview on or after this date (YYYY-MM-DD).")
@click.option("--until", help="... and on or before this date; default today.")
@click.option("--department", help="Only this department's requisitions.")
@click.option("--requisition", help="Only this requisition (its id).")
def calibration_command(
    output: str,
    since: str | None,
    until: str | None,
    department: str | None,
    requisition: str | None,
) -> None:
    """Print the calibration report (default: the last 90 days) on stdout, and nothing else."""
    now = clock.now()
    given = {"since": since, "until": until, "department": department, "requisition": requisition}
    parsed = parse_filters(
        {key: value for key, value in given.items() if value is not None}, today=now.date()
    )
    if parsed.filters is None:
        for name, message in parsed.problems:
            click.echo(f"Error: --{name}: {message}", err=True)
        raise click.exceptions.Exit(2)
    report = calibration_report(parsed.filters, now=now)
    if output == "csv":
        click.echo(report_to_csv(report), nl=False)
    else:
        click.echo(json.dumps(report, indent=2, sort_keys=True))


# --- API tokens -----------------------------------------------------------------------------------


@click.command("create-token")
@click.option(
    "--user", "email", required=True, help="The token's user (personal) or maker (service)."
)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice([scope.value for scope in Scope]),
    help="Makes a service token with these scopes; without any, a personal token.",
)
@click.option(
    "--expires-days", type=click.IntRange(1, MAX_EXPIRY_DAYS), default=90, show_default=True
)
@click.option("--name", default="command line", show_default=True)
def create_token_command(email: str, scopes: tuple[str, ...], expires_days: int, name: str) -> None:
    """Make an API token and print it, once: only its hash is kept."""
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    if user is None:
        raise click.ClickException(f"There is no user {email}.")
    kind = TokenKind.SERVICE if scopes else TokenKind.PERSONAL
    try:
        token, secret = create_token(
            user=user,
            name=name,
            kind=kind,
            scopes=scopes,
            expires_days=expires_days,
            actor=None,
            now=clock.now(),
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(secret)
    click.echo(f"{kind.value} token {token.prefix}… for {user.email}; shown once.", err=True)


def register_commands(app: Flask) -> None:
    for command in (
        init_command,
        create_user_command,
        invite_command,
        demo_command,
        import_history_command,
        remind_command,
        worker_command,
        calibration_command,
        create_token_command,
    ):
        app.cli.add_command(command)
    app.cli.add_command(SchemaCommands(app))
