"""Candidate privacy (DESIGN §6): an admin exports everything held on a candidate and erases them.
Erasure removes the name, email and every free text on their loops from every page, while votes,
ratings and timestamps stay, so the calibration report is the same before and after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from builders import BuiltLoop

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import Role, UserRole
from barraiser.candidates.models import Candidate
from barraiser.candidates.services import create_candidate, update_candidate
from barraiser.debrief import services as debrief
from barraiser.debrief.models import FinalVote, HirePerformance, Proposal, Verdict
from barraiser.domain import FeedbackState, LoopState, Outcome, Vote
from barraiser.errors import Conflict, RuleViolation
from barraiser.extensions import db
from barraiser.feedback.models import Addendum, Feedback, PrincipleRating
from barraiser.feedback.services import add_addendum, stamp_assignments
from barraiser.loops.models import Interview, Loop
from barraiser.outbox.models import OutboxMessage
from barraiser.outbox.services import deliver_due, queue_message
from barraiser.privacy.registry import CONTRIBUTIONS
from barraiser.privacy.services import ERASED_TEXT, candidate_export, erase_candidate
from barraiser.training.models import MentorNote

NAME = "Zelda Quintero"
EMAIL = "zelda.quintero@example.org"
SOURCE = "Fintech meetup"
NOTES = "Prefers remote work from Lisbon"
EARLY_REASON = "ZQ-EARLY panel3 is on leave until Friday"
PROPOSAL_RATIONALE = "ZQ-PROPOSAL owns problems end to end"
PROPOSAL_EARLY_REASON = "ZQ-EARLYPROPOSAL the candidate flies home tonight"
VETO_RATIONALE = "ZQ-VETO below the bar on depth"
CONCUR_RATIONALE = "ZQ-CONCUR agreed with the panel"
CANCEL_REASON = "ZQ-CANCEL candidate took another offer"
ADDENDUM = "ZQ-ADDENDUM she followed up with the design doc"
MENTOR_NOTE = "ZQ-MENTOR the shadow missed her hesitation on the rollback question"
OTHER_NOTE = "Another loop: the shadow probed well"
VOTES = (Vote.INCLINED_NO_HIRE, Vote.STRONG_HIRE, Vote.INCLINED_HIRE, Vote.STRONG_NO_HIRE)


def _evidence(tag: str) -> str:
    return f"ZQ-EVIDENCE-{tag} traced the rounding bug, wrote the test first, fixed it"


def _summary(tag: str) -> str:
    return f"ZQ-SUMMARY-{tag} a clear lean"


@dataclass
class Story:
    """One candidate with three loops (vetoed, hired, cancelled with a draft left on it) and
    another candidate whose scheduled loop must come out of the erasure untouched."""

    candidate: Candidate
    vetoed: BuiltLoop
    hired: BuiltLoop
    cancelled: BuiltLoop
    other: BuiltLoop

    @property
    def loops(self) -> list[Loop]:
        return [self.vetoed.loop, self.hired.loop, self.cancelled.loop]


def _write(interview: Interview, vote: Vote, tag: str, now) -> Feedback:
    """Submitted feedback straight into the models, with text that names its loop and author."""
    feedback = Feedback(
        interview=interview,
        author_id=interview.interviewer_id,
        state=FeedbackState.SUBMITTED,
        vote=vote,
        raises_bar=vote.leans_hire,
        summary=_summary(tag),
        created_at=now,
        updated_at=now,
        submitted_at=now,
        due_at=now + timedelta(hours=24),
        is_late=False,
    )
    feedback.ratings = [
        PrincipleRating(principle_id=principle.id, rating=vote.score, evidence=_evidence(tag))
        for principle in interview.principles
    ]
    stamp_assignments(interview, feedback.ratings)
    db.session.add(feedback)
    return feedback


def _decide(built: BuiltLoop, clock, *, tag: str, early: bool, veto: bool) -> None:
    """Feedback from the panel (and shadow), the debrief, final votes, a proposal of hire, then a
    veto or a concurrence."""
    clock.advance(days=1, hours=6)
    panel = built.panel
    written = panel[:-1] if early else panel
    for index, interview in enumerate(written):
        _write(interview, VOTES[index % len(VOTES)], f"{tag}{index}", clock())
    for interview in built.loop.interviews:
        if interview.is_shadow:
            _write(interview, Vote.STRONG_HIRE, f"{tag}shadow", clock())
    db.session.commit()
    clock.advance(hours=1)
    debrief.open_debrief(
        built.loop, reason=EARLY_REASON if early else "", actor=built.bar_raiser, now=clock()
    )
    db.session.commit()
    if early:
        _write(panel[-1], VOTES[-1], f"{tag}{len(panel) - 1}", clock())
        db.session.commit()
    author = panel[1].interviewer
    feedback = db.session.scalar(sa.select(Feedback).where(Feedback.interview_id == panel[1].id))
    add_addendum(feedback, f"{ADDENDUM} {tag}", actor=author, now=clock())
    for interview in panel[:2]:
        debrief.cast_final_vote(
            built.loop, vote=Vote.INCLINED_HIRE, actor=interview.interviewer, now=clock()
        )
    clock.advance(minutes=20)
    debrief.propose(
        built.loop,
        decision=Outcome.HIRE,
        rationale=PROPOSAL_RATIONALE,
        early_reason=PROPOSAL_EARLY_REASON,
        actor=built.hiring_manager,
        now=clock(),
    )
    clock.advance(minutes=5)
    if veto:
        debrief.veto(
            built.loop,
            rationale=VETO_RATIONALE,
            principle_ids=[panel[0].principles[0].id],
            actor=built.bar_raiser,
            now=clock(),
        )
    else:
        debrief.concur(built.loop, rationale=CONCUR_RATIONALE, actor=built.bar_raiser, now=clock())
    db.session.commit()


@pytest.fixture
def story(make_loop, clock) -> Story:
    candidate = create_candidate(
        name=NAME, email=EMAIL, source=SOURCE, notes=NOTES, actor=None, now=clock()
    )
    vetoed = make_loop(with_shadow=True)
    vetoed.loop.candidate = candidate
    db.session.commit()
    _decide(vetoed, clock, tag="V", early=True, veto=True)

    hired = make_loop()
    hired.loop.candidate = candidate
    db.session.commit()
    _decide(hired, clock, tag="H", early=False, veto=False)
    clock.advance(days=30)
    debrief.record_hire_performance(
        hired.loop,
        rating=4,
        rated_on=clock().date(),
        actor=hired.hiring_manager,
        now=clock(),
    )
    db.session.commit()

    cancelled = make_loop(state=LoopState.CANCELLED)
    cancelled.loop.candidate = candidate
    cancelled.loop.cancel_reason = CANCEL_REASON
    draft = _write(cancelled.panel[0], Vote.STRONG_HIRE, "DRAFT", clock())
    draft.state, draft.vote, draft.raises_bar, draft.submitted_at = (
        FeedbackState.DRAFT,
        None,
        None,
        None,
    )
    db.session.commit()

    other = make_loop(tag="x")
    _write(other.panel[0], Vote.STRONG_HIRE, "OTHER", clock())
    assert vetoed.shadow is not None
    for loop, body in ((vetoed.loop, MENTOR_NOTE), (other.loop, OTHER_NOTE)):
        db.session.add(
            MentorNote(
                trainee_id=vetoed.shadow.id,
                author_id=vetoed.bar_raiser.id,
                loop_id=loop.id,
                body=body,
                created_at=clock(),
            )
        )
    db.session.commit()
    return Story(candidate, vetoed, hired, cancelled, other)


SECRETS = (
    NAME,
    EMAIL,
    SOURCE,
    NOTES,
    EARLY_REASON,
    PROPOSAL_RATIONALE,
    PROPOSAL_EARLY_REASON,
    VETO_RATIONALE,
    CONCUR_RATIONALE,
    CANCEL_REASON,
    ADDENDUM,
    "ZQ-EVIDENCE-V",
    "ZQ-EVIDENCE-H",
    "ZQ-SUMMARY-V",
    "ZQ-SUMMARY-H",
)


def _erase_form(name: str = NAME, understood: bool = True) -> dict[str, str]:
    data = {"confirm_name": name}
    if understood:
        data["understood"] = "y"
    return data


@pytest.fixture
def clients(story, login_as) -> dict:
    """Logged-in clients of the admin, the recruiter, a panelist and the hiring manager of the
    vetoed loop, and an inspector."""
    return {
        "admin": login_as("admin"),
        "recruiter": login_as("recruiter"),
        "panelist": login_as(story.vetoed.interviewers[1]),
        "hiring_manager": login_as(story.vetoed.hiring_manager),
        "inspector": login_as("inspector"),
    }


def _reachable_pages(story: Story, clients: dict) -> dict[str, str]:
    """Every page about the candidate and their loops that each of `clients` can open, by
    "who url"."""
    urls = [f"/candidates/{story.candidate.id}", "/candidates/", "/loops/", "/"]
    for loop in story.loops:
        urls += [f"/loops/{loop.id}", f"/loops/{loop.id}/feedback", f"/loops/{loop.id}/debrief"]
    report = "/calibration/report.json?since=2026-01-01&until=2026-12-31"
    pages = {}
    for who, allowed in (
        ("admin", [*urls, report]),
        ("recruiter", urls),
        ("panelist", [*urls, f"/interviews/{story.vetoed.panel[1].id}/feedback"]),
        ("hiring_manager", urls),
        ("inspector", [report]),
    ):
        for url in allowed:
            response = clients[who].get(url)
            if response.status_code == 200:
                pages[f"{who} {url}"] = response.get_data(as_text=True)
    return pages


def _numbers(story: Story) -> dict[str, list]:
    """Everything erasure must keep: votes, ratings, word counts, outcomes and timestamps."""
    db.session.expire_all()
    loop_ids = [loop.id for loop in story.loops]
    feedback = list(
        db.session.scalars(
            sa.select(Feedback)
            .join(Interview, Interview.id == Feedback.interview_id)
            .where(Interview.loop_id.in_(loop_ids))
            .order_by(Feedback.id)
        )
    )
    ids = [item.id for item in feedback]
    return {
        "feedback": [
            (f.id, f.vote, f.raises_bar, f.state, f.created_at, f.submitted_at, f.is_late, f.due_at)
            for f in feedback
        ],
        "ratings": [
            (r.feedback_id, r.principle_id, r.rating, r.evidence_words)
            for r in db.session.scalars(
                sa.select(PrincipleRating)
                .where(PrincipleRating.feedback_id.in_(ids))
                .order_by(PrincipleRating.feedback_id, PrincipleRating.principle_id)
            )
        ],
        "addenda": [
            (a.id, a.created_at, a.after_debrief_opened)
            for a in db.session.scalars(sa.select(Addendum).where(Addendum.feedback_id.in_(ids)))
        ],
        "final_votes": [
            (v.interview_id, v.vote, v.cast_at)
            for v in db.session.scalars(sa.select(FinalVote).where(FinalVote.loop_id.in_(loop_ids)))
        ],
        "proposals": [
            (p.loop_id, p.decision, p.proposed_at)
            for p in db.session.scalars(sa.select(Proposal).where(Proposal.loop_id.in_(loop_ids)))
        ],
        "verdicts": [
            (v.loop_id, v.kind, v.decided_at, [p.id for p in v.principles])
            for v in db.session.scalars(sa.select(Verdict).where(Verdict.loop_id.in_(loop_ids)))
        ],
        "loops": [
            (
                loop.id,
                loop.state,
                loop.outcome,
                loop.vetoed,
                loop.decided_at,
                loop.debrief_opened_at,
                loop.first_interview_at,
                loop.candidate_id,
            )
            for loop in db.session.scalars(sa.select(Loop).where(Loop.id.in_(loop_ids)))
        ],
        "performance": [
            (p.loop_id, p.rating, p.rated_on)
            for p in db.session.scalars(
                sa.select(HirePerformance).where(HirePerformance.loop_id.in_(loop_ids))
            )
        ],
    }


# --- export -------------------------------------------------------------------------------------


def test_the_export_holds_the_candidate_their_loops_and_every_text(story, login_as):
    response = login_as("admin").get(f"/candidates/{story.candidate.id}/export.json")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="candidate-{story.candidate.id}.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["candidate"] | {"id": 0} == {
        "id": 0,
        "name": NAME,
        "email": EMAIL,
        "source": SOURCE,
        "notes": NOTES,
        "created_at": story.candidate.created_at.isoformat(),
        "erased_at": None,
    }
    loops = {loop["id"]: loop for loop in data["loops"]}
    assert set(loops) == {loop.id for loop in story.loops}
    vetoed = loops[story.vetoed.loop.id]
    assert vetoed["requisition"]["title"] == story.vetoed.loop.requisition.title
    assert (vetoed["state"], vetoed["outcome"], vetoed["vetoed"]) == ("decided", "no_hire", True)
    assert vetoed["debrief_early_reason"] == EARLY_REASON
    assert vetoed["proposal"]["rationale"] == PROPOSAL_RATIONALE
    assert vetoed["proposal"]["early_reason"] == PROPOSAL_EARLY_REASON
    assert vetoed["verdict"] | {"decided_at": None} == {
        "kind": "veto",
        "rationale": VETO_RATIONALE,
        "principles": [story.vetoed.panel[0].principles[0].name],
        "bar_raiser": story.vetoed.bar_raiser.name,
        "decided_at": None,
    }
    interviews = vetoed["interviews"]
    assert len(interviews) == 5  # four on the panel and the shadow
    second = next(i for i in interviews if i["id"] == story.vetoed.panel[1].id)
    assert second["interviewer"] == story.vetoed.interviewers[1].name
    assert second["principles"] == [p.name for p in story.vetoed.panel[1].principles]
    assert second["feedback"]["vote"] == "strong_hire"
    assert second["feedback"]["summary"] == _summary("V1")
    assert second["feedback"]["ratings"][0]["evidence"] == _evidence("V1")
    assert second["feedback"]["ratings"][0]["rating"] == 4
    assert second["feedback"]["addenda"][0]["body"] == f"{ADDENDUM} V"
    assert second["final_vote"]["vote"] == "inclined_hire"
    hired = loops[story.hired.loop.id]
    assert hired["verdict"]["rationale"] == CONCUR_RATIONALE
    assert hired["hire_performance"] == [
        {"rating": 4, "rated_on": hired["hire_performance"][0]["rated_on"]}
    ]
    assert loops[story.cancelled.loop.id]["cancel_reason"] == CANCEL_REASON
    actions = [(event["action"], event["subject_type"]) for event in data["audit_events"]]
    assert ("candidate.created", "candidate") in actions
    assert ("debrief.vetoed", "loop") in actions
    # Nothing about the other candidate, and no draft: it is its interviewer's private work.
    text = response.get_data(as_text=True)
    assert "ZQ-EVIDENCE-OTHER" not in text
    assert "ZQ-SUMMARY-DRAFT" not in text
    cancelled = loops[story.cancelled.loop.id]
    assert [i["feedback"] for i in cancelled["interviews"]] == [None] * 4
    assert vetoed["mentor_notes"] == [
        {
            "trainee": story.vetoed.shadow.name,
            "author": story.vetoed.bar_raiser.name,
            "body": MENTOR_NOTE,
            "created_at": vetoed["mentor_notes"][0]["created_at"],
        }
    ]
    assert OTHER_NOTE not in text
    # The debrief notices sent about the candidate's loops, and nothing about the other loop.
    assert {message["kind"] for message in data["messages"]} == {
        "debrief_opened",
        "proposal_made",
        "loop_decided",
    }
    assert {message["loop_id"] for message in data["messages"]} == {
        story.vetoed.loop.id,
        story.hired.loop.id,
    }
    assert all(NAME in message["subject"] for message in data["messages"])


def test_the_export_runs_a_fixed_number_of_queries(
    story, make_loop, login_as, count_queries, clock
):
    person = login_as("admin").user

    def queries() -> int:
        admin = login_as(person)  # afresh: deciding the loops below takes longer than a session
        with count_queries() as counted:
            response = admin.get(f"/candidates/{story.candidate.id}/export.json")
        assert response.status_code == 200
        return counted.count

    three_loops = queries()
    for tag in ("A", "B"):
        more = make_loop(with_shadow=True, panel_size=5)
        more.loop.candidate = story.candidate
        db.session.commit()
        _decide(more, clock, tag=tag, early=False, veto=tag == "A")

    assert queries() == three_loops


def test_an_admin_who_owes_feedback_on_the_loop_cannot_export_the_panels_feedback(story, login_as):
    """Independence holds in the export: an admin on the other loop's panel has not submitted."""
    panelist = story.other.interviewers[2]
    db.session.add(UserRole(user_id=panelist.id, role=Role.ADMIN))
    db.session.commit()
    client = login_as(panelist)

    response = client.get(f"/candidates/{story.other.loop.candidate_id}/export.json")
    page = client.get(f"/candidates/{story.other.loop.candidate_id}").get_data(as_text=True)

    assert response.status_code == 403
    assert "have not submitted your feedback" in response.get_json()["message"]
    assert "ZQ-EVIDENCE-OTHER" not in response.get_data(as_text=True)
    assert "export.json" not in page
    assert "waits until you submit your own feedback" in page


# --- erasure --------------------------------------------------------------------------------------


def test_erasure_removes_every_personal_text_from_every_page_and_keeps_the_numbers(story, clients):
    before_pages = _reachable_pages(story, clients)
    everything = "\n".join(before_pages.values())
    for secret in SECRETS:
        assert secret in everything, f"{secret!r} is on no page before erasure"
    numbers = _numbers(story)
    candidate_id = story.candidate.id

    response = clients["admin"].post(f"/candidates/{candidate_id}/erase", data=_erase_form())

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/candidates/{candidate_id}")
    db.session.expire_all()
    candidate = db.session.get(Candidate, candidate_id)
    assert (candidate.name, candidate.email, candidate.source, candidate.notes) == (
        "",
        None,
        "",
        "",
    )
    assert candidate.erased_at is not None
    loop_ids = [loop.id for loop in story.loops]
    interviews = sa.select(Interview.id).where(Interview.loop_id.in_(loop_ids))
    feedback = db.session.scalars(sa.select(Feedback).where(Feedback.interview_id.in_(interviews)))
    assert {f.summary for f in feedback} == {""}
    ratings = db.session.scalars(
        sa.select(PrincipleRating).join(Feedback).where(Feedback.interview_id.in_(interviews))
    ).all()
    assert {r.evidence for r in ratings} == {""}
    assert all(r.evidence_words > 0 for r in ratings)  # the counts the report reads are kept
    assert {a.body for a in db.session.scalars(sa.select(Addendum))} == {""}
    assert {p.rationale for p in db.session.scalars(sa.select(Proposal))} == {""}
    verdicts = {v.loop_id: v.rationale for v in db.session.scalars(sa.select(Verdict))}
    assert verdicts == {story.vetoed.loop.id: ERASED_TEXT, story.hired.loop.id: ""}
    loops = {loop.id: loop for loop in db.session.scalars(sa.select(Loop))}
    assert loops[story.vetoed.loop.id].debrief_early_reason == ERASED_TEXT
    assert loops[story.hired.loop.id].debrief_early_reason is None
    assert loops[story.cancelled.loop.id].cancel_reason == ERASED_TEXT
    assert loops[story.vetoed.loop.id].cancel_reason is None
    assert _numbers(story) == numbers

    after_pages = _reachable_pages(story, clients)
    assert after_pages.keys() == before_pages.keys()
    for where, page in after_pages.items():
        for secret in SECRETS:
            assert secret not in page, f"{secret!r} is still on {where}"
    shown = f"Erased candidate #{candidate_id}"
    for loop in story.loops:
        for url in (f"/loops/{loop.id}", f"/loops/{loop.id}/feedback", f"/loops/{loop.id}/debrief"):
            assert shown in after_pages[f"admin {url}"], url
    assert shown in after_pages["admin /candidates/"]
    assert shown in after_pages[f"panelist /interviews/{story.vetoed.panel[1].id}/feedback"]
    candidate_page = after_pages[f"admin /candidates/{candidate_id}"]
    assert shown in candidate_page
    assert f'Erased on <time datetime="{candidate.erased_at.isoformat()}">' in candidate_page
    assert "Erase this candidate" not in candidate_page

    # The other candidate's loop and feedback are untouched.
    other = db.session.get(Candidate, story.other.loop.candidate_id)
    assert other.name == "Casey Candidatex" and other.erased_at is None
    assert db.session.scalar(
        sa.select(Feedback.summary).where(Feedback.interview_id == story.other.panel[0].id)
    ) == _summary("OTHER")


def test_the_calibration_report_is_identical_before_and_after_erasure(story, login_as):
    inspector = login_as("inspector")
    url = "/calibration/report.json?since=2026-01-01&until=2026-12-31"
    before = inspector.get(url).get_json()
    assert before["filters"] is not None and before != {}

    response = login_as("admin").post(f"/candidates/{story.candidate.id}/erase", data=_erase_form())

    assert response.status_code == 302
    assert inspector.get(url).get_json() == before


def test_the_audit_event_holds_counts_and_no_personal_data(story, login_as):
    admin = login_as("admin")
    admin.post(f"/candidates/{story.candidate.id}/erase", data=_erase_form())

    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "candidate.erased")
    ).one()
    assert (event.subject_type, event.subject_id, event.actor_id) == (
        "candidate",
        story.candidate.id,
        admin.user.id,
    )
    assert event.details == {
        "loops": 3,
        "feedback": 10,  # 4 + shadow on the vetoed loop, 4 on the hired one, the draft
        "ratings": 10,
        "addenda": 2,
        "proposals": 2,
        "verdicts": 2,
        "mentor_notes": 1,
        "experience_surveys": 0,  # the survey is off
        "review_anecdotes": 0,
        # Debrief-open and decision notices, 5 each on the vetoed loop (its shadow too), 4 each on
        # the hired one; a proposal notice on each.
        "messages": 20,
    }
    serialised = json.dumps(event.details)
    assert not any(secret in serialised for secret in SECRETS)


def test_a_second_erasure_is_a_conflict(story, login_as, clock):
    admin = login_as("admin")
    assert (
        admin.post(f"/candidates/{story.candidate.id}/erase", data=_erase_form()).status_code == 302
    )

    again = admin.post(f"/candidates/{story.candidate.id}/erase", data=_erase_form(name=""))

    assert again.status_code == 409
    assert "already erased" in again.get_data(as_text=True)
    candidate = db.session.get(Candidate, story.candidate.id)
    with pytest.raises(Conflict):
        erase_candidate(candidate, actor=None, now=clock())
    db.session.rollback()
    erased = sa.select(sa.func.count()).where(AuditEvent.action == "candidate.erased")
    assert db.session.scalar(erased) == 1


@pytest.mark.parametrize("state", [LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DEBRIEF])
def test_a_candidate_with_an_open_loop_is_not_erased(story, login_as, clock, state):
    loop = story.other.loop
    loop.state = state
    if state is LoopState.DEBRIEF:
        loop.debrief_opened_at = clock()
    db.session.commit()
    candidate_id = loop.candidate_id

    response = login_as("admin").post(
        f"/candidates/{candidate_id}/erase", data=_erase_form(name="Casey Candidatex")
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"loop #{loop.id} ({state.value})" in page
    assert "Cancel it or take it to a decision first" in page
    db.session.expire_all()
    candidate = db.session.get(Candidate, candidate_id)
    assert (candidate.name, candidate.erased_at) == ("Casey Candidatex", None)
    assert db.session.scalar(
        sa.select(Feedback.summary).where(Feedback.interview_id == story.other.panel[0].id)
    ) == _summary("OTHER")
    with pytest.raises(RuleViolation):
        erase_candidate(candidate, actor=None, now=clock())
    db.session.rollback()


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (_erase_form(name="Zelda Quinteros"), 422, "not the candidate&#39;s name"),
        (_erase_form(name="Casey Candidatex"), 422, "not the candidate&#39;s name"),
        (_erase_form(name=""), 400, "Type the candidate&#39;s name."),
        (_erase_form(understood=False), 400, "Tick the box"),
    ],
)
def test_an_unconfirmed_erasure_changes_nothing(story, login_as, data, status, message):
    numbers = _numbers(story)

    response = login_as("admin").post(f"/candidates/{story.candidate.id}/erase", data=data)

    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page  # the message sits on its field
    db.session.expire_all()
    candidate = db.session.get(Candidate, story.candidate.id)
    assert (candidate.name, candidate.email, candidate.notes, candidate.erased_at) == (
        NAME,
        EMAIL,
        NOTES,
        None,
    )
    assert _numbers(story) == numbers
    assert db.session.scalar(sa.select(Proposal.rationale).limit(1)) == PROPOSAL_RATIONALE


def test_the_typed_name_may_differ_in_case_and_spacing(story, login_as):
    response = login_as("admin").post(
        f"/candidates/{story.candidate.id}/erase", data=_erase_form(name="  zelda   QUINTERO ")
    )
    assert response.status_code == 302


def test_submitted_feedback_stays_locked_after_erasure(story, login_as):
    """Erasure writes through its own service; the feedback form still refuses any change."""
    login_as("admin").post(f"/candidates/{story.candidate.id}/erase", data=_erase_form())
    interview = story.vetoed.panel[1]
    data = {"version": "9", "save_draft": "1", "summary": "ZQ-REWRITE", "vote": "strong_hire"}

    response = login_as(interview.interviewer).post(
        f"/interviews/{interview.id}/feedback", data=data
    )

    assert 400 <= response.status_code < 500
    db.session.expire_all()
    assert (
        db.session.scalar(sa.select(Feedback.summary).where(Feedback.interview_id == interview.id))
        == ""
    )


def test_the_service_erases_without_the_web_and_keeps_evidence_word_counts(story, clock):
    words = {
        (r.feedback_id, r.principle_id): r.evidence_words
        for r in db.session.scalars(sa.select(PrincipleRating))
    }

    erasure = erase_candidate(story.candidate, actor=None, now=clock())
    db.session.commit()

    assert erasure.loops == 3
    assert story.candidate.display_name == f"Erased candidate #{story.candidate.id}"
    db.session.expire_all()
    assert {
        (r.feedback_id, r.principle_id): r.evidence_words
        for r in db.session.scalars(sa.select(PrincipleRating))
    } == words
    exported = candidate_export(db.session.get(Candidate, story.candidate.id))
    assert exported["candidate"]["name"] == ""
    assert NAME not in json.dumps(exported)


# --- who may -------------------------------------------------------------------------------------

PEOPLE = ["admin", "recruiter", "inspector", "interviewer", "panelist", "loop_hiring_manager"]


def _expected(who: str, success: int) -> int:
    if who == "admin":
        return success
    if who in ("recruiter", "panelist", "loop_hiring_manager"):
        return 403  # they may see the candidate, not manage their personal data
    return 404  # they may not know the candidate exists


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize(
    ("route", "method", "success"), [("export.json", "get", 200), ("erase", "post", 302)]
)
def test_who_may_export_and_erase(story, login_as, who, route, method, success):
    people = {
        "panelist": story.vetoed.interviewers[1],
        "loop_hiring_manager": story.vetoed.hiring_manager,
    }
    client = login_as(people.get(who, who))
    url = f"/candidates/{story.candidate.id}/{route}"

    response = client.get(url) if method == "get" else client.post(url, data=_erase_form())

    assert response.status_code == _expected(who, success)
    db.session.expire_all()
    erased = db.session.get(Candidate, story.candidate.id).erased_at is not None
    assert erased is (who == "admin" and route == "erase")


@pytest.mark.parametrize("route", ["export.json", "erase"])
def test_anonymous_users_are_sent_to_log_in(story, client, route):
    url = f"/candidates/{story.candidate.id}/{route}"
    response = client.get(url) if route == "export.json" else client.post(url, data=_erase_form())
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["admin", "recruiter"])
def test_only_admins_see_the_privacy_card(story, login_as, who):
    page = login_as(who).get(f"/candidates/{story.candidate.id}").get_data(as_text=True)
    assert ("Privacy" in page) is (who == "admin")
    assert ("Erase this candidate" in page) is (who == "admin")


def test_unknown_candidates_are_404(app, login_as):
    admin = login_as("admin")
    assert admin.get("/candidates/999/export.json").status_code == 404
    assert admin.post("/candidates/999/erase", data=_erase_form()).status_code == 404


def test_performance_can_still_be_recorded_for_an_erased_hire(story, login_as, clock):
    """The outcome of a hire is a number, not personal text: inspection keeps getting it."""
    login_as("admin").post(f"/candidates/{story.candidate.id}/erase", data=_erase_form())
    clock.advance(days=1)
    debrief.record_hire_performance(
        story.hired.loop,
        rating=5,
        rated_on=clock().date(),
        actor=story.hired.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    ratings = sa.select(sa.func.count()).where(HirePerformance.loop_id == story.hired.loop.id)
    assert db.session.scalar(ratings) == 2


def _queue(
    recipient, key: str, *, loop: Loop, by_loop: bool, candidate_id: int | None, name: str, now
) -> OutboxMessage:
    """A "loop ready" notice on `loop` naming `name`, tied by reference to the loop (`by_loop`)
    and to `candidate_id`."""
    queue_message(
        recipient,
        kind="loop_ready",
        dedupe_key=key,
        subject=f"All feedback is in for {name}",
        template="loop_ready",
        context={"loop": loop, "candidate": name},
        now=now,
        loop_id=loop.id if by_loop else None,
        candidate_id=candidate_id,
    )
    db.session.flush()
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()


def test_messages_about_the_candidate_are_blanked_by_reference_and_never_sent(story, clock):
    recipient = story.vetoed.bar_raiser
    loop = story.vetoed.loop
    sent = _queue(
        recipient, "sent", loop=loop, by_loop=True, candidate_id=None, name=NAME, now=clock()
    )
    sent.sent_at = clock()
    pending = _queue(
        recipient,
        "pending",
        loop=loop,
        by_loop=False,
        candidate_id=story.candidate.id,
        name=NAME,
        now=clock(),
    )
    unrelated = _queue(
        recipient,
        "unrelated",
        loop=story.other.loop,
        by_loop=True,
        candidate_id=None,
        name="Casey",
        now=clock(),
    )
    db.session.commit()
    about = sa.or_(
        OutboxMessage.loop_id.in_([loop.id for loop in story.loops]),
        OutboxMessage.candidate_id == story.candidate.id,
    )
    before = db.session.scalar(sa.select(sa.func.count()).where(about))

    erasure = erase_candidate(story.candidate, actor=None, now=clock())
    db.session.commit()

    assert erasure.counts["messages"] == before >= 2
    db.session.expire_all()
    erased = db.session.scalars(sa.select(OutboxMessage).where(about)).all()
    assert {(m.subject, m.body) for m in erased} == {(ERASED_TEXT, ERASED_TEXT)}
    assert pending.error == "erased with the candidate"
    assert sent.error is None
    assert unrelated.subject == "All feedback is in for Casey"
    assert "Casey" in unrelated.body and unrelated.error is None
    delivered = deliver_due(now=clock()).delivered
    db.session.expire_all()
    assert pending.sent_at is None
    assert delivered >= 1 and unrelated.sent_at is not None


def test_a_renamed_candidates_old_messages_are_erased(story, clock, make_user):
    old = _queue(
        story.vetoed.bar_raiser,
        "before-rename",
        loop=story.hired.loop,
        by_loop=True,
        candidate_id=story.candidate.id,
        name=NAME,
        now=clock(),
    )
    update_candidate(
        story.candidate,
        name="Zelda Moreau",
        email=EMAIL,
        source=SOURCE,
        notes=NOTES,
        actor=make_user(roles=(Role.RECRUITER,)),
        now=clock(),
    )
    db.session.commit()

    erase_candidate(story.candidate, actor=None, now=clock())
    db.session.commit()

    db.session.expire_all()
    assert (old.subject, old.body) == (ERASED_TEXT, ERASED_TEXT)
    everything = " ".join(m.subject + m.body for m in db.session.scalars(sa.select(OutboxMessage)))
    assert NAME not in everything


def test_an_interviewer_who_shares_the_candidates_name_keeps_their_messages(
    story, clock, make_user
):
    namesake = make_user(name=NAME)
    own = _queue(
        namesake,
        "namesake",
        loop=story.other.loop,
        by_loop=True,
        candidate_id=None,
        name="Casey",
        now=clock(),
    )
    own.body = f"Hello {NAME}, {own.body}"
    db.session.commit()

    erase_candidate(story.candidate, actor=None, now=clock())
    db.session.commit()

    db.session.expire_all()
    assert own.subject == "All feedback is in for Casey"
    assert own.body.startswith(f"Hello {NAME}, ") and own.error is None


def test_mentor_notes_on_the_candidates_loops_are_blanked(story, clock, login_as):
    erasure = erase_candidate(story.candidate, actor=None, now=clock())
    db.session.commit()

    assert erasure.counts["mentor_notes"] == 1
    db.session.expire_all()
    notes = {n.loop_id: n for n in db.session.scalars(sa.select(MentorNote))}
    assert notes[story.vetoed.loop.id].body == ERASED_TEXT
    assert notes[story.other.loop.id].body == OTHER_NOTE  # another candidate's loop: untouched
    assert notes[story.vetoed.loop.id].created_at is not None


def test_after_erasure_no_column_a_slice_handles_holds_the_candidates_text(story, clock):
    """Whatever a contribution declares it handles, its erase blanks: no handled column of any
    row still holds a text planted about the candidate."""
    erase_candidate(story.candidate, actor=None, now=clock())
    db.session.commit()

    handled = [attribute for part in CONTRIBUTIONS for attribute in part.handles]
    assert len(handled) >= 12
    left = [
        (f"{attribute}", secret)
        for attribute in handled
        for secret in (*SECRETS, MENTOR_NOTE)
        if db.session.scalar(
            sa.select(sa.func.count()).where(sa.cast(attribute, sa.Text).contains(secret))
        )
    ]
    assert left == []
