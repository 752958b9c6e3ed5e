"""Flask commands: init, create-user, demo. Later slices add theirs here."""

from __future__ import annotations

import secrets
import sys

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask_migrate import upgrade

from . import clock
from .auth.models import BarRaiserStatus, Role, User
from .auth.services import create_user, set_bar_raiser_status
from .demo import build_demo_organisation
from .errors import DomainError
from .extensions import db
from .principles.services import seed_default_catalog


def upgrade_and_seed() -> int:
    """Bring the schema to head and add any missing default principles. Safe to repeat."""
    upgrade()
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


@click.command("demo")
@click.option("--password", help="Password for every demo account; generated when omitted.")
@click.option("--serve", is_flag=True, help="Start the development server afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--reset",
    is_flag=True,
    help="Empty the database first. Without it, demo refuses a database that holds users.",
)
def demo_command(password: str | None, serve: bool, host: str, port: int, reset: bool) -> None:
    """Build a fresh demo organisation (and optionally serve it)."""
    if reset:
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
        accounts = build_demo_organisation(password=password, now=clock.now())
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
        current_app.run(host=host, port=port, debug=False, use_reloader=False)


def register_commands(app: Flask) -> None:
    for command in (init_command, create_user_command, demo_command):
        app.cli.add_command(command)
