"""The debrief page: who sees it, what it shows, independence before one's own feedback, the
hiring manager's feedback last, shadows marked and not counted, and a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from debrief.panel_feedback import submit_panel_feedback, write_feedback

from barraiser.debrief import services
from barraiser.domain import Outcome, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Addendum, Feedback
from barraiser.loops.models import Interview, InterviewPrinciple
from barraiser.principles.models import Principle


def _url(built) -> str:
    return f"/loops/{built.loop.id}/debrief"


def _person(built, who: str):
    return {
        "bar_raiser": built.bar_raiser,
        "hiring_manager": built.hiring_manager,
        "panelist": built.interviewers[1],
        "shadow": built.shadow,
    }.get(who) or {"outsider": "interviewer"}.get(who, who)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("bar_raiser", 200),
        ("hiring_manager", 200),
        ("panelist", 200),
        ("shadow", 200),
        ("recruiter", 200),
        ("admin", 200),
        ("inspector", 404),
        ("outsider", 404),
    ],
)
def test_who_may_open_the_debrief_page(debrief_loop, login_as, who, status):
    response = login_as(_person(debrief_loop, who)).get(_url(debrief_loop))
    assert response.status_code == status
    if status == 200:
        text = response.get_data(as_text=True)
        assert "Summary from Panel3: Strong no hire." in text
    else:
        assert "Casey" not in response.get_data(as_text=True)


def test_an_unknown_loop_is_not_found(login_as):
    assert login_as("admin").get("/loops/987654/debrief").status_code == 404


def test_the_page_shows_tallies_matrix_and_feedback_side_by_side(debrief_loop, login_as):
    text = login_as(debrief_loop.bar_raiser).get(_url(debrief_loop)).get_data(as_text=True)
    # Four panel votes, one in each bucket; the shadow's strong hire is not among them.
    for label in ("Strong hire", "Inclined hire", "Inclined no hire", "Strong no hire"):
        assert f"{label}</span></th><td>1</td>" in text
    assert "4 of 4 panel feedback submitted." in text
    assert "Would raise the bar: <strong>2 yes</strong>, <strong>2 no</strong>." in text
    # The matrix: a column per assigned principle, a row per interviewer, the shadow marked.
    for interview in debrief_loop.panel:
        assert f'<th scope="col">{interview.principles[0].name}</th>' in text
    assert 'class="debrief-shadow"' in text
    assert text.count('data-testid="feedback-card"') == 5
    assert "shadow · not counted" in text
    assert "Summary from Brit: Strong hire." in text


def test_a_panelist_who_has_not_submitted_sees_counts_only(make_loop, login_as, clock):
    built = make_loop()
    submit_panel_feedback(
        built, [Vote.STRONG_HIRE, Vote.STRONG_NO_HIRE, Vote.INCLINED_HIRE], clock()
    )
    services.open_debrief(
        built.loop, reason="Panel3 is away; we debrief now.", actor=built.bar_raiser, now=clock()
    )
    db.session.commit()
    late = built.interviewers[3]

    text = login_as(late).get(_url(built)).get_data(as_text=True)
    assert "Submit your own feedback to read the panel&#39;s." in text
    assert "3 of 4 panel feedback submitted." in text
    assert "Summary from" not in text
    assert "Strong hire" not in text and "Strong no hire" not in text
    assert "Cast final vote" not in text

    write_feedback(built.panel[3], Vote.INCLINED_NO_HIRE, clock())
    db.session.commit()
    text = login_as(late).get(_url(built)).get_data(as_text=True)
    assert "Summary from Br: Strong hire." in text
    assert "Cast final vote" in text


def test_a_hiring_manager_off_the_panel_reads_feedback_only_once_the_debrief_opens(
    ready_loop, login_as, clock
):
    manager = login_as(ready_loop.hiring_manager)
    text = manager.get(_url(ready_loop)).get_data(as_text=True)
    assert "Not open yet." in text
    assert "Summary from" not in text
    services.open_debrief(ready_loop.loop, actor=ready_loop.bar_raiser, now=clock())
    db.session.commit()
    assert "Summary from Panel1" in manager.get(_url(ready_loop)).get_data(as_text=True)


def test_the_hiring_managers_feedback_is_shown_last(make_loop, login_as, clock):
    built = make_loop()
    spare = db.session.scalar(sa.select(Principle).where(Principle.position == 10))
    # The hiring manager interviewed first, yet their feedback is read last.
    interview = Interview(
        interviewer=built.hiring_manager,
        starts_at=built.panel[0].starts_at - timedelta(hours=2),
        duration_minutes=60,
        assignments=[InterviewPrinciple(principle=spare, position=0)],
    )
    built.loop.interviews.append(interview)
    db.session.commit()
    submit_panel_feedback(built, [Vote.INCLINED_HIRE] * 5, clock())
    services.open_debrief(built.loop, actor=built.bar_raiser, now=clock())
    db.session.commit()

    text = login_as(built.bar_raiser).get(_url(built)).get_data(as_text=True)
    cards = text.split('data-testid="feedback-card"')[1:]
    assert "Summary from Hm" in cards[-1]
    assert "hiring manager" in cards[-1]
    matrix = text.split('data-testid="matrix"')[1].split("</table>")[0]
    rows = matrix.split('<th scope="row">')[1:]
    assert rows[-1].startswith("Hm")


def test_addenda_appear_in_place_marked_when_written_after_opening(debrief_loop, login_as, clock):
    feedback = db.session.scalar(
        sa.select(Feedback).where(Feedback.interview_id == debrief_loop.panel[1].id)
    )
    author = debrief_loop.interviewers[1]
    db.session.add_all(
        [
            Addendum(
                feedback=feedback,
                author_id=author.id,
                body="Before: I forgot the migration story.",
                created_at=clock() - timedelta(minutes=30),
                after_debrief_opened=False,
            ),
            Addendum(
                feedback=feedback,
                author_id=author.id,
                body="After: on reflection the design was weak.",
                created_at=clock() + timedelta(minutes=5),
                after_debrief_opened=True,
            ),
        ]
    )
    db.session.commit()
    text = login_as(debrief_loop.bar_raiser).get(_url(debrief_loop)).get_data(as_text=True)
    card = next(c for c in text.split('data-testid="feedback-card"') if "Summary from Panel1" in c)
    before, after = card.split('data-testid="addendum"')[1:]
    assert "Before: I forgot the migration story." in before
    assert "after the debrief opened" not in before
    assert "After: on reflection the design was weak." in after
    assert "after the debrief opened" in after


def test_the_page_shows_the_decision_and_the_vetoed_badge(debrief_loop, decide, login_as):
    decide(debrief_loop, Outcome.HIRE, "veto")
    text = login_as("recruiter").get(_url(debrief_loop)).get_data(as_text=True)
    assert "Hm</strong> proposed <strong>hire</strong>" in text
    assert "Br</strong> vetoed" in " ".join(text.split())
    assert "Principles concerned: Customer Obsession" in text
    assert "Outcome: no hire" in text
    assert 'data-testid="vetoed">vetoed<' in text
    assert "and is read-only." in text


def test_forms_carry_their_csrf_token_under_their_prefix(ready_loop, app, login_as):
    browser = login_as(ready_loop.bar_raiser)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert browser.post(f"{_url(ready_loop)}/open").status_code == 400  # no token
        page = browser.get(_url(ready_loop)).get_data(as_text=True)
        token = page.split('name="open-csrf_token" type="hidden" value="')[1].split('"')[0]
        response = browser.post(f"{_url(ready_loop)}/open", data={"open-csrf_token": token})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _full_debrief(make_loop, clock, *, panel_size: int, tag: str):
    built = make_loop(panel_size=panel_size, with_shadow=True, tag=tag)
    votes = [Vote.INCLINED_HIRE, Vote.STRONG_NO_HIRE] * panel_size
    feedback = submit_panel_feedback(
        built, votes[:panel_size], clock(), shadow_vote=Vote.STRONG_HIRE
    )
    services.open_debrief(built.loop, actor=built.bar_raiser, now=clock())
    for item in feedback:
        db.session.add(
            Addendum(
                feedback=item,
                author_id=item.author_id,
                body="One more thing.",
                created_at=clock(),
                after_debrief_opened=True,
            )
        )
    for person, vote in zip(built.interviewers, votes, strict=False):
        services.cast_final_vote(built.loop, vote=vote, actor=person, now=clock())
    services.propose(
        built.loop,
        decision=Outcome.HIRE,
        rationale="Yes.",
        early_reason="The candidate flies home tonight.",
        actor=built.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    return built


@pytest.mark.parametrize("viewer", ["bar_raiser", "recruiter"])
def test_the_page_runs_the_same_number_of_queries_at_4_and_10_interviewers(
    make_loop, clock, login_as, count_queries, viewer
):
    counts = []
    recruiter = login_as("recruiter")
    for panel_size, tag in ((4, "small"), (10, "large")):
        built = _full_debrief(make_loop, clock, panel_size=panel_size, tag=tag)
        browser = login_as(built.bar_raiser) if viewer == "bar_raiser" else recruiter
        db.session.expire_all()
        with count_queries() as counted:
            response = browser.get(_url(built))
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('data-testid="addendum"') == panel_size + 1
        counts.append(counted.count)
    assert counts[0] == counts[1], counts
