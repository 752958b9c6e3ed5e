"""The audit log reads as sentences with links to what each event is about, filters by who, what,
about what and when, and keeps a panel's votes sealed from an admin who sits on it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from barraiser.audit.services import record
from barraiser.auth.models import Role, UserRole
from barraiser.extensions import db


def events(page: str) -> str:
    return page[page.index('data-testid="audit-events"') :]


def test_events_read_as_sentences_with_links(make_loop, login_as, clock):
    built = make_loop()
    built.loop.candidate.name = "Earth's Finest"
    record(
        "loop.state_changed",
        actor=built.bar_raiser,
        subject=built.loop,
        now=clock(),
        from_state="scheduled",
        to_state="debrief",
    )
    record("user.updated", actor=None, subject=built.interviewers[1], now=clock(), name="Ana")
    db.session.commit()

    html = events(login_as("admin").get("/admin/audit/").get_data(as_text=True))

    loop = built.loop
    title = loop.requisition.title
    assert (
        f'<a href="/admin/users/{built.bar_raiser.id}">{built.bar_raiser.name}</a>\n      moved '
        f'<a href="/loops/{loop.id}">Earth&#39;s Finest&#39;s loop for {title}</a>'
        " from scheduled to debrief." in html
    )
    assert "\\u0027" not in html and "{&#34;" not in html  # no JSON
    assert (
        f'The system\n      updated the account of <a href="/admin/users/'
        f'{built.interviewers[1].id}">' in html
    )
    assert f'href="/admin/audit/?subject_type=loop&amp;subject_id={loop.id}"' in html


def test_the_log_filters_by_who_what_about_what_and_when(make_loop, login_as, clock):
    built = make_loop()
    record("debrief.opened", actor=built.bar_raiser, subject=built.loop, now=clock(), early=False)
    clock.advance(days=3)
    record("loop.state_changed", actor=built.bar_raiser, subject=built.loop, now=clock())
    db.session.commit()
    today = clock().date()
    admin = login_as("admin")  # signed in after the days passed: sessions end

    def sentences(query: str) -> int:
        response = admin.get(f"/admin/audit/?{query}")
        assert response.status_code == 200, query
        return events(response.get_data(as_text=True)).count('data-testid="sentence"')

    everything = sentences("")
    assert everything > 2
    assert sentences(f"actor={built.bar_raiser.email[:4].upper()}") == 2
    assert sentences(f"actor_id={built.bar_raiser.id}&action=debrief.") == 1
    assert sentences(f"subject_type=loop&subject_id={built.loop.id}") >= 2
    assert sentences(f"since={today}&subject_type=loop") == 1
    assert sentences(f"until={today - timedelta(days=1)}&action=loop.state") == 0
    for bad in (
        "since=yesterday",
        "until=2026-02-30",
        "actor_id=x",
        "since=2026-03-05&until=2026-03-01",
    ):
        response = admin.get(f"/admin/audit/?{bad}")
        assert response.status_code == 400, bad


@pytest.mark.parametrize(
    "roles",
    [
        (Role.ADMIN,),
        (Role.ADMIN, Role.INSPECTOR),
        (Role.ADMIN, Role.RECRUITER),
        (Role.ADMIN, Role.HIRING_MANAGER),
    ],
)
def test_an_admin_on_a_panel_in_flight_reads_no_vote_or_proposal(make_loop, login_as, clock, roles):
    built = make_loop()
    reader = built.interviewers[1]
    reader.role_rows.extend(UserRole(role=role) for role in roles)
    record(
        "debrief.final_vote_cast",
        actor=built.interviewers[2],
        subject=built.loop,
        now=clock(),
        written="strong_no_hire",
        final="inclined_hire",
        changed=True,
    )
    record(
        "debrief.proposed", actor=built.hiring_manager, subject=built.loop, now=clock(),
        decision="no_hire",
    )  # fmt: skip
    db.session.commit()
    client = login_as(reader)
    for query in ("", f"?subject_type=loop&subject_id={built.loop.id}", "?action=debrief."):
        html = client.get(f"/admin/audit/{query}").get_data(as_text=True)
        assert "made the proposal on" in html
        for leak in ("no hire", "no_hire", "inclined hire", "inclined_hire"):
            assert leak not in events(html), (query, leak)
