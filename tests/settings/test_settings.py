"""Admins change the mechanism's settings; every change is kept in its history. The settings are
one typed value (`MechanismSettings`), read in one query; the form is made from its fields."""

from __future__ import annotations

import dataclasses
import re
import threading

import pytest
import sqlalchemy as sa
from concurrency import race
from markupsafe import escape

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import User
from barraiser.calibration.flags import FlagSettings
from barraiser.extensions import db
from barraiser.settings.forms import SettingsForm
from barraiser.settings.mechanism import DEFAULTS, SETTINGS, MechanismSettings, SettingError
from barraiser.settings.models import MechanismSetting
from barraiser.settings.services import change_settings, current_settings

FORM = {"feedback_deadline_hours": "24", "min_evidence_words": "30", "allow_principle_overlap": ""}
# The calibration flag thresholds (barraiser/calibration/flags.py), at their defaults.
FLAG_DEFAULTS = {
    "flag_min_n": 5,
    "flag_leniency_threshold": 0.5,
    "flag_agreement_floor": 0.5,
    "flag_agreement_z": 2.0,
    "flag_min_effect": 0.25,
}
# The reviews' cadence and the candidates' survey (barraiser/reviews, barraiser/surveys).
REVIEW_DEFAULTS = {
    "review_cadence_months": 1,
    "candidate_survey": False,
    "candidate_survey_days": 14,
}
FORM |= {key: str(value) for key, value in FLAG_DEFAULTS.items()}
FORM |= {"review_cadence_months": "1", "candidate_survey": "", "candidate_survey_days": "14"}
# Certification thresholds and the months after which a hire's rating falls due.
PEOPLE_DEFAULTS = {
    "certification_loops_shadowed": 3,
    "certification_loops_led": 2,
    "performance_first_rating_months": 6,
    "performance_second_rating_months": 12,
}
FORM |= {key: str(value) for key, value in PEOPLE_DEFAULTS.items()}
FORM |= {"min_panel_size": "4", "time_zone": "UTC"}
# A value other than the default for every setting, each of its setting's type.
CHANGED = {
    "feedback_deadline_hours": 48,
    "min_evidence_words": 12,
    "allow_principle_overlap": True,
    "certification_loops_shadowed": 5,
    "certification_loops_led": 3,
    "performance_first_rating_months": 3,
    "performance_second_rating_months": 9,
    "flag_min_n": 8,
    "flag_leniency_threshold": 0.75,
    "flag_agreement_floor": 0.4,
    "flag_agreement_z": 2.5,
    "flag_min_effect": 0.4,
    "review_cadence_months": 3,
    "candidate_survey": True,
    "candidate_survey_days": 7,
    "min_panel_size": 5,
    "time_zone": "Europe/Berlin",
}


def _changes_recorded() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "setting.changed")
            .order_by(AuditEvent.id)
        )
    )


def test_defaults_apply_until_changed(app):
    settings = current_settings()
    assert dataclasses.asdict(settings) == {
        "feedback_deadline_hours": 24,
        "min_evidence_words": 30,
        "allow_principle_overlap": False,
        **FLAG_DEFAULTS,
        **REVIEW_DEFAULTS,
        **PEOPLE_DEFAULTS,
        "min_panel_size": 4,
        "time_zone": "UTC",
    }
    assert settings == DEFAULTS == MechanismSettings()


def test_every_setting_is_tested_here(app):
    assert list(CHANGED) == list(SETTINGS) == [f.name for f in dataclasses.fields(DEFAULTS)]
    assert set(FORM) == set(SETTINGS)


def test_the_flag_rule_takes_its_defaults_from_the_settings():
    assert FlagSettings() == FlagSettings(
        min_n=DEFAULTS.flag_min_n,
        leniency_threshold=DEFAULTS.flag_leniency_threshold,
        agreement_floor=DEFAULTS.flag_agreement_floor,
        agreement_z=DEFAULTS.flag_agreement_z,
        min_effect=DEFAULTS.flag_min_effect,
    )


def test_a_deployment_sets_the_default_deadline_until_an_admin_changes_it(
    app, monkeypatch, user_in_role, clock
):
    monkeypatch.setitem(app.config, "FEEDBACK_DEADLINE_HOURS", 36)
    assert current_settings().feedback_deadline_hours == 36
    admin = user_in_role("admin")
    raised = current_settings().replace(feedback_deadline_hours=40)
    change_settings(raised, actor=admin, now=clock())
    assert current_settings().feedback_deadline_hours == 40
    assert _changes_recorded()[0].details == {
        "key": "feedback_deadline_hours",
        "old": 36,
        "new": 40,
    }


def test_settings_are_read_in_one_query(app, user_in_role, clock, count_queries):
    change_settings(
        current_settings().replace(flag_min_n=7, allow_principle_overlap=True),
        actor=user_in_role("admin"),
        now=clock(),
    )
    db.session.commit()
    with count_queries() as counted:
        settings = current_settings()
    assert counted.count == 1
    assert (settings.flag_min_n, settings.allow_principle_overlap) == (7, True)


def test_a_page_reads_the_settings_once_however_many_parts_ask(
    app, user_in_role, clock, count_queries
):
    """One query per transaction: the home page's parts and the layout's time zone all ask."""
    db.session.commit()
    with count_queries() as counted:
        first, second = current_settings(), current_settings()
    assert counted.count == 1 and first is second


def test_a_change_is_read_back_in_its_own_transaction_and_by_the_next(app, user_in_role, clock):
    admin = user_in_role("admin")
    assert current_settings().flag_min_n == 5
    change_settings(current_settings().replace(flag_min_n=9), actor=admin, now=clock())
    assert current_settings().flag_min_n == 9
    db.session.rollback()
    assert current_settings().flag_min_n == 5  # rolled back: the old value again


def test_a_change_committed_elsewhere_is_read_by_the_next_transaction(app, user_in_role, clock):
    admin_id = user_in_role("admin").id
    db.session.commit()
    assert current_settings().feedback_deadline_hours == 24
    db.session.commit()  # this transaction ends; another worker changes the settings meanwhile

    def elsewhere():
        with app.app_context():
            admin = db.session.get(User, admin_id)
            change_settings(
                current_settings().replace(feedback_deadline_hours=12), actor=admin, now=clock()
            )
            db.session.commit()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert current_settings().feedback_deadline_hours == 12


def test_settings_round_trip_typed(app, user_in_role, clock):
    admin = user_in_role("admin")
    changed = change_settings(MechanismSettings(**CHANGED), actor=admin, now=clock())
    assert changed == list(SETTINGS)
    db.session.commit()
    db.session.expire_all()
    settings = current_settings()
    assert dataclasses.asdict(settings) == CHANGED
    for key, setting in SETTINGS.items():
        assert type(getattr(settings, key)) is setting.kind, key


def test_a_whole_number_for_a_fractional_setting_is_read_as_a_float(app, clock):
    # As JSON may store it: 3, not 3.0.
    db.session.add(MechanismSetting(key="flag_agreement_z", value=3, updated_at=clock()))
    db.session.commit()
    db.session.expire_all()
    settings = current_settings()
    assert settings.flag_agreement_z == 3.0 and type(settings.flag_agreement_z) is float
    assert type(MechanismSettings(flag_leniency_threshold=1).flag_leniency_threshold) is float


def test_each_change_is_recorded_with_its_old_and_new_value(app, user_in_role, clock):
    admin = user_in_role("admin")
    first = change_settings(
        current_settings().replace(feedback_deadline_hours=48, flag_agreement_z=3.0),
        actor=admin,
        now=clock(),
    )
    later = clock.advance(hours=1)
    second = change_settings(
        current_settings().replace(flag_agreement_z=2.5), actor=admin, now=later
    )
    db.session.commit()
    assert first == ["feedback_deadline_hours", "flag_agreement_z"]
    assert second == ["flag_agreement_z"]
    assert [(event.details, event.actor_id) for event in _changes_recorded()] == [
        ({"key": "feedback_deadline_hours", "old": 24, "new": 48}, admin.id),
        ({"key": "flag_agreement_z", "old": 2.0, "new": 3.0}, admin.id),
        ({"key": "flag_agreement_z", "old": 3.0, "new": 2.5}, admin.id),
    ]
    rows = {row.key: row for row in db.session.scalars(sa.select(MechanismSetting))}
    assert set(rows) == {"feedback_deadline_hours", "flag_agreement_z"}  # only what changed
    assert rows["flag_agreement_z"].updated_at == later
    assert rows["feedback_deadline_hours"].updated_at != later
    assert rows["flag_agreement_z"].updated_by_id == admin.id


def test_unchanged_settings_write_and_record_nothing(app, user_in_role, clock):
    assert change_settings(current_settings(), actor=user_in_role("admin"), now=clock()) == []
    assert _changes_recorded() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MechanismSetting)) == 0


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("feedback_deadline_hours", 0),
        ("feedback_deadline_hours", 337),
        ("feedback_deadline_hours", 24.0),
        ("feedback_deadline_hours", "24"),
        ("feedback_deadline_hours", None),
        ("feedback_deadline_hours", True),
        ("min_evidence_words", -1),
        ("allow_principle_overlap", 1),
        ("allow_principle_overlap", "yes"),
        ("flag_leniency_threshold", float("nan")),
        ("flag_leniency_threshold", float("inf")),
        ("flag_leniency_threshold", 0.01),
        ("flag_agreement_floor", 1.5),
        ("flag_agreement_z", "2"),
        ("flag_min_n", 0),
        ("flag_min_effect", -0.1),
        ("flag_min_effect", 3.5),
    ],
)
def test_settings_refuse_what_a_setting_cannot_take(key, value):
    with pytest.raises(SettingError, match=re.escape(SETTINGS[key].label)) as refused:
        DEFAULTS.replace(**{key: value})
    assert refused.value.key == key


def test_the_form_has_one_field_per_setting(app):
    with app.test_request_context():
        form = SettingsForm()
    fields = {name: form[name] for name in form._fields if name not in ("submit", "csrf_token")}
    assert list(fields) == [field.name for field in dataclasses.fields(MechanismSettings)]
    for key, setting in SETTINGS.items():
        assert fields[key].label.text == setting.label
        assert fields[key].description == setting.help


def test_the_page_shows_each_setting_with_its_value_label_and_help(login_as, clock):
    admin = login_as("admin")
    change_settings(
        current_settings().replace(flag_leniency_threshold=1.25), actor=admin.user, now=clock()
    )
    page = admin.get("/admin/settings/").get_data(as_text=True)
    for key, setting in SETTINGS.items():
        assert page.count(f'name="{key}"') == 1, key
        assert setting.label in page
        assert str(escape(setting.help)) in page
    deadline = 'max="336" min="1" name="feedback_deadline_hours" required type="number" value="24"'
    assert deadline in page
    assert 'name="flag_leniency_threshold" required step="any" type="number" value="1.25"' in page
    # The history names the setting by its label.
    assert "<td>Flags: leniency threshold (vote points)</td><td>0.5</td><td>1.25</td>" in page


def test_changing_the_deadline_is_recorded_with_old_and_new(login_as):
    admin = login_as("admin")
    response = admin.post("/admin/settings/", data={**FORM, "feedback_deadline_hours": "48"})
    assert response.status_code == 302
    assert current_settings().feedback_deadline_hours == 48
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "setting.changed"))
    assert event.details == {"key": "feedback_deadline_hours", "old": 24, "new": 48}
    assert event.actor_id == admin.user.id
    page = admin.get("/admin/settings/").get_data(as_text=True)
    assert "Feedback deadline" in page and "48" in page


def test_every_setting_can_be_changed_on_the_page(login_as):
    admin = login_as("admin")
    form = {key: "y" if value is True else str(value) for key, value in CHANGED.items()}
    response = admin.post("/admin/settings/", data=form, follow_redirects=True)
    assert "Settings saved." in response.get_data(as_text=True)
    assert dataclasses.asdict(current_settings()) == CHANGED
    assert [event.details["key"] for event in _changes_recorded()] == list(SETTINGS)


def test_saving_unchanged_settings_records_nothing(login_as):
    response = login_as("admin").post("/admin/settings/", data=FORM, follow_redirects=True)
    assert "Nothing changed." in response.get_data(as_text=True)
    assert _changes_recorded() == []


def test_overlap_can_be_switched_on(login_as):
    login_as("admin").post("/admin/settings/", data={**FORM, "allow_principle_overlap": "y"})
    assert current_settings().allow_principle_overlap is True


def _bad_inputs() -> list[tuple[str, str | None, str]]:
    """(setting, what is sent — None: nothing —, the message shown) for each setting and each way
    a number box can be wrong."""
    cases: list[tuple[str, str | None, str]] = []
    for key, setting in SETTINGS.items():
        if setting.kind is bool:
            continue
        message = f"Enter {setting.expected}."
        if setting.kind is str:  # the organisation's time zone: a name zoneinfo knows
            for sent in ["Mars/Olympus_Mons", "utc ", "Europe/Berlin/", "", None]:
                cases.append((key, sent, message))
            continue
        assert setting.minimum is not None and setting.maximum is not None
        below = setting.minimum - (1 if setting.kind is int else 0.01)
        above = setting.maximum + (1 if setting.kind is int else 0.01)
        wrong = ["a day", "1.5"] if setting.kind is int else ["a day", "nan", "inf"]
        for sent in [f"{below:g}", f"{above:g}", *wrong, "", "   ", None]:
            cases.append((key, sent, message))
    return cases


@pytest.mark.parametrize(
    ("key", "sent", "message"),
    _bad_inputs(),
    ids=[f"{key}={sent!r}" for key, sent, _ in _bad_inputs()],
)
def test_bad_settings_are_shown_again_with_the_reason_and_change_nothing(
    login_as, key, sent, message
):
    form = {**FORM, "allow_principle_overlap": "y", "min_evidence_words": "10", key: sent}
    if sent is None:
        del form[key]
    if key == "min_evidence_words":
        form["feedback_deadline_hours"] = "30"
    response = login_as("admin").post("/admin/settings/", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please fix the problem marked below." in page
    # The reason, once, under the setting it is about; what was sent is kept in the box.
    assert page.count(message) == 1
    assert f'<div id="{key}-errors" class="invalid-feedback d-block">{message}</div>' in page
    if sent and SETTINGS[key].kind is not str:  # a zone is picked from a list, not typed
        assert f'value="{sent}"' in page
    # Nothing stored, not even the other settings sent with it.
    assert current_settings() == DEFAULTS
    assert _changes_recorded() == []


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "inspector", "bar_raiser"])
def test_only_admins_change_settings(login_as, role):
    response = login_as(role).post(
        "/admin/settings/", data={**FORM, "feedback_deadline_hours": "1"}
    )
    assert response.status_code == 403
    assert current_settings().feedback_deadline_hours == 24


def test_two_admins_saving_at_once_change_the_settings_one_after_the_other(
    app, user_in_role, clock
):
    admin = user_in_role("admin")
    change_settings(current_settings().replace(flag_min_n=6), actor=admin, now=clock())
    admin_id, now = admin.id, clock()
    # On PostgreSQL both read before either saves. SQLite runs each transaction whole, one after
    # the other (BEGIN IMMEDIATE), so there the second cannot read until the first has saved.
    both_read = threading.Barrier(2 if db.engine.dialect.name == "postgresql" else 1)

    def save(flag_min_n: int):
        def attempt() -> list[str]:
            # As the page does: read the settings (for the form), then save.
            new = current_settings().replace(flag_min_n=flag_min_n)
            both_read.wait(timeout=30)
            return change_settings(new, actor=db.session.get(User, admin_id), now=now)

        return attempt

    assert race(app, save(7), save(8)) == [["flag_min_n"], ["flag_min_n"]]
    db.session.expire_all()
    changes = [(e.details["old"], e.details["new"]) for e in _changes_recorded()]
    # Each save saw the one before it: the history is a chain, whichever went first.
    assert changes in ([(5, 6), (6, 7), (7, 8)], [(5, 6), (6, 8), (8, 7)])
    assert current_settings().flag_min_n == changes[-1][1]
