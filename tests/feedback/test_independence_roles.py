"""Independence with combined roles: a panelist, the shadow or the Bar Raiser who has not yet
submitted, and who also holds the admin, inspector, recruiter or hiring-manager role, walks every
GET route of the app's URL map (pages, downloads, JSON, the audit log, the calibration report
filtered to the loop's requisition) and finds no other panelist's vote, rating, evidence, final
vote or the proposal's decision. Once they submit, the pages that may show the panel's feedback
do: the markers are real.

The scene: a loop in its debrief (opened early, the user's feedback missing), every other panelist
submitted with evidence carrying MARKER and the vote HIDDEN_VOTE, cast the same final vote, and
the hiring manager proposed no hire with MARKER in the rationale."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from builders import BuiltLoop
from feedback.writing import after_interviews, submit_for

from barraiser.auth.models import Role, User, UserRole
from barraiser.debrief.services import cast_final_vote, open_debrief, propose
from barraiser.domain import Outcome, Vote
from barraiser.extensions import db
from barraiser.loops.models import Interview

MARKER = "LEAKMARKER"  # in every other panelist's evidence and summary, and the proposal
HIDDEN_VOTE = Vote.STRONG_NO_HIRE  # every other panelist's written and final vote
PROPOSAL = Outcome.NO_HIRE
EXTRA_ROLES = (Role.ADMIN, Role.INSPECTOR, Role.RECRUITER, Role.HIRING_MANAGER)
SEATS = ("panelist", "shadow", "bar raiser")


@dataclass
class Scene:
    built: BuiltLoop
    user: User
    own: Interview


def _scene(seat: str, role: Role, make_loop, clock) -> Scene:
    built = make_loop(panel_size=5, with_shadow=True)
    user = {
        "panelist": built.interviewers[1],
        "shadow": built.shadow,
        "bar raiser": built.bar_raiser,
    }[seat]
    assert user is not None
    user.role_rows.append(UserRole(role=role))
    db.session.commit()
    own = next(i for i in built.loop.interviews if i.interviewer_id == user.id)
    clock.set(after_interviews(built) + timedelta(hours=1))
    others = [i for i in built.loop.interviews if i.id != own.id]
    for interview in others:
        submit_for(interview, clock(), vote=HIDDEN_VOTE, marker=MARKER)
    loop = built.loop
    open_debrief(
        loop, reason="The candidate flies home tonight.", actor=built.bar_raiser, now=clock()
    )
    db.session.commit()
    for interview in others:
        if not interview.is_shadow:
            cast_final_vote(loop, vote=HIDDEN_VOTE, actor=interview.interviewer, now=clock())
    propose(
        loop,
        decision=PROPOSAL,
        rationale=f"{MARKER} proposal rationale",
        early_reason="The candidate flies home tonight.",
        actor=built.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    return Scene(built=built, user=user, own=own)


def _urls(app, scene: Scene) -> list[str]:
    """Every GET route whose arguments this loop can fill, plus the report filtered to the loop's
    requisition (HTML, JSON, CSV) and the audit log filtered to the debrief's events."""
    loop = scene.built.loop
    values = {
        "loop_id": [loop.id],
        "interview_id": [interview.id for interview in loop.interviews],
        "candidate_id": [loop.candidate_id],
        "requisition_id": [loop.requisition_id],
        "user_id": [scene.user.id, scene.built.interviewers[2].id],
        "principle_id": [scene.own.principles[0].id],
    }
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        if rule.endpoint in ("auth.login", "auth.logout") or not rule.arguments <= values.keys():
            continue
        if rule.rule.startswith("/api/"):
            continue  # token-only; its document names every vote (tests/api/test_independence.py)
        names = sorted(rule.arguments)
        for combination in itertools.product(*(values[name] for name in names)):
            urls.append(adapter.build(rule.endpoint, dict(zip(names, combination, strict=True))))
    day = loop.first_interview_at.date()
    period = f"since={day - timedelta(days=30)}&until={day + timedelta(days=30)}"
    for path in ("/calibration", "/calibration/report.json", "/calibration/report.csv"):
        urls.append(f"{path}?{period}&requisition={loop.requisition_id}")
    urls += ["/admin/audit/?action=debrief.", "/admin/audit/?subject_type=loop"]
    return urls


def _outside_form_controls(body: str) -> str:
    """The page without its form choices: a vote offered as an option is not a vote cast."""
    for pattern in (
        r"<label\b.*?</label>",
        r"<option\b.*?</option>",
        r"<input\b[^>]*>",
        r"<select\b.*?</select>",
    ):
        body = re.sub(pattern, "", body, flags=re.S | re.I)
    return body


def _leaks(url: str, body: str, *, loop_id: int) -> list[str]:
    """What of the sealed feedback `body` shows, by name (empty: nothing)."""
    found = []
    if MARKER in body:
        found.append("evidence or rationale text")
    if url.startswith("/calibration/report.json"):
        return found  # its vote counts are checked on their numbers (the keys name every vote)
    if url.startswith("/calibration"):
        return found  # headings and legends name every vote; the numbers are the JSON's
    about_this_loop = (
        str(loop_id) in url or "/interviews/" in url or url.startswith("/admin/audit") or url == "/"
    )
    if not about_this_loop:
        return found
    shown = _outside_form_controls(body)
    lowered = shown.lower()
    for text in (HIDDEN_VOTE.value, HIDDEN_VOTE.label.lower()):
        if text in lowered:
            found.append(f"a vote ({text})")
    for text in (f"proposed {PROPOSAL.value.replace('_', ' ')}", "&#34;decision&#34;"):
        if text in lowered:
            found.append(f"the proposal ({text})")
    for key in ('"decision"', '"written"', '"final"'):
        if key in shown:
            found.append(f"audit details ({key})")
    return found


def _report_votes(client, url: str) -> int:
    """Votes and ratings the calibration report (JSON) counts, over every row."""
    response = client.get(url)
    if response.status_code != 200:
        return 0
    report = response.get_json()
    votes = sum(sum(row["votes"].values()) for row in report["interviewers"])
    ratings = sum(sum(row["ratings"].values()) for row in report["principles"])
    return votes + ratings + report["vote_changes"]["n"] + report["agreement"]["loops"]


def _walk(app, client, scene: Scene) -> dict[str, list[str]]:
    leaks: dict[str, list[str]] = {}
    loop_id = scene.built.loop.id
    for url in _urls(app, scene):
        response = client.get(url)
        assert response.status_code < 500, url
        found = _leaks(url, response.get_data(as_text=True), loop_id=loop_id)
        if url.startswith("/calibration/report.json") and _report_votes(client, url):
            found.append("votes or ratings counted in the report")
        if found:
            leaks[url] = found
    return leaks


@pytest.mark.parametrize("role", EXTRA_ROLES, ids=lambda role: role.value)
@pytest.mark.parametrize("seat", SEATS)
def test_before_submitting_no_route_shows_the_panels_votes_whatever_else_they_are(
    app, make_loop, clock, login_as, seat, role
):
    scene = _scene(seat, role, make_loop, clock)
    client = login_as(scene.user)
    urls = _urls(app, scene)
    loop_id = scene.built.loop.id
    for required in (f"/loops/{loop_id}", f"/loops/{loop_id}/debrief", "/admin/audit/"):
        assert required in urls  # the walk reaches the pages about this loop
    assert _walk(app, client, scene) == {}


@pytest.mark.parametrize("role", EXTRA_ROLES, ids=lambda role: role.value)
@pytest.mark.parametrize("seat", SEATS)
def test_after_submitting_the_same_person_reads_them(app, make_loop, clock, login_as, seat, role):
    scene = _scene(seat, role, make_loop, clock)
    submit_for(scene.own, clock(), vote=Vote.INCLINED_HIRE)
    client = login_as(scene.user)
    loop_id = scene.built.loop.id

    leaks = _walk(app, client, scene)

    assert "evidence or rationale text" in leaks[f"/loops/{loop_id}/feedback"]
    debrief = leaks[f"/loops/{loop_id}/debrief"]
    assert "evidence or rationale text" in debrief
    assert any(found.startswith("a vote") for found in debrief)
    assert any(found.startswith("the proposal") for found in leaks[f"/loops/{loop_id}"])
    if role is Role.ADMIN:
        audit = leaks["/admin/audit/?action=debrief."]
        # The log reads as sentences: the vote and the proposal, in words.
        assert any(found.startswith("a vote") for found in audit)
        assert any(found.startswith("the proposal") for found in audit)


def test_the_hiring_manager_who_inspects_reads_no_votes_before_the_debrief(
    app, make_loop, clock, login_as
):
    # Not on the panel: the loop's hiring manager reads feedback once the debrief opens; the
    # calibration report, which an inspector reads, never counts the loop while it is in flight.
    built = make_loop(panel_size=4)
    manager = built.hiring_manager
    manager.role_rows.append(UserRole(role=Role.INSPECTOR))
    db.session.commit()
    clock.set(after_interviews(built) + timedelta(hours=1))
    for interview in built.panel:
        submit_for(interview, clock(), vote=HIDDEN_VOTE, marker=MARKER)
    scene = Scene(built=built, user=manager, own=built.panel[0])
    client = login_as(manager)
    assert _walk(app, client, scene) == {}
