"""Start-up loads what serving pages needs and leaves the heavy libraries of a few features for
their first use: the numeric stack for the calibration report's model and intervals, Alembic for
the schema commands, Authlib for single sign-on, icalendar for invitations, zxcvbn's word lists
for judging a password, and the demo's people and history for the demo command. Each check
starts the app as gunicorn does (`import wsgi`), in a process of its own with this one's
environment and an SQLite database of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from barraiser import create_app

ROOT = Path(__file__).resolve().parent.parent
LOADED_ON_FIRST_USE = (
    "numpy",
    "scipy",
    "alembic",
    "authlib",
    "icalendar",
    "zxcvbn",
    "barraiser.demo.organisation",
)


def _start_and_run(code: str, tmp_path: Path) -> list:
    """`import wsgi`, then `code`, whose last line prints JSON: what it printed."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'startup.db'}",
        "SECRET_KEY": "startup-test",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    finished = subprocess.run(
        [sys.executable, "-c", f"import json, sys\nimport wsgi\n{code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.splitlines()[-1])


def test_the_app_starts_without_the_numeric_stack_or_the_other_heavy_libraries(tmp_path):
    loaded = _start_and_run(
        f"print(json.dumps(sorted(m for m in {LOADED_ON_FIRST_USE!r} if m in sys.modules)))",
        tmp_path,
    )
    assert loaded == []


def test_the_numeric_stack_comes_in_when_a_figure_needs_it(tmp_path):
    rho, loaded = _start_and_run(
        "from barraiser.calibration.intervals import spearman\n"
        "rho = spearman([1, 2, 3, 4], [1, 3, 2, 4])['value']\n"
        "print(json.dumps([rho, 'numpy' in sys.modules]))",
        tmp_path,
    )
    assert rho == pytest.approx(0.8)
    assert loaded is True


def test_the_schema_commands_bind_alembic_when_they_run(tmp_path):
    """`flask db ...` is there without Alembic imported at start-up, and works as it did."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "startup-test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'schema.db'}",
        }
    )
    assert "migrate" not in app.extensions
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["db", "--help"])
    assert listed.exit_code == 0, listed.output
    assert "upgrade" in listed.output
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    checked = runner.invoke(args=["db", "check"])
    assert checked.exit_code == 0, checked.output
    assert "migrate" in app.extensions
