"""Paths to the app's pages, as `url_for` builds them, built once per process.

`url_for` matches the endpoint's rule and encodes its arguments on every call: about 25-30 us,
which a page pays for each link (the navigation alone has twenty). The path it builds depends
only on the endpoint, its arguments and the prefix the app is mounted under (SCRIPT_NAME): the
app has no URL defaults, subdomains or hosts. So a path built once is the path for good, and is
kept, keyed by all three.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request, url_for
from werkzeug.routing import Rule

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


class BuiltOnFirstUse(Rule):
    """A rule whose path builders are compiled when the rule is first built, not when it is added.

    Werkzeug compiles two builders per rule as the rule is added (generating Python source and
    compiling it): some 25 ms of each process's start-up for the app's 150 rules, most of which a
    process never builds a path for, and the rest once each (`path_for` keeps the paths). The
    builder compiled on first use is the one werkzeug compiles, and replaces this stand-in on
    the rule, so every later build costs what it always did. (Should werkzeug stop compiling
    builders through `_compile_builder`, rules are simply compiled as werkzeug does.)
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        name = "_build_unknown" if append_unknown else "_build"
        compile_builder = super()._compile_builder

        def build_on_first_use(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            builder = compile_builder(append_unknown).__get__(rule, None)
            setattr(rule, name, builder)
            return builder(*args, **kwargs)

        return build_on_first_use
