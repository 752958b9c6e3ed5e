"""Modules imported on first use rather than at start-up.

Some libraries serve one feature that most processes (a worker, a command, a request for any
other page) never use, and cost start-up a great deal: the numeric stack (numpy and scipy, some
0.3 s), for the calibration report's model and intervals; Alembic, for the schema commands;
Authlib, for single sign-on; icalendar, for invitations; zxcvbn, for judging a password. A
module that needs one writes

    if TYPE_CHECKING:
        import numpy as np
    else:
        np = lazy_module("numpy")

so the type checker sees the real module, and the first attribute read at run time imports it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """Stands for the module `name` until an attribute is read; then imports it and answers."""

    def __getattr__(self, attribute: str) -> Any:
        # Called only for what this object does not hold yet: each attribute read once is
        # kept, so the numeric code's hot loops look it up at a plain module's speed.
        value = getattr(importlib.import_module(self.__name__), attribute)
        setattr(self, attribute, value)
        return value


def lazy_module(name: str) -> ModuleType:
    """`name` (e.g. "numpy", "scipy.optimize"), imported when first used."""
    return LazyModule(name)
