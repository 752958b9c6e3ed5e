"""One organisation with something on every page: loops in every state (draft, scheduled,
feedback in progress, debrief open, decided hire, vetoed, cancelled), one person per role and one
holding several, a short hiring history for the calibration report, a mentor note, an action
item, a personal API token, a role's own questions and a password link.

Built through the demo's services, as people would build it, for the accessibility crawl."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from barraiser.api.services import create_token
from barraiser.auth.models import PasswordLink, PasswordLinkPurpose, Role, User
from barraiser.auth.services import create_user, set_bar_raiser_status
from barraiser.auth.sessions import token_hash
from barraiser.calibration.actions import create_action
from barraiser.debrief.services import cast_final_vote, concur, open_debrief, propose
from barraiser.demo.loops import build_demo_loops
from barraiser.demo.organisation import DEMO_PEOPLE, build_demo_history
from barraiser.domain import LoopState, Outcome
from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.loops.models import Loop
from barraiser.requisitions.services import set_requisition_questions
from barraiser.reviews.models import Review
from barraiser.reviews.services import open_review, queue_due_reviews
from barraiser.training.services import add_mentor_note

# The person each crawled role logs in as. Ana interviews on most panels and also recruits,
# inspects and manages hiring: the "several roles" a real organisation has.
ROLE_EMAILS = {
    "admin": "admin@example.com",
    "recruiter": "recruiter@example.com",
    "hiring_manager": "hm@example.com",
    "interviewer": "ben@example.com",
    "bar_raiser": "br@example.com",
    "trainee": "brit@example.com",
    "inspector": "inspector@example.com",
    "several_roles": "ana@example.com",
}
SEVERAL_ROLES = (Role.RECRUITER, Role.HIRING_MANAGER, Role.INSPECTOR)
PASSWORD_LINK_TOKEN = "crawl-password-link-token"


@dataclass
class Organisation:
    people: dict[str, User]  # by email
    loops: dict[str, Loop]  # by state: draft, scheduled, feedback, debrief, hired, vetoed, ...
    action_id: int
    principle_id: int
    history_loop_id: int
    extra: dict[str, int] = field(default_factory=dict)

    def user(self, role: str) -> User:
        return self.people[ROLE_EMAILS[role]]


def build_organisation(*, password: str, now: datetime) -> Organisation:
    people: dict[str, User] = {}
    for email, name, department, level, roles, _status, _ in DEMO_PEOPLE:
        people[email] = create_user(
            email=email,
            name=name,
            department=department,
            level=level,
            roles=SEVERAL_ROLES if email == ROLE_EMAILS["several_roles"] else roles,
            password=password,
            actor=None,
            now=now,
        )
    admin = people[ROLE_EMAILS["admin"]]
    for email, *_, status, _description in DEMO_PEOPLE:
        set_bar_raiser_status(people[email], status, actor=admin, now=now - timedelta(days=730))
    build_demo_history(now=now, loops=24)
    demo = build_demo_loops(people, now=now)
    loops = {
        "draft": demo["draft"],
        "scheduled": demo["upcoming"],
        "feedback": demo["overdue"],
        "debrief": demo["debrief"],
        "hired": demo["ready"],
        "vetoed": demo["vetoed"],
        "cancelled": next(
            loop
            for loop in db.session.scalars(sa.select(Loop).order_by(Loop.id.desc()))
            if loop.state is LoopState.CANCELLED
        ),
    }
    _hire(loops["hired"], people, now=now)
    bar_raiser, trainee = people[ROLE_EMAILS["bar_raiser"]], people[ROLE_EMAILS["trainee"]]
    add_mentor_note(trainee, "Probe one level deeper.", actor=bar_raiser, now=now)
    action = create_action(
        subject_email=ROLE_EMAILS["interviewer"],
        reason="Votes hire far more often than the panel.",
        owner_id=people[ROLE_EMAILS["inspector"]].id,
        due_on=(now + timedelta(days=14)).date(),
        actor=people[ROLE_EMAILS["inspector"]],
        now=now,
    )
    create_token(user=admin, name="Reporting", actor=admin, now=now)
    # Last month's review, fallen due and opened by its chair (admins chair an unnamed committee).
    queue_due_reviews(now=now)
    review = db.session.scalar(sa.select(Review).order_by(Review.id.desc()))
    assert review is not None
    open_review(review, actor=admin, now=now)
    requisition = loops["debrief"].requisition
    principle = requisition.required_principles[0]
    set_requisition_questions(
        requisition,
        {principle.id: "Which number did you check yourself?"},
        actor=people[ROLE_EMAILS["recruiter"]],
        now=now,
    )
    db.session.add(
        PasswordLink(
            user_id=people[ROLE_EMAILS["interviewer"]].id,
            token_hash=token_hash(PASSWORD_LINK_TOKEN),
            purpose=PasswordLinkPurpose.RESET,
            created_at=now,
            expires_at=now + timedelta(days=30),
        )
    )
    history = db.session.scalar(
        sa.select(Loop.id).where(Loop.id.not_in([loop.id for loop in loops.values()])).limit(1)
    )
    assert history is not None
    db.session.flush()
    return Organisation(
        people=people,
        loops=loops,
        action_id=action.id,
        principle_id=principle.id,
        history_loop_id=history,
        extra={"review_id": review.id},
    )


def _hire(loop: Loop, people: dict[str, User], *, now: datetime) -> None:
    """The loop whose feedback is all in: debrief, final votes, a hire, the Bar Raiser concurs."""
    opened = loop.interviews[-1].ends_at + timedelta(hours=2)
    bar_raiser = people[ROLE_EMAILS["bar_raiser"]]
    open_debrief(loop, actor=bar_raiser, now=opened)
    for interview in loop.panel:
        written = db.session.scalar(
            sa.select(Feedback).where(Feedback.interview_id == interview.id)
        )
        assert written is not None and written.vote is not None
        cast_final_vote(loop, vote=written.vote, actor=interview.interviewer, now=opened)
    propose(
        loop,
        decision=Outcome.HIRE,
        rationale="Clear ownership and depth on every principle.",
        actor=people[ROLE_EMAILS["hiring_manager"]],
        now=opened + timedelta(minutes=30),
    )
    concur(loop, actor=bar_raiser, now=opened + timedelta(minutes=40))
