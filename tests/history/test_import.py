"""`flask import-history`: a good file becomes loops exactly as written, a second run changes
nothing, and any bad file is refused line by line with nothing written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, login
from history.files import DAY, HEADER, good_rows, set_loop, set_row, write_csv

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import BarRaiserStatus, Role, User
from barraiser.candidates.models import Candidate
from barraiser.debrief.models import HirePerformance, Proposal, Verdict
from barraiser.demo import synthetic_history
from barraiser.domain import FeedbackState, LoopState, Outcome, VerdictKind, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback, PrincipleRating
from barraiser.loops.models import Interview, InterviewPrinciple, Loop
from barraiser.requisitions.models import Requisition

ROOT = Path(__file__).resolve().parents[2]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def loop_by_ref(ref: str) -> Loop:
    return db.session.scalars(sa.select(Loop).where(Loop.external_ref == ref)).one()


def feedback_of(loop: Loop, email: str) -> Feedback:
    return db.session.scalars(
        sa.select(Feedback)
        .join(Interview, Feedback.interview_id == Interview.id)
        .join(User, Interview.interviewer_id == User.id)
        .where(Interview.loop_id == loop.id, User.email == email)
    ).one()


def test_a_good_file_becomes_loops_interviews_feedback_and_decisions(
    app, run_import, make_user, tmp_path
):
    manager = make_user("hm@example.com", name="Hugo Manager")
    # Column order is free: write the header backwards.
    path = write_csv(tmp_path / "history.csv", good_rows(), header=HEADER[::-1])

    result = run_import(path)

    assert result.exit_code == 0, result.output
    assert "Imported 4 loops (13 interviews)" in result.stdout
    assert "0 already present" in result.stdout
    assert count(Loop) == 4
    assert count(Interview) == 13
    assert count(Feedback) == 13
    assert count(InterviewPrinciple) == count(PrincipleRating) == 21
    assert count(Proposal) == 3 and count(Verdict) == 3
    assert count(HirePerformance) == 1
    assert count(Requisition) == 1
    assert count(Candidate) == 4

    hire = loop_by_ref("L-1")
    assert hire.state is LoopState.DECIDED
    assert hire.outcome is Outcome.HIRE and not hire.vetoed
    assert hire.decided_at == DAY + timedelta(days=1)
    assert hire.first_interview_at == DAY
    assert hire.hiring_manager_id == manager.id
    assert hire.bar_raiser.email == "br@example.com"
    assert hire.debrief_opened_at is None
    assert hire.candidate.name == "Candidate L-1"
    assert hire.candidate.source == "import"
    assert [i.is_shadow for i in hire.interviews].count(True) == 1
    assert len(hire.panel) == 3

    on_time = feedback_of(hire, "ana@example.com")
    late = feedback_of(hire, "ben@example.com")
    assert on_time.state is FeedbackState.SUBMITTED
    assert on_time.vote is Vote.STRONG_HIRE
    assert on_time.raises_bar is True  # no raises_bar column: the vote's lean
    assert late.raises_bar is False
    assert on_time.submitted_at == DAY + timedelta(hours=4)
    assert on_time.due_at == DAY + timedelta(hours=2) + timedelta(hours=24)
    assert not on_time.is_late
    assert late.is_late
    assert {r.principle.name: r.rating for r in on_time.ratings} == {"Ownership": 4, "Dive Deep": 3}
    assert {r.principle.name: r.rating for r in late.ratings} == {
        "Customer Obsession": None,
        "Frugality": None,
    }
    assert [p.name for p in on_time.interview.principles] == ["Ownership", "Dive Deep"]
    performance = db.session.scalars(sa.select(HirePerformance)).one()
    assert performance.loop_id == hire.id and performance.rating == 4
    assert performance.rated_on == (DAY + timedelta(days=1)).date()

    vetoed = loop_by_ref("L-2")
    assert vetoed.outcome is Outcome.NO_HIRE and vetoed.vetoed
    veto = db.session.scalars(sa.select(Verdict).where(Verdict.loop_id == vetoed.id)).one()
    assert veto.kind is VerdictKind.VETO and veto.rationale
    assert veto.proposal.decision is Outcome.HIRE
    assert veto.bar_raiser.email == "br@example.com"

    no_hire = loop_by_ref("L-3")
    verdict = db.session.scalars(sa.select(Verdict).where(Verdict.loop_id == no_hire.id)).one()
    assert verdict.kind is VerdictKind.CONCUR and verdict.proposal.decision is Outcome.NO_HIRE
    assert verdict.proposal.proposed_by_id == manager.id

    waiting = loop_by_ref("L-4")
    assert waiting.state is LoopState.SCHEDULED and waiting.outcome is None
    assert waiting.decided_at is None

    requisition = db.session.scalars(sa.select(Requisition)).one()
    assert (requisition.title, requisition.department) == ("Payments Engineer", "Payments")
    assert requisition.hiring_manager_id == manager.id
    # What every imported loop covered on its panel, not every principle that ever came up.
    assert {p.name for p in requisition.required_principles} == {
        "Customer Obsession",
        "Ownership",
        "Dive Deep",
        "Frugality",
    }

    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "history.imported")
    ).all()
    assert len(events) == 1
    assert events[0].details["loops"] == 4 and events[0].details["file"] == "history.csv"


def test_importing_the_same_file_again_changes_nothing(app, run_import, tmp_path):
    path = write_csv(tmp_path / "history.csv", good_rows())
    assert run_import(path).exit_code == 0
    tables = (Loop, Interview, Feedback, PrincipleRating, Proposal, Verdict, User, AuditEvent)
    before = {model: count(model) for model in tables}

    again = run_import(path)

    assert again.exit_code == 0, again.output
    assert "Imported 0 loops (0 interviews)" in again.stdout
    assert "4 already present" in again.stdout
    assert {model: count(model) for model in tables} == before


def test_a_file_with_new_loops_imports_only_those(app, run_import, tmp_path):
    rows = good_rows()
    assert run_import(write_csv(tmp_path / "first.csv", rows[:7])).exit_code == 0  # L-1, L-2
    assert count(Loop) == 2

    result = run_import(write_csv(tmp_path / "all.csv", rows))

    assert result.exit_code == 0, result.output
    assert "Imported 2 loops (6 interviews)" in result.stdout
    assert "2 already present" in result.stdout
    assert count(Loop) == 4


def test_unknown_people_become_users_who_cannot_log_in(app, run_import, make_user, tmp_path):
    existing = make_user("hm@example.com", name="Hugo Manager")
    assert run_import(write_csv(tmp_path / "history.csv", good_rows())).exit_code == 0

    ana = db.session.scalars(sa.select(User).where(User.email == "ana@example.com")).one()
    ben = db.session.scalars(sa.select(User).where(User.email == "ben@example.com")).one()
    assert ana.name == "Ana Alvarez"
    assert ben.name == "Ben"  # no interviewer_name: the email's local part
    assert ana.password_hash is None and not ana.can_log_in
    assert ana.bar_raiser_status is BarRaiserStatus.NONE and not ana.roles
    db.session.refresh(existing)
    assert existing.name == "Hugo Manager" and existing.can_log_in  # reused, untouched
    client = app.test_client()
    assert login(client, "ana@example.com", password="anything at all").status_code == 401
    assert login(client, existing, password=PASSWORD).status_code == 302


def test_bom_naive_times_and_offsets_are_read_as_utc(app, run_import, tmp_path):
    rows = good_rows()[:7]
    rows[0]["interview_at"] = "2025-06-02T09:00:00"  # naive: UTC
    rows[1]["interview_at"] = "2025-06-02T12:00:00+02:00"  # 10:00 UTC
    path = write_csv(tmp_path / "history.csv", rows)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    result = run_import(path)

    assert result.exit_code == 0, result.output
    loop = loop_by_ref("L-1")
    assert [i.starts_at for i in loop.panel][:2] == [DAY, DAY + timedelta(hours=1)]


def _drop_column(name: str):
    def change(rows, header):
        return rows, [column for column in header if column != name]

    return change


def _add_column(name: str):
    def change(rows, header):
        return rows, [*header, name]

    return change


BAD_FILES = {
    "unknown principle": (
        set_row(3, principles="Custmer Obsession", ratings=""),
        "line 3: unknown principle 'Custmer Obsession' (did you mean 'Customer Obsession'?)",
    ),
    "bad vote": (set_row(4, vote="hire"), "line 4: vote 'hire' is not one of"),
    "bad date": (
        set_row(2, interview_at="2025-13-01 09:00"),
        "line 2: interview_at '2025-13-01 09:00' is not an ISO 8601",
    ),
    "rows of a loop disagree": (
        set_row(3, requisition="Search Engineer"),
        "line 3: loop 'L-1' has requisition 'Search Engineer' here but 'Payments Engineer' "
        "on line 2",
    ),
    "bar raiser not on the panel": (
        set_loop("L-3", bar_raiser_email="eve@example.com"),
        "line 9: loop 'L-3': bar raiser eve@example.com must also hold an interview: add them "
        "to the panel",
    ),
    "bar raiser only shadows": (
        set_loop("L-1", bar_raiser_email="brit@example.com"),
        "line 2: loop 'L-1': bar raiser brit@example.com must also hold an interview",
    ),
    "rating out of range": (
        set_row(3, ratings="Ownership=5"),
        "line 3: rating '5' for 'Ownership' must be 1 to 4",
    ),
    "rating for an unassigned principle": (
        set_row(3, ratings="Frugality=3"),
        "line 3: 'Frugality' is rated but not among this interview's principles",
    ),
    "missing required column": (
        _drop_column("vote"),
        "line 1: required column 'vote' is missing from the header",
    ),
    "unknown column": (
        _add_column("raises_the_bar"),
        "line 1: unknown column 'raises_the_bar' (did you mean 'raises_bar'?)",
    ),
    "vetoed with decision hire": (
        set_loop("L-1", vetoed="true"),
        "line 2: loop 'L-1' is vetoed, so its decision must be no_hire",
    ),
    "performance on a no_hire": (
        set_loop("L-3", performance="3"),
        "line 9: loop 'L-3' has a performance rating but was not a hire",
    ),
    "performance out of range": (
        set_loop("L-1", performance="6"),
        "line 2: performance '6' must be a whole number from 1 to 5",
    ),
    "decision without decided_at": (
        set_loop("L-3", decided_at=""),
        "line 9: loop 'L-3' has a decision but no decided_at",
    ),
    "decided_at without decision": (
        set_loop("L-4", decided_at="2025-06-25T10:00:00Z"),
        "line 12: loop 'L-4' has decided_at but no decision",
    ),
    "submitted before the interview": (
        set_row(6, submitted_at="2025-06-09T08:00:00Z"),
        "line 6: submitted_at is before interview_at",
    ),
    "interviewer twice in a loop": (
        set_row(4, interviewer_email="ana@example.com"),
        "line 4: loop 'L-1': ana@example.com (line 3) already holds an interview on this loop",
    ),
    "bad email": (
        set_row(3, interviewer_email="ana.example.com"),
        "line 3: interviewer_email 'ana.example.com' is not an email address",
    ),
    "bad boolean": (set_row(5, shadow="yes"), "line 5: shadow 'yes' must be true or false"),
    "too long an interview": (
        set_row(3, interview_minutes="600"),
        "line 3: interview_minutes '600': an interview lasts 1 to 480 minutes",
    ),
    "interview of no length": (
        set_row(3, interview_minutes="0"),
        "line 3: interview_minutes '0': an interview lasts 1 to 480 minutes",
    ),
    "interview length not a number": (
        set_row(3, interview_minutes="an hour"),
        "line 3: interview_minutes 'an hour' must be a whole number of minutes",
    ),
    "shadow who also interviews": (
        set_row(5, interviewer_email="ana@example.com"),
        "line 5: loop 'L-1': ana@example.com (line 3) already holds an interview on this loop",
    ),
    "missing required value": (set_row(6, candidate_name=""), "line 6: candidate_name is required"),
    "bar raiser is the hiring manager": (
        set_loop("L-3", hiring_manager_email="br@example.com"),
        "line 9: loop 'L-3': the bar raiser cannot be the hiring manager",
    ),
}


@pytest.mark.parametrize("change, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_refused_with_its_line_and_nothing_is_written(
    app, run_import, make_user, tmp_path, change, message
):
    make_user("hm@example.com")
    rows, header = change(good_rows(), list(HEADER))
    path = write_csv(tmp_path / "history.csv", rows, header)
    before = (count(Loop), count(User), count(Requisition), count(Candidate), count(AuditEvent))

    result = run_import(path)

    assert result.exit_code == 1
    assert message in result.stderr
    assert "Nothing was imported." in result.stderr
    assert "Traceback" not in result.output
    after = (count(Loop), count(User), count(Requisition), count(Candidate), count(AuditEvent))
    assert after == before


def test_every_problem_in_the_file_is_reported_not_just_the_first(app, run_import, tmp_path):
    rows = good_rows()
    rows[0]["vote"] = "maybe"
    rows[5]["interview_at"] = "yesterday"
    rows[10]["principles"] = "Thinkk Big"
    result = run_import(write_csv(tmp_path / "history.csv", rows))

    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in lines] == ["line 2", "line 7", "line 12"]
    assert "(did you mean 'Think Big'?)" in lines[2]
    assert count(Loop) == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "line 1: the file is empty"),
        (b"\n\n", "line 1: the file is empty"),
        (",".join(HEADER).encode() + b"\n", "line 1: the file has a header but no interview rows"),
    ],
    ids=["empty", "blank lines", "header only"],
)
def test_an_empty_file_is_refused(app, run_import, tmp_path, content, message):
    path = tmp_path / "history.csv"
    path.write_bytes(content)
    result = run_import(path)
    assert result.exit_code == 1
    assert message in result.stderr
    assert count(Loop) == 0


def test_a_file_that_is_not_utf8_is_refused_with_its_line(app, run_import, make_user, tmp_path):
    path = write_csv(tmp_path / "history.csv", good_rows())
    text = path.read_text(encoding="utf-8").replace("Candidate L-2", "José L-2", 1)
    path.write_bytes(text.encode("latin-1"))
    users = count(User)

    result = run_import(path)

    assert result.exit_code == 1
    assert "line 6: the file is not UTF-8" in result.stderr
    assert "Traceback" not in result.output
    assert (count(Loop), count(User)) == (0, users)


def test_a_row_with_a_missing_comma_is_refused(app, run_import, tmp_path):
    path = write_csv(tmp_path / "history.csv", good_rows())
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run_import(path)

    assert result.exit_code == 1
    assert "line 4: 19 values but the header has 20 columns" in result.stderr


def test_a_missing_file_is_a_usage_error(app, run_import, tmp_path):
    result = run_import(tmp_path / "nowhere.csv")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_retired_principles_are_accepted_in_history(app, run_import, tmp_path, clock):
    from barraiser.principles.models import Principle

    frugality = db.session.scalars(sa.select(Principle).where(Principle.name == "Frugality")).one()
    frugality.retired_at = clock()
    db.session.commit()

    result = run_import(write_csv(tmp_path / "history.csv", good_rows()))

    assert result.exit_code == 0, result.output


def test_the_example_in_the_format_document_imports(app, run_import, tmp_path):
    document = (ROOT / "docs" / "import-format.md").read_text(encoding="utf-8")
    example = document.split("```csv\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.csv"
    path.write_text(example, encoding="utf-8")

    result = run_import(path)

    assert result.exit_code == 0, result.output
    assert "Imported 2 loops (7 interviews)" in result.stdout
    assert feedback_of(loop_by_ref("2024-017"), "ben@example.com").is_late
    assert loop_by_ref("2024-018").vetoed


def _load_generator():
    return synthetic_history


def test_the_generated_history_imports_cleanly_and_is_deterministic(app, run_import, tmp_path):
    history = _load_generator()
    staff = history.Staff(
        hiring_managers=[history.Person("hm@example.com", "Hugo Manager", "Payments")],
        bar_raisers=[history.Person("br@example.com", "Bea Raiser", "Logistics")],
        interviewers=[
            history.Person(f"{name}@example.com", name.title(), "Payments")
            for name in ("ana", "ben", "chen", "dara", "eli")
        ],
        trainees=[history.Person("brit@example.com", "Brit Trainee", "Retail")],
    )
    options = {"seed": 7, "people": staff, "end": DAY, "start": DAY - timedelta(days=365)}
    first = list(history.generate_history(60, **options))
    assert first == list(history.generate_history(60, **options))
    path = tmp_path / "generated.csv"
    rows = history.write_history_csv(path, 60, **options)
    assert rows == len(first)

    result = run_import(path)

    assert result.exit_code == 0, result.output
    assert count(Loop) == 60
    assert count(Interview) == rows
    emails = set(db.session.scalars(sa.select(User.email)))
    assert emails <= {"hm@example.com", "br@example.com", "brit@example.com"} | {
        f"{name}@example.com" for name in ("ana", "ben", "chen", "dara", "eli")
    }


def test_an_unknown_hiring_manager_gets_the_role_and_others_get_none(app, run_import, tmp_path):
    assert run_import(write_csv(tmp_path / "history.csv", good_rows())).exit_code == 0
    manager = db.session.scalars(sa.select(User).where(User.email == "hm@example.com")).one()
    ana = db.session.scalars(sa.select(User).where(User.email == "ana@example.com")).one()
    assert manager.roles == {Role.HIRING_MANAGER}
    assert manager.password_hash is None
    assert not ana.roles


def test_generated_requisitions_keep_the_principles_they_require(app, run_import, tmp_path):
    # Enough hiring managers that titles come round again in the same department: each is
    # still its own requisition, requiring the four or five principles its loops all covered.
    path = tmp_path / "generated.csv"
    synthetic_history.write_history_csv(path, 2000, seed=3)

    assert run_import(path).exit_code == 0

    requisitions = db.session.scalars(sa.select(Requisition)).all()
    assert len(requisitions) == 15  # ten managers, every other one with two
    assert {len(requisition.required_principles) for requisition in requisitions} <= {4, 5}


def test_an_import_leaves_the_planner_statistics_up_to_date(app, run_import, tmp_path):
    assert run_import(write_csv(tmp_path / "history.csv", good_rows())).exit_code == 0

    if db.session.get_bind().dialect.name == "postgresql":
        # ANALYZE has counted the rows: the planner no longer takes the tables for empty.
        estimated = db.session.scalar(
            sa.text("SELECT reltuples FROM pg_class WHERE relname = 'interview'")
        )
        assert estimated == count(Interview) == 13
    else:
        # SQLite plans the report well without statistics, and gathering them could change
        # its plans: none are written.
        assert not db.session.scalar(
            sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        )


def test_people_are_matched_by_email_as_login_matches_them(app, run_import, make_user, tmp_path):
    manager = make_user("hm@example.com", name="Hugo Manager")
    rows = good_rows()
    for row in rows:
        row["hiring_manager_email"] = " HM@Example.com "

    assert run_import(write_csv(tmp_path / "history.csv", rows)).exit_code == 0

    assert {loop.hiring_manager_id for loop in db.session.scalars(sa.select(Loop))} == {manager.id}
    assert count(User) == len({"hm", "br", "ana", "ben", "brit"})
