"""Run the demo under uvicorn: in the foreground (``edgenst demo``) or on a background thread (tests,
the load benchmark).

The listening socket is bound here, before uvicorn starts, so "port in use" is an ``InputError``
with one line (uvicorn itself would log and exit the process), and port 0 gives a free port whose
number the caller can read.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass

import uvicorn

from edgenst.demo_app.artifact import Artifact
from edgenst.demo_app.config import PROFILES, DemoConfig
from edgenst.demo_app.engine import Engine
from edgenst.demo_app.protocols import guarded_protocols
from edgenst.demo_app.server import create_app
from edgenst.errors import InputError

log = logging.getLogger(__name__)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or exc
        raise InputError(f"cannot listen on {host}:{port} ({reason}); pick another --port or --host") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def uvicorn_config(app: object, config: DemoConfig) -> uvicorn.Config:
    """uvicorn's settings, with protocols that time request heads and cap connections (``protocols.py``).

    The guard keeps at most ``max_connections`` open, so uvicorn's own 503 (one above) is only a backstop.
    """
    http, ws = guarded_protocols(config, ws="websockets-sansio")
    return uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="off", http=http,
        ws=ws, ws_max_size=config.max_frame_bytes, ws_per_message_deflate=False,
        ws_ping_interval=config.ping_interval_s, ws_ping_timeout=config.ping_timeout_s,
        limit_concurrency=config.max_connections + 1, timeout_keep_alive=config.keep_alive_s,  # type: ignore[arg-type]
        ssl_certfile=str(config.certfile) if config.certfile else None,
        ssl_keyfile=str(config.keyfile) if config.keyfile else None,
    )


def start_engine(artifact: Artifact, config: DemoConfig) -> Engine:
    engine = Engine(artifact, max_pixels=config.max_pixels)
    engine.open(PROFILES[config.profile].threads)
    return engine


def serve(artifact: Artifact, config: DemoConfig, sock: socket.socket | None = None) -> None:
    """Serve until Ctrl-C (on ``sock`` when the caller bound it early, to fail fast on a busy port)."""
    sock = sock or bind(config.host, config.port)
    if logging.getLogger("uvicorn.error").level == logging.NOTSET:  # not one line per WebSocket
        logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    # This process only serves the demo: resizing a frame needs no parallelism, and torch's OpenMP
    # workers spinning beside XNNPACK's pool slow both on a small machine.
    import torch

    torch.set_num_threads(1)
    engine = start_engine(artifact, config)
    try:
        server = uvicorn.Server(uvicorn_config(create_app(engine, config), config))
        port = sock.getsockname()[1]
        print(f"edgenst demo: {config.scheme}://{_display_host(config.host)}:{port}/  "
              f"({artifact.file}, int8, sha256 {artifact.sha256[:12]}, ExecuTorch XNNPACK; Ctrl-C stops)", flush=True)
        print("edgenst demo: pages run the model on the visitor's device (ExecuTorch WebAssembly) where the "
              "browser can, else here; add ?run=server to the URL to run it here", flush=True)
        if not config.loopback:
            from edgenst.demo_app.tls import lan_addresses

            where = lan_addresses() if config.host in ("0.0.0.0", "::") else [config.host]
            urls = ", ".join(f"{config.scheme}://{_display_host(h)}:{port}/" for h in where) or "this machine's address"
            print(f"edgenst demo: reachable from other devices on this network: {urls}", flush=True)
            if config.scheme == "http":
                print("edgenst demo: phones open the camera only on https:// pages (add --https); photo upload "
                      "works over http", flush=True)
        server.run(sockets=[sock])
    finally:
        engine.close()
        sock.close()


def _display_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@dataclass
class BackgroundServer:
    """The demo on a daemon thread, for tests and benchmarks: ``with BackgroundServer(...) as s: s.url``."""

    artifact: Artifact
    config: DemoConfig

    def __enter__(self) -> "BackgroundServer":
        self._sock = bind(self.config.host, self.config.port)
        self.port = self._sock.getsockname()[1]
        self.engine = start_engine(self.artifact, self.config)
        self.app = create_app(self.engine, self.config)
        self._server = uvicorn.Server(uvicorn_config(self.app, self.config))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True,
                                        name="edgenst-demo-server")
        self._thread.start()
        for _ in range(500):
            if self._server.started or not self._thread.is_alive():
                break
            threading.Event().wait(0.01)
        if not self._server.started:
            self.__exit__(None, None, None)
            raise RuntimeError("the demo server did not start")
        return self

    @property
    def url(self) -> str:
        return f"{self.config.scheme}://{_display_host(self.config.host)}:{self.port}"

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws", 1) + "/ws"

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.engine.close()
        self._sock.close()
