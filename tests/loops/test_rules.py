"""Every panel rule, through the service: a valid loop passes, and each violation is refused with a
message that says what to fix, against the field it concerns."""

from __future__ import annotations

from dataclasses import replace

import pytest
from loops.cases import BROKEN

from barraiser.candidates.services import create_candidate
from barraiser.domain import LoopState
from barraiser.extensions import db
from barraiser.loops.services import (
    InterviewPlan,
    PanelInvalid,
    cancel_loop,
    create_loop,
    validate_panel,
)
from barraiser.principles.services import retire_principle
from barraiser.requisitions.models import RequisitionStatus
from barraiser.settings.services import change_settings, current_settings


def _create(org, plan, clock, **options):
    return create_loop(
        candidate_id=options.get("candidate_id", org.candidate.id),
        requisition_id=options.get("requisition_id", org.requisition.id),
        panel=plan,
        actor=org.recruiter,
        now=clock(),
    )


def test_a_valid_panel_has_no_problems_and_makes_a_draft_loop(org, clock):
    assert validate_panel(org.requisition, org.plan()) == []
    loop = _create(org, org.plan(), clock)
    db.session.commit()
    assert loop.state is LoopState.DRAFT
    assert loop.version == 1
    assert loop.hiring_manager_id == org.hiring_manager.id  # from the requisition
    assert loop.bar_raiser_id == org.bar_raiser.id
    assert [i.interviewer_id for i in loop.interviews] == [
        org.bar_raiser.id,
        *(p.id for p in org.interviewers[:3]),
    ]
    assert loop.first_interview_at == org.slot(0)
    assert [p.name for p in loop.interviews[1].principles] == [org.required[1].name]


@pytest.mark.parametrize(
    ("breaks", "key", "message"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_each_broken_rule_is_refused_with_its_message(org, clock, breaks, key, message):
    plan = breaks(org, org.plan())
    message = message.format(required1=org.required[1].name, required3=org.required[3].name)
    with pytest.raises(PanelInvalid) as refused:
        _create(org, plan, clock)
    found = {(problem.key, problem.message) for problem in refused.value.problems}
    assert any(k == key and message in m for k, m in found), found
    db.session.rollback()
    assert validate_panel(org.requisition, plan)  # the importer's check agrees


def test_principle_overlap_is_allowed_when_the_admin_setting_says_so(org, clock, make_user):
    plan = org.with_interview(org.plan(), 2, principle_ids=(org.required[2].id, org.required[1].id))
    assert validate_panel(org.requisition, plan)
    admin = make_user("admin@example.com", roles=())
    change_settings(
        current_settings().replace(allow_principle_overlap=True), actor=admin, now=clock()
    )
    assert validate_panel(org.requisition, plan) == []


def test_an_interviewer_cannot_be_in_two_loops_at_once(org, clock):
    _create(org, org.plan(), clock)
    second = create_candidate_named(org, clock, "Dana Second")
    # Panelist 2 is booked 11:00–12:00 on the first loop; 11:30 clashes, 12:00 does not.
    clash = org.plan(bar_raiser_id=org.other_bar_raiser.id)
    clash = org.with_interview(
        clash, 0, interviewer_id=org.other_bar_raiser.id, starts_at=org.slot(4)
    )
    clash = org.with_interview(clash, 1, starts_at=org.slot(5))
    clash = org.with_interview(clash, 2, starts_at=org.slot(2) + (org.slot(1) - org.slot(0)) / 2)
    clash = org.with_interview(clash, 3, starts_at=org.slot(7))
    with pytest.raises(PanelInvalid) as refused:
        _create(org, clash, clock, candidate_id=second.id)
    (problem,) = refused.value.problems
    assert problem.key == "interviews-2-starts_at"
    assert "Panelist 2 has another interview from 2026-03-03 11:00 UTC to 12:00 UTC" in (
        problem.message
    )
    db.session.rollback()
    fine = org.with_interview(clash, 2, starts_at=org.slot(3))
    assert validate_panel(org.requisition, fine) == []


def test_a_cancelled_loop_frees_its_interviewers(org, clock):
    loop = _create(org, org.plan(), clock)
    cancel_loop(loop, "Candidate withdrew.", actor=org.recruiter, now=clock())
    db.session.commit()
    assert validate_panel(org.requisition, org.plan()) == []


def test_the_shadow_is_not_double_booked_either(org, clock):
    _create(org, org.plan(shadow_id=org.trainee.id), clock)
    db.session.commit()
    # Another loop whose Bar Raiser's interview is at 09:00 too, shadowed by the same trainee.
    plan = org.plan(bar_raiser_id=org.other_bar_raiser.id, shadow_id=org.trainee.id)
    plan = org.with_interview(plan, 0, interviewer_id=org.other_bar_raiser.id)
    problems = validate_panel(org.requisition, plan)
    assert any(
        p.key == "shadow_id" and "Tess Trainee has another interview" in p.message for p in problems
    ), problems


def test_the_shadow_sits_in_on_the_bar_raisers_interview(org, clock):
    loop = _create(org, org.plan(shadow_id=org.trainee.id), clock)
    db.session.commit()
    shadow = next(i for i in loop.interviews if i.is_shadow)
    bar_raiser = next(i for i in loop.interviews if i.interviewer_id == org.bar_raiser.id)
    assert shadow.interviewer_id == org.trainee.id
    assert (shadow.starts_at, shadow.duration_minutes) == (
        bar_raiser.starts_at,
        bar_raiser.duration_minutes,
    )
    assert shadow.principles == bar_raiser.principles
    assert len(loop.panel) == 4  # the shadow has no vote


def test_a_closed_requisition_gets_no_new_loops(org, clock):
    org.requisition.status = RequisitionStatus.CLOSED
    db.session.commit()
    with pytest.raises(PanelInvalid) as refused:
        _create(org, org.plan(), clock)
    assert refused.value.problems[0].key == "requisition_id"
    assert "is closed; reopen it or pick an open one" in refused.value.problems[0].message


def test_a_retired_principle_cannot_be_assigned(org, clock, make_user):
    admin = make_user("admin@example.com")
    retire_principle(org.spare[0], actor=admin, now=clock())
    plan = org.with_interview(org.plan(), 1, principle_ids=(org.required[1].id, org.spare[0].id))
    problems = validate_panel(org.requisition, plan)
    assert [p.key for p in problems] == ["interviews-1-principle_ids"]
    assert "is retired; pick a principle in use" in problems[0].message


def test_unknown_people_and_principles_are_refused_not_crashed(org, clock):
    plan = org.with_interview(org.plan(), 1, interviewer_id=999_999, principle_ids=(999_999,))
    keys = {p.key for p in validate_panel(org.requisition, plan)}
    assert {"interviews-1-interviewer_id", "interviews-1-principle_ids"} <= keys


def test_one_refusal_lists_every_problem(org, clock):
    plan = org.with_interview(org.plan(), 1, interviewer_id=org.junior.id, principle_ids=())
    extra = InterviewPlan(org.interviewers[1].id, org.slot(6), 60, (org.spare[0].id,))
    plan = replace(plan, interviews=(*plan.interviews, extra))
    keys = [p.key for p in validate_panel(org.requisition, plan)]
    assert "interviews-1-interviewer_id" in keys
    assert "interviews-1-principle_ids" in keys
    assert "interviews-4-interviewer_id" in keys


def create_candidate_named(org, clock, name):
    return create_candidate(
        name=name, email=None, source="", notes="", actor=org.recruiter, now=clock()
    )
