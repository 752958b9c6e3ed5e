"""Time the import and the calibration report: `python bench/calibration.py --loops 20000`.

Generates the history CSV (barraiser/demo/synthetic_history.py), imports it into a fresh
SQLite database in a temporary directory (or --database-url, an EMPTY database), then times the
app's start-up and, separately, the JSON report over the whole history as
`/calibration/report.json` builds it: the SQL and its rows, the metrics and the serialisation,
every time from the rows (the reuse cache off), with the configured reader threads and again
with one statement at a time. Then a read of the report from the cache while the data is
unchanged (the median of 21, beside the change counter's read that each one makes; with
`--cache-url`, through a shared Redis too), and each part on its own, to show where the time goes.
Targets at 20,000 loops on SQLite: import < 60 s, report < 1 s, a cache hit <= 10 ms.

Every part of the report has rows to read: every requisition requires principles (as the import
sets them), so the principle coverage check is timed; and before timing, the decided loops get
what history files do not carry, their debriefs and final votes (`hold_debriefs`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

# As the app runs it (barraiser.calibration sets it too, but numpy is imported here first).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout: `barraiser` without installing it

import numpy as np  # noqa: E402

from barraiser.calibration import cache  # noqa: E402
from barraiser.calibration.measurement import read_model, vote_arrays  # noqa: E402
from barraiser.calibration.metrics import build_report, read_panel  # noqa: E402
from barraiser.calibration.queries import ReportFilters, fetch_rows  # noqa: E402
from barraiser.calibration.report import (  # noqa: E402
    calibration_report,
    flag_settings_from,
    without_cyclic_gc,
)
from barraiser.changes import REPORT_DATA, bump  # noqa: E402
from barraiser.clock import system_now  # noqa: E402
from barraiser.debrief.models import FinalVote  # noqa: E402
from barraiser.demo.synthetic_history import DEFAULT_END, DEFAULT_START  # noqa: E402
from barraiser.domain import (  # noqa: E402
    VOTE_SCORES,
    FeedbackState,
    Outcome,
    Vote,
)
from barraiser.extensions import db  # noqa: E402
from barraiser.feedback.models import Feedback  # noqa: E402
from barraiser.history.write import refresh_planner_statistics  # noqa: E402
from barraiser.loops.models import Interview, Loop  # noqa: E402
from barraiser.requisitions.models import requisition_principle  # noqa: E402
from barraiser.settings.services import current_settings  # noqa: E402
from bench.import_history import bench_app, time_import  # noqa: E402

WHOLE_HISTORY = ReportFilters(since=DEFAULT_START.date(), until=DEFAULT_END.date())


def hold_debriefs() -> tuple[int, int, int]:
    """What history files do not carry, recorded as the app would have: every decided loop's
    debrief opened three hours before its decision (so a late feedback now and then came in after
    it), and a final vote from each panelist who wrote one, every seventh moved a step towards
    the decision. Without them the report's before-the-debrief and vote-change parts would
    have nothing to read. Returns (debriefs opened, final votes, votes changed)."""
    decided = db.session.execute(
        sa.select(Loop.id, Loop.decided_at, Loop.outcome).where(Loop.decided_at.is_not(None))
    ).all()
    loops = Loop.__table__
    connection = db.session.connection()  # executemany, not the ORM's bulk update
    connection.execute(
        sa.update(loops)
        .where(loops.c.id == sa.bindparam("loop"))
        .values(debrief_opened_at=sa.bindparam("opened")),
        [
            {"loop": id_, "opened": decided_at - timedelta(hours=3)}
            for id_, decided_at, _ in decided
        ],
    )
    by_loop = {id_: (decided_at, outcome) for id_, decided_at, outcome in decided}
    votes, changed = [], 0
    written = db.session.execute(
        sa.select(Interview.id, Interview.loop_id, Interview.interviewer_id, Feedback.vote)
        .join(Feedback, Feedback.interview_id == Interview.id)
        .where(
            Interview.loop_id.in_(by_loop),
            Interview.is_shadow.is_(False),
            Feedback.state == FeedbackState.SUBMITTED,
        )
    )
    for interview_id, loop_id, voter_id, vote in written:
        decided_at, outcome = by_loop[loop_id]
        score = VOTE_SCORES[vote]
        if interview_id % 7 == 0:
            score = min(4, score + 1) if outcome is Outcome.HIRE else max(1, score - 1)
        changed += Vote.from_score(score) is not vote
        votes.append(
            {
                "loop_id": loop_id,
                "interview_id": interview_id,
                "voter_id": voter_id,
                "vote": Vote.from_score(score),
                "cast_at": decided_at - timedelta(minutes=30),
            }
        )
    connection.execute(sa.insert(FinalVote.__table__), votes)
    bump(REPORT_DATA)  # written on the bare connection: counted by hand
    refresh_planner_statistics()
    db.session.commit()
    return len(decided), len(votes), changed


def cpu_by_part() -> str:
    """The report built as `calibration_report` builds it, timed part by part."""
    cpu = time.process_time()
    settings = current_settings()
    rows = fetch_rows(WHOLE_HISTORY)
    fetched = time.process_time()
    built = build_report(
        rows.loops,
        read_panel(rows.interviews),
        rows.ratings,
        rows.trainees,
        people=rows.people,
        flag_settings=flag_settings_from(settings),
        period=WHOLE_HISTORY.period,
    )
    metrics = time.process_time()
    json.dumps(built)
    done = time.process_time()
    assigned = sum(row.assignments for row in rows.ratings.principles)
    return (
        f"SQL and rows {fetched - cpu:.2f} s ({len(rows.loops)} loops, "
        f"{len(rows.interviews)} interviews, {assigned} principles assigned); "
        f"metrics {metrics - fetched:.2f} s; JSON {done - metrics:.2f} s"
    )


def model_fit() -> str:
    """The model of adjusted leniency fitted to the decided loops' written votes, timed (CPU,
    best of three) beside its floor, measured in the same run: turning the same votes into
    arrays and summing them per loop and per interviewer, the least any fit must do."""
    rows = fetch_rows(WHOLE_HISTORY)
    panel = read_panel(rows.interviews)
    decided = {loop.loop_id for loop in rows.loops if loop.outcome is not None}
    votes = {loop_id: v for loop_id, v in panel.votes_by_loop.items() if loop_id in decided}
    floors, fits = [], []
    for _ in range(3):
        started = time.process_time()
        loops, voters, scores = vote_arrays(votes)
        np.bincount(np.unique(loops, return_inverse=True)[1], weights=scores)
        np.bincount(np.unique(voters, return_inverse=True)[1], weights=scores)
        floors.append(time.process_time() - started)
        started = time.process_time()
        model = read_model(votes)
        fits.append(time.process_time() - started)
    fit = model.fit
    if fit is None:  # a small history
        return f"not fitted ({model.reason}); floor {min(floors):.3f} s"
    return (
        f"{min(fits):.3f} s CPU (floor {min(floors):.3f} s) for {fit.votes} votes, "
        f"{len(fit.loops)} loops, {len(fit.interviewers)} interviewers; components "
        f"candidate {fit.loop_variance:.3f}, interviewer {fit.interviewer_variance:.3f}, "
        f"residual {fit.residual_variance:.3f}"
    )


HITS = 21
HIT_TARGET_MS = 10.0


def cache_hits(repeat: int) -> str:
    """The report over the whole history read from the cache, as every page of the same period
    reads it while the data is unchanged: the median of `repeat` reads (the first, which builds
    it, not counted), beside its floor measured in the same run: the read of the change counter
    that every hit makes."""
    calibration_report(WHOLE_HISTORY, now=system_now())
    hits, floors = [], []
    for _ in range(repeat):
        # Each read in a transaction of its own, as each request makes one: the counter is read
        # once per transaction.
        db.session.rollback()
        wall = time.perf_counter()
        cache.data_fingerprint()
        floors.append(time.perf_counter() - wall)
        db.session.rollback()
        wall = time.perf_counter()
        calibration_report(WHOLE_HISTORY, now=system_now())
        hits.append(time.perf_counter() - wall)
    hit = statistics.median(hits) * 1000
    return (
        f"median of {repeat} {hit:.1f} ms (target <= {HIT_TARGET_MS:g} ms: "
        f"{'met' if hit <= HIT_TARGET_MS else 'NOT met'}); floor, the change counter read, "
        f"{statistics.median(floors) * 1000:.2f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url", help="an EMPTY database to use instead of SQLite")
    parser.add_argument("--repeat", type=int, default=3, help="times to build the report")
    parser.add_argument(
        "--cache-url", help="a Redis URL: also time cache hits through a shared Redis"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="barraiser-bench-") as directory:
        workdir = Path(directory)
        imported = time_import(
            args.loops, seed=args.seed, workdir=workdir, database_url=args.database_url
        )
        print(f"loops:                 {imported.loops}")
        print(f"CSV rows generated:    {imported.rows} in {imported.generate_seconds:.1f} s")
        print(f"import:                {imported.import_seconds:.2f} s")

        with bench_app(workdir, args.database_url).app_context():
            opened, final_votes, changed = hold_debriefs()
        print(
            f"debriefs:              {opened} opened, {final_votes} final votes "
            f"({changed} changed from the written vote)"
        )

        started = time.perf_counter()
        app = bench_app(workdir, args.database_url)
        startup = time.perf_counter() - started
        print(f"app start-up:          {startup:.2f} s")

        with app.app_context():
            app.config["CALIBRATION_CACHE_SECONDS"] = 0  # every build from the rows
            threads = app.config["CALIBRATION_READER_THREADS"]
            for label, reader_threads in (
                ("JSON report:           ", threads),
                ("  one statement at once:", 0),
            ):
                app.config["CALIBRATION_READER_THREADS"] = reader_threads
                timings = []
                for _ in range(args.repeat):
                    wall, cpu = time.perf_counter(), time.process_time()
                    report = calibration_report(WHOLE_HISTORY, now=system_now())
                    text = json.dumps(report)
                    timings.append((time.perf_counter() - wall, time.process_time() - cpu))
                print(
                    f"{label} {timings[0][0]:.2f} s first, best of {len(timings)} "
                    f"{min(t[0] for t in timings):.2f} s (CPU {min(t[1] for t in timings):.2f} s, "
                    f"{reader_threads} reader threads); {len(text) / 1e6:.1f} MB, "
                    f"{report['loops']} loops, {len(report['interviewers'])} interviewers"
                )
            app.config["CALIBRATION_READER_THREADS"] = threads
            requisitions = sa.func.count(sa.distinct(requisition_principle.c.requisition_id))
            required, requiring = db.session.execute(sa.select(sa.func.count(), requisitions)).one()
            adoption = report["adoption"]
            print(
                f"  principle coverage:  {adoption['principle_coverage_rate']:.3f} "
                f"of loops ({required} required principles on {requiring} requisitions); "
                f"all in before the debrief {adoption['submitted_before_debrief_rate']:.3f}; "
                f"votes changed {report['vote_changes']['rate']:.3f}"
            )
            # As the page serves it again while the data is unchanged (sorting, CSV, JSON).
            app.config["CALIBRATION_CACHE_SECONDS"] = 300
            calibration_report(WHOLE_HISTORY, now=system_now())
            wall = time.perf_counter()
            json.dumps(calibration_report(WHOLE_HISTORY, now=system_now()))
            print(f"JSON report, reused:   {time.perf_counter() - wall:.3f} s (data unchanged)")
            print(f"report, cache hit:     {cache_hits(HITS)}")
            if args.cache_url:
                app.config["CALIBRATION_CACHE_URL"] = args.cache_url
                app.extensions.pop(cache.EXTENSION, None)
                cache.clear()
                print(f"  from Redis:          {cache_hits(HITS)}")
                fresh = bench_app(workdir, args.database_url)  # another server: nothing read yet
                fresh.config.update(
                    CALIBRATION_CACHE_SECONDS=300, CALIBRATION_CACHE_URL=args.cache_url
                )
                with fresh.app_context():
                    wall = time.perf_counter()
                    calibration_report(WHOLE_HISTORY, now=system_now())
                    first = time.perf_counter() - wall
                print(f"  another server's first read: {first * 1000:.1f} ms (decodes the JSON)")
                cache.clear()
            # Where the time goes, part by part, one statement at a time.
            print(f"  CPU by part:         {without_cyclic_gc(cpu_by_part)}")  # as the report
            print(f"  model fit:           {without_cyclic_gc(model_fit)}")
        print(
            f"load average:          {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
            f"on {os.cpu_count()} CPUs (wall times include waiting for a CPU)"
        )
        if report["loops"] != args.loops:
            raise SystemExit(f"the report counted {report['loops']} loops, not {args.loops}")


if __name__ == "__main__":
    main()
