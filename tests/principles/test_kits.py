"""Interview kits: a default kit for each of the sixteen principles, kept through re-seeding,
edited by admins only (audited), and shown to the interviewer — whole on the prep page, folded
beside the feedback form — and to no one else's interview."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.extensions import db
from barraiser.principles.catalog import DEFAULT_KITS, DEFAULT_PRINCIPLES
from barraiser.principles.models import Principle
from barraiser.principles.services import seed_default_catalog


def _text(response) -> str:
    words = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(words).split())


def _principle(name: str) -> Principle:
    db.session.expire_all()
    return db.session.scalar(sa.select(Principle).where(Principle.name == name))


def test_every_default_principle_ships_with_a_kit(app):
    assert set(DEFAULT_KITS) == {name for name, _ in DEFAULT_PRINCIPLES}
    for name, _ in DEFAULT_PRINCIPLES:
        principle = _principle(name)
        assert len(principle.questions) >= 2, name
        assert principle.kit_strong and principle.kit_weak, name


def test_seeding_keeps_an_admins_kit_and_fills_an_empty_one(app, clock):
    edited, emptied = _principle("Dive Deep"), _principle("Frugality")
    edited.kit_questions = "Our own question?"
    emptied.kit_questions = emptied.kit_strong = emptied.kit_weak = ""
    db.session.commit()
    assert seed_default_catalog(now=clock()) == 0
    db.session.commit()
    assert _principle("Dive Deep").questions == ["Our own question?"]
    assert _principle("Frugality").questions == list(DEFAULT_KITS["Frugality"][0])


def _form(principle: Principle, **kit: str) -> dict[str, str]:
    return {
        "name": principle.name,
        "description": principle.description,
        "kit_questions": principle.kit_questions,
        "kit_strong": principle.kit_strong,
        "kit_weak": principle.kit_weak,
        **kit,
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 302), ("recruiter", 403), ("interviewer", 403), ("inspector", 403)],
)
def test_only_admins_edit_a_kit_and_each_edit_is_audited(app, login_as, role, status):
    principle = _principle("Dive Deep")
    data = _form(principle, kit_questions="What did the logs say?\r\n\r\n  Who checked?  ")
    response = login_as(role).post(f"/principles/{principle.id}", data=data)
    assert response.status_code == status
    saved = _principle("Dive Deep")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "principle.updated"))
    if status == 302:
        assert saved.questions == ["What did the logs say?", "Who checked?"]
        old, new = event.details["changes"]["kit_questions"]
        assert old == "\n".join(DEFAULT_KITS["Dive Deep"][0])
        assert new == "What did the logs say?\n\n  Who checked?"
    else:
        assert saved.questions == list(DEFAULT_KITS["Dive Deep"][0])
        assert event is None


def test_an_overlong_kit_is_refused_and_changes_nothing(app, login_as):
    principle = _principle("Dive Deep")
    response = login_as("admin").post(
        f"/principles/{principle.id}", data=_form(principle, kit_strong="x" * 5001)
    )
    assert response.status_code == 400
    assert _principle("Dive Deep").kit_strong == DEFAULT_KITS["Dive Deep"][1]


def test_the_prep_page_shows_the_candidate_role_time_and_kit(make_loop, login_as):
    built = make_loop()
    interview = built.panel[1]
    principle = interview.principles[0]
    response = login_as(interview.interviewer).get(f"/interviews/{interview.id}/prep")
    assert response.status_code == 200
    text = _text(response)
    assert "Prepare your interview: Casey Candidate" in text
    assert "Senior Engineer (level 6, Payments)" in text
    assert f'<time datetime="{interview.starts_at.isoformat()}"' in response.get_data(as_text=True)
    assert principle.name in text
    for question in DEFAULT_KITS[principle.name][0]:
        assert question in text
    assert "Strong evidence sounds like:" in text and "Weak evidence sounds like:" in text
    # Only this interview's principles.
    other = built.panel[2].principles[0]
    assert DEFAULT_KITS[other.name][0][0] not in text


@pytest.mark.parametrize(("who", "status"), [("other panelist", 403), ("interviewer", 404)])
def test_the_prep_page_is_the_interviewers_alone(make_loop, login_as, who, status):
    built = make_loop()
    person = built.interviewers[2] if who == "other panelist" else who
    response = login_as(person).get(f"/interviews/{built.panel[1].id}/prep")
    assert response.status_code == status


def test_home_links_to_the_prep_page(make_loop, login_as):
    built = make_loop()
    interview = built.panel[1]
    body = login_as(interview.interviewer).get("/").get_data(as_text=True)
    assert f'href="/interviews/{interview.id}/prep"' in body


def test_the_feedback_form_folds_the_kit_beside_its_principle(make_loop, login_as):
    built = make_loop()
    interview = built.panel[1]
    principle = interview.principles[0]
    body = login_as(interview.interviewer).get(f"/interviews/{interview.id}/feedback")
    page = body.get_data(as_text=True)
    assert page.count('<details class="principle-kit mb-3" data-testid="kit">') == 1
    assert f"Interview kit for {principle.name}: questions and what to listen for" in page
    assert html.escape(DEFAULT_KITS[principle.name][0][0], quote=True) in page
