"""The report's metrics are reused while the data is unchanged, and rebuilt the moment it
changes, whichever way it changed."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from calibration.report_data import (
    add_loops_for_the_model,
    build_history,
    not_built,
    servers_sharing_redis,
)

from barraiser import create_app
from barraiser.auth.models import Role, UserRole
from barraiser.calibration import cache
from barraiser.calibration import report as report_module
from barraiser.calibration.actions import create_action
from barraiser.calibration.forms import parse_filters
from barraiser.calibration.queries import ReportFilters
from barraiser.calibration.report import calibration_report, calibration_report_json
from barraiser.domain import Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.requisitions.models import Requisition
from barraiser.settings.services import change_settings, current_settings

TODAY = date(2026, 3, 2)
LAST_90_DAYS = ReportFilters(since=TODAY - timedelta(days=89), until=TODAY)


@pytest.fixture
def cached(app):
    cache.clear()
    app.config["CALIBRATION_CACHE_SECONDS"] = 300
    yield
    app.config["CALIBRATION_CACHE_SECONDS"] = 0
    cache.clear()


@pytest.fixture
def history(make_loop, clock):
    return build_history(make_loop, clock())


def _interviewer(report, email):
    return next(row for row in report["interviewers"] if row["email"] == email)


def _change_a_vote(history) -> None:
    """Panelist 1's vote changed straight in the table, with no audit event: as a bulk import
    or a hand-made fix would leave it."""
    feedback = db.session.scalars(
        sa.select(Feedback).where(Feedback.author_id == history.panelist(1).id)
    ).first()
    feedback.vote = Vote.STRONG_NO_HIRE
    feedback.version += 1
    db.session.commit()


def test_an_unchanged_report_is_not_built_again(cached, history, clock, count_queries):
    with count_queries() as first:
        built = calibration_report(LAST_90_DAYS, now=clock())
    with count_queries() as second:
        reused = calibration_report(LAST_90_DAYS, now=clock())
    assert reused == built
    assert second.count < first.count
    # The model's parts are kept with the rest: the reused report has them as built.
    for part in ("model", "reliability", "trends"):
        assert reused[part] == built[part]
    assert all("leniency_adjusted" in row for row in reused["interviewers"])


def test_the_model_is_rebuilt_when_the_data_changes(cached, history, make_loop, clock):
    # Too few loops: no model. With enough more decided loops, the next report fits one.
    assert calibration_report(LAST_90_DAYS, now=clock())["model"]["fitted"] is False
    add_loops_for_the_model(make_loop, clock())
    report = calibration_report(LAST_90_DAYS, now=clock())
    assert report["model"]["fitted"] is True
    assert report["reliability"]["components"] is not None


def test_callers_get_their_own_copy(cached, history, clock):
    first = calibration_report(LAST_90_DAYS, now=clock())
    first["interviewers"].clear()
    assert calibration_report(LAST_90_DAYS, now=clock())["interviewers"]


def test_a_change_written_straight_to_the_tables_rebuilds_it(cached, history, clock):
    email = history.panelist(1).email
    before = _interviewer(calibration_report(LAST_90_DAYS, now=clock()), email)
    _change_a_vote(history)
    after = _interviewer(calibration_report(LAST_90_DAYS, now=clock()), email)
    assert after["votes"] != before["votes"]


def test_a_settings_change_rebuilds_it(cached, history, clock, make_user):
    report = calibration_report(LAST_90_DAYS, now=clock())
    assert report["flag_settings"]["min_n"] == 5
    admin = make_user("admin@example.com")
    change_settings(current_settings().replace(flag_min_n=2), actor=admin, now=clock())
    db.session.commit()
    assert calibration_report(LAST_90_DAYS, now=clock())["flag_settings"]["min_n"] == 2


def test_other_filters_are_other_entries(cached, history, clock):
    whole = calibration_report(LAST_90_DAYS, now=clock())
    narrow = ReportFilters(since=TODAY - timedelta(days=7), until=TODAY)
    assert calibration_report(narrow, now=clock())["loops"] < whole["loops"]


def test_two_servers_on_one_database_never_serve_a_stale_report(app, cached, history, clock):
    """Each server (app) keeps its own cache; a change made through one is in the next report
    of the other."""
    panelist = history.panelist(1)
    email, author_id = panelist.email, panelist.id
    before = _interviewer(calibration_report(LAST_90_DAYS, now=clock()), email)
    db.session.commit()  # SQLite: this server holds no lock while the other writes
    other = create_app(
        {
            key: app.config[key]
            for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "CLOCK")
        }
        | {"CALIBRATION_CACHE_SECONDS": 300}
    )
    with other.app_context():
        assert _interviewer(calibration_report(LAST_90_DAYS, now=clock()), email) == before
        feedback = db.session.scalars(
            sa.select(Feedback).where(Feedback.author_id == author_id)
        ).first()
        feedback.vote = Vote.STRONG_NO_HIRE
        feedback.version += 1
        db.session.commit()
        on_the_other = _interviewer(calibration_report(LAST_90_DAYS, now=clock()), email)
        db.session.commit()
        assert other.extensions[cache.EXTENSION] is not app.extensions[cache.EXTENSION]
        db.engine.dispose()

    here = _interviewer(calibration_report(LAST_90_DAYS, now=clock()), email)

    assert here["votes"] != before["votes"]
    assert here == on_the_other


# -- the JSON download ----------------------------------------------------------------------------


@pytest.fixture
def encodings(monkeypatch) -> list[str]:
    """Each time a report's metrics are turned into JSON (the per-request part not counted)."""
    made: list[str] = []
    encode = cache.as_json

    def counted(report):
        if "interviewers" in report:
            made.append("metrics")
        return encode(report)

    monkeypatch.setattr(cache, "as_json", counted)
    return made


@pytest.mark.parametrize("seconds", [300, 0], ids=["cached", "not-cached"])
def test_the_json_download_is_the_report_value_for_value(app, history, clock, seconds):
    cache.clear()
    app.config["CALIBRATION_CACHE_SECONDS"] = seconds
    try:
        for _ in range(2):  # built (or read from the cache), then read again
            text = calibration_report_json(LAST_90_DAYS, now=clock())
            assert json.loads(text) == calibration_report(LAST_90_DAYS, now=clock())
    finally:
        app.config["CALIBRATION_CACHE_SECONDS"] = 0
        cache.clear()


def test_a_cached_report_is_turned_into_json_once_and_again_after_a_change(
    cached, history, clock, encodings, make_user
):
    email = history.panelist(1).email
    owner = make_user("owner@example.com", roles=(Role.INSPECTOR,))
    # Built for the page (no JSON yet), then downloaded twice: encoded at the first only.
    page = calibration_report(LAST_90_DAYS, now=clock())
    assert encodings == []
    first = json.loads(calibration_report_json(LAST_90_DAYS, now=clock()))
    again = json.loads(calibration_report_json(LAST_90_DAYS, now=clock()))
    assert encodings == ["metrics"] and again == first == page
    # An action opened: not the report's data, yet the next download has it.
    create_action(
        subject_email=email,
        reason="Leniency",
        owner_id=owner.id,
        due_on=TODAY + timedelta(days=7),
        actor=owner,
        now=clock(),
    )
    db.session.commit()
    with_action = json.loads(calibration_report_json(LAST_90_DAYS, now=clock()))
    assert [a["subject_email"] for a in with_action["open_actions"]] == [email]
    assert encodings == ["metrics"]
    # A vote changed: the report's data. Built and encoded again, with the change.
    _change_a_vote(history)
    changed = json.loads(calibration_report_json(LAST_90_DAYS, now=clock()))
    assert encodings == ["metrics", "metrics"]
    assert _interviewer(changed, email)["votes"] != _interviewer(first, email)["votes"]


def test_another_server_serves_the_json_a_shared_redis_holds_as_it_is(
    app, history, clock, encodings, monkeypatch
):
    """The JSON a server stored in the shared Redis is what another serves: neither built nor
    encoded again there."""
    config = servers_sharing_redis(app)
    filters = ReportFilters(
        since=date(2000, 1, 1) + timedelta(days=uuid.uuid4().int % 5000), until=TODAY
    )
    db.session.commit()
    first, second = create_app(config), create_app(config)

    def download(server) -> bytes:
        with server.app_context():
            text = calibration_report_json(filters, now=clock())
            db.session.commit()
            db.engine.dispose()
        return text

    built = download(first)
    assert encodings == ["metrics"]
    monkeypatch.setattr(report_module, "fetch_rows", not_built)
    served = download(second)
    assert encodings == ["metrics"]
    assert json.loads(served) == json.loads(built)


def test_a_mechanism_change_is_in_the_next_report(cached, history, clock, make_user):
    """The mechanism's changes are kept with the metrics: a setting changed, and the name of
    whoever changed it, are in the very next report."""
    admin = make_user("admin@example.com", name="Ada Admin", roles=(Role.ADMIN,))
    before = calibration_report(LAST_90_DAYS, now=clock())["mechanism_changes"]
    change_settings(current_settings().replace(flag_min_n=2), actor=admin, now=clock())
    db.session.commit()
    after = calibration_report(LAST_90_DAYS, now=clock())["mechanism_changes"]
    assert len(after) == len(before) + 1
    assert after[-1]["action"] == "setting.changed"
    assert after[-1]["actor"] == "Ada Admin"
    admin.name = "Ada Lovelace"
    db.session.commit()
    renamed = calibration_report(LAST_90_DAYS, now=clock())["mechanism_changes"]
    assert renamed[-1]["actor"] == "Ada Lovelace"
    assert renamed[:-1] == before


PAGE = f"/calibration?since={LAST_90_DAYS.since}&until={LAST_90_DAYS.until}"


def test_a_page_of_an_unchanged_report_reads_the_counter_once_and_nothing_it_derives(
    cached, history, login_as, count_queries
):
    """Seen again while the data is unchanged, the page reads the change counter once (for its
    filter form and its report alike), and neither the filter's choices (requisitions,
    departments), the mechanism's changes (the audit log) nor the ids of the people it links to
    again: only what is the request's own (the login, the open actions)."""
    client = login_as("admin")
    assert client.get(PAGE).status_code == 200
    with count_queries() as counted:
        page = client.get(PAGE)
    assert page.status_code == 200
    statements = [statement.lower() for statement in counted.statements]
    assert sum("change_counter" in statement for statement in statements) == 1
    assert not any("requisition" in statement for statement in statements)
    assert not any("audit_event" in statement for statement in statements)
    assert not any("email in (" in statement for statement in statements)
    assert 'href="/calibration/interviewers/' in page.get_data(as_text=True)


def test_the_filters_choices_follow_the_data_at_once(cached, history, make_loop, login_as, clock):
    client = login_as("admin")
    page = client.get(PAGE).get_data(as_text=True)
    assert ">Growth</option>" not in page and "Staff Engineer" not in page
    requisition = history.loops["L1"].loop.requisition
    requisition.department = "Growth"
    db.session.commit()
    assert ">Growth</option>" in client.get(PAGE).get_data(as_text=True)
    newcomer = make_loop(starts_at=clock() - timedelta(days=3), tag=" (Staff)")
    newcomer.loop.requisition.title = "Staff Engineer"
    db.session.commit()
    assert f"Staff Engineer · Payments (#{newcomer.loop.requisition.id})" in client.get(
        PAGE
    ).get_data(as_text=True)


def test_two_servers_never_offer_stale_filter_choices(app, cached, history, clock):
    """Each server keeps the filter's choices in its own memory, read again once the report's
    data has changed through any server."""

    def departments() -> list[str]:
        parsed = parse_filters({}, today=TODAY)
        return [choice[0] for choice in parsed.form.department.iter_choices()]

    requisition_id = history.loops["L1"].loop.requisition.id
    assert "Growth" not in departments()
    db.session.commit()  # SQLite: this server holds no lock (nor a snapshot) while the other writes
    other = create_app(
        {
            key: app.config[key]
            for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "CLOCK")
        }
        | {"CALIBRATION_CACHE_SECONDS": 300}
    )
    with other.app_context():
        assert "Growth" not in departments()
        db.session.get(Requisition, requisition_id).department = "Growth"
        db.session.commit()
        assert "Growth" in departments()
        assert cache.small_store(other) is not cache.small_store(app)
        db.session.commit()
        db.engine.dispose()

    assert "Growth" in departments()


def _page(client, url: str = PAGE) -> str:
    """The page as a person reads it, less the moment it was drawn and the form's token."""
    response = client.get(url)
    assert response.status_code == 200
    text = re.sub(r"Generated [0-9: -]+ UTC", "Generated", response.get_data(as_text=True))
    return re.sub(r'name="csrf_token"[^>]*>', "", text)


SORTED = f"{PAGE}&sort=interviewers.name&dir=desc"


@pytest.mark.parametrize("url", [PAGE, SORTED, f"{PAGE}&page=2&br_page=x"])
def test_a_kept_report_page_is_the_page_drawn_afresh(app, cached, history, login_as, url):
    """The report's markup is kept while its data is unchanged: seen again, sorted, paged, by
    an admin who inspects and by an inspector who is nothing else, it is what drawing it afresh
    (no cache) gives."""
    admin, inspector = login_as("admin"), login_as("inspector")
    kept = [_page(client, url) for client in (admin, inspector, admin, inspector)]
    app.config["CALIBRATION_CACHE_SECONDS"] = 0
    fresh = [_page(client, url) for client in (admin, inspector)]
    assert kept == fresh * 2
    assert "change them" in fresh[0] and "change them" not in fresh[1]


@pytest.mark.parametrize("first", ["admin", "inspector"])
def test_who_may_change_the_settings_is_not_kept_for_anyone_else(
    cached, history, login_as, make_user, first
):
    """The report page links to the settings for those who may change them: whichever of two
    inspectors loads the page first, the other sees their own (a panelist who is also an admin
    and an inspector sees the link; an inspector who interviews, not)."""
    clients = {
        "admin": login_as(
            make_user("admin.inspector@example.com", roles=(Role.ADMIN, Role.INSPECTOR))
        ),
        "inspector": login_as(history.panelist(2)),
    }
    history.panelist(2).role_rows.append(UserRole(role=Role.INSPECTOR))
    db.session.commit()
    order = [first, *(role for role in clients if role != first)]
    seen = {role: _page(clients[role]) for role in order}
    assert "change them</a>" in seen["admin"]
    assert "change them</a>" not in seen["inspector"]


def test_an_action_opened_and_a_changed_vote_show_on_the_kept_page_at_once(
    cached, history, login_as, clock, make_user
):
    admin = make_user("admin@example.com", roles=(Role.ADMIN, Role.INSPECTOR))
    # Every interviewer whose votes ever went against the decision is flagged for agreement.
    change_settings(
        current_settings().replace(flag_min_n=1, flag_agreement_floor=1.0),
        actor=admin,
        now=clock(),
    )
    db.session.commit()
    client = login_as(admin)
    before = _page(client, SORTED)
    flagged = re.search(r'href="/calibration/actions/new\?subject=([^&"]+)', before)
    assert flagged, "the history has a flagged interviewer"
    subject = flagged.group(1).replace("%40", "@")
    assert "Action #" not in before
    action = create_action(
        subject_email=subject,
        reason="Leniency",
        owner_id=admin.id,
        due_on=TODAY + timedelta(days=14),
        actor=admin,
        now=clock(),
    )
    db.session.commit()
    after = _page(client, SORTED)
    assert f"Action #{action.id}" in after
    _change_a_vote(history)
    assert _page(client, SORTED) != after
