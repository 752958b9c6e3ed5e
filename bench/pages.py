"""Throughput and latency of the pages people load all day, against the framework's floor:
`python bench/pages.py` (SQLite), `--database-url postgresql://...` (an EMPTY database).

Builds the demo organisation (`flask demo`'s data) plus `--history` loops of imported history
(barraiser/demo/synthetic_history.py), serves it with gunicorn (sync workers, as deployed), and
serves beside it a floor app: a template-only Flask page of the same size class (a Jinja page
with inheritance, no database). A loop in debrief with a panel of ten is added to the demo's
(whose debrief has four). Each page is loaded for `--seconds` by `--clients` concurrent clients
(wrk when it is installed — Debian's `wrk` package — with the role's session cookie, else this
script's own client, one connection per request as gunicorn's sync workers close them), floor
and page runs interleaved so both see the same load on the machine. Printed per page:
requests/s, p50, p95 (ms), p95/p50, and the ratio to the floor.
Then, on SQLite, the admin home with one worker against two; and the same pages at demo size
(`--demo-size`, a second database without the extra history) against the history's: as rates
measured one after the other, and as latencies of requests to either size taken in turn (the
steadier figure on a shared machine, whose load moves between runs).

Targets: every page >= 0.15 of the floor; p95 <= 3 x p50 on SQLite; two workers >= 1.7 x one on
SQLite; each page with the history within 1.2 x of itself at demo size. The machine's load
average is printed beside the figures: on a shared machine they move with it.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout: `barraiser` without installing it

from barraiser import create_app  # noqa: E402
from barraiser.auth.models import User  # noqa: E402
from barraiser.auth.services import create_user  # noqa: E402
from barraiser.candidates.services import create_candidate  # noqa: E402
from barraiser.cli import upgrade_and_seed  # noqa: E402
from barraiser.clock import system_now  # noqa: E402
from barraiser.debrief.services import open_debrief  # noqa: E402
from barraiser.demo.loops import EVIDENCE, SUMMARY  # noqa: E402
from barraiser.demo.organisation import build_demo_organisation  # noqa: E402
from barraiser.demo.synthetic_history import history_csv_bytes  # noqa: E402
from barraiser.domain import LoopState, Vote  # noqa: E402
from barraiser.extensions import db  # noqa: E402
from barraiser.feedback.services import FeedbackContent, RatingInput, submit_feedback  # noqa: E402
from barraiser.history.services import import_history  # noqa: E402
from barraiser.loops.models import Interview, Loop  # noqa: E402
from barraiser.loops.rules import InterviewPlan, PanelPlan  # noqa: E402
from barraiser.loops.services import create_loop, schedule_loop  # noqa: E402
from barraiser.principles.models import Principle  # noqa: E402
from barraiser.requisitions.models import Requisition  # noqa: E402

PASSWORD = "bench-password-1"
# The README's production set-up: gunicorn --workers 4 (on two cores).
PRODUCTION_WORKERS = 4
ROLES = {
    "admin": "admin@example.com",
    "recruiter": "recruiter@example.com",
    "bar_raiser": "br@example.com",
    "hiring_manager": "hm@example.com",
    "interviewer": "ana@example.com",
}

FLOOR_APP = """
from flask import Flask, render_template
app = Flask(__name__, template_folder="floor_templates")
ROWS = [{"name": f"Person {n}", "role": "interviewer", "count": n} for n in range(40)]
@app.route("/")
def index():
    return render_template("page.html", rows=ROWS, title="Floor")
"""
FLOOR_BASE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title><link rel="stylesheet" href="/static/app.css"></head><body>
<nav>{% for n in range(12) %}
<a href="/section/{{ n }}">Section {{ n }}</a>{% endfor %}</nav><main>{% block main %}{% endblock %}
</main><footer>Bar Raiser</footer></body></html>"""
FLOOR_PAGE = """{% extends "base.html" %}{% block main %}<h1>{{ title }}</h1><table>
{% for row in rows %}<tr><td>{{ row.name }}</td><td>{{ row.role }}</td><td>{{ row.count }}</td>
<td>Some words about this row so the page weighs what a real one does.</td></tr>{% endfor %}
</table>{% endblock %}"""


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


@dataclass
class Run:
    requests: int
    seconds: float
    p50: float  # ms
    p95: float  # ms
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(latencies: list[float], fraction: float) -> float:
    """In ms, of latencies in seconds."""
    if not latencies:
        return float("nan")
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


# wrk reports through its Lua hook: requests, seconds, p50 and p95 (ms), answers that were not
# 2xx/3xx, and socket errors.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.6f %.3f %.3f %d %d\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str, cookie: str = "") -> tuple[int, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def login(port: int, email: str) -> str:
    """The cookie of a signed-in session (the login form, its CSRF token, then the post)."""
    _status, body, headers = get(port, "/login")
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        rb'name="csrf_token"[^>]*value="([^"]+)"', body
    )
    assert token, "no CSRF token on the login page"
    form = urllib.parse.urlencode(
        {"csrf_token": token.group(1).decode(), "email": email, "password": PASSWORD}
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 302, f"login of {email} answered {response.status}"
    return response.getheader("Set-Cookie", "").split(";")[0]


def load(port: int, path: str, cookie: str, *, seconds: float, clients: int) -> Run:
    """`path` loaded by `clients` concurrent clients for `seconds`: wrk when installed, else
    threads of this script's own client."""
    wrk = shutil.which("wrk")
    if wrk:
        return load_with_wrk(wrk, port, path, cookie, seconds=seconds, clients=clients)
    return load_with_threads(port, path, cookie, seconds=seconds, clients=clients)


def load_with_wrk(
    wrk: str, port: int, path: str, cookie: str, *, seconds: float, clients: int
) -> Run:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_REPORT)
        script.flush()
        command = [wrk, "-t", str(min(2, clients)), "-c", str(clients)]
        command += ["-d", f"{max(1, round(seconds))}s", "-s", script.name]
        if cookie:
            command += ["-H", f"Cookie: {cookie}"]
        output = subprocess.run(
            [*command, f"http://127.0.0.1:{port}{path}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    found = re.search(r"^RESULT (\d+) (\S+) (\S+) (\S+) (\d+) (\d+)$", output, re.M)
    if found is None:
        raise SystemExit(f"wrk printed no result:\n{output}")
    requests, duration, p50, p95, bad_status, socket_errors = found.groups()
    return Run(
        int(requests), float(duration), float(p50), float(p95), int(bad_status) + int(socket_errors)
    )


def load_with_threads(port: int, path: str, cookie: str, *, seconds: float, clients: int) -> Run:
    """`clients` threads loading `path` for `seconds`; every answer must be 200."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    deadline = time.perf_counter() + seconds

    def client(number: int) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, _, _ = get(port, path, cookie)
            if status != 200:
                errors[number] += 1
            latencies[number].append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = [latency for per_client in latencies for latency in per_client]
    return Run(len(every), elapsed, percentile(every, 0.5), percentile(every, 0.95), sum(errors))


class Server:
    """gunicorn serving `app` from `directory`, with `environment` added."""

    def __init__(self, app: str, directory: Path, environment: dict[str, str], workers: int):
        self.port = free_port()
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        self.process = subprocess.Popen(
            [
                gunicorn,
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                app,
            ],
            cwd=directory,
            env={**os.environ, **environment, "PYTHONPATH": f"{ROOT}:{directory}"},
        )
        for _ in range(600):
            try:
                get(self.port, "/login" if "wsgi" in app else "/")
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{app} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a worker stuck on a slow request: no more waiting
            self.process.kill()
            self.process.wait()


LARGE_PANEL = 10
VOTES = (Vote.STRONG_HIRE, Vote.INCLINED_HIRE, Vote.INCLINED_NO_HIRE, Vote.STRONG_NO_HIRE)


def build_large_debrief(*, now) -> Loop:
    """A loop in debrief with the Bar Raiser and nine interviewers, each with submitted feedback
    of long evidence on their principles, built through the services people use."""
    requisition = db.session.scalars(sa.select(Requisition).order_by(Requisition.id)).first()
    recruiter = db.session.scalar(sa.select(User).where(User.email == ROLES["recruiter"]))
    bar_raiser = db.session.scalar(sa.select(User).where(User.email == ROLES["bar_raiser"]))
    panelists = [bar_raiser] + [
        create_user(
            email=f"panelist{n}@example.com",
            name=f"Panelist {n}",
            department="Payments",
            password=PASSWORD,
            actor=None,
            now=now - timedelta(days=30),
        )
        for n in range(1, LARGE_PANEL)
    ]
    candidate = create_candidate(
        name="Pat Largepanel", email=None, source="referral", notes="", actor=recruiter, now=now
    )
    # Each principle to one interview: the role's first, then the rest of the catalog.
    required = [p.id for p in requisition.required_principles]
    catalog = db.session.scalars(
        sa.select(Principle.id).where(Principle.retired_at.is_(None)).order_by(Principle.position)
    ).all()
    principles = required + [p for p in catalog if p not in required]
    start = now - timedelta(days=2)
    panel = PanelPlan(
        bar_raiser_id=bar_raiser.id,
        interviews=tuple(
            InterviewPlan(
                interviewer_id=person.id,
                starts_at=start + timedelta(hours=index),
                principle_ids=tuple(principles[index::LARGE_PANEL][:2]),
            )
            for index, person in enumerate(panelists)
        ),
    )
    loop = create_loop(
        candidate_id=candidate.id,
        requisition_id=requisition.id,
        panel=panel,
        actor=recruiter,
        now=start - timedelta(days=5),
    )
    schedule_loop(loop, actor=recruiter, now=start - timedelta(days=5), confirm_past=True)
    for index, interview in enumerate(loop.interviews):
        vote = VOTES[index % len(VOTES)]
        content = FeedbackContent(
            ratings={
                principle.id: RatingInput(vote.score, EVIDENCE[vote.score] * 3)
                for principle in interview.principles
            },
            vote=vote,
            raises_bar=vote.leans_hire,
            summary=SUMMARY,
        )
        submit_feedback(
            interview,
            content,
            expected_version=0,
            actor=interview.interviewer,
            now=interview.ends_at + timedelta(hours=1),
        )
    open_debrief(loop, actor=bar_raiser, now=now - timedelta(hours=1))
    return loop


def build_database(url: str, history: int, workdir: Path) -> None:
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade_and_seed()
        now = system_now()
        build_demo_organisation(password=PASSWORD, now=now)
        build_large_debrief(now=now)
        db.session.commit()
        if history:
            data = history_csv_bytes(
                history,
                seed=18,
                start=now - timedelta(days=3 * 365),
                end=now - timedelta(days=380),
                undecided_days=0,
            )
            import_history(data, file_name="history.csv", now=now)
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("ANALYZE")
        db.session.remove()


def pages(url: str) -> dict[str, tuple[str, str]]:
    """Page name -> (role whose session loads it, path)."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    found: dict[str, tuple[str, str]] = {f"home, {role}": (role, "/") for role in ROLES}
    found["loop list, recruiter"] = ("recruiter", "/loops/")
    # Someone who manages no loops sees theirs: their ids are read first, then the list.
    found["loop list, bar_raiser"] = ("bar_raiser", "/loops/")
    with app.app_context():
        debriefs = db.session.scalars(
            sa.select(Loop).where(Loop.state == LoopState.DEBRIEF).order_by(Loop.id)
        ).all()
        live = db.session.scalars(
            sa.select(Loop)
            .where(Loop.state.in_([LoopState.SCHEDULED, LoopState.DEBRIEF]))
            .order_by(Loop.id)
        ).first()
        panel_sizes = {
            debrief.id: db.session.scalar(
                sa.select(sa.func.count(Interview.id)).where(
                    Interview.loop_id == debrief.id, Interview.is_shadow.is_(False)
                )
            )
            for debrief in debriefs
        }
        ana = db.session.scalar(sa.select(User).where(User.email == ROLES["interviewer"]))
        interview = db.session.scalars(
            sa.select(Interview)
            .join(Loop, Loop.id == Interview.loop_id)
            .where(
                Interview.interviewer_id == ana.id,
                Loop.state.in_([LoopState.SCHEDULED, LoopState.DEBRIEF]),
            )
            .order_by(Interview.id)
        ).first()
    if live is not None:
        found["loop page, recruiter"] = ("recruiter", f"/loops/{live.id}")
    for loop_id, panel_size in panel_sizes.items():
        found[f"debrief, {panel_size} interviewers, Bar Raiser"] = (
            "bar_raiser",
            f"/loops/{loop_id}/debrief",
        )
    if interview is not None:
        found["feedback form, interviewer"] = (
            "interviewer",
            f"/interviews/{interview.id}/feedback",
        )
    found["calibration, admin"] = ("admin", "/calibration")
    return found


def app_environment(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "SECRET_KEY": "bench-secret", "SESSION_COOKIE_SECURE": "0"}


def measure(
    url: str,
    workdir: Path,
    *,
    seconds: float,
    clients: int,
    workers: int,
    only: str = "",
    names: tuple[str, ...] = (),
) -> dict[str, Run]:
    floor = Server("floor:app", workdir, {}, workers)
    try:
        app = Server("wsgi:app", ROOT, app_environment(url), workers)
    except BaseException:
        floor.stop()
        raise
    try:
        cookies = {role: login(app.port, email) for role, email in ROLES.items()}
        results: dict[str, Run] = {}
        for name, (role, path) in pages(url).items():
            if only not in name or (names and name not in names):
                continue
            status, _, _ = get(app.port, path, cookies[role])
            if status != 200:
                print(f"  {name}: {path} answered {status}; skipped")
                continue
            get(floor.port, "/")
            results[f"floor before {name}"] = load(
                floor.port, "/", "", seconds=seconds, clients=clients
            )
            results[name] = load(app.port, path, cookies[role], seconds=seconds, clients=clients)
        return results
    finally:
        try:
            app.stop()
        finally:
            floor.stop()


def report_beside_home(url: str, *, seconds: float, clients: int, workers: int) -> None:
    """The admin's home page alone, then while another client loads the calibration report of
    the whole history again and again: the same report (as a committee member reloading it: the
    cache serves it), and a new one each time (a different end date, so every load is a cold
    build: the worst case). Printed: the share of its throughput the home page keeps (target
    >= 0.8), and how long the report's loads took as that client saw them (target for a cold
    build <= 0.6 s)."""
    app = Server("wsgi:app", ROOT, app_environment(url), workers)
    try:
        home_cookie = login(app.port, ROLES["admin"])
        report_cookie = login(app.port, ROLES["admin"])
        for _ in range(2 * workers):  # every worker warm
            get(app.port, "/", home_cookie)
        alone = load(app.port, "/", home_cookie, seconds=seconds, clients=clients)
        today = system_now().date()
        since = today - timedelta(days=4 * 365)
        print(
            f"\nthe admin's home while another client loads the report, {workers} workers  "
            f"[{load_average()}]"
        )
        print(f"  home alone: {alone.per_second:.1f} req/s")
        for name, step in (("the same report, reloaded", 0), ("a new report each time", 1)):
            loads: list[float] = []
            stop = threading.Event()

            def reload(
                step: int = step, loads: list[float] = loads, stop: threading.Event = stop
            ) -> None:
                day = 0
                while not stop.is_set():
                    until = today - timedelta(days=day)
                    day += step
                    started = time.perf_counter()
                    status, _, _ = get(
                        app.port,
                        f"/calibration/report.json?since={since}&until={until}",
                        report_cookie,
                    )
                    if status == 200:
                        loads.append(time.perf_counter() - started)

            reader = threading.Thread(target=reload)
            reader.start()
            try:
                beside = load(app.port, "/", home_cookie, seconds=seconds, clients=clients)
            finally:
                stop.set()
                reader.join()
            share = beside.per_second / alone.per_second if alone.per_second else 0.0
            print(
                f"  beside {name}: {beside.per_second:.1f} req/s, share kept {share:.2f} "
                "(target >= 0.8)"
            )
            if loads:
                print(
                    f"    report loads: {len(loads)}, median {statistics.median(loads) * 1000:.0f}"
                    f" ms, slowest {max(loads) * 1000:.0f} ms (a cold build: target <= 600 ms)"
                )
    finally:
        app.stop()


def interleaved(
    large_url: str, small_url: str, *, rounds: int, only: str = ""
) -> dict[str, tuple[float, float]]:
    """Page name -> median latency (ms) at demo size and with the history, each page loaded from
    both databases in turn, one request at a time (a one-worker server on each), so that both
    sizes see the same load on the machine: on a shared machine the load moves between runs of
    several seconds, and so do ratios of rates measured one after the other."""

    def server(url: str) -> Server:
        return Server("wsgi:app", ROOT, app_environment(url), 1)

    small = server(small_url)
    try:
        large = server(large_url)
    except BaseException:
        small.stop()
        raise
    try:
        found = {}
        small_pages, large_pages = pages(small_url), pages(large_url)
        cookies = {
            size.port: {role: login(size.port, email) for role, email in ROLES.items()}
            for size in (small, large)
        }
        for name, (role, small_path) in small_pages.items():
            if only not in name or name not in large_pages:
                continue
            paths = {small.port: small_path, large.port: large_pages[name][1]}
            latencies: dict[int, list[float]] = {small.port: [], large.port: []}
            for attempt in range(rounds + 2):
                for port, path in paths.items():
                    started = time.perf_counter()
                    status, _, _ = get(port, path, cookies[port][role])
                    if status != 200:
                        raise SystemExit(f"{name}: {path} answered {status}")
                    if attempt >= 2:  # the first two warm the server (and its cache) up
                        latencies[port].append((time.perf_counter() - started) * 1000)
            found[name] = (
                statistics.median(latencies[small.port]),
                statistics.median(latencies[large.port]),
            )
        return found
    finally:
        try:
            large.stop()
        finally:
            small.stop()


def report(title: str, results: dict[str, Run]) -> dict[str, float]:
    print(f"\n{title}  [{load_average()}]")
    print(f"  {'page':<34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p95/p50':>8} {'/floor':>7}")
    rates = {}
    for name, run in results.items():
        if name.startswith("floor before "):
            continue
        floor = results[f"floor before {name}"]
        ratio = run.per_second / floor.per_second if floor.per_second else 0.0
        p50, p95 = run.p50, run.p95
        rates[name] = run.per_second
        errors = f"  ({run.errors} errors)" if run.errors else ""
        print(
            f"  {name:<34} {run.per_second:8.1f} {p50:8.1f} {p95:8.1f} {p95 / p50:8.1f} "
            f"{ratio:7.3f}{errors}"
        )
    floors = [run.per_second for name, run in results.items() if name.startswith("floor")]
    if floors:
        print(f"  {'floor (mean of its runs)':<34} {statistics.mean(floors):8.1f}")
    else:
        print("  (no page of this run was asked for: see --only)")
    return rates


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=20000, help="loops of imported history")
    parser.add_argument("--seconds", type=float, default=10.0, help="per page and per floor run")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database (else SQLite)")
    parser.add_argument(
        "--demo-size", action="store_true", help="also measure at demo size, for the ratio"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the bench runs")
    parser.add_argument("--only", default="", help="measure only the pages whose name has this")
    args = parser.parse_args(argv)
    if args.quick:
        args.history, args.seconds, args.clients = 20, 0.5, 2
    print(
        "load from wrk"
        if shutil.which("wrk")
        else "load from this script's client (install Debian's wrk for a higher floor)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as directory:
        workdir = Path(directory)
        (workdir / "floor.py").write_text(textwrap.dedent(FLOOR_APP))
        (workdir / "floor_templates").mkdir()
        (workdir / "floor_templates" / "base.html").write_text(FLOOR_BASE)
        (workdir / "floor_templates" / "page.html").write_text(FLOOR_PAGE)
        url = args.database_url or f"sqlite:///{workdir / 'history.db'}"
        started = time.perf_counter()
        build_database(url, args.history, workdir)
        print(
            f"built the demo and {args.history} loops of history in "
            f"{time.perf_counter() - started:.1f} s"
        )
        options = {"seconds": args.seconds, "clients": args.clients, "only": args.only}
        with_history = report(
            f"{'PostgreSQL' if args.database_url else 'SQLite'}, demo + {args.history} loops, "
            f"{args.workers} workers",
            measure(url, workdir, workers=args.workers, **options),
        )
        # A worker building a report is a worker fewer for the pages: also measured with the
        # README's production set-up, more workers than cores.
        for workers in sorted({args.workers, PRODUCTION_WORKERS}):
            report_beside_home(url, seconds=args.seconds, clients=args.clients, workers=workers)
        if not args.database_url:
            one = measure(
                url, workdir, workers=1, names=("home, admin", "home, recruiter"), **options
            )
            one_rates = report("SQLite, 1 worker", one)
            for name in ("home, admin", "home, recruiter"):
                if one_rates.get(name):
                    print(
                        f"  2 workers / 1 worker, {name}: "
                        f"{with_history[name] / one_rates[name]:.2f}"
                    )
        if args.demo_size and not args.database_url:
            small_url = f"sqlite:///{workdir / 'demo.db'}"
            build_database(small_url, 0, workdir)
            small = report(
                "SQLite, demo size", measure(small_url, workdir, workers=args.workers, **options)
            )
            print("\n  page at demo size / with the history (req/s ratio; target <= 1.2)")
            for name, rate in small.items():
                if with_history.get(name):
                    print(f"  {name:<34} {rate / with_history[name]:8.2f}")
            rounds = 5 if args.quick else 60
            print(
                f"\n  the same, interleaved: median of {rounds} requests at each size, taken "
                f"in turn (history / demo; target <= 1.2)  [{load_average()}]"
            )
            print(f"  {'page':<34} {'demo ms':>8} {'history':>8} {'ratio':>7}")
            for name, (demo_ms, history_ms) in interleaved(
                url, small_url, rounds=rounds, only=args.only
            ).items():
                print(f"  {name:<34} {demo_ms:8.1f} {history_ms:8.1f} {history_ms / demo_ms:7.2f}")
    print(f"\ndone  [{load_average()}]")


if __name__ == "__main__":
    main()
