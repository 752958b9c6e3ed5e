"""One loop's life told through its notices: each moment that matters, driven through the same
services the pages, the CLI and the importer call, with the messages it queued kept by moment."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

import sqlalchemy as sa
from feedback.writing import submit_for
from organisation import Org

from barraiser.auth.models import BarRaiserStatus, Role, User
from barraiser.auth.services import set_bar_raiser_status
from barraiser.calibration.actions import create_action, queue_due_actions, update_action
from barraiser.candidates.services import create_candidate
from barraiser.debrief import services as debrief
from barraiser.domain import Outcome, Vote
from barraiser.extensions import db
from barraiser.feedback import services as feedback
from barraiser.loops.models import Loop
from barraiser.loops.notices import cancel_panel, invite_panel
from barraiser.loops.services import (
    PanelPlan,
    cancel_loop,
    create_loop,
    schedule_loop,
    update_panel,
)
from barraiser.outbox.models import OutboxMessage

BASE_URL = "https://hiring.example.com/bar-raiser"
URL = re.compile(r"\bhttps?://[^\s\"'<>]+")


@dataclass
class Moment:
    name: str
    messages: list[OutboxMessage]
    # Every link in a message, followed as its recipient right after it was queued: (url, status).
    followed: list[tuple[str, int]] = field(default_factory=list)
    # What the same action (or its notice alone) queued when done once more, right after.
    repeated: list[OutboxMessage] = field(default_factory=list)


@dataclass
class Story:
    org: Org
    loop: Loop
    second: Loop  # a loop cancelled while scheduled
    certified: User
    owner: User
    moments: dict[str, Moment] = field(default_factory=dict)


def _messages_after(last_id: int) -> list[OutboxMessage]:
    """The messages to people queued since `last_id` (webhook deliveries have their own test)."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.id > last_id, OutboxMessage.recipient_id.is_not(None))
            .order_by(OutboxMessage.id)
        )
    )


def _last_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0


def _shifted(plan: PanelPlan, days: int) -> PanelPlan:
    return replace(
        plan,
        interviews=tuple(
            replace(i, starts_at=i.starts_at + timedelta(days=days)) for i in plan.interviews
        ),
    )


def tell_story(org: Org, clock, login_as, make_user, *, follow_links: bool = True) -> Story:
    story_moments: dict[str, Moment] = {}

    def follow(message: OutboxMessage) -> list[tuple[str, int]]:
        # Signed in afresh: the story spans weeks, longer than a login session lasts.
        client = login_as(db.session.get(User, message.recipient_id))
        links = [message.link] + [url.removeprefix(BASE_URL) for url in URL.findall(message.body)]
        return [(link, client.get(link).status_code) for link in links]  # type: ignore[attr-defined]

    def moment(name: str, act: Callable[[], object], again: Callable[[], object]) -> None:
        before = _last_id()
        act()
        db.session.commit()
        messages = _messages_after(before)
        followed = (
            [pair for message in messages for pair in follow(message)] if follow_links else []
        )
        again()
        db.session.commit()
        repeated = _messages_after(before)[len(messages) :]
        story_moments[name] = Moment(name, messages, followed, repeated)

    recruiter, bar_raiser, trainee = org.recruiter, org.bar_raiser, org.trainee
    plan = org.plan(shadow_id=trainee.id, hiring_manager_id=org.hiring_manager.id)
    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=plan,
        actor=recruiter,
        now=clock(),
    )
    db.session.commit()

    def schedule() -> None:
        # (Confirmed as held, in case the clock has passed the plan: the webhook test tells the
        # story on the real clock, which signatures are checked against.)
        schedule_loop(loop, actor=recruiter, now=clock(), confirm_past=True)

    moment(
        "scheduled",
        schedule,
        lambda: invite_panel(loop, now=clock()),
    )

    moved = org.with_interview(plan, 1, starts_at=org.slot(5))
    moment(
        "moved",
        lambda: update_panel(loop, moved, expected_version=None, actor=recruiter, now=clock()),
        lambda: update_panel(loop, moved, expected_version=None, actor=recruiter, now=clock()),
    )
    moved_again = org.with_interview(moved, 1, starts_at=org.slot(6))
    moment(
        "moved again",
        lambda: update_panel(
            loop, moved_again, expected_version=None, actor=recruiter, now=clock()
        ),
        lambda: update_panel(
            loop, moved_again, expected_version=None, actor=recruiter, now=clock()
        ),
    )
    swapped = org.with_interview(moved_again, 2, interviewer_id=org.interviewers[3].id)
    moment(
        "panel swapped",
        lambda: update_panel(loop, swapped, expected_version=None, actor=recruiter, now=clock()),
        lambda: update_panel(loop, swapped, expected_version=None, actor=recruiter, now=clock()),
    )

    clock.set(org.slot(8))
    db.session.refresh(loop)
    panel = list(loop.interviews)
    for interview in panel[:-1]:
        submit_for(interview, clock(), vote=Vote.STRONG_HIRE, marker="ZQPANEL")

    def last_feedback() -> None:
        submit_for(panel[-1], clock(), vote=Vote.STRONG_HIRE, marker="ZQPANEL")

    moment("last feedback", last_feedback, lambda: feedback._tell_bar_raiser(loop, now=clock()))

    clock.advance(hours=1)
    moment(
        "debrief opened",
        lambda: debrief.open_debrief(loop, actor=bar_raiser, now=clock()),
        lambda: debrief.notices.debrief_opened(loop, actor=bar_raiser, now=clock()),
    )
    moment(
        "proposed",
        lambda: debrief.propose(
            loop,
            decision=Outcome.HIRE,
            rationale="ZQRATIONALE hire",
            early_reason="The panel agreed in the room.",
            actor=org.hiring_manager,
            now=clock(),
        ),
        lambda: debrief.notices.proposal_made(loop, actor=org.hiring_manager, now=clock()),
    )
    principle_id = panel[0].principles[0].id
    moment(
        "vetoed",
        lambda: debrief.veto(
            loop,
            rationale="ZQVETO below the bar",
            principle_ids=[principle_id],
            actor=bar_raiser,
            now=clock(),
        ),
        lambda: debrief.notices.loop_decided(loop, actor=bar_raiser, now=clock()),
    )

    other = create_candidate(
        name="Dana Second",
        email="dana@example.org",
        source="referral",
        notes="",
        actor=recruiter,
        now=clock(),
    )
    second_plan = replace(_shifted(org.plan(), 3), shadow_id=None)
    second = create_loop(
        candidate_id=other.id,
        requisition_id=org.requisition.id,
        panel=second_plan,
        actor=recruiter,
        now=clock(),
    )
    schedule_loop(second, actor=recruiter, now=clock())
    db.session.commit()
    moment(
        "loop cancelled",
        lambda: cancel_loop(second, "The candidate withdrew.", actor=recruiter, now=clock()),
        lambda: cancel_panel(second, now=clock(), why="The loop is cancelled."),
    )

    inspector = make_user("ivy@example.com", name="Ivy Inspector", roles=(Role.INSPECTOR,))
    actions: list = []

    def assign() -> None:
        actions.append(
            create_action(
                subject_email=org.interviewers[0].email,
                reason="Calibrate: far more lenient than their panels.",
                owner_id=inspector.id,
                due_on=clock().date() + timedelta(days=7),
                actor=inspector,
                now=clock(),
            )
        )

    moment(
        "action assigned",
        assign,
        lambda: update_action(
            actions[0],
            status=actions[0].status,
            owner_id=inspector.id,
            due_on=actions[0].due_on,
            notes="",
            version=actions[0].version,
            actor=inspector,
            now=clock(),
        ),
    )
    clock.advance(days=8)
    moment(
        "action due", lambda: queue_due_actions(now=clock()), lambda: queue_due_actions(now=clock())
    )

    person = make_user("cara@example.com", name="Cara Certified", department="Retail", level=7)
    admin = make_user("ada@example.com", name="Ada Admin", roles=(Role.ADMIN,))
    moment(
        "certified",
        lambda: set_bar_raiser_status(person, BarRaiserStatus.CERTIFIED, actor=admin, now=clock()),
        lambda: set_bar_raiser_status(person, BarRaiserStatus.CERTIFIED, actor=admin, now=clock()),
    )
    return Story(
        org=org, loop=loop, second=second, certified=person, owner=inspector, moments=story_moments
    )
