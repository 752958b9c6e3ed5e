"""A role's own interview questions per principle: edited by recruiters, admins and the role's
hiring manager (audited), refused with a message when too many or too long, and shown to the
role's interviewers after the principle's kit — whole on the prep page, folded on the form."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import Role
from barraiser.extensions import db
from barraiser.principles.catalog import DEFAULT_KITS
from barraiser.principles.services import retire_principle
from barraiser.requisitions.models import RequisitionQuestions
from barraiser.requisitions.services import QUESTION_LIMIT, QUESTIONS_PER_PRINCIPLE


def _text(response) -> str:
    words = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(words).split())


def _stored(requisition_id: int) -> dict[int, str]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(RequisitionQuestions).where(RequisitionQuestions.requisition_id == requisition_id)
    )
    return {row.principle_id: row.questions for row in rows}


def _events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "requisition.questions_updated")
        )
    )


@pytest.fixture
def built(make_loop):
    return make_loop()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 302),
        ("recruiter", 302),
        ("its hiring manager", 302),
        ("another hiring manager", 404),
        ("panelist", 404),
        ("inspector", 404),
        ("bar_raiser of the loop", 404),
    ],
)
def test_who_edits_a_roles_questions_and_each_edit_is_audited(
    built, login_as, make_user, who, status
):
    requisition = built.loop.requisition
    principle = built.panel[1].principles[0]
    person = {
        "its hiring manager": built.hiring_manager,
        "another hiring manager": lambda: make_user(roles=(Role.HIRING_MANAGER,)),
        "panelist": built.interviewers[1],
        "bar_raiser of the loop": built.bar_raiser,
    }.get(who, who)
    client = login_as(person() if callable(person) else person)
    url = f"/requisitions/{requisition.id}/questions"
    assert client.get(url).status_code == (200 if status == 302 else status)
    response = client.post(
        url, data={f"questions_{principle.id}": "  How did you ship it?\r\n\r\nWho paid?  "}
    )
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].endswith(f"/requisitions/{requisition.id}")
        assert _stored(requisition.id) == {principle.id: "How did you ship it?\nWho paid?"}
        (event,) = _events()
        assert event.details["changes"] == {
            principle.name: [[], ["How did you ship it?", "Who paid?"]]
        }
    else:
        assert _stored(requisition.id) == {} and _events() == []


def test_a_hiring_manager_who_can_see_the_role_but_lost_the_role_is_refused(built, login_as):
    requisition = built.loop.requisition
    manager = built.hiring_manager
    manager.role_rows = [row for row in manager.role_rows if row.role is not Role.HIRING_MANAGER]
    db.session.commit()
    client = login_as(manager)
    assert client.get(f"/requisitions/{requisition.id}/questions").status_code == 403


def test_emptying_a_box_removes_its_questions_and_other_principles_keep_theirs(built, login_as):
    requisition = built.loop.requisition
    first, second = (interview.principles[0] for interview in built.panel[1:3])
    client = login_as("recruiter")
    url = f"/requisitions/{requisition.id}/questions"
    client.post(url, data={f"questions_{first.id}": "One?", f"questions_{second.id}": "Two?"})
    response = client.post(
        url, data={f"questions_{first.id}": "", f"questions_{second.id}": "Two?"}
    )
    assert response.status_code == 302
    assert _stored(requisition.id) == {second.id: "Two?"}
    last = _events()[-1]
    assert last.details["changes"] == {first.name: [["One?"], []]}
    # Saving again unchanged writes no event.
    client.post(url, data={f"questions_{second.id}": "Two?"})
    assert len(_events()) == 2


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        (
            "?" * (QUESTION_LIMIT + 1),
            422,
            f"question 1 has 301 characters; keep each question to {QUESTION_LIMIT}",
        ),
        (
            "\n".join(f"Q{n}?" for n in range(QUESTIONS_PER_PRINCIPLE + 1)),
            422,
            f"at most {QUESTIONS_PER_PRINCIPLE} questions (21 were given)",
        ),
        ("x" * 7000, 400, "questions under 6,040 characters"),
    ],
)
def test_bad_questions_are_refused_with_a_message_and_change_nothing(
    built, login_as, text, status, message
):
    requisition = built.loop.requisition
    principle = built.panel[1].principles[0]
    client = login_as("admin")
    url = f"/requisitions/{requisition.id}/questions"
    client.post(url, data={f"questions_{principle.id}": "Kept?"})
    response = client.post(url, data={f"questions_{principle.id}": text})
    assert response.status_code == status
    assert message in _text(response)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _stored(requisition.id) == {principle.id: "Kept?"}


def test_a_retired_principles_questions_can_be_removed_not_written(built, login_as, clock):
    requisition = built.loop.requisition
    principle = built.panel[3].principles[0]
    client = login_as("admin")
    url = f"/requisitions/{requisition.id}/questions"
    client.post(url, data={f"questions_{principle.id}": "Old?"})
    retire_principle(principle, confirmed=True, actor=None, now=clock())
    db.session.commit()
    refused = client.post(url, data={f"questions_{principle.id}": "New?"})
    assert refused.status_code == 422
    assert "is retired; its questions can only be removed" in _text(refused)
    assert client.post(url, data={f"questions_{principle.id}": ""}).status_code == 302
    assert _stored(requisition.id) == {}


def test_the_role_page_lists_its_own_questions(built, login_as):
    requisition = built.loop.requisition
    principle = built.panel[1].principles[0]
    client = login_as(built.hiring_manager)
    client.post(
        f"/requisitions/{requisition.id}/questions",
        data={f"questions_{principle.id}": "Which metric moved?"},
    )
    text = _text(client.get(f"/requisitions/{requisition.id}"))
    assert f"This role’s own questions {principle.name} Which metric moved?" in text
    assert "Edit this role’s questions" in text


def test_the_interviewer_sees_the_roles_questions_after_the_kit_on_prep_and_form(built, login_as):
    requisition = built.loop.requisition
    interview = built.panel[1]
    principle = interview.principles[0]
    other = built.panel[2].principles[0]
    login_as("recruiter").post(
        f"/requisitions/{requisition.id}/questions",
        data={
            f"questions_{principle.id}": "Which metric moved?\nWho disagreed?",
            f"questions_{other.id}": "Not yours?",
        },
    )
    client = login_as(interview.interviewer)
    kit_question = DEFAULT_KITS[principle.name][0][-1]
    prep = _text(client.get(f"/interviews/{interview.id}/prep"))
    assert (
        f"{kit_question} This role’s own questions {requisition.title} "
        "Which metric moved? Who disagreed?" in prep
    )
    assert "Not yours?" not in prep
    form = client.get(f"/interviews/{interview.id}/feedback").get_data(as_text=True)
    folded = re.search(
        r'<details class="principle-kit mb-3" data-testid="kit">(.*?)</details>', form, re.S
    )
    assert folded is not None
    assert f"Interview kit for {principle.name}: questions (with this role’s own)" in folded.group(
        1
    )
    assert "Which metric moved?" in folded.group(1)
    assert folded.group(1).index(html.escape(kit_question)) < folded.group(1).index(
        "Which metric moved?"
    )
    assert "Not yours?" not in form


def test_another_roles_questions_stay_with_their_role(make_loop, login_as):
    mine, theirs = make_loop(tag="a"), make_loop(tag="b")
    principle = mine.panel[1].principles[0]
    login_as("admin").post(
        f"/requisitions/{theirs.loop.requisition.id}/questions",
        data={f"questions_{principle.id}": "Only for them?"},
    )
    interview = mine.panel[1]
    assert "Only for them?" not in _text(
        login_as(interview.interviewer).get(f"/interviews/{interview.id}/prep")
    )
