"""Message bodies, rendered from `templates/email/<name>.txt`, with links under BASE_URL.

A link in a message is read far from the request that queued it (or was queued by cron, with no
request at all), so it must be absolute and point at the configured address, not at whichever
host the request came in on. Email templates therefore get a `url_for` that always builds
absolute URLs under BASE_URL from the app's own URL map: `url_for('debrief.page', loop_id=1,
_external=True)`. Setting SERVER_NAME instead would change how requests are matched; pushing a
request context for BASE_URL inside a request would reset the rate limiter's per-request state.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template


def external_url(endpoint: str, *, _external: bool = True, **values: Any) -> str:
    """The absolute URL of `endpoint` under BASE_URL. Relative links are refused: nothing in a
    message is relative to anything."""
    if not _external:
        raise ValueError("links in messages are absolute; drop _external=False")
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc,
        script_name=base.path.rstrip("/") or "/",
        url_scheme=base.scheme or "https",
    )
    return adapter.build(endpoint, values, force_external=True)


def render_body(template: str, **context: Any) -> str:
    """The text of `templates/email/<template>.txt`."""
    return render_template(f"email/{template}.txt", url_for=external_url, **context)
