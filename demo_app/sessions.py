"""A fixed number of slots: live sessions (or uploads) past the limit are told "busy", not queued.

Queuing would make every client slower and hide the limit; a refusal with the count lets a person
try again later. Slots are released in ``finally`` blocks, so a client that vanishes, times out or
sends garbage frees its slot as surely as one that says goodbye.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator


class Busy(Exception):
    """Every slot is taken; the message says how many there are."""


class SlotLimiter:
    def __init__(self, capacity: int, what: str) -> None:
        self.capacity = capacity
        self.what = what
        self._used = 0
        self._lock = threading.Lock()

    @property
    def used(self) -> int:
        return self._used

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot for the ``with`` block, or raise ``Busy`` at once."""
        with self._lock:
            if self._used >= self.capacity:
                raise Busy(f"the demo is busy: all {self.capacity} {self.what} are in use; try again in a minute")
            self._used += 1
        try:
            yield
        finally:
            with self._lock:
                self._used -= 1
