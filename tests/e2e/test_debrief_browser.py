"""The whole mechanism, played in Chromium as the people who use it: the debrief opens, the
panel casts final votes, the hiring manager proposes hire, the Bar Raiser vetoes, and the loop
ends no hire, vetoed, read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from conftest import PASSWORD
from playwright.sync_api import Page, expect

from barraiser.auth.models import BarRaiserStatus, Role, User
from barraiser.domain import LoopState, Outcome
from barraiser.extensions import db
from barraiser.loops.models import Loop

from .conftest import log_in, log_out


def as_user(page: Page, base_url: str, email: str) -> None:
    log_in(page, base_url, email, PASSWORD)


EVIDENCE = (
    "Situation: the payments ledger drifted by a cent a day across currencies. Action: the "
    "candidate traced it to rounding in the conversion step, wrote a failing test first, fixed "
    "the rounding and back-filled the history. Result: the ledger reconciled and an alert now "
    "fires on any drift."
)
PRINCIPLES = ("Customer Obsession", "Ownership", "Invent and Simplify", "Dive Deep")


@dataclass(frozen=True)
class Person:
    """What the test needs of a user once the test's own session has let go of them."""

    email: str
    label: str  # as the panel editor's selects show them

    @classmethod
    def of(cls, user: User) -> Person:
        return cls(user.email, f"{user.name} — {user.department}, level {user.level}")


def build_loop_as_recruiter(page: Page, base_url: str, people: dict) -> int:
    """The recruiter opens the requisition, adds the candidate, builds and schedules the loop."""
    as_user(page, base_url, people["recruiter"].email)
    page.goto(f"{base_url}/requisitions/new")
    page.get_by_label("Title").fill("Senior Payments Engineer")
    page.get_by_label("Level").fill("6")
    page.get_by_label("Department").fill("Payments")
    page.get_by_label("Hiring manager").select_option(label="Hana Manager — Payments, level 7")
    for name in PRINCIPLES:
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Save requisition").click()
    expect(page.get_by_text("The requisition Senior Payments Engineer is open.")).to_be_visible()

    page.goto(f"{base_url}/candidates/new")
    page.get_by_label("Name").fill("Casey Candidate")
    page.get_by_label("Email").fill("casey@example.org")
    page.get_by_role("button", name="Save candidate").click()
    expect(page.get_by_text("Casey Candidate was saved.")).to_be_visible()

    page.goto(f"{base_url}/loops/new")
    page.get_by_label("Candidate").select_option(label="Casey Candidate <casey@example.org>")
    page.get_by_label("Requisition").select_option(
        label="Senior Payments Engineer — Payments, level 6"
    )
    page.get_by_label("Bar Raiser", exact=True).select_option(
        label="Bo Raiser — Logistics, level 7"
    )
    interviewers = [people["bar_raiser"], *people["panel"]]
    for index, (person, principle) in enumerate(zip(interviewers, PRINCIPLES, strict=True)):
        row = page.locator("fieldset.panel-row").nth(index)
        row.get_by_label("Interviewer").select_option(label=person.label)
        row.get_by_label("Starts").fill(f"2026-03-03T{9 + index:02d}:00")
        row.get_by_label(principle, exact=True).check()
    page.get_by_role("button", name="Create loop").click()
    expect(page.get_by_text("The loop was created as a draft.")).to_be_visible()
    page.get_by_role("button", name="Schedule the loop").click()
    expect(page.get_by_text("The loop is scheduled.")).to_be_visible()
    loop_id = int(page.url.rstrip("/").split("/")[-1])
    log_out(page)
    return loop_id


def write_feedback_as(page: Page, base_url: str, email: str, principle: str, vote: str) -> None:
    """An interviewer writes and submits their feedback from their home page."""
    as_user(page, base_url, email)
    page.get_by_role("link", name="Write feedback").first.click()
    page.get_by_role("group", name=f"Rating for {principle}").get_by_label(
        "3 — Meets: at the bar"
    ).check()
    page.get_by_label(f"Evidence for {principle}").fill(EVIDENCE)
    page.get_by_role("group", name="Overall vote").get_by_label(vote, exact=True).check()
    yes_or_no = "Yes" if "no hire" not in vote.lower() else "No"
    page.get_by_role("group", name="Would this candidate raise the bar").get_by_label(
        yes_or_no, exact=True
    ).check()
    page.get_by_label("Summary").fill(f"{vote}: the evidence above carries it.")
    page.get_by_role("button", name="Submit and lock").click()
    expect(page.get_by_text("Your feedback is submitted and locked.")).to_be_visible()
    log_out(page)


def confirm_veto(page: Page) -> None:
    """A veto is final: the dialog says so, and asks."""
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("This loop will be decided no hire. A veto is final.")
    dialog.get_by_role("button", name="Veto").click()


def run_debrief(
    page: Page,
    base_url: str,
    loop_id: int,
    *,
    bar_raiser: str,
    hiring_manager: str,
    panel: list[str],
) -> None:
    """From a loop whose feedback is all in to the veto, through the debrief page (emails given;
    `panel` leaves out the Bar Raiser)."""
    debrief = f"{base_url}/loops/{loop_id}/debrief"

    # The Bar Raiser opens the debrief from their home page.
    as_user(page, base_url, bar_raiser)
    todos = page.locator("#debrief-todos")
    expect(todos).to_contain_text("All feedback is in: open the debrief")
    todos.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Debrief:")).to_be_visible()
    page.get_by_role("button", name="Open the debrief").click()
    expect(page.get_by_text("The debrief is open. The panel has been told.")).to_be_visible()
    expect(page.get_by_test_id("loop-state")).to_have_text("debrief")
    # Everyone's feedback side by side, the matrix and the tally.
    expect(page.get_by_test_id("feedback-card")).to_have_count(len(panel) + 1)
    expect(page.get_by_test_id("matrix")).to_be_visible()
    expect(page.get_by_test_id("bar-tally")).to_be_visible()
    # The Bar Raiser votes too: they interviewed.
    page.get_by_label("Inclined no hire").check()
    page.get_by_role("button", name="Cast final vote").click()
    expect(page.get_by_text("Your final vote is recorded.")).to_be_visible()
    log_out(page)

    # Each panelist reads, then casts a final vote; the last one changes their mind.
    for index, email in enumerate(panel):
        as_user(page, base_url, email)
        page.goto(debrief)
        choice = "Strong no hire" if index == len(panel) - 1 else "Inclined hire"
        page.get_by_label(choice, exact=True).check()
        page.get_by_role("button", name="Cast final vote").click()
        expect(page.get_by_text("Your final vote is recorded.")).to_be_visible()
        expect(page.get_by_role("button", name="Cast final vote")).to_have_count(0)
        log_out(page)

    # The hiring manager sees who changed, then proposes hire.
    as_user(page, base_url, hiring_manager)
    page.goto(debrief)
    expect(page.get_by_test_id("changes")).to_be_visible()
    page.get_by_label("Hire", exact=True).check()
    page.get_by_label("Rationale").fill("Strong ownership and a clear bias for action.")
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("Your proposal is recorded.")).to_be_visible()
    log_out(page)

    # The Bar Raiser vetoes: a rationale is required, and a principle.
    as_user(page, base_url, bar_raiser)
    page.goto(debrief)
    expect(page.get_by_test_id("proposal")).to_contain_text("proposed hire")
    page.get_by_label("Why you veto").fill("Could not explain the rounding fix: below the bar.")
    page.get_by_role("button", name="Veto").click()
    confirm_veto(page)
    expect(page.get_by_text("Name at least one principle the veto is about.")).to_be_visible()
    expect(page.get_by_label("Why you veto")).to_have_value(
        "Could not explain the rounding fix: below the bar."
    )  # kept as typed
    page.get_by_role("group", name="Principles concerned").get_by_label("Dive Deep").check()
    page.get_by_role("button", name="Veto").click()
    confirm_veto(page)
    expect(page.get_by_text("You vetoed. The loop is decided: no hire.")).to_be_visible()

    # Decided: no hire, vetoed, read-only — no form is left for anyone.
    expect(page.get_by_test_id("outcome")).to_have_text("Outcome: no hire")
    expect(page.get_by_test_id("vetoed")).to_be_visible()
    expect(page.get_by_text("and is read-only.")).to_be_visible()
    expect(page.get_by_role("button", name="Concur")).to_have_count(0)
    expect(page.get_by_role("button", name="Veto")).to_have_count(0)
    expect(page.get_by_test_id("verdict")).to_contain_text("Principles concerned: Dive Deep")
    log_out(page)

    # The hiring manager finds nothing left to do on it.
    as_user(page, base_url, hiring_manager)
    expect(page.locator("#debrief-todos")).to_have_count(0)
    page.goto(debrief)
    expect(page.get_by_role("button", name="Propose")).to_have_count(0)
    expect(page.get_by_test_id("vetoed")).to_be_visible()
    log_out(page)


def test_the_whole_mechanism_ends_in_a_veto(page: Page, live_server: str, make_user, clock):
    users = {
        "recruiter": make_user(
            "rita@example.com", name="Rita Recruiter", roles=(Role.RECRUITER,), department="Talent"
        ),
        "hiring_manager": make_user(
            "hana@example.com",
            name="Hana Manager",
            roles=(Role.HIRING_MANAGER,),
            department="Payments",
            level=7,
        ),
        "bar_raiser": make_user(
            "bo@example.com",
            name="Bo Raiser",
            department="Logistics",
            level=7,
            bar_raiser=BarRaiserStatus.CERTIFIED,
        ),
        "panel": [
            make_user(f"pat{n}@example.com", name=f"Pat {name}", department="Payments", level=6)
            for n, name in enumerate(("One", "Two", "Three"), start=1)
        ],
    }
    people = {
        role: [Person.of(user) for user in user_or_users]
        if isinstance(user_or_users, list)
        else Person.of(user_or_users)
        for role, user_or_users in users.items()
    }
    db.session.remove()

    loop_id = build_loop_as_recruiter(page, live_server, people)

    clock.set(datetime(2026, 3, 3, 13, 30, tzinfo=UTC))  # the interviews are over
    votes = ("Inclined no hire", "Strong hire", "Inclined hire", "Inclined hire")
    interviewers = [people["bar_raiser"], *people["panel"]]
    for person, principle, vote in zip(interviewers, PRINCIPLES, votes, strict=True):
        write_feedback_as(page, live_server, person.email, principle, vote)

    clock.advance(hours=2)
    run_debrief(
        page,
        live_server,
        loop_id,
        bar_raiser=people["bar_raiser"].email,
        hiring_manager=people["hiring_manager"].email,
        panel=[person.email for person in people["panel"]],
    )

    loop = db.session.get(Loop, loop_id)
    assert (loop.state, loop.outcome, loop.vetoed) == (LoopState.DECIDED, Outcome.NO_HIRE, True)
