"""What the panel is told when its calendar changes: an invitation (.ics, METHOD:REQUEST) when a
loop is scheduled or someone joins a scheduled panel, an update (same UID, higher SEQUENCE) when
an interview moves or its principles change, a cancellation (METHOD:CANCEL) when someone leaves
the panel or the loop is cancelled or unscheduled.

A draft loop's panel is still being put together: nothing is sent until it is scheduled. Every
message's dedupe key carries the loop's version, which each change moves on, so a second move
sends a second update, and a repeated call sends nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..auth.models import User
from ..extensions import db
from ..outbox.emails import app_path
from ..outbox.services import queue_message
from ..outbox.webhooks import queue_event
from ..settings.services import zone_of
from ..zones import abbreviation, local
from .calendar import Slot, slot_event, slot_of
from .models import Interview, Loop


@dataclass
class PanelDiff:
    """What a panel change did to each interview, for its interviewer's calendar."""

    added: list[Interview] = field(default_factory=list)
    moved: list[Interview] = field(default_factory=list)  # new time
    changed: list[Interview] = field(default_factory=list)  # same time, other principles
    removed: list[Slot] = field(default_factory=list)  # read before the row went


def _when(slot: Slot, zone: str) -> str:
    """The slot as its recipient's clock reads it, with the zone: 'Monday 02 March 2026,
    09:00–10:00 CET'."""
    starts, ends = local(slot.starts_at, zone), local(slot.ends_at, zone)
    return f"{starts:%A %d %B %Y, %H:%M}–{ends:%H:%M} {abbreviation(slot.starts_at, zone)}"


def _invite(
    loop: Loop,
    interview: Interview,
    *,
    now: datetime,
    kind: str,
    subject: str,
    changed_time: bool = False,
) -> None:
    slot = slot_of(interview)
    zone = zone_of(interview.interviewer)
    when = _when(slot, zone)
    queue_message(
        interview.interviewer,
        kind=kind,
        dedupe_key=f"{kind}:{interview.id}:{loop.version}",
        subject=f"{subject}: {slot.candidate}, {when}",
        template=kind,
        context={"slot": slot, "when": when, "changed_time": changed_time},
        now=now,
        loop_id=loop.id,
        candidate_id=loop.candidate_id,
        link=app_path("loops.detail", loop_id=loop.id),
        calendar=slot_event(
            slot,
            now=now,
            sequence=loop.version,
            method="REQUEST",
            organizer_id=loop.created_by_id,
            zone=zone,
        ),
    )


def _cancel(loop: Loop, slot: Slot, *, now: datetime, why: str, removed: bool) -> None:
    recipient = db.session.get(User, slot.interviewer_id)
    if recipient is None:
        return
    zone = zone_of(recipient)
    when = _when(slot, zone)
    queue_message(
        recipient,
        kind="interview_cancelled",
        dedupe_key=f"interview_cancelled:{slot.interview_id}:{loop.version}",
        subject=f"Interview cancelled: {slot.candidate}, {when}",
        template="interview_cancelled",
        context={"slot": slot, "when": when, "why": why, "removed": removed},
        now=now,
        loop_id=loop.id,
        candidate_id=loop.candidate_id,
        # Someone taken off the panel no longer sees the loop: their link is their home page.
        link=app_path("home.index") if removed else app_path("loops.detail", loop_id=loop.id),
        calendar=slot_event(
            slot,
            now=now,
            sequence=loop.version,
            method="CANCEL",
            organizer_id=loop.created_by_id,
            zone=zone,
        ),
    )


def invite_panel(loop: Loop, *, now: datetime) -> None:
    """The loop was scheduled: every interviewer (the shadow too) gets the invitation, and the
    integrations that asked for `loop.scheduled` are told (ids and times, no names)."""
    for interview in loop.interviews:
        _invite(loop, interview, now=now, kind="interview_invitation", subject="Interview")
    queue_event(
        "loop.scheduled",
        {
            "loop_id": loop.id,
            "candidate_id": loop.candidate_id,
            "requisition_id": loop.requisition_id,
            "bar_raiser_id": loop.bar_raiser_id,
            "hiring_manager_id": loop.hiring_manager_id,
            "interviews": [
                {
                    "id": interview.id,
                    "interviewer_id": interview.interviewer_id,
                    "shadow": interview.is_shadow,
                    "starts_at": interview.starts_at.isoformat(),
                    "ends_at": interview.ends_at.isoformat(),
                }
                for interview in sorted(loop.interviews, key=lambda each: each.id)
            ],
        },
        # Scheduled again after going back to draft is a new occurrence: the version moved.
        key=f"{loop.id}:{loop.version}",
        now=now,
        loop_id=loop.id,
        candidate_id=loop.candidate_id,
    )


def cancel_panel(loop: Loop, *, now: datetime, why: str) -> None:
    """The scheduled loop was cancelled or taken back to draft: every event is off."""
    for interview in loop.interviews:
        _cancel(loop, slot_of(interview), now=now, why=why, removed=False)


def tell_panel_changes(loop: Loop, diff: PanelDiff, *, now: datetime) -> None:
    """A scheduled loop's panel changed: invitations, updates and cancellations, each to the
    interviewer whose slot it is. The caller has flushed, so loop.version is the new one."""
    for interview in diff.added:
        _invite(loop, interview, now=now, kind="interview_invitation", subject="Interview")
    for interview in diff.moved:
        _invite(
            loop,
            interview,
            now=now,
            kind="interview_moved",
            subject="Interview moved",
            changed_time=True,
        )
    for interview in diff.changed:
        _invite(loop, interview, now=now, kind="interview_moved", subject="Interview changed")
    for slot in diff.removed:
        _cancel(loop, slot, now=now, why="You are no longer on this loop's panel.", removed=True)
