"""A person signs in through the company's identity provider in a real browser, lands on the
home page of the role their group maps to, and is shut out when the directory deactivates them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from identity_setup import add_rule, add_scim_token
from oidc_provider import Provider, configured_provider
from playwright.sync_api import Page, expect

from barraiser.auth.models import Role


@pytest.fixture
def provider(app: Flask) -> Iterator[Provider]:
    with configured_provider(app) as running:
        yield running


def test_sign_in_through_the_provider_then_deactivation_over_scim(
    page: Page, live_server: str, provider: Provider, app: Flask
):
    add_rule("hiring-committee", roles=[Role.INSPECTOR])
    provider.add_user(
        "s-42",
        email="grace@example.com",
        email_verified=True,
        name="Grace Hopper",
        groups=["hiring-committee"],
    )
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Sign in with Acme ID").click()
    expect(page.get_by_role("heading", name="Test provider")).to_be_visible()
    page.get_by_role("button", name="Sign in as s-42").click()
    page.wait_for_url(f"{live_server}/")
    expect(page.get_by_role("heading", name="Welcome, Grace Hopper")).to_be_visible()
    expect(page.get_by_role("heading", name="Inspection")).to_be_visible()

    # The directory deactivates her: her very next page is the login page.
    token = add_scim_token()
    scim = app.test_client()
    found = scim.get(
        '/scim/v2/Users?filter=userName eq "grace@example.com"',
        headers={"Authorization": f"Bearer {token}"},
    ).get_json(force=True)
    user_id = found["Resources"][0]["id"]
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }
    answer = scim.patch(
        f"/scim/v2/Users/{user_id}",
        data=json.dumps(patch),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"},
    )
    assert answer.status_code == 200
    page.goto(f"{live_server}/loops")
    expect(page.get_by_role("heading", name="Log in to Bar Raiser")).to_be_visible()
    # Signing in again through the provider is refused with the reason.
    page.get_by_role("link", name="Sign in with Acme ID").click()
    page.get_by_role("button", name="Sign in as s-42").click()
    expect(page.get_by_text("Your Bar Raiser account is deactivated")).to_be_visible()
