"""`flask import-history --format greenhouse|lever`: an ATS export and its mapping file become the
same loops our CSV would, through the CSV's own checks; a bad export is refused at each problem's
JSON pointer with nothing written; importing again changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import User
from barraiser.calibration.queries import ReportFilters
from barraiser.calibration.report import calibration_report
from barraiser.debrief.models import FinalVote, HirePerformance, Proposal, Verdict
from barraiser.domain import FeedbackState, LoopState, Outcome, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback, PrincipleRating
from barraiser.history.services import import_history
from barraiser.loops.models import Interview, InterviewPrinciple, Loop

SAMPLES = Path(__file__).parent / "samples"
GREENHOUSE = (
    "greenhouse",
    SAMPLES / "greenhouse-scorecards.json",
    SAMPLES / "greenhouse-mapping.json",
)
LEVER = ("lever", SAMPLES / "lever-feedback.json", SAMPLES / "lever-mapping.json")
TABLES = (
    Loop,
    Interview,
    Feedback,
    PrincipleRating,
    FinalVote,
    Proposal,
    Verdict,
    User,
    AuditEvent,
)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def counts() -> dict:
    return {model.__name__: count(model) for model in TABLES}


def feedback_of(ref: str, email: str) -> Feedback:
    return db.session.scalars(
        sa.select(Feedback)
        .join(Interview, Feedback.interview_id == Interview.id)
        .join(Loop, Interview.loop_id == Loop.id)
        .join(User, Interview.interviewer_id == User.id)
        .where(Loop.external_ref == ref, User.email == email)
    ).one()


def loop_by_ref(ref: str) -> Loop:
    return db.session.scalars(sa.select(Loop).where(Loop.external_ref == ref)).one()


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: object):
        return runner.invoke(args=["import-history", *map(str, args)])

    return invoke


def test_a_greenhouse_export_becomes_loops_with_final_votes_evidence_and_answers(app, run):
    source, export, mapping = GREENHOUSE

    result = run(export, "--format", source, "--mapping", mapping)

    assert result.exit_code == 0, result.output
    assert "Imported 3 loops (10 interviews)" in result.stdout
    assert count(Proposal) == count(Verdict) == 3 and count(HirePerformance) == 1
    hire = loop_by_ref("greenhouse:501:9001")
    assert hire.state is LoopState.DECIDED and hire.outcome is Outcome.HIRE
    assert hire.debrief_opened_at == datetime(2025, 6, 3, 15, tzinfo=UTC)
    assert hire.debrief_opened_by_id == hire.bar_raiser_id
    assert hire.candidate.name == "Sam Lee" and hire.bar_raiser.email == "bea@example.com"
    assert [i.is_shadow for i in hire.interviews].count(True) == 1
    ana = feedback_of("greenhouse:501:9001", "ana@example.com")
    assert ana.vote is Vote.STRONG_HIRE and ana.state is FeedbackState.SUBMITTED
    final = db.session.scalars(
        sa.select(FinalVote).where(FinalVote.interview_id == ana.interview_id)
    ).one()
    assert final.vote is Vote.INCLINED_HIRE and final.cast_at == hire.debrief_opened_at
    # Answers' HTML is text, paragraphs kept; notes are the principles' evidence.
    assert ana.summary == "What did the candidate build?\nA ledger.\n\nIdempotent\n\nAudited"
    bea = feedback_of("greenhouse:501:9001", "bea@example.com")
    evidence = {r.principle.name: (r.rating, r.evidence) for r in bea.ratings}
    assert evidence == {
        "Customer Obsession": (3, "Rebuilt the refund flow.\n\nSupport tickets fell by 30%."),
        "Earn Trust": (4, ""),
    }
    assert "<" not in bea.summary and "Would hire." in bea.summary
    words = db.session.scalars(
        sa.select(InterviewPrinciple.submitted_evidence_words).where(
            InterviewPrinciple.interview_id == bea.interview_id
        )
    ).all()
    assert sorted(words) == [0, 9]  # as the feedback form counts them
    # `mixed` is no rating on our scale with no middle; the note is still evidence.
    vetoed = feedback_of("greenhouse:502:9002", "bea@example.com")
    assert {r.principle.name: r.rating for r in vetoed.ratings} == {
        "Customer Obsession": 2,
        "Earn Trust": None,
    }
    assert feedback_of("greenhouse:501:9001", "ben@example.com").is_late
    people = {u.email: u for u in db.session.scalars(sa.select(User))}
    assert people["ana@example.com"].name == "Ana Alvarez"
    assert people["ana@example.com"].password_hash is None


def test_several_greenhouse_pages_in_one_file_import_alike(app, run, tmp_path):
    source, export, mapping = GREENHOUSE
    scorecards = json.loads(export.read_text())
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps([scorecards[:4], scorecards[4:], []]))

    result = run(pages, "--format", source, "--mapping", mapping)

    assert result.exit_code == 0, result.output
    assert "Imported 3 loops (10 interviews)" in result.stdout


def test_a_scorecard_without_a_vote_is_kept_unsubmitted_with_its_recommendation(app, run, tmp_path):
    source, export, mapping = GREENHOUSE
    scorecards = json.loads(export.read_text())
    scorecards[6]["overall_recommendation"] = "mixed"  # Ben, on the vetoed loop
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(scorecards))

    result = run(path, "--format", source, "--mapping", mapping)

    assert result.exit_code == 0, result.output
    ben = feedback_of("greenhouse:502:9002", "ben@example.com")
    assert ben.state is FeedbackState.DRAFT and ben.vote is None and ben.submitted_at is None
    assert ben.summary.startswith("Overall recommendation in Greenhouse: mixed (no vote).")
    assert {r.principle.name: r.rating for r in ben.ratings} == {"Deliver Results": 4}


def test_a_lever_export_skips_drafts_and_deleted_forms(app, run):
    source, export, mapping = LEVER

    result = run(export, "--format", source, "--mapping", mapping)

    assert result.exit_code == 0, result.output
    assert "Imported 2 loops (5 interviews)" in result.stdout
    hire = loop_by_ref("lever:opp-7a1")
    bea = feedback_of("lever:opp-7a1", "bea@example.com")
    assert bea.vote is Vote.INCLINED_HIRE
    assert bea.interview.starts_at == datetime(2025, 7, 1, 9, tzinfo=UTC)
    assert bea.submitted_at == datetime(2025, 7, 1, 11, tzinfo=UTC)
    assert {r.principle.name: (r.rating, r.evidence) for r in bea.ratings} == {
        "Customer Obsession": (4, "Talked to every churned customer.")
    }
    assert "Additional notes\nStrong on trade-offs." in bea.summary
    ana = feedback_of("lever:opp-7a1", "ana@example.com")
    assert {r.principle.name: r.rating for r in ana.ratings} == {"Ownership": 4, "Dive Deep": 3}
    ben = feedback_of("lever:opp-7a1", "ben@example.com")
    assert ben.vote is Vote.INCLINED_NO_HIRE
    assert ben.interview.starts_at == datetime(2025, 7, 1, 11, tzinfo=UTC)  # the form's createdAt
    final = db.session.scalars(sa.select(FinalVote).where(FinalVote.loop_id == hire.id)).one()
    assert final.vote is Vote.INCLINED_HIRE and final.voter_id == ben.author_id
    no_score = feedback_of("lever:opp-7b2", "ana@example.com")
    assert no_score.state is FeedbackState.DRAFT and no_score.vote is None


@pytest.mark.parametrize(
    "source, export, mapping", [GREENHOUSE, LEVER], ids=["greenhouse", "lever"]
)
def test_importing_an_export_again_changes_nothing(app, run, source, export, mapping):
    assert run(export, "--format", source, "--mapping", mapping).exit_code == 0
    before = counts()

    again = run(export, "--format", source, "--mapping", mapping)

    assert again.exit_code == 0, again.output
    assert "Imported 0 loops (0 interviews)" in again.stdout
    assert counts() == before


BAD = {
    "greenhouse": (
        GREENHOUSE,
        SAMPLES / "greenhouse-bad.json",
        [
            "greenhouse-bad.json /0/0/attributes/0/rating: rating must be one of definitely_not",
            "greenhouse-bad.json /0/0/attributes/1/name: attribute 'Customer focs' is not in the "
            "mapping's principles",
            "greenhouse-bad.json /0/1/interviewed_at: interviewed_at must be an ISO 8601",
            "greenhouse-bad.json /0/1/interviewer/id: person 99 (Zed Unknown) is not in the "
            "mapping's people",
            "greenhouse-bad.json /0/1/overall_recommendation: overall_recommendation must be one",
            "greenhouse-bad.json /1/0/attributes: attributes must be an array",
            "greenhouse-bad.json /1/0/application_id: application 7777 is not in the mapping's",
            "greenhouse-bad.json /1/1: must be a scorecard (a JSON object)",
            # The good mapping names people this bad export has no scorecard from.
            "greenhouse-mapping.json /loops/9001/final_votes: 12 has no feedback on this loop",
            "greenhouse-mapping.json /loops/9001/final_votes: 13 has no feedback on this loop",
            "greenhouse-mapping.json /loops/9001/shadows: 14 has no feedback on this loop",
        ],
    ),
    "lever": (
        LEVER,
        SAMPLES / "lever-bad.json",
        [
            "lever-bad.json /opp-7a1/data/0/completedAt: completedAt must be epoch milliseconds",
            "lever-bad.json /opp-7a1/data/0/fields: no field is rated against one of our",
            "lever-bad.json /opp-7a1/data/1/user: person u-nobody is not in the mapping's people",
            "lever-bad.json /opp-7a1/data/1/fields/0/value: must be a score from 1 to 4",
            "lever-bad.json /opp-7a1/data/1/fields/1/text: 'Teamwork' is not in the mapping's "
            "principles",
            "lever-bad.json /opp-7a1/data/1/fields/2/value/0/score: must be a rating from 1 to 4",
            "lever-bad.json /opp-unknown: opportunity opp-unknown is not in the mapping's loops",
            'lever-bad.json /opp-broken: must be a response: {"data": [...]}',
            "lever-mapping.json /loops/opp-7a1/final_votes: u-ben has no feedback on this loop",
        ],
    ),
}


@pytest.mark.parametrize("good, bad, messages", BAD.values(), ids=BAD.keys())
def test_a_bad_export_lists_every_problem_at_its_place_and_imports_nothing(
    app, run, good, bad, messages
):
    source, _, mapping = good
    before = counts()

    result = run(bad, "--format", source, "--mapping", mapping)

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    for message in messages:
        assert any(line.startswith(message) for line in lines), (message, result.stderr)
    assert f"{len(messages)} problem(s). Nothing was imported." in result.stderr
    assert "Traceback" not in result.output
    assert counts() == before


MAPPING_PROBLEMS = {
    "unknown principle": (
        lambda m: m["principles"].update({"Delivers": "Deliver Resuts"}),
        "greenhouse-mapping.json /principles/Delivers: 'Deliver Resuts' is not one of our "
        "principles (or null to ignore the attribute) (did you mean 'Deliver Results'?)",
    ),
    "bad email": (
        lambda m: m["people"]["12"].update({"email": "ana.example.com"}),
        "greenhouse-mapping.json /people/12: email 'ana.example.com' is not an email address",
    ),
    "bad decision": (
        lambda m: m["loops"]["9003"].update({"decision": "maybe"}),
        "greenhouse-mapping.json /loops/9003: decision 'maybe' is not one of hire, no_hire",
    ),
    "bad final vote": (
        lambda m: m["loops"]["9001"]["final_votes"].update({"12": "yes"}),
        "greenhouse-scorecards.json /1: final_vote 'yes' is not one of",
    ),
    "final vote without a debrief": (
        lambda m: m["loops"]["9003"].update({"final_votes": {"12": "strong_hire"}}),
        "greenhouse-scorecards.json /8: loop 'greenhouse:503:9003': final_vote is given but the "
        "loop has no debrief_opened_at",
    ),
    "bar raiser off the panel": (
        lambda m: m["loops"]["9003"].update({"bar_raiser_email": "eve@example.com"}),
        "greenhouse-scorecards.json /7: loop 'greenhouse:503:9003': bar raiser eve@example.com "
        "must also hold an interview",
    ),
    "a shadow's final vote": (
        lambda m: m["loops"]["9001"]["final_votes"].update({"14": "strong_hire"}),
        "greenhouse-scorecards.json /3: final_vote is given on a shadow's row",
    ),
    "final vote of someone off the panel": (
        lambda m: m["loops"]["9001"]["final_votes"].update({"99": "strong_hire"}),
        "greenhouse-mapping.json /loops/9001/final_votes: 99 has no feedback on this loop",
    ),
    "unknown key": (
        lambda m: m["loops"]["9001"].update({"decison": "hire"}),
        "greenhouse-mapping.json /loops/9001/decison: unknown key 'decison' (did you mean "
        "'decision'?)",
    ),
}


@pytest.mark.parametrize("change, message", MAPPING_PROBLEMS.values(), ids=MAPPING_PROBLEMS.keys())
def test_a_bad_mapping_is_refused_at_its_place(app, run, tmp_path, change, message):
    source, export, mapping = GREENHOUSE
    content = json.loads(mapping.read_text())
    change(content)
    path = tmp_path / mapping.name
    path.write_text(json.dumps(content))

    result = run(export, "--format", source, "--mapping", path)

    assert result.exit_code == 1, result.output
    assert any(line.startswith(message) for line in result.stderr.splitlines()), result.stderr
    assert count(Loop) == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty: expected JSON"),
        (b"[{]", "not valid JSON: "),
        (b'{"a": NaN}', "not usable JSON: NaN is not a JSON number"),
        (b"[" + b"9" * 5000 + b"]", "not usable JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not usable JSON"),
        ('["José"]'.encode("latin-1"), "the file is not UTF-8 (byte 0xe9 at offset 5"),
        (b'{"not": "a list"}', "must be a JSON array of scorecards"),
        (b"[]", "the export holds no scorecards"),
    ],
    ids=["empty", "broken", "nan", "huge number", "deep", "latin-1", "object", "no scorecards"],
)
def test_an_unreadable_export_is_a_problem_not_a_traceback(app, run, tmp_path, content, message):
    path = tmp_path / "export.json"
    path.write_bytes(content)

    result = run(path, "--format", "greenhouse", "--mapping", GREENHOUSE[2])

    assert result.exit_code == 1
    assert f"export.json /: {message}" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["export.json"], "say --format greenhouse or lever"),
        (["export.json", "--format", "lever"], "--format lever needs --mapping"),
        (["history.csv", "--mapping", "export.json"], "--mapping is for the greenhouse and lever"),
    ],
    ids=["json without a format", "no mapping", "mapping with csv"],
)
def test_the_command_says_which_options_an_export_needs(app, run, tmp_path, args, message):
    for name in ("export.json", "history.csv"):
        (tmp_path / name).write_text("[]")

    result = run(*(str(tmp_path / a) if a.endswith((".json", ".csv")) else a for a in args))

    assert result.exit_code == 2
    assert message in result.output


def _report(since: date, until: date) -> dict:
    report = calibration_report(ReportFilters(since=since, until=until), now=datetime.now(UTC))
    return _comparable(report)


def _comparable(value):
    """The report without what differs between two databases by construction: ids, the time it
    was made, and the evidence text, which our CSV cannot carry."""
    if isinstance(value, dict):
        return {
            key: _comparable(item)
            for key, item in value.items()
            if not key.endswith("id") and "evidence" not in key and key != "generated_at"
        }
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def test_the_report_over_a_greenhouse_import_equals_the_report_over_the_same_csv(app, clock):
    source, export, mapping = GREENHOUSE
    since, until = date(2025, 6, 1), date(2025, 6, 30)
    now = clock()
    import_history(
        export.read_bytes(),
        file_name=export.name,
        now=now,
        source=source,
        mapping=mapping.read_bytes(),
        mapping_name=mapping.name,
    )
    from_greenhouse = _report(since, until)
    db.session.rollback()
    assert count(Loop) == 0
    csv = SAMPLES / "greenhouse-history.csv"
    import_history(csv.read_bytes(), file_name=csv.name, now=now)
    from_csv = _report(since, until)

    assert from_greenhouse == from_csv
    # The figures the debrief feeds are there, not empty: the test compares something.
    assert from_csv["vote_changes"]["n"] == 4
    assert from_csv["vote_changes"]["rate"] == 0.5
    assert from_csv["adoption"]["submitted_before_debrief_rate"] == 1.0
