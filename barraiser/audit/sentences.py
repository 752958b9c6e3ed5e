"""Audit events in words: "Ana Admin moved Casey's loop for Payments Engineer from scheduled to
debrief", each subject a link to its page, details as plain labelled values (never JSON).

The names of a page's subjects are read for the whole page at once: one query per kind of
subject on it (users, loops, requisitions...), whatever the number of events. A sealed event
(see policy.can_see_event_details) is described without what it carries: "made the proposal",
not "proposed no hire".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import aliased

from ..auth.models import User
from ..calibration.models import ActionItem
from ..candidates.models import Candidate
from ..extensions import db
from ..feedback.models import Feedback
from ..loops.models import Interview, Loop
from ..principles.models import Principle
from ..requisitions.models import Requisition
from .models import AuditEvent


@dataclass(frozen=True)
class Named:
    """What a sentence calls a subject, and where its page is (None: it has none)."""

    label: str
    url: str | None = None


Segment = tuple[str, str | None]
"""A piece of a sentence: its text and, for a subject, the link to it."""

SUBJECT_TYPES: dict[str, str] = {
    "user": "People",
    "loop": "Loops",
    "feedback": "Feedback",
    "requisition": "Requisitions",
    "candidate": "Candidates",
    "principle": "Principles",
    "action_item": "Action items",
    "setting": "Settings",
    "history": "History imports",
    "outbox_message": "Messages",
    "api_token": "API tokens",
}
"""The kinds of subject the log filters by, in words."""

# Each event kind as a phrase after the actor's name; {subject} is the linked subject, other
# names are details. SEALED_PHRASES replace them for a reader who may not see the details.
PHRASES: dict[str, str] = {
    "user.created": "created the account of {subject}",
    "user.updated": "updated the account of {subject}",
    "user.logged_in": "logged in",
    "user.logged_out": "logged out",
    "user.session_expired": "was logged out: the session of {subject} ended",
    "user.password_changed": "changed their password",
    "user.password_set": "set the password of {subject}",
    "user.password_set_by_link": "set the password of {subject} from a link",
    "user.password_link_sent": "sent a set-password link to {subject}",
    "user.bar_raiser_status_changed": "changed the Bar Raiser status of {subject}",
    "loop.created": "created {subject}",
    "loop.state_changed": "moved {subject} from {from_state} to {to_state}",
    "loop.panel_changed": "changed the panel of {subject}",
    "debrief.opened": "opened the debrief of {subject}",
    "debrief.final_vote_cast": "cast a final vote on {subject}",
    "debrief.proposed": "proposed {decision} on {subject}",
    "debrief.concurred": "concurred on {subject}: the outcome is {outcome}",
    "debrief.vetoed": "vetoed the proposal on {subject}",
    "debrief.performance_recorded": "recorded the hire's performance on {subject}",
    "feedback.draft_saved": "saved a draft of {subject}",
    "feedback.submitted": "submitted {subject}",
    "feedback.addendum_added": "added an addendum to {subject}",
    "requisition.created": "opened the requisition {subject}",
    "requisition.updated": "updated the requisition {subject}",
    "candidate.created": "added the candidate {subject}",
    "candidate.updated": "updated the candidate {subject}",
    "candidate.erased": "erased the personal data of the candidate {subject}",
    "principle.created": "added the principle {subject}",
    "principle.updated": "edited the principle {subject}",
    "principle.retired": "retired the principle {subject}",
    "principle.restored": "restored the principle {subject}",
    "setting.changed": "changed the setting {key} from {old} to {new}",
    "action.created": "created {subject}",
    "action.updated": "updated {subject}",
    "action.closed": "closed {subject}",
    "history.imported": "imported hiring history",
    "training.note_added": "added a mentor note on {subject}",
    "message.retried": "sent {subject} again",
    "api_token.created": "created {subject}",
    "api_token.revoked": "revoked {subject}",
}
SEALED_PHRASES: dict[str, str] = {
    "debrief.proposed": "made the proposal on {subject}",
    "debrief.concurred": "gave the Bar Raiser's verdict on {subject}",
    "debrief.vetoed": "gave the Bar Raiser's verdict on {subject}",
}


def words(value: Any) -> str:
    """A detail's value as text: enum-like names in words, lists joined, nothing as "—"."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(words(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{words(key)}: {words(item)}" for key, item in value.items())
    text = str(value)
    if text.isidentifier() and "_" in text and text.islower():
        return text.replace("_", " ")
    return text


def label(key: str) -> str:
    """A detail's name in words: `rationale_words` → "Rationale words"."""
    return key.replace("_", " ").capitalize()


def subjects_of(events: Iterable[AuditEvent]) -> dict[tuple[str, int], Named]:
    """The subjects of `events` named and linked, one query per kind of subject among them."""
    wanted: defaultdict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.subject_id is not None:
            wanted[event.subject_type].add(event.subject_id)
    named: dict[tuple[str, int], Named] = {}
    for kind, ids in wanted.items():
        reader = READERS.get(kind)
        if reader is not None:
            named.update({(kind, id_): name for id_, name in reader(ids).items()})
    return named


def _users(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids)))
    return {id_: Named(name, url_for("auth.edit_user", user_id=id_)) for id_, name in rows}


def _loop_label(candidate: str, requisition: str) -> str:
    return f"{candidate}'s loop for {requisition}"


def _loops(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        sa.select(Loop.id, Candidate.name, Requisition.title)
        .join(Candidate, Candidate.id == Loop.candidate_id)
        .join(Requisition, Requisition.id == Loop.requisition_id)
        .where(Loop.id.in_(ids))
    )
    return {
        id_: Named(_loop_label(candidate, title), url_for("loops.detail", loop_id=id_))
        for id_, candidate, title in rows
    }


def _feedback(ids: set[int]) -> dict[int, Named]:
    author = aliased(User)
    rows = db.session.execute(
        sa.select(Feedback.id, author.name, Loop.id, Candidate.name, Requisition.title)
        .join(author, author.id == Feedback.author_id)
        .join(Interview, Interview.id == Feedback.interview_id)
        .join(Loop, Loop.id == Interview.loop_id)
        .join(Candidate, Candidate.id == Loop.candidate_id)
        .join(Requisition, Requisition.id == Loop.requisition_id)
        .where(Feedback.id.in_(ids))
    )
    return {
        id_: Named(
            f"{name}'s feedback on {_loop_label(candidate, title)}",
            url_for("loops.detail", loop_id=loop_id),
        )
        for id_, name, loop_id, candidate, title in rows
    }


def _requisitions(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        sa.select(Requisition.id, Requisition.title).where(Requisition.id.in_(ids))
    )
    return {
        id_: Named(title, url_for("requisitions.detail", requisition_id=id_)) for id_, title in rows
    }


def _candidates(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(Candidate.id, Candidate.name).where(Candidate.id.in_(ids)))
    return {id_: Named(name, url_for("candidates.detail", candidate_id=id_)) for id_, name in rows}


def _principles(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(Principle.id, Principle.name).where(Principle.id.in_(ids)))
    return {id_: Named(name, url_for("principles.edit", principle_id=id_)) for id_, name in rows}


def _action_items(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        sa.select(ActionItem.id, User.name)
        .join(User, User.id == ActionItem.subject_id)
        .where(ActionItem.id.in_(ids))
    )
    return {
        id_: Named(
            f"action item #{id_} about {name}", url_for("calibration.edit_action", action_id=id_)
        )
        for id_, name in rows
    }


READERS = {
    "user": _users,
    "loop": _loops,
    "feedback": _feedback,
    "requisition": _requisitions,
    "candidate": _candidates,
    "principle": _principles,
    "action_item": _action_items,
}


def fallback_name(event: AuditEvent) -> Named:
    """A subject whose row is gone, or that has no page: its kind in words, and its number."""
    kind = event.subject_type.replace("_", " ")
    return Named(f"{kind} #{event.subject_id}" if event.subject_id is not None else kind)


def sentence(
    event: AuditEvent, subjects: Mapping[tuple[str, int], Named], *, sealed: bool
) -> list[Segment]:
    """The event after its actor's name, as segments: "moved ", (loop, its url), " from ..."."""
    subject = (
        subjects.get((event.subject_type, event.subject_id), fallback_name(event))
        if event.subject_id is not None
        else fallback_name(event)
    )
    phrase = (SEALED_PHRASES.get(event.action) if sealed else None) or PHRASES.get(
        event.action, event.action.replace(".", ": ").replace("_", " ") + " ({subject})"
    )
    details = {} if sealed else (event.details or {})
    segments: list[Segment] = []
    for index, part in enumerate(phrase.split("{")):
        if index == 0:
            segments.append((part, None))
            continue
        name, _, rest = part.partition("}")
        if name == "subject":
            segments.append((subject.label, subject.url))
        else:
            segments.append((words(details.get(name)), None))
        segments.append((rest, None))
    return [(text, url) for text, url in segments if text]


def shown_details(event: AuditEvent, *, sealed: bool) -> list[tuple[str, str]]:
    """The event's details as (label, value) in words; none for a sealed event."""
    if sealed:
        return []
    return [(label(key), words(value)) for key, value in (event.details or {}).items()]
