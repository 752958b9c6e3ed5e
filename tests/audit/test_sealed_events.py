"""Events that carry a vote, the proposal or the verdict show their details only to whom the
debrief page would show them; the audit page reads that rule for its whole page at once."""

from __future__ import annotations

from barraiser import policy
from barraiser.audit.services import record
from barraiser.auth.models import Role, UserRole
from barraiser.extensions import db


def _final_vote_event(built, clock) -> None:
    record(
        "debrief.final_vote_cast",
        actor=built.interviewers[2],
        subject=built.loop,
        now=clock(),
        written="strong_no_hire",
        final="strong_no_hire",
        changed=False,
    )
    record(
        "debrief.proposed",
        actor=built.hiring_manager,
        subject=built.loop,
        now=clock(),
        decision="no_hire",
        rationale_words=3,
    )


def test_an_admin_on_the_panel_reads_no_vote_in_the_log_until_they_submit(
    make_loop, login_as, clock
):
    on_panel = make_loop(tag="a")
    elsewhere = make_loop(tag="b")
    admin = on_panel.interviewers[1]
    admin.role_rows.append(UserRole(role=Role.ADMIN))
    for built in (on_panel, elsewhere):
        _final_vote_event(built, clock)
    db.session.commit()

    page = login_as(admin).get("/admin/audit/?action=debrief.").get_data(as_text=True)

    # Two loops' events: the other loop's details (not their panel) show, their own loop's not.
    assert page.count("proposed no hire on") == 1
    assert page.count("made the proposal on") == 1
    assert page.count('<dd class="col-sm-9">strong no hire</dd>') == 2  # written and final
    assert page.count('data-testid="sealed"') == 2
    assert page.count("<code>debrief.proposed</code>") == 2  # the event itself is still listed


def test_the_audit_page_reads_the_rule_in_the_same_queries_for_any_number_of_loops(
    make_loop, login_as, clock, count_queries
):
    admin_client = login_as("admin")
    first = make_loop(tag="0")
    _final_vote_event(first, clock)
    db.session.commit()
    with count_queries() as few:
        assert admin_client.get("/admin/audit/").status_code == 200
    for n in range(1, 6):
        _final_vote_event(make_loop(tag=str(n)), clock)
    db.session.commit()
    with count_queries() as many:
        assert admin_client.get("/admin/audit/").status_code == 200
    assert few.count == many.count


def test_the_loop_history_says_a_proposal_was_made_without_its_decision(make_loop, login_as, clock):
    built = make_loop()
    _final_vote_event(built, clock)
    db.session.commit()
    url = f"/loops/{built.loop.id}"

    panelist = login_as(built.interviewers[1]).get(url).get_data(as_text=True)
    recruiter = login_as("recruiter").get(url).get_data(as_text=True)

    assert "made the proposal" in panelist and "proposed no hire" not in panelist
    assert "proposed no hire" in recruiter


def test_the_rule_seals_only_votes_proposals_and_verdicts(make_loop, user_in_role):
    built = make_loop()
    panelist, recruiter = built.interviewers[1], user_in_role("recruiter")
    for action in ("debrief.final_vote_cast", "debrief.proposed", "debrief.vetoed"):
        assert not policy.can_see_event_details(panelist, action, built.loop)
        assert policy.can_see_event_details(recruiter, action, built.loop)
        # An event whose loop cannot be found: nobody can tell who sat on it, so nobody reads.
        assert not policy.can_see_event_details(recruiter, action, None)
    for action in ("debrief.opened", "loop.state_changed", "feedback.submitted"):
        assert policy.can_see_event_details(panelist, action, built.loop)
