"""gunicorn reads this file from the directory it starts in: checks made before any worker runs."""

from __future__ import annotations

from typing import Any

from barraiser.config import check_limiter_storage


def on_starting(server: Any) -> None:
    check_limiter_storage(server.cfg.workers)
