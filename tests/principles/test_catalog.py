"""The leadership-principle catalog: shipped defaults, and the admin's edits."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from barraiser.extensions import db
from barraiser.principles.catalog import DEFAULT_PRINCIPLES
from barraiser.principles.models import Principle
from barraiser.principles.services import active_principles, seed_default_catalog

AMAZON_NAMES = [
    "Customer Obsession",
    "Ownership",
    "Invent and Simplify",
    "Are Right, A Lot",
    "Learn and Be Curious",
    "Hire and Develop the Best",
    "Insist on the Highest Standards",
    "Think Big",
    "Bias for Action",
    "Frugality",
    "Earn Trust",
    "Dive Deep",
    "Have Backbone; Disagree and Commit",
    "Deliver Results",
    "Strive to be Earth's Best Employer",
    "Success and Scale Bring Broad Responsibility",
]


def _principle(name: str) -> Principle | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Principle).where(Principle.name == name))


def test_the_catalog_ships_amazons_sixteen_principles_by_name(app):
    assert [p.name for p in active_principles()] == AMAZON_NAMES
    assert all(description for _, description in DEFAULT_PRINCIPLES)


def test_seeding_again_adds_nothing_and_keeps_edits(app, clock):
    principle = _principle("Frugality")
    principle.description = "Our own words"
    db.session.commit()
    assert seed_default_catalog(now=clock()) == 0
    assert _principle("Frugality").description == "Our own words"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Principle)) == 16


def test_everyone_reads_the_catalog(login_as):
    page = login_as("interviewer").get("/principles/").get_data(as_text=True)
    assert "Have Backbone; Disagree and Commit" in page
    assert "Add a principle" not in page
    assert "Retire" not in page


def test_admin_adds_edits_retires_and_restores(login_as):
    admin = login_as("admin")
    assert (
        admin.post(
            "/principles/new", data={"name": "Write It Down", "description": "Memos"}
        ).status_code
        == 302
    )
    added = _principle("Write It Down")
    assert added.description == "Memos"
    admin.post(
        f"/principles/{added.id}", data={"name": "Write Things Down", "description": "Memos"}
    )
    assert _principle("Write Things Down") is not None
    admin.post(f"/principles/{added.id}/retire")
    retired = _principle("Write Things Down")
    assert retired.retired
    assert retired not in active_principles()
    assert "retired" in admin.get("/principles/").get_data(as_text=True)
    assert admin.post(f"/principles/{added.id}/retire").status_code == 409
    admin.post(f"/principles/{added.id}/restore")
    assert not _principle("Write Things Down").retired


def test_duplicate_name_is_refused_ignoring_case(login_as):
    response = login_as("admin").post("/principles/new", data={"name": "frugality"})
    assert response.status_code == 409
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Principle)) == 16


@pytest.mark.parametrize(
    "data", [{"name": ""}, {"name": "x" * 121}, {"name": "ok", "description": "y" * 501}]
)
def test_bad_principle_input_is_refused(login_as, data):
    response = login_as("admin").post("/principles/new", data=data)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Principle)) == 16


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "inspector", "interviewer"])
def test_only_admins_change_the_catalog(login_as, role):
    client = login_as(role)
    frugality = _principle("Frugality")
    assert client.post("/principles/new", data={"name": "Sneaky"}).status_code == 403
    assert client.post(f"/principles/{frugality.id}", data={"name": "Thrift"}).status_code == 403
    assert client.post(f"/principles/{frugality.id}/retire").status_code == 403
    assert not _principle("Frugality").retired
