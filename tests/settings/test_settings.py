"""Admins change the mechanism's settings; every change is kept in its history."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.extensions import db
from barraiser.settings.services import current_settings, get_setting

FORM = {"feedback_deadline_hours": "24", "min_evidence_words": "30", "allow_principle_overlap": ""}
# The calibration flag thresholds (barraiser/calibration/flags.py), at their defaults.
FLAG_DEFAULTS = {
    "flag_min_n": 5,
    "flag_leniency_threshold": 0.5,
    "flag_agreement_floor": 0.5,
    "flag_agreement_z": 2.0,
}
FORM |= {key: str(value) for key, value in FLAG_DEFAULTS.items()}


def test_defaults_apply_until_changed(app):
    assert current_settings() == {
        "feedback_deadline_hours": 24,
        "min_evidence_words": 30,
        "allow_principle_overlap": False,
        **FLAG_DEFAULTS,
    }


def test_changing_the_deadline_is_recorded_with_old_and_new(login_as):
    admin = login_as("admin")
    response = admin.post("/admin/settings/", data={**FORM, "feedback_deadline_hours": "48"})
    assert response.status_code == 302
    assert get_setting("feedback_deadline_hours") == 48
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "setting.changed"))
    assert event.details == {"key": "feedback_deadline_hours", "old": 24, "new": 48}
    assert event.actor_id == admin.user.id
    page = admin.get("/admin/settings/").get_data(as_text=True)
    assert "Feedback deadline" in page and "48" in page


def test_saving_unchanged_settings_records_nothing(login_as):
    login_as("admin").post("/admin/settings/", data=FORM)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "setting.changed")
        )
        == 0
    )


def test_overlap_can_be_switched_on(login_as):
    login_as("admin").post("/admin/settings/", data={**FORM, "allow_principle_overlap": "y"})
    assert get_setting("allow_principle_overlap") is True


@pytest.mark.parametrize(
    "change",
    [
        {"feedback_deadline_hours": "0"},
        {"feedback_deadline_hours": "a day"},
        {"min_evidence_words": "-1"},
        {"feedback_deadline_hours": "10000"},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(login_as, change):
    response = login_as("admin").post("/admin/settings/", data={**FORM, **change})
    assert response.status_code == 400
    assert current_settings()["feedback_deadline_hours"] == 24
    assert current_settings()["min_evidence_words"] == 30


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "inspector", "bar_raiser"])
def test_only_admins_change_settings(login_as, role):
    response = login_as(role).post(
        "/admin/settings/", data={**FORM, "feedback_deadline_hours": "1"}
    )
    assert response.status_code == 403
    assert get_setting("feedback_deadline_hours") == 24
