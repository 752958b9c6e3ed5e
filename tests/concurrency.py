"""Run attempts at the same moment, as concurrent requests would: each in its own thread, app
context, session and database connection, released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from barraiser.extensions import db


def race(app: Flask, *attempts: Callable[[], object], timeout: float = 60) -> list[object]:
    """Run the attempts at once. Each one's session is committed after it returns, or rolled back
    when it raises. Returns, in order, what each attempt returned or the exception it raised."""
    # The test's own session must hold no transaction meanwhile (on SQLite: no write lock). A
    # commit ends it and keeps the test's objects attached, to be re-read afterwards.
    db.session.commit()
    barrier = threading.Barrier(len(attempts))
    results: list[object] = [None] * len(attempts)

    def run(index: int, attempt: Callable[[], object]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=timeout)
                results[index] = attempt()
                db.session.commit()
            except BaseException as error:  # handed to the test's thread in `results`
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "an attempt never finished"
    return results
