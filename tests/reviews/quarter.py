"""A quarter with a lenient panelist, reviewed quarterly: the hiring history of
tests/calibration/report_data.py written as of 31 March 2026 (41 decided loops from January to
March, the model flags panel1 lenient), the cadence set to three months, and the clock on 2 April,
when the review of January-March is due."""

from __future__ import annotations

from datetime import UTC, date, datetime

from calibration.report_data import History, build_history_with_a_lenient_panelist

from barraiser.auth.models import User
from barraiser.calibration.queries import ReportFilters
from barraiser.extensions import db
from barraiser.settings.services import change_settings, current_settings

QUARTER = ReportFilters(since=date(2026, 1, 1), until=date(2026, 3, 31))
DUE = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


def quarter_with_a_lenient_panelist(make_loop, clock, admin: User) -> History:
    clock.set(datetime(2026, 3, 31, 9, 0, tzinfo=UTC))
    history = build_history_with_a_lenient_panelist(make_loop, clock())
    change_settings(current_settings().replace(review_cadence_months=3), actor=admin, now=clock())
    db.session.commit()
    clock.set(DUE)
    return history
