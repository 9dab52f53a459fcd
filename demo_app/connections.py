"""Who may hold a connection open: a cap per client address and one in all, idle ones giving way.

uvicorn waits for a request head as long as a client likes and answers 503 once
``limit_concurrency`` connections are open, so 64 sockets that sent nothing (or half a request
line) locked every visitor out (issue 18). This table is the policy half of the fix (the uvicorn
half is ``protocols.py``): a connection is *idle* while no request of it is in progress (before its
first head is complete, or between keep-alive requests). A new connection past a cap takes the
place of the oldest idle one, so held sockets delay nobody; only when every connection under the
cap is busy serving a request or a WebSocket is the newcomer refused. The head timer then closes
what is left idle, so a held socket costs nothing after a few seconds either.

It runs on the server's event loop only (no locks).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Hashable


@dataclass
class _Entry:
    address: str
    close: Callable[[], None]
    idle_since: float | None  # None while a request or a WebSocket is in progress


class ConnectionGuard:
    """Open connections by key (the transport), with their client address and idle state."""

    def __init__(self, max_total: int, max_per_client: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_total = max_total
        self.max_per_client = max_per_client
        self._clock = clock
        self._open: dict[Hashable, _Entry] = {}

    @property
    def open(self) -> int:
        return len(self._open)

    def from_address(self, address: str) -> int:
        return sum(1 for e in self._open.values() if e.address == address)

    def admit(self, key: Hashable, address: str, close: Callable[[], None]) -> str | None:
        """Register a new (idle) connection: ``None`` when admitted, else the one-line reason to refuse it.

        Past a cap the oldest idle connection (of this address, then of anyone) is closed to make room.
        """
        if self.from_address(address) >= self.max_per_client and not self._evict(address):
            return f"too many connections from {address}: all {self.max_per_client} are in use"
        if len(self._open) >= self.max_total and not self._evict(None):
            return f"the demo is busy: all {self.max_total} connections are in use; try again in a minute"
        self._open[key] = _Entry(address, close, self._clock())
        return None

    def busy(self, key: Hashable) -> None:
        """A request head is complete (or the connection became a WebSocket): not evictable."""
        entry = self._open.get(key)
        if entry is not None:
            entry.idle_since = None

    def idle(self, key: Hashable) -> None:
        """The response is done; the connection waits for its next request."""
        entry = self._open.get(key)
        if entry is not None and entry.idle_since is None:
            entry.idle_since = self._clock()

    def release(self, key: Hashable) -> None:
        """The connection is gone (idempotent: an evicted one is released again when it closes)."""
        self._open.pop(key, None)

    def _evict(self, address: str | None) -> bool:
        idle = [(e.idle_since, k) for k, e in self._open.items()
                if e.idle_since is not None and (address is None or e.address == address)]
        if not idle:
            return False
        _, key = min(idle, key=lambda t: t[0])
        self._open.pop(key).close()
        return True
