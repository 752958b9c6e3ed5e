"""List pages, the loop page and the home page run a fixed number of SQL queries, whatever the panel
size or the number of loops shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from barraiser.audit.services import record
from barraiser.extensions import db


def _queries(client, url, count_queries) -> int:
    with count_queries() as counted:
        response = client.get(url)
    assert response.status_code == 200, url
    return counted.count


def _add_loops(make_loop, clock, count: int, start: int):
    """`count` loops led by the same people (tag ''), a day apart, each with a shadow."""
    return [
        make_loop(starts_at=clock() + timedelta(days=start + n), with_shadow=True, panel_size=5)
        for n in range(count)
    ]


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("recruiter", "/loops/"),
        ("recruiter", "/loops/?state=scheduled"),
        ("recruiter", "/candidates/"),
        ("recruiter", "/requisitions/?status=all"),
        ("recruiter", "/"),
        ("bar_raiser", "/"),
        ("bar_raiser", "/loops/"),
        ("interviewer", "/"),
        ("hiring_manager", "/requisitions/"),
    ],
)
def test_list_pages_do_not_grow_with_the_number_of_loops(
    make_loop, login_as, count_queries, clock, who, url
):
    built = _add_loops(make_loop, clock, 2, start=1)[0]
    people = {
        "bar_raiser": built.bar_raiser,
        "interviewer": built.interviewers[1],
        "hiring_manager": built.hiring_manager,
    }
    client = login_as(people.get(who, who))
    few = _queries(client, url, count_queries)
    _add_loops(make_loop, clock, 6, start=3)
    many = _queries(client, url, count_queries)
    assert few == many


def test_the_loop_page_does_not_grow_with_the_panel(make_loop, login_as, count_queries, clock):
    small = make_loop(tag="s", panel_size=2).loop
    large = make_loop(tag="l", panel_size=8, with_shadow=True).loop
    for n in range(10):  # a longer history, too
        record(
            "loop.panel_changed",
            actor=None,
            subject=large,
            now=clock(),
            changes=[f"change {n}"],
        )
    db.session.commit()
    client = login_as("recruiter")
    for path in ("/loops/{}", "/loops/{}/panel"):
        assert _queries(client, path.format(small.id), count_queries) == _queries(
            client, path.format(large.id), count_queries
        )


def test_a_candidate_and_a_requisition_page_do_not_grow_with_their_loops(
    make_loop, login_as, count_queries, clock
):
    first = make_loop(starts_at=clock() + timedelta(days=1)).loop
    client = login_as("recruiter")
    candidate_url = f"/candidates/{first.candidate_id}"
    requisition_url = f"/requisitions/{first.requisition_id}"
    few = (
        _queries(client, candidate_url, count_queries),
        _queries(client, requisition_url, count_queries),
    )
    for n in range(5):
        other = make_loop(starts_at=clock() + timedelta(days=2 + n), panel_size=3).loop
        other.candidate_id = first.candidate_id
        other.requisition_id = first.requisition_id
    db.session.commit()
    many = (
        _queries(client, candidate_url, count_queries),
        _queries(client, requisition_url, count_queries),
    )
    assert few == many


def test_the_loop_list_of_someone_who_sees_only_theirs_reads_one_text_however_many_they_are(
    make_loop, login_as, count_queries, clock
):
    """A Bar Raiser's list with two loops and with eight: on PostgreSQL the same statements, to
    the letter (their ids bound as one array), so that PostgreSQL plans them once for every
    reader; on SQLite, which has no arrays, the ids are a list of values. Either way the list
    shows every loop of theirs and no other."""
    built = _add_loops(make_loop, clock, 2, start=1)
    other = make_loop(tag="other", starts_at=clock() + timedelta(days=1)).loop
    client = login_as(built[0].bar_raiser)

    def statements() -> tuple[list[str], str]:
        with count_queries() as counted:
            response = client.get("/loops/")
        assert response.status_code == 200
        return counted.statements, response.get_data(as_text=True)

    few, _ = statements()
    built += _add_loops(make_loop, clock, 6, start=3)
    many, page = statements()
    assert all(f'href="/loops/{each.loop.id}"' in page for each in built)
    assert f'href="/loops/{other.id}"' not in page
    if db.engine.dialect.name == "postgresql":
        assert many == few
    else:
        assert len(many) == len(few) and many != few
