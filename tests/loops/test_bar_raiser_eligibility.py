"""Who may lead a loop as its Bar Raiser is one rule: the Python predicate (validate_panel's
refusals) and its SQL twin (the suggestions and the panel form's list) agree on every kind of
person, and the panel check refuses exactly those the rule refuses."""

from __future__ import annotations

from dataclasses import replace
from itertools import product

import pytest
import sqlalchemy as sa

from barraiser.auth.models import BarRaiserStatus, User
from barraiser.extensions import db
from barraiser.loops.rules import (
    may_lead_as_bar_raiser,
    may_lead_as_bar_raiser_clause,
    validate_panel,
)
from barraiser.loops.suggest import eligible_bar_raisers

# The requisition is Payments, level 6 (tests/organisation.py).
STATUSES = list(BarRaiserStatus)
ACTIVE = (True, False)
DEPARTMENTS = ("Logistics", "Payments", " payments ", "PAYMENTS", "Payments Risk")
LEVELS = (4, 5, 7)


@pytest.fixture
def people(org, clock) -> list[User]:
    """One user per combination of the facts the rule reads."""
    users = []
    for number, (status, active, department, level) in enumerate(
        product(STATUSES, ACTIVE, DEPARTMENTS, LEVELS)
    ):
        user = User(
            email=f"matrix{number}@example.com",
            name=f"Matrix {number}",
            department=department,
            level=level,
            active=active,
            bar_raiser_status=status,
            certified_at=clock() if status is BarRaiserStatus.CERTIFIED else None,
            created_at=clock(),
        )
        db.session.add(user)
        users.append(user)
    db.session.commit()
    return users


def _eligible_in_sql(requisition, hiring_manager_id: int | None) -> set[int]:
    clause = may_lead_as_bar_raiser_clause(requisition, hiring_manager_id=hiring_manager_id)
    return set(db.session.scalars(sa.select(User.id).where(User.email.like("matrix%"), clause)))


@pytest.mark.parametrize("for_requisition", [True, False], ids=["requisition", "any"])
def test_python_and_sql_agree_on_every_kind_of_person(org, people, for_requisition):
    requisition = org.requisition if for_requisition else None
    # The hiring manager is one of the people who would otherwise qualify.
    manager = next(
        u
        for u in people
        if u.active
        and u.department == "Logistics"
        and u.level == 7
        and u.bar_raiser_status is BarRaiserStatus.CERTIFIED
    )
    in_python = {
        user.id
        for user in people
        if may_lead_as_bar_raiser(user, requisition, hiring_manager_id=manager.id)
    }
    assert in_python == _eligible_in_sql(requisition, manager.id)
    eligible = {(u.department, u.level) for u in people if u.id in in_python}
    if for_requisition:
        # Certified, active, from outside Payments, level 5 or above, and not the manager.
        assert eligible == {("Logistics", 5), ("Payments Risk", 5), ("Payments Risk", 7)}
        assert manager.id not in in_python
    else:
        assert len(in_python) == len(DEPARTMENTS) * len(LEVELS)


def test_the_suggestions_offer_exactly_the_eligible(org, people, clock):
    offered = {
        load.user.id
        for load in eligible_bar_raisers(org.requisition, hiring_manager_id=None, now=clock())
    }
    eligible = {
        user.id
        for user in db.session.scalars(sa.select(User))
        if may_lead_as_bar_raiser(
            user, org.requisition, hiring_manager_id=org.requisition.hiring_manager_id
        )
    }
    assert offered == eligible
    assert org.bar_raiser.id in offered and org.inside_bar_raiser.id not in offered


def test_the_panel_check_refuses_exactly_whom_the_rule_refuses(org, people):
    for user in people:
        plan = replace(
            org.with_interview(org.plan(), 0, interviewer_id=user.id), bar_raiser_id=user.id
        )
        # Without a shadow: a trainee may lead only under a certified one (refused on shadow_id).
        problems = [
            p
            for p in validate_panel(org.requisition, plan)
            if p.key in ("bar_raiser_id", "shadow_id")
        ]
        eligible = may_lead_as_bar_raiser(
            user, org.requisition, hiring_manager_id=org.requisition.hiring_manager_id
        )
        assert (not problems) == eligible, (user.department, user.level, user.active, problems)
