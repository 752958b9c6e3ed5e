"""Paths to the app's pages, as `url_for` builds them, built once per process.

`url_for` matches the endpoint's rule and encodes its arguments on every call: about 25-30 us,
which a page pays for each link (the navigation alone has twenty). The path it builds depends
only on the endpoint, its arguments and the prefix the app is mounted under (SCRIPT_NAME): the
app has no URL defaults, subdomains or hosts. So a path built once is the path for good, and is
kept, keyed by all three.
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for

MAX_KEPT = 4096
"""Paths kept at most (a link with a row's id is one path per row); all are forgotten at once
when full, which costs one `url_for` for each path the next pages ask for."""

_built: dict[tuple[Any, ...], str] = {}


def path_for(endpoint: str, **values: Any) -> str:
    """`url_for(endpoint, **values)` for a link on a page: the path only (never `_external`,
    `_anchor` or the like) to a full endpoint name (never a blueprint-relative `.name`)."""
    key = (request.script_root, endpoint, *sorted(values.items()))
    path = _built.get(key)
    if path is None:
        if endpoint.startswith(".") or any(name.startswith("_") for name in values):
            raise ValueError(f"path_for takes a full endpoint and its arguments: {endpoint!r}")
        if len(_built) >= MAX_KEPT:
            _built.clear()
        path = _built[key] = url_for(endpoint, **values)
    return path
