"""What the demo server may do: where it listens and the limits that keep it safe to leave running.

The defaults are the safe ones: loopback only, small uploads, a handful of live sessions, and
idle clients dropped quickly, so a forgotten tab or a vanished phone frees its slot, and sockets
that send nothing (or half a request) can neither hold a connection long nor lock others out.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from edgenst.errors import InputError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MiB = 1024 * 1024


@dataclass(frozen=True)
class Profile:
    """A device profile: how many XNNPACK threads stand in for a class of phone."""

    name: str
    threads: int
    label: str


#: Thread counts as stand-ins for phones (this demo host has 2 cores; more would oversubscribe it).
PROFILES: dict[str, Profile] = {
    "low": Profile("low", 1, "low-power phone (1 thread)"),
    "mid": Profile("mid", 2, "mid-range phone (2 threads)"),
}
DEFAULT_PROFILE = "mid"


@dataclass(frozen=True)
class DemoConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    max_sessions: int = 4  # live camera sessions (WebSockets) at once
    max_uploads: int = 2  # photo uploads in flight at once
    max_upload_bytes: int = 10 * MiB  # one photo upload (request body)
    max_frame_bytes: int = 2 * MiB  # one WebSocket message (a camera frame or a control message)
    max_pixels: int = 16_000_000  # decoded image size (after JPEG draft-mode reduction)
    idle_timeout_s: float = 20.0  # a live session that sends nothing for this long is closed
    send_timeout_s: float = 10.0  # a client that does not take a reply within this is dropped
    upload_timeout_s: float = 30.0  # the whole upload body must arrive within this
    ping_interval_s: float = 10.0  # WebSocket pings find vanished clients (no FIN) ...
    ping_timeout_s: float = 10.0  # ... within interval + timeout
    max_connections: int = 64  # open connections in all; past it the oldest idle one gives way, else 503
    max_connections_per_client: int = 16  # the same, per client address
    header_timeout_s: float = 10.0  # a request head (request line and headers) must arrive within this
    keep_alive_s: float = 5.0  # a keep-alive connection with no request in progress is closed after this
    profile: str = DEFAULT_PROFILE
    certfile: Path | None = None  # HTTPS: phones allow the camera only on https:// (or localhost)
    keyfile: Path | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise InputError(f"port must be in 0..65535, got {self.port}")
        for name in ("max_sessions", "max_uploads", "max_upload_bytes", "max_frame_bytes", "max_pixels",
                     "max_connections", "max_connections_per_client"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.max_connections_per_client > self.max_connections:
            raise InputError(f"max_connections_per_client ({self.max_connections_per_client}) must not exceed "
                             f"max_connections ({self.max_connections})")
        for name in ("idle_timeout_s", "send_timeout_s", "upload_timeout_s", "ping_interval_s", "ping_timeout_s",
                     "header_timeout_s", "keep_alive_s"):
            if not getattr(self, name) > 0:
                raise InputError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.profile not in PROFILES:
            raise InputError(f"unknown device profile {self.profile!r}; choose one of {', '.join(PROFILES)}")
        if (self.certfile is None) != (self.keyfile is None):
            raise InputError("HTTPS needs both a certificate and a key file")
        if not self.host:
            raise InputError("host must not be empty")

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    @property
    def scheme(self) -> str:
        return "https" if self.certfile else "http"


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
