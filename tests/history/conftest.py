"""This folder's fixtures: the small organisation of tests/organisation.py, and the CLI import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from organisation import org  # noqa: F401


@pytest.fixture
def run_import(app) -> Callable:
    runner = app.test_cli_runner()

    def run(path: Path):
        return runner.invoke(args=["import-history", str(path)])

    return run
