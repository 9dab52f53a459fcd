"""uvicorn's HTTP and WebSocket protocols with a request-head timer and the connection guard.

uvicorn bounds the idle time between keep-alive requests (``timeout_keep_alive``) but not the time
a client may take to send a request head, so a socket that sends nothing, half a request line, or
one header byte a second stays open for ever and counts against ``limit_concurrency``. The
subclasses made here close a connection whose head does not complete within ``header_timeout_s``
(from the moment it opened, or from the first byte of its next keep-alive request; trickling
bytes does not restart the timer), and register every connection with a ``ConnectionGuard``
(``connections.py``) so idle ones give way to new clients. A connection the guard refuses gets a
plain 503 and is closed. WebSocket connections stay in the guard's table (as busy) until they close.

The classes are made per server, so each server has its own guard (tests run several at once).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import WS_PROTOCOLS
from uvicorn.importer import import_from_string
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from edgenst.demo_app.config import DemoConfig
from edgenst.demo_app.connections import ConnectionGuard


class _GuardedHTTP:
    """Mixed in before uvicorn's HTTP protocol (h11 or httptools: both keep ``cycle`` and ``client``)."""

    guard: ConnectionGuard
    header_timeout_s: float
    transport: asyncio.Transport
    cycle: Any
    client: tuple[str, int] | None
    loop: asyncio.AbstractEventLoop

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._head_timer: asyncio.TimerHandle | None = None
        address = self.client[0] if self.client else "unknown"
        refused = self.guard.admit(transport, address, transport.close)
        if refused is not None:
            _refuse(transport, refused)
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        if self._head_timer is None and self._waiting_for_head():
            self._arm()  # the first bytes of the next keep-alive request
        super().data_received(data)  # type: ignore[misc]
        if self.transport.get_protocol() is not self:  # upgraded to a WebSocket
            self._disarm()
            self.guard.busy(self.transport)
        elif self.cycle is not before:  # a request head is complete
            self._disarm()
            self.guard.busy(self.transport)

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if self._waiting_for_head():  # uvicorn's keep-alive timer bounds the wait for the next request
            self.guard.idle(self.transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.guard.release(self.transport)
        super().connection_lost(exc)  # type: ignore[misc]

    def _waiting_for_head(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_timed_out)

    def _disarm(self) -> None:
        if getattr(self, "_head_timer", None) is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


class _GuardedWebSocket:
    """Mixed in before uvicorn's WebSocket protocol: frees the guard's entry when the socket closes."""

    guard: ConnectionGuard
    transport: asyncio.Transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.release(self.transport)
        super().connection_lost(exc)  # type: ignore[misc]


def _refuse(transport: asyncio.Transport, reason: str) -> None:
    body = (reason + "\n").encode()
    transport.write(b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
                    b"content-length: %d\r\nretry-after: 30\r\nconnection: close\r\n\r\n" % len(body) + body)
    transport.close()


def guarded_protocols(config: DemoConfig, ws: str) -> tuple[type[asyncio.Protocol], type[asyncio.Protocol]]:
    """The (HTTP, WebSocket) protocol classes for one server: ``uvicorn.Config(http=..., ws=...)``."""
    guard = ConnectionGuard(config.max_connections, config.max_connections_per_client)
    ws_base = import_from_string(WS_PROTOCOLS[ws])
    http = type("GuardedHTTPProtocol", (_GuardedHTTP, AutoHTTPProtocol),
                {"guard": guard, "header_timeout_s": config.header_timeout_s})
    websocket = type("GuardedWebSocketProtocol", (_GuardedWebSocket, ws_base), {"guard": guard})
    return http, websocket
