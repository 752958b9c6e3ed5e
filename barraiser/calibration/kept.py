"""Markup kept, in this process, by the inputs it was drawn from.

Much of the report page is the same from one request to the next while the report's data is: its
charts, and its tables when the same page of them is asked for again (sorting a table, paging the
other one, reloading). Such markup is a pure function of a few plain values (sections of the
report, the rows shown, the filters its links carry). They are serialised (pickle: floats as
their bytes, so equal bytes mean equal values), and what was drawn from them is kept by those
bytes: drawn again only for values not seen lately.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class KeptMarkup(Generic[T]):
    """At most `size` drawings, the least recently used forgotten first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.drawn: OrderedDict[bytes, T] = OrderedDict()

    def get(self, inputs: Any, draw: Callable[[], T]) -> T:
        """What `draw()` draws, which must depend on nothing but `inputs` (plain values: dicts,
        lists, tuples, strings, numbers, dates), kept from an earlier call with equal inputs."""
        key = pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL)
        with self.lock:
            found = self.drawn.get(key)
            if found is not None:
                self.drawn.move_to_end(key)
                return found
        drawing = draw()
        with self.lock:
            self.drawn[key] = drawing
            while len(self.drawn) > self.size:
                self.drawn.popitem(last=False)
        return drawing

    def clear(self) -> None:
        with self.lock:
            self.drawn.clear()
