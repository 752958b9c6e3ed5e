"""Browser tests: the app served on a local port, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from playwright.sync_api import Page
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not os.path.exists(CHROMIUM):
        # A failure, not a skip: the browser tests are part of the suite everywhere.
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) "
            "or point CHROMIUM_PATH at it",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def read_whole(app: WSGIApplication) -> WSGIApplication:
    """The app with each response read whole, and closed, before a byte of it is sent.

    A browser that navigates away while a script is still downloading drops the connection;
    werkzeug's development server then gives up before closing the response, and the static
    file behind it stays open (a ResourceWarning, which fails the test that happened to run).
    """

    def whole(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()

    return whole


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on a free local port for this test; yields its base URL."""
    server = make_server("127.0.0.1", 0, read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Log in through the form, as a person does."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/**")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
