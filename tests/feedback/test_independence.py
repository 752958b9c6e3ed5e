"""Independence: nobody on the panel — hiring manager and Bar Raiser included — sees another
panelist's feedback, ratings or vote before submitting their own; drafts are seen by their author
only. The leak tests fetch every page a user can reach (the app's own URL map, so pages added by
other slices are covered too) and look for other panelists' words in what comes back."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from builders import BuiltLoop
from feedback.writing import after_interviews, content, form_data, submit_for

from barraiser import policy
from barraiser.auth.models import Role, User, UserRole
from barraiser.domain import LoopState, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.feedback.queries import readable_feedback
from barraiser.feedback.services import save_draft
from barraiser.loops.models import Interview, InterviewPrinciple
from barraiser.principles.models import Principle

OTHERS = "Othercanary"  # in every other panelist's submitted evidence and summary
DRAFT = "Draftcanary"  # in another panelist's unsubmitted draft
MINE = "Minecanary"  # in the user's own draft
HIDDEN_VOTE = Vote.STRONG_NO_HIRE  # every other panelist's vote; the user's draft differs
OWN_VOTE = Vote.INCLINED_HIRE


@dataclass
class Scene:
    built: BuiltLoop
    user: User
    own: Interview
    drafter: Interview  # another panelist who has only a draft


def _add_role(user: User, role: Role) -> None:
    user.role_rows.append(UserRole(role=role))
    db.session.commit()


def _hiring_manager_interviews(built: BuiltLoop) -> Interview:
    spare = db.session.scalars(
        sa.select(Principle).order_by(Principle.position).offset(len(built.panel)).limit(1)
    ).one()
    last = built.panel[-1]
    interview = Interview(
        interviewer=built.hiring_manager,
        starts_at=last.starts_at + timedelta(hours=1),
        duration_minutes=60,
    )
    interview.assignments = [InterviewPrinciple(principle=spare, position=0)]
    built.loop.interviews.append(interview)
    db.session.commit()
    return interview


PANEL_ROLES = (
    "interviewer",
    "bar raiser",
    "hiring manager who interviews",
    "shadow",
    "recruiter on the panel",
    "admin on the panel",
)


def _scene(role: str, make_loop, clock) -> Scene:
    built = make_loop(panel_size=5, with_shadow=True)
    by_user = {interview.interviewer_id: interview for interview in built.loop.interviews}
    if role == "hiring manager who interviews":
        _hiring_manager_interviews(built)
        user = built.hiring_manager
    elif role == "bar raiser":
        user = built.bar_raiser
    elif role == "shadow":
        user = built.shadow
    else:
        user = built.interviewers[1]
        if role == "recruiter on the panel":
            _add_role(user, Role.RECRUITER)
        if role == "admin on the panel":
            _add_role(user, Role.ADMIN)
    by_user = {interview.interviewer_id: interview for interview in built.loop.interviews}
    own = by_user[user.id]
    clock.set(after_interviews(built))
    others = [interview for interview in built.loop.interviews if interview.id != own.id]
    drafter = next(i for i in others if not i.is_shadow and i.interviewer_id != built.bar_raiser.id)
    for interview in others:
        if interview is drafter:
            save_draft(
                interview,
                content(interview, vote=HIDDEN_VOTE, marker=DRAFT),
                expected_version=0,
                actor=interview.interviewer,
                now=clock(),
            )
            db.session.commit()
        else:
            submit_for(interview, clock(), vote=HIDDEN_VOTE, marker=OTHERS)
    save_draft(
        own,
        content(own, vote=OWN_VOTE, marker=MINE),
        expected_version=0,
        actor=user,
        now=clock(),
    )
    db.session.commit()
    return Scene(built=built, user=user, own=own, drafter=drafter)


def _urls(app, scene: Scene) -> list[str]:
    """Every GET page of the app that takes only arguments this loop can fill."""
    loop = scene.built.loop
    values = {
        "loop_id": [loop.id],
        "interview_id": [interview.id for interview in loop.interviews],
        "candidate_id": [loop.candidate_id],
        "requisition_id": [loop.requisition_id],
        "user_id": [scene.user.id, scene.drafter.interviewer_id],
        "principle_id": [scene.own.principles[0].id],
    }
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        if rule.endpoint in ("auth.login",) or not rule.arguments <= values.keys():
            continue
        if rule.rule.startswith("/api/"):
            continue  # token-only; its document names every vote (tests/api/test_independence.py)
        names = sorted(rule.arguments)
        for combination in itertools.product(*(values[name] for name in names)):
            urls.append(adapter.build(rule.endpoint, dict(zip(names, combination, strict=True))))
    return urls


def _outside_form_controls(body: str) -> str:
    """The page without its form choices: a vote offered as an option is not a vote cast."""
    for pattern in (r"<label\b.*?</label>", r"<option\b.*?</option>", r"<input\b[^>]*>"):
        body = re.sub(pattern, "", body, flags=re.S | re.I)
    return body


def _assert_no_leak(body: str, where: str, *, votes_too: bool = True) -> None:
    assert OTHERS not in body, f"another panelist's evidence leaked on {where}"
    assert DRAFT not in body, f"another panelist's draft leaked on {where}"
    if votes_too:
        shown = _outside_form_controls(body).lower()
        assert HIDDEN_VOTE.value not in shown, f"another panelist's vote leaked on {where}"
        assert HIDDEN_VOTE.label.lower() not in shown, f"another panelist's vote leaked on {where}"


@pytest.mark.parametrize("role", PANEL_ROLES)
def test_before_submitting_no_page_shows_another_panelists_feedback(
    app, make_loop, clock, login_as, role
):
    scene = _scene(role, make_loop, clock)
    client = login_as(scene.user)
    urls = _urls(app, scene)
    loop_id = scene.built.loop.id
    for required in (
        "/",
        f"/loops/{loop_id}",
        f"/loops/{loop_id}/feedback",
        f"/loops/{loop_id}/debrief",
        f"/interviews/{scene.own.id}/feedback",
    ):
        assert required in urls  # the crawl reaches at least the pages about this loop
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        # Reports across loops may name the four votes as headings; pages about this loop may not.
        about_this_loop = url == "/" or str(loop_id) in url or "/interviews/" in url
        _assert_no_leak(response.get_data(as_text=True), url, votes_too=about_this_loop)

    saved = client.post(
        f"/interviews/{scene.own.id}/feedback/draft.json",
        data=form_data(scene.own, version=1, vote=OWN_VOTE, marker=MINE),
    )
    assert saved.status_code == 200
    _assert_no_leak(saved.get_data(as_text=True), "the draft endpoint")

    panel_page = client.get(f"/loops/{loop_id}/feedback").get_data(as_text=True)
    assert "submitted" in panel_page  # counts are shown: "n of m submitted"
    assert "once you submit your own" in panel_page


@pytest.mark.parametrize("role", PANEL_ROLES)
def test_after_submitting_the_panels_submitted_feedback_appears_but_never_a_draft(
    app, make_loop, clock, login_as, role
):
    scene = _scene(role, make_loop, clock)
    client = login_as(scene.user)
    submitted = client.post(
        f"/interviews/{scene.own.id}/feedback",
        data=form_data(scene.own, version=1, action="submit", vote=OWN_VOTE, marker=MINE),
    )
    assert submitted.status_code == 302
    page = client.get(f"/loops/{scene.built.loop.id}/feedback").get_data(as_text=True)
    assert OTHERS in page
    assert f"vote-{HIDDEN_VOTE.value}" in page
    assert MINE in page
    assert DRAFT not in page
    for url in _urls(app, scene):
        assert DRAFT not in client.get(url).get_data(as_text=True), url


@pytest.mark.parametrize("role", ["recruiter", "admin"])
def test_recruiters_and_admins_off_the_panel_read_submitted_feedback_but_no_draft(
    app, make_loop, clock, login_as, role
):
    scene = _scene("interviewer", make_loop, clock)
    client = login_as(role)
    page = client.get(f"/loops/{scene.built.loop.id}/feedback").get_data(as_text=True)
    assert OTHERS in page
    assert DRAFT not in page and MINE not in page
    for url in _urls(app, scene):
        body = client.get(url).get_data(as_text=True)
        assert DRAFT not in body and MINE not in body, url


def test_a_hiring_manager_off_the_panel_reads_feedback_only_once_the_debrief_opened(
    app, make_loop, clock, login_as
):
    scene = _scene("interviewer", make_loop, clock)
    loop = scene.built.loop
    client = login_as(scene.built.hiring_manager)
    for url in _urls(app, scene):
        _assert_no_leak(client.get(url).get_data(as_text=True), url)
    page = client.get(f"/loops/{loop.id}/feedback").get_data(as_text=True)
    assert "when the debrief opens" in page

    loop.state = LoopState.DEBRIEF
    loop.debrief_opened_at = clock()
    loop.debrief_opened_by_id = scene.built.bar_raiser.id
    loop.debrief_early_reason = "Candidate flies home tonight."
    db.session.commit()
    page = client.get(f"/loops/{loop.id}/feedback").get_data(as_text=True)
    assert OTHERS in page
    assert DRAFT not in page and MINE not in page


def test_an_inspector_sees_no_loop_and_no_feedback(app, make_loop, clock, login_as):
    scene = _scene("interviewer", make_loop, clock)
    client = login_as("inspector")
    assert client.get(f"/loops/{scene.built.loop.id}/feedback").status_code == 404
    for url in _urls(app, scene):
        _assert_no_leak(client.get(url).get_data(as_text=True), url, votes_too=False)


# --- the rule in the query and the policy, under the pages ------------------------------------


def test_readable_feedback_filters_in_the_query(make_loop, clock, user_in_role):
    scene = _scene("interviewer", make_loop, clock)
    loop = scene.built.loop
    own_only = readable_feedback(scene.user, loop)
    assert [feedback.interview_id for feedback in own_only] == [scene.own.id]

    submit_for(scene.own, clock())
    after = readable_feedback(scene.user, loop)
    assert scene.drafter.id not in {feedback.interview_id for feedback in after}
    assert all(f.submitted for f in after)
    assert len(after) == len(loop.interviews) - 1

    assert readable_feedback(user_in_role("inspector"), loop) == []
    recruiter_sees = readable_feedback(user_in_role("recruiter"), loop)
    assert all(feedback.submitted for feedback in recruiter_sees)
    assert len(recruiter_sees) == len(after)


def test_readable_feedback_puts_the_hiring_manager_last_and_shadows_after_the_panel(
    make_loop, clock, user_in_role
):
    scene = _scene("hiring manager who interviews", make_loop, clock)
    submit_for(scene.own, clock())
    order = readable_feedback(user_in_role("recruiter"), scene.built.loop)
    kinds = [
        "shadow"
        if f.interview.is_shadow
        else "manager"
        if f.author_id == scene.built.hiring_manager.id
        else "panel"
        for f in order
    ]
    assert kinds == sorted(kinds, key=["panel", "manager", "shadow"].index)
    assert kinds[-2:] == ["manager", "shadow"]


def test_can_read_feedback_agrees_with_the_pages(make_loop, clock, user_in_role):
    scene = _scene("bar raiser", make_loop, clock)
    other = db.session.scalar(
        sa.select(Feedback).where(
            Feedback.author_id != scene.user.id, Feedback.state == "submitted"
        )
    )
    draft = db.session.scalar(sa.select(Feedback).where(Feedback.interview_id == scene.drafter.id))
    assert not policy.can_read_feedback(scene.user, other)
    assert policy.can_read_feedback(scene.drafter.interviewer, draft)
    submit_for(scene.own, clock())
    assert policy.can_read_feedback(scene.user, other)
    assert not policy.can_read_feedback(scene.user, draft)
    assert not policy.can_read_feedback(user_in_role("admin"), draft)
    assert not policy.can_read_feedback(user_in_role("inspector"), other)
