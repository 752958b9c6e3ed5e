"""Time the calibration report PAGE: `python bench/calibration_page.py --loops 20000`.

Imports a synthetic history (as bench/calibration.py does), builds the report once so it is
reused (as the page finds it while the data is unchanged), then renders `/calibration` over the
whole history as an inspector would open it, and an interviewer's page, several times: what the
page itself costs (the template and the rows it shows), its size, and the rows it shows. The
interviewers table shows a page of rows (flagged first), so this should hardly grow with the
history.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout: `barraiser` without installing it

from flask_login import login_user  # noqa: E402

from barraiser.auth.models import Role, User, UserRole  # noqa: E402
from barraiser.calibration import views  # noqa: E402
from barraiser.demo.synthetic_history import DEFAULT_END, DEFAULT_START  # noqa: E402
from barraiser.extensions import db  # noqa: E402
from bench.import_history import bench_app, time_import  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5, help="times to render each page")
    args = parser.parse_args(argv)
    query = f"since={DEFAULT_START.date().isoformat()}&until={DEFAULT_END.date().isoformat()}"
    with tempfile.TemporaryDirectory(prefix="barraiser-bench-") as directory:
        workdir = Path(directory)
        imported = time_import(args.loops, seed=args.seed, workdir=workdir)
        print(f"loops:                 {imported.loops}")
        app = bench_app(workdir)
        app.config["CALIBRATION_CACHE_SECONDS"] = 3600  # the page reuses the built report
        with app.app_context():
            inspector = db.session.scalars(sa.select(User).order_by(User.id)).first()
            assert inspector is not None
            inspector.role_rows.append(UserRole(role=Role.INSPECTOR))
            db.session.commit()
            inspector_id = inspector.id
            busiest = inspector_id
        pages = {"report page": (f"/calibration?{query}", views.index, {})}
        for label, (url, view, kwargs) in pages.items():
            timings, size = [], 0
            for attempt in range(args.repeat + 1):
                with app.test_request_context(url), app.app_context():
                    login_user(db.session.get(User, inspector_id))
                    started = time.perf_counter()
                    html = view(**kwargs)
                    elapsed = time.perf_counter() - started
                    if isinstance(html, tuple):
                        html = html[0]
                    size = len(html.encode())
                    rows = html.count('data-testid="email"')
                    if attempt:  # the first builds the report the others reuse
                        timings.append(elapsed)
            print(
                f"{label}:{' ' * (21 - len(label))}best of {len(timings)} "
                f"{min(timings) * 1000:.0f} ms, {size / 1000:.0f} KB, {rows} interviewer rows"
            )
        with app.app_context():
            busiest = db.session.scalar(
                sa.text(
                    "SELECT interviewer_id FROM interview GROUP BY interviewer_id "
                    "ORDER BY count(*) DESC LIMIT 1"
                )
            )
        url = f"/calibration/interviewers/{busiest}?{query}"
        timings = []
        for _ in range(args.repeat):
            with app.test_request_context(url), app.app_context():
                login_user(db.session.get(User, inspector_id))
                started = time.perf_counter()
                html = views.interviewer(busiest)
                timings.append(time.perf_counter() - started)
        print(
            f"busiest interviewer:   best of {len(timings)} {min(timings) * 1000:.0f} ms, "
            f"{len(html.encode()) / 1000:.0f} KB"
        )
        print(
            f"load average:          {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
            f"on {os.cpu_count()} CPUs"
        )


if __name__ == "__main__":
    main()
