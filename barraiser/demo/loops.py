"""The demo's live loops, built through the same services people use: one in every state a
newcomer should walk through, timed around `now` so dashboards show due, overdue and upcoming."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from ..auth.models import User
from ..candidates.services import create_candidate
from ..debrief.services import cast_final_vote, open_debrief, propose, veto
from ..domain import Outcome, Vote
from ..extensions import db
from ..feedback.services import FeedbackContent, RatingInput, save_draft, submit_feedback
from ..loops.models import Interview, Loop
from ..loops.rules import InterviewPlan, PanelPlan
from ..loops.services import cancel_loop, create_loop, schedule_loop
from ..principles.models import Principle
from ..requisitions.services import create_requisition

EVIDENCE = {
    4: (
        "Situation: the payment retries were double charging a few customers each week. Action: "
        "she traced the race to an idempotency key built after the network call, wrote the fix "
        "and a replay test, and briefed support herself. Result: zero double charges since."
    ),
    3: (
        "Situation: a migration of the ledger service slipped twice. Action: he split it into "
        "three reversible steps, agreed a rollback plan with the on-call team and ran the first "
        "step himself. Result: done a week late but without an outage; he named what he'd change."
    ),
    2: (
        "Situation: asked about a launch that went wrong. Action: he described what the team did "
        "but could not say what he did himself, and the metrics he quoted changed when probed. "
        "Result: unclear; he blamed the product manager twice and offered no lesson learned."
    ),
    1: (
        "Situation: asked for a time she disagreed with her manager. Action: she said she always "
        "agrees, and when pressed gave a hypothetical instead of an example. Result: no evidence "
        "of backbone or of committing after a decision; answers stayed vague throughout."
    ),
}
SUMMARY = "Read the evidence per principle; my vote follows from it."


@dataclass(frozen=True)
class DemoLoop:
    candidate: str
    days_from_now: int  # the day of the interviews (from 09:00 UTC), relative to today
    panel: tuple[str, ...]  # interviewer emails; the first is the Bar Raiser's slot
    shadow: str | None = None
    votes: Mapping[str, Vote] | None = None  # who has submitted feedback, and their vote
    drafts: tuple[str, ...] = ()


def _content(interview: Interview, vote: Vote) -> FeedbackContent:
    rating = vote.score  # the demo's ratings follow the vote, on the same 1–4 scale
    return FeedbackContent(
        ratings={
            principle.id: RatingInput(rating, EVIDENCE[rating])
            for principle in interview.principles
        },
        vote=vote,
        raises_bar=vote.leans_hire,
        summary=SUMMARY,
    )


def _build(
    plan: DemoLoop,
    *,
    people: Mapping[str, User],
    requisition_id: int,
    principles: list[Principle],
    recruiter: User,
    now: datetime,
    created: datetime,
) -> Loop:
    candidate = create_candidate(
        name=plan.candidate,
        email=plan.candidate.lower().replace(" ", ".") + "@example.org",
        source="referral",
        notes="",
        actor=recruiter,
        now=created,
    )
    day = (now + timedelta(days=plan.days_from_now)).date()
    start = datetime.combine(day, time(9), tzinfo=UTC)
    split = [principles[index :: len(plan.panel)] for index in range(len(plan.panel))]
    interviews = tuple(
        InterviewPlan(
            interviewer_id=people[email].id,
            starts_at=start + timedelta(hours=index),
            principle_ids=tuple(principle.id for principle in split[index][:3]),
        )
        for index, email in enumerate(plan.panel)
    )
    panel = PanelPlan(
        bar_raiser_id=people[plan.panel[0]].id,
        interviews=interviews,
        shadow_id=people[plan.shadow].id if plan.shadow else None,
    )
    loop = create_loop(
        candidate_id=candidate.id,
        requisition_id=requisition_id,
        panel=panel,
        actor=recruiter,
        now=created,
    )
    return loop


def _write_feedback(loop: Loop, plan: DemoLoop, *, people: Mapping[str, User], now: datetime):
    by_interviewer = {interview.interviewer_id: interview for interview in loop.interviews}
    for email in plan.drafts:
        interview = by_interviewer[people[email].id]
        content = _content(interview, Vote.INCLINED_HIRE)
        save_draft(interview, content, expected_version=0, actor=people[email], now=now)
    for email, vote in (plan.votes or {}).items():
        interview = by_interviewer[people[email].id]
        written = interview.ends_at + timedelta(hours=3)
        submit_feedback(
            interview,
            _content(interview, vote),
            expected_version=0,
            actor=people[email],
            now=min(written, now),
        )


def build_demo_loops(people: Mapping[str, User], *, now: datetime) -> dict[str, Loop]:
    """A requisition and six loops: draft, upcoming, feedback overdue, ready for debrief, in
    debrief with final votes, and decided with a veto."""
    recruiter = people["recruiter@example.com"]
    manager = people["hm@example.com"]
    bar_raiser = people["br@example.com"]
    catalog = list(
        db.session.scalars(
            sa.select(Principle).where(Principle.retired_at.is_(None)).order_by(Principle.position)
        )
    )
    required = [p for p in catalog if p.name in {
        "Customer Obsession", "Ownership", "Dive Deep", "Deliver Results",
        "Have Backbone; Disagree and Commit", "Earn Trust",
    }]  # fmt: skip
    created = now - timedelta(days=10)
    requisition = create_requisition(
        title="Senior Software Development Engineer, Payments",
        level=6,
        department="Payments",
        hiring_manager_id=manager.id,
        principle_ids=[p.id for p in required],
        actor=recruiter,
        now=created,
    )
    panel = ("br@example.com", "ana@example.com", "ben@example.com", "chen@example.com")
    other_panel = ("br@example.com", "dara@example.com", "eli@example.com", "farah@example.com")
    plans = {
        "draft": DemoLoop("Morgan Draft", 9, other_panel),
        "upcoming": DemoLoop("Alex Upcoming", 2, panel, shadow="brit@example.com"),
        "overdue": DemoLoop(
            "Jamie Overdue",
            -3,
            other_panel,
            votes={"br@example.com": Vote.INCLINED_HIRE, "eli@example.com": Vote.STRONG_HIRE},
            drafts=("dara@example.com",),
        ),
        "ready": DemoLoop(
            "Robin Ready",
            -1,
            panel,
            votes={
                "br@example.com": Vote.INCLINED_NO_HIRE,
                "ana@example.com": Vote.INCLINED_HIRE,
                "ben@example.com": Vote.INCLINED_HIRE,
                "chen@example.com": Vote.STRONG_HIRE,
            },
        ),
        "debrief": DemoLoop(
            "Sam Debrief",
            -5,
            other_panel,
            votes={
                "br@example.com": Vote.INCLINED_HIRE,
                "dara@example.com": Vote.INCLINED_HIRE,
                "eli@example.com": Vote.STRONG_HIRE,
                "farah@example.com": Vote.INCLINED_NO_HIRE,
            },
        ),
        "vetoed": DemoLoop(
            "Taylor Vetoed",
            -7,
            panel,
            votes={
                "br@example.com": Vote.STRONG_NO_HIRE,
                "ana@example.com": Vote.INCLINED_HIRE,
                "ben@example.com": Vote.STRONG_HIRE,
                "chen@example.com": Vote.INCLINED_NO_HIRE,
            },
        ),
    }
    loops: dict[str, Loop] = {}
    for name, plan in plans.items():
        loop = _build(
            plan,
            people=people,
            requisition_id=requisition.id,
            principles=required,
            recruiter=recruiter,
            now=now,
            created=created,
        )
        if name != "draft":
            schedule_loop(loop, actor=recruiter, now=created, confirm_past=True)
        _write_feedback(loop, plan, people=people, now=now)
        loops[name] = loop
    cancelled = _build(
        DemoLoop("Casey Withdrawn", 6, other_panel),
        people=people,
        requisition_id=requisition.id,
        principles=required,
        recruiter=recruiter,
        now=now,
        created=created,
    )
    cancel_loop(
        cancelled,
        reason="The candidate accepted another offer.",
        actor=recruiter,
        now=created + timedelta(days=1),
    )
    for name in ("debrief", "vetoed"):
        loop = loops[name]
        opened = loop.interviews[-1].ends_at + timedelta(hours=20)
        open_debrief(loop, actor=bar_raiser, now=opened)
        for index, interview in enumerate(loop.panel):
            voter = interview.interviewer
            written = (plans[name].votes or {})[voter.email]
            final = Vote.INCLINED_HIRE if index == 3 and name == "debrief" else written
            cast_final_vote(loop, vote=final, actor=voter, now=opened + timedelta(minutes=20))
    vetoed = loops["vetoed"]
    decided = vetoed.interviews[-1].ends_at + timedelta(hours=21)
    propose(
        vetoed,
        decision=Outcome.HIRE,
        rationale="Strong delivery and ownership; two interviewers lean hire.",
        actor=manager,
        now=decided,
    )
    dive_deep = next(p for p in required if p.name == "Dive Deep")
    veto(
        vetoed,
        rationale="Below the bar on Dive Deep: the metrics quoted changed when probed, twice.",
        principle_ids=[dive_deep.id],
        actor=bar_raiser,
        now=decided + timedelta(minutes=10),
    )
    db.session.flush()
    return loops
