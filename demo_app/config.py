"""What the demo server may do: where it listens and the limits that keep it safe to leave running.

The defaults are the safe ones: loopback only, small uploads, a handful of live sessions, and
idle clients dropped quickly, so a forgotten tab or a vanished phone frees its slot.
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
    max_connections: int = 64  # uvicorn answers 503 past this many open connections
    profile: str = DEFAULT_PROFILE
    certfile: Path | None = None  # HTTPS: phones allow the camera only on https:// (or localhost)
    keyfile: Path | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise InputError(f"port must be in 0..65535, got {self.port}")
        for name in ("max_sessions", "max_uploads", "max_upload_bytes", "max_frame_bytes", "max_pixels",
                     "max_connections"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("idle_timeout_s", "send_timeout_s", "upload_timeout_s", "ping_interval_s", "ping_timeout_s"):
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
