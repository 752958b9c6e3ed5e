"""The delivery worker: a sweep — queue what is due (feedback reminders, action items, hire
performance ratings, the committee's review when a period ends, the candidates' experience
surveys), then deliver the messages that are due — every interval until told to stop. Any number
run at once, on every host: queueing is once per dedupe key (and once per review period and per
surveyed loop) and delivery claims each message (outbox.services)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app

from . import clock
from .calibration.actions import queue_due_actions
from .debrief.performance import queue_performance_due
from .extensions import db
from .feedback.reminders import queue_due_reminders
from .outbox.services import Sweep, deliver_due
from .reviews.services import queue_due_reviews
from .surveys.services import queue_surveys


@dataclass(frozen=True)
class SweepReport:
    queued: int
    delivery: Sweep

    def __str__(self) -> str:
        return (
            f"{self.queued} reminder(s) queued; {self.delivery.delivered} message(s) delivered, "
            f"{self.delivery.failed} failed ({self.delivery.dead} given up)."
        )


def sweep(*, now: datetime, should_stop: threading.Event | None = None) -> SweepReport:
    """One sweep, in the current app context; commits as it goes."""
    queued = (
        queue_due_reminders(now=now)
        + queue_due_actions(now=now)
        + queue_performance_due(now=now)
        + queue_due_reviews(now=now)
        + queue_surveys(now=now)
    )
    db.session.commit()
    stop = should_stop.is_set if should_stop is not None else (lambda: False)
    return SweepReport(queued=queued, delivery=deliver_due(now=now, should_stop=stop))


class Worker:
    """Sweeps every `interval` seconds on `app` until `stop()`; a sweep in progress finishes
    the message in hand, gives back its other claims and returns. A failed sweep (the database
    away, say) is logged and the next one runs on time."""

    def __init__(self, app: Flask, *, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.stopping = threading.Event()
        # Each sweep's counts (and, without MAIL_SERVER, the mail itself) are logged at INFO,
        # whatever level the migrations' logging configuration left the root logger at.
        if not app.logger.isEnabledFor(logging.INFO):
            app.logger.setLevel(logging.INFO)

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        while not self.stopping.is_set():
            with self.app.app_context():
                try:
                    report = sweep(now=clock.now(), should_stop=self.stopping)
                    current_app.logger.info("sweep: %s", report)
                except Exception:
                    db.session.rollback()
                    current_app.logger.exception(
                        "sweep failed; the next runs in %ss", self.interval
                    )
                finally:
                    db.session.remove()
            self.stopping.wait(self.interval)

    def start_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="outbox-worker", daemon=True)
        thread.start()
        return thread
