"""axe-core (WCAG 2 A and AA) on every page of the app, for every role, error states included.

The pages come from the app's URL map, so a page added later is crawled without touching this
file: each GET route is opened as each role (and signed out) with its arguments filled from an
organisation holding loops in every state. Every HTML answer — the page, or the 403 or 404 the
role gets — goes through axe. Then each form that has fields is submitted once emptied, as the
first role that saw it, and the refusal (the page again with its errors) goes through axe too.

A route with an argument ARGUMENTS does not know fails with the argument's name: add how to fill
it. Routes left out are listed in SKIPPED, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from urllib.parse import urlsplit

import axe_playwright_python
import sqlalchemy as sa
from conftest import PASSWORD
from flask import Flask
from playwright.sync_api import Page
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from barraiser.extensions import db
from barraiser.loops.models import Interview

from .conftest import log_in
from .every_state import PASSWORD_LINK_TOKEN, ROLE_EMAILS, Organisation, build_organisation

AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]},
    "resultTypes": ["violations"],
}
HTML = "text/html"
ANONYMOUS = "signed out"

# Left out of the crawl, with the reason. Besides these, the walk skips /api/ (a JSON API for
# programs, tested by Schemathesis), static files, and any answer that is not HTML (calendar
# files, CSV and JSON exports: found at run time from the Content-Type).
SKIPPED = {
    "scim.": "SCIM is a JSON API for identity providers, authenticated by a bearer token",
    "identity.login": "hands the browser to the identity provider (none is configured here)",
    "identity.callback": "answers the identity provider's redirect, never opened by a person",
}


def _interviews_of(org: Organisation, user) -> list[int]:
    """The user's own interviews, one per loop (their prep page and feedback in each state); an
    interview of someone else's when they have none, for the refusal."""
    loop_ids = [loop.id for loop in org.loops.values()]
    own = (
        db.session.scalars(
            sa.select(Interview.id)
            .where(Interview.loop_id.in_(loop_ids), Interview.interviewer_id == user.id)
            .order_by(Interview.id)
        ).all()
        if user is not None
        else []
    )
    if own:
        return list(own)
    return [org.loops["debrief"].panel[1].id]


# How to fill each route argument, as a function of the organisation and the signed-in user
# (None when signed out): every value is tried.
ARGUMENTS: dict[str, Callable[[Organisation, object], list]] = {
    "loop_id": lambda org, user: [*(loop.id for loop in org.loops.values()), org.history_loop_id],
    "interview_id": _interviews_of,
    "candidate_id": lambda org, user: [org.loops["debrief"].candidate_id],
    "requisition_id": lambda org, user: [org.loops["debrief"].requisition_id],
    "principle_id": lambda org, user: [org.principle_id],
    "action_id": lambda org, user: [org.action_id],
    "user_id": lambda org, user: [org.user("trainee").id, org.user("several_roles").id],
    "token": lambda org, user: [PASSWORD_LINK_TOKEN],
    "review_id": lambda org, user: [org.extra["review_id"]],
}


@dataclass
class Crawl:
    page: Page
    base_url: str
    app: Flask
    checked: set[str] = field(default_factory=set)  # shapes of the pages already through axe
    violations: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # what went through axe, for the record
    forms: dict[tuple, tuple[str, str, int]] = field(default_factory=dict)

    def check(self, role: str, what: str) -> None:
        """axe on the page as it stands."""
        self.page.evaluate(AXE_SOURCE)
        results = self.page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        assert results["passes"], f"{what}: axe ran no rule"
        self.pages.append(f"{role}: {what}")
        for rule in results["violations"]:
            for node in rule["nodes"]:
                self.violations.append(
                    f"{what} as {role}: {rule['id']} ({rule['impact']}) at "
                    f"{' '.join(map(str, node['target']))}: {node['failureSummary']}"
                )

    def note_forms(self, role: str, url: str) -> None:
        """Remember each form with fields the first time one is seen (by where it posts to and
        what it holds), to submit it emptied later."""
        found = self.page.evaluate(FORMS_JS)
        for index, (action, names) in enumerate(found):
            if not names:
                continue
            endpoint = _endpoint(self.app, urlsplit(action).path, "POST")
            key = (endpoint, tuple(sorted(set(names))))
            self.forms.setdefault(key, (role, url, index))


# The page's POST forms: [action, [names of the fields a person fills]] for each.
FORMS_JS = """() => [...document.forms].map(form => [
  form.action,
  form.method.toLowerCase() !== 'post' ? [] : [...form.elements]
    .filter(el => el.name && !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type)
                  && el.tagName !== 'BUTTON')
    .map(el => el.name),
])"""

# Empty the index-th form and submit it as its last submit button would, without its scripts
# (no confirmation dialog, no autosave): the server alone decides what an empty form gets.
SUBMIT_EMPTIED_JS = """index => {
  const form = document.forms[index];
  for (const el of form.elements) {
    if (!el.name || el.type === 'hidden') continue;
    if (el.type === 'checkbox' || el.type === 'radio') el.checked = false;
    else if (el.tagName === 'SELECT') {
      if ([...el.options].some(o => o.value === '')) el.value = '';
    }
    else if (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT') el.value = '';
  }
  const buttons = [...form.querySelectorAll(
    'button[type=submit][name], button:not([type])[name], input[type=submit][name]')];
  const submitter = buttons[buttons.length - 1];
  if (submitter) {
    const carried = document.createElement('input');
    carried.type = 'hidden'; carried.name = submitter.name; carried.value = submitter.value;
    form.appendChild(carried);
  }
  HTMLFormElement.prototype.submit.call(form);
}"""


def _shapes(html: str) -> set[str]:
    """The page's navigation and its content as the shape of their markup: each tag with the
    attributes that decide how it is read (class, role, type, aria-*), without words, numbers,
    addresses or how many times a row or card repeats. A page is checked unless both shapes
    were checked already: the same template in the same state is checked once, whoever reads
    it, while each role's navigation is checked too."""
    tags = []
    for tag in re.finditer(r"<(/?)([a-zA-Z0-9]+)([^>]*)>", html):
        kept = re.findall(r'\s((?:class|role|type|aria-[a-z]+|open|scope)(?:="[^"]*")?)', tag[3])
        tags.append(f"<{tag[1]}{tag[2]} {' '.join(kept)}>")
    shape = re.sub(r"\d+", "0", "".join(tags))
    shape = re.sub(r"(<(tr|li) [^>]*>.*?</\2 >)(\1)+", r"\1", shape)
    nav = re.search(r"<nav class=\"navbar.*?</nav >", shape)
    if nav is None:
        return {shape}
    return {nav.group(0), shape[: nav.start()] + shape[nav.end() :]}


def _endpoint(app: Flask, path: str, method: str) -> str:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method=method)
    except HTTPException:
        return path
    return str(endpoint)


def _skipped(rule: Rule) -> bool:
    if rule.rule.startswith("/api/") or rule.endpoint.split(".")[-1] == "static":
        return True
    return any(rule.endpoint.startswith(prefix) for prefix in SKIPPED)


def _urls(app: Flask, org: Organisation, user) -> list[tuple[str, str]]:
    """(endpoint, address) for every GET route, its arguments filled every way ARGUMENTS knows.
    The reads end before the crawl starts, so the served app never waits on this thread."""
    urls = list(_fill(app, org, user))
    db.session.rollback()
    return urls


def _fill(app: Flask, org: Organisation, user) -> Iterator[tuple[str, str]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in (rule.methods or ()) or _skipped(rule):
            continue
        names = sorted(rule.arguments)
        unknown = [name for name in names if name not in ARGUMENTS]
        assert not unknown, (
            f"{rule.rule} ({rule.endpoint}) takes {', '.join(unknown)}, which the crawl cannot "
            "fill: add how to ARGUMENTS in tests/e2e/test_accessibility_crawl.py (or, for a "
            "route that is no page, to SKIPPED with the reason)"
        )
        choices = [ARGUMENTS[name](org, user) for name in names]
        for values in product(*choices):
            _, path = rule.build(dict(zip(names, values, strict=True)), append_unknown=False)
            yield rule.endpoint, path


def _walk(crawl: Crawl, org: Organisation, role: str, user) -> set[tuple[str, int]]:
    """Open every page as `role`; returns (endpoint, status) of each HTML answer."""
    seen: set[tuple[str, int]] = set()
    for endpoint, path in _urls(crawl.app, org, user):
        url = crawl.base_url + path
        # As a browser asks: error pages answer JSON to a client that prefers it.
        answer = crawl.page.request.get(url, max_redirects=0, headers={"Accept": HTML})
        kind = answer.headers.get("content-type", "")
        status = answer.status
        shapes = _shapes(answer.text()) if kind.startswith(HTML) else set()
        answer.dispose()
        if 300 <= status < 400 or not kind.startswith(HTML):
            continue  # a redirect (its target is a page of its own) or no page (a file)
        seen.add((endpoint, status))
        if shapes <= crawl.checked:
            continue  # the same template in the same state, checked already
        crawl.checked |= shapes
        response = crawl.page.goto(url)
        assert response is not None and response.status == status, f"{path} as {role}"
        crawl.check(role, f"GET {path} ({status})")
        if status == 200:
            crawl.note_forms(role, url)
    return seen


def _sign_in(crawl: Crawl, role: str, org: Organisation) -> None:
    crawl.page.context.clear_cookies()
    if role != ANONYMOUS:
        log_in(crawl.page, crawl.base_url, ROLE_EMAILS[role], PASSWORD)


def test_every_page_for_every_role_passes_axe(page: Page, live_server: str, app: Flask, clock):
    org = build_organisation(password=PASSWORD, now=clock())
    db.session.commit()
    crawl = Crawl(page=page, base_url=live_server, app=app)

    reached: dict[str, set[tuple[str, int]]] = {}
    for role in (ANONYMOUS, *ROLE_EMAILS):
        _sign_in(crawl, role, org)
        user = None if role == ANONYMOUS else org.user(role)
        reached[role] = _walk(crawl, org, role, user)

    # Error states: every form with fields, submitted emptied once, as the first role to see it.
    refused = []
    signed_in = None
    for (endpoint, _names), (role, url, index) in sorted(crawl.forms.items(), key=str):
        if role != signed_in:
            _sign_in(crawl, role, org)
            signed_in = role
        page.goto(url)
        with page.expect_navigation() as navigation:
            page.evaluate(SUBMIT_EMPTIED_JS, index)
        response = navigation.value
        assert response is not None
        if response.status >= 400:
            refused.append(endpoint)
        crawl.check(role, f"POST {endpoint} emptied ({response.status})")

    assert not crawl.violations, (
        f"{len(crawl.violations)} WCAG 2 A/AA violations on {len(crawl.pages)} pages:\n"
        + "\n".join(crawl.violations)
    )
    # The walk itself can fail: it reached the pages that matter, and their error states.
    assert ("debrief.page", 200) in reached["bar_raiser"]
    assert ("feedback.write", 200) in reached["interviewer"]
    assert ("calibration.index", 200) in reached["inspector"]
    assert ("auth.users", 403) in reached["interviewer"]
    assert ("loops.detail", 404) in reached["interviewer"]
    assert ("auth.login", 200) in reached[ANONYMOUS]
    assert {"auth.login", "feedback.write", "principles.edit"} <= set(refused), refused
