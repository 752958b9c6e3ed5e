"""Requisitions and candidates through their pages and services."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import Role
from barraiser.candidates.models import Candidate
from barraiser.candidates.services import create_candidate
from barraiser.errors import Conflict, RuleViolation
from barraiser.extensions import db
from barraiser.principles.services import retire_principle
from barraiser.requisitions.models import Requisition, RequisitionStatus
from barraiser.requisitions.services import create_requisition, set_requisition_status


@pytest.fixture
def recruiter(org, login_as):
    return login_as(org.recruiter)


def _requisition_form(org, **changes) -> dict:
    data = {
        "title": "Staff Engineer",
        "level": "7",
        "department": "Payments",
        "hiring_manager_id": str(org.hiring_manager.id),
        "principle_ids": [str(p.id) for p in org.required[:2]],
    }
    data.update(changes)
    return data


def test_a_recruiter_opens_a_requisition(org, recruiter):
    response = recruiter.post("/requisitions/new", data=_requisition_form(org))
    assert response.status_code == 302
    requisition = db.session.scalars(
        sa.select(Requisition).where(Requisition.title == "Staff Engineer")
    ).one()
    assert [p.id for p in requisition.required_principles] == [p.id for p in org.required[:2]]
    page = recruiter.get(response.headers["Location"]).get_data(as_text=True)
    assert org.required[0].name in page
    assert "New loop for this role" in page


@pytest.mark.parametrize(
    ("changes", "field", "message", "status"),
    [
        ({"principle_ids": []}, "principle_ids", "Pick the principles every loop", 422),
        ({"principle_ids": ["999999"]}, "principle_ids", "is not a valid choice", 400),
        ({"level": "13"}, "level", "Number must be between 1 and 12", 400),
        ({"title": ""}, "title", "This field is required", 400),
        ({"hiring_manager_id": ""}, "hiring_manager_id", "Pick an active hiring manager", 422),
        ({"hiring_manager_id": "{panelist}"}, "hiring_manager_id", "is not a hiring manager", 422),
    ],
)
def test_a_requisition_form_refuses_what_is_wrong(
    org, recruiter, error_of, changes, field, message, status
):
    changes = {
        key: value.format(panelist=org.interviewers[0].id) if isinstance(value, str) else value
        for key, value in changes.items()
    }
    response = recruiter.post("/requisitions/new", data=_requisition_form(org, **changes))
    assert response.status_code == status
    assert message in error_of(response.get_data(as_text=True), field)


def test_only_active_principles_are_offered(org, recruiter, make_user, clock):
    retire_principle(org.spare[0], actor=make_user("a@example.com"), now=clock())
    db.session.commit()
    page = recruiter.get("/requisitions/new").get_data(as_text=True)
    assert org.spare[1].name in page
    assert org.spare[0].name not in page


def test_editing_a_requisition_records_what_changed(org, recruiter):
    url = f"/requisitions/{org.requisition.id}/edit"
    assert 'value="Senior Engineer"' in recruiter.get(url).get_data(as_text=True)
    response = recruiter.post(url, data=_requisition_form(org, title="Principal Engineer"))
    assert response.status_code == 302
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "requisition.updated")
    ).one()
    assert event.details["changes"]["title"] == ["Senior Engineer", "Principal Engineer"]


def test_closing_and_reopening_a_requisition(org, recruiter):
    url = f"/requisitions/{org.requisition.id}"
    assert recruiter.post(f"{url}/close").status_code == 302
    assert org.requisition.status is RequisitionStatus.CLOSED
    assert "New loop for this role" not in recruiter.get(url).get_data(as_text=True)
    assert recruiter.post(f"{url}/close").status_code == 409
    assert "Senior Engineer" not in recruiter.get("/requisitions/").get_data(as_text=True)
    listed = recruiter.get("/requisitions/?status=closed").get_data(as_text=True)
    assert "Senior Engineer" in listed
    assert recruiter.post(f"{url}/reopen").status_code == 302
    assert org.requisition.status is RequisitionStatus.OPEN


def test_a_hiring_manager_lists_only_their_requisitions(org, login_as, make_user, clock):
    other = make_user("olga@example.com", name="Olga", roles=(Role.HIRING_MANAGER,))
    create_requisition(
        title="Data Scientist",
        level=5,
        department="Analytics",
        hiring_manager_id=other.id,
        principle_ids=[org.required[0].id],
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    page = login_as(org.hiring_manager).get("/requisitions/").get_data(as_text=True)
    assert "Senior Engineer" in page
    assert "Data Scientist" not in page


def test_bad_list_filters_are_a_400(org, recruiter):
    assert recruiter.get("/requisitions/?status=sideways").status_code == 400
    assert recruiter.get("/loops/?state=limbo").status_code == 400
    assert recruiter.get("/loops/?page=abc").status_code == 200
    assert recruiter.get("/candidates/?q=%25_%5C").status_code == 200


def test_set_status_is_refused_when_unchanged(org, clock):
    with pytest.raises(Conflict):
        set_requisition_status(
            org.requisition, RequisitionStatus.OPEN, actor=org.recruiter, now=clock()
        )


# --- candidates --------------------------------------------------------------------------------


def test_a_recruiter_adds_a_candidate_and_finds_them(org, recruiter):
    response = recruiter.post(
        "/candidates/new",
        data={"name": "Alex Applicant", "email": "Alex@Example.org", "source": "agency"},
    )
    assert response.status_code == 302
    candidate = db.session.scalars(
        sa.select(Candidate).where(Candidate.name == "Alex Applicant")
    ).one()
    assert candidate.email == "alex@example.org"
    found = recruiter.get("/candidates/?q=alex").get_data(as_text=True)
    assert "Alex Applicant" in found and "Casey Candidate" not in found
    page = recruiter.get(f"/candidates/{candidate.id}").get_data(as_text=True)
    assert "New loop for this candidate" in page


def test_a_candidate_email_is_not_added_twice(org, recruiter, error_of):
    response = recruiter.post(
        "/candidates/new", data={"name": "Casey Again", "email": "casey@example.org"}
    )
    assert response.status_code == 409
    assert "already exists" in error_of(response.get_data(as_text=True), "email")


def test_candidate_audit_events_hold_no_personal_data(org, recruiter):
    recruiter.post(
        f"/candidates/{org.candidate.id}/edit",
        data={"name": "Casey C. Candidate", "email": "casey@example.org", "notes": "Secret"},
    )
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_type == "candidate")
    ).all()
    assert [e.action for e in events] == ["candidate.created", "candidate.updated"]
    assert events[1].details == {"fields": ["name", "notes"]}
    assert "Casey" not in str([e.details for e in events])


def test_a_candidate_needs_a_name(org, clock):
    with pytest.raises(RuleViolation):
        create_candidate(name=" ", email=None, source="", notes="", actor=None, now=clock())
