"""The demo's routes (Starlette): the page, ``/api/info``, photo upload, and the live WebSocket.

Protocol of ``/ws`` (one live camera session):
- server -> client on connect: ``{"type": "hello", "settings": {...}}``, or ``{"type": "busy"}``
  and close code 1013 when every session slot is taken;
- client -> server text: ``{"type": "config", "style": ..., "style2": ..., "blend": ..., "strength":
  ..., "size": "256x256", "profile": "low"}`` (any subset) -> ``{"type": "config", "settings": ...}``;
  ``{"type": "ping"}`` -> ``{"type": "pong"}``; anything else -> ``{"type": "error", "message"}``;
- client -> server binary: one JPEG/PNG frame -> binary reply: a 4-byte big-endian header length,
  the JSON header (sequence number, size, latencies, settings used), then the stylized JPEG; a frame
  that cannot be used gets ``{"type": "error", "frame": true, "message"}`` instead.
  A client sends its next frame after the reply (one frame in flight), so nothing queues up.
Errors are messages, never a dropped connection; only a timeout, an oversized message (close
1009) or the client leaving ends a session.

On-device mode (the page's default where the browser can run it): the page downloads the int8
``.pte`` from ``/model/<file>`` and the ExecuTorch web runtime from ``/web_runtime/<file>`` and runs
every frame itself; the server then only serves files. Both routes serve a fixed list of files (the
artifact's one ``.pte``, the runtime's two files), behind the same host check, headers and
connection guard as every other route.

Nothing from the client is used as a path: styles and sizes are checked against the artifact's
lists, thumbnails are looked up by a checked style name, and downloads by a name from a fixed list.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import struct
from importlib import metadata, resources
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from edgenst.demo_app.config import LOOPBACK_HOSTS, PROFILES, DemoConfig
from edgenst.demo_app.engine import Engine
from edgenst.demo_app.frames import margin_for
from edgenst.demo_app.sessions import Busy, SlotLimiter
from edgenst.demo_app.settings import StyleSettings, default_settings, parse_settings
from edgenst.errors import ImageReadError, InputError

log = logging.getLogger(__name__)

STATIC = resources.files("edgenst.demo_app").joinpath("static")
WEB_RUNTIME = resources.files("edgenst.demo_app").joinpath("web_runtime")
#: The web runtime's files (scripts/build-web-runtime.sh builds them) and the types they are served as.
WEB_RUNTIME_FILES = {"edgenst_et.js": "text/javascript", "edgenst_et.wasm": "application/wasm"}
MAX_CONTROL_CHARS = 4096
# 'wasm-unsafe-eval' lets the page compile the WebAssembly runtime; it allows no JavaScript eval
# (the runtime's glue is linked with DYNAMIC_EXECUTION=0, so it needs none).
CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; "
       "connect-src 'self' ws: wss:; style-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
       "frame-ancestors 'none'")


class TooLarge(Exception):
    pass


class SecurityHeaders:
    """Adds a strict Content-Security-Policy and friends to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def allowed_hosts(host: str) -> list[str]:
    """Host headers to accept: loopback names, plus the bound address; any when bound to all interfaces.

    Refusing other names stops DNS-rebinding pages from reaching a loopback-only server.
    """
    if host in ("0.0.0.0", "::"):
        return ["*"]
    return sorted({*LOOPBACK_HOSTS, "[::1]", host})


def create_app(engine: Engine, config: DemoConfig) -> Starlette:
    """The ASGI app around one engine (the engine's lifetime is the caller's)."""
    demo = _Demo(engine, config)
    routes = [
        Route("/", demo.index),
        Route("/favicon.ico", demo.favicon),
        Route("/api/info", demo.info),
        Route("/api/health", demo.health),
        Route("/api/stylize", demo.stylize, methods=["POST"]),
        Route("/api/painting", demo.painting, methods=["POST"]),
        Route("/thumbnails/{style}.jpg", demo.thumbnail),
        Route("/model/{name}", demo.model),
        Route("/web_runtime/{name}", demo.web_runtime),
        WebSocketRoute("/ws", demo.live),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(config.host)),
                  Middleware(SecurityHeaders)]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.demo = demo
    return app


class _Demo:
    def __init__(self, engine: Engine, config: DemoConfig) -> None:
        self.engine = engine
        self.config = config
        self.artifact = engine.artifact
        self.sessions = SlotLimiter(config.max_sessions, "live sessions")
        self.uploads = SlotLimiter(config.max_uploads, "upload slots")
        self.base = default_settings(self.artifact.styles, self.artifact.sizes, config.profile)
        self.web_runtime_sha256 = web_runtime_sha256()
        from edgenst.demo_app.paintings import Predictor

        self.predictor = (Predictor(self.artifact.folder, self.artifact.source_file, self.artifact.vector_dim)
                          if self.artifact.takes_vectors and self.artifact.vector_dim else None)

    def _paintings(self) -> tuple[str, ...] | None:
        """The uploaded paintings' ids, or None when this model takes no painting."""
        return self.engine.paintings.ids() if self.predictor is not None else None

    # -- HTTP ---------------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        return FileResponse(str(STATIC.joinpath("index.html")), media_type="text/html")

    async def favicon(self, request: Request) -> Response:
        return Response(status_code=204)

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True, "sessions": self.sessions.used, "max_sessions": self.sessions.capacity,
                             "frames": self.engine.frames})

    async def info(self, request: Request) -> Response:
        from edgenst.pretrained import thumbnail

        c = self.config
        return JSONResponse({
            "artifact": self.artifact.describe(),
            "runtime": {"name": "ExecuTorch", "version": _version("executorch"), "backend": "XNNPACK",
                        "note": "every frame runs the int8 .pte in the ExecuTorch runtime, never eager PyTorch"},
            "on_device": {"available": web_runtime_available(), "model": f"/model/{self.artifact.file}",
                          "runtime": "/web_runtime/edgenst_et.js", "runtime_dir": "/web_runtime/",
                          "sha256": self.web_runtime_sha256},
            "styles": [{"name": s, "thumbnail": f"/thumbnails/{s}.jpg" if thumbnail(s) else None}
                       for s in self.artifact.styles],
            "sizes": [f"{h}x{w}" for h, w in self.artifact.sizes],
            "margins": {f"{h}x{w}": margin_for((h, w)) for h, w in self.artifact.sizes},
            "profiles": [{"name": p.name, "threads": p.threads, "label": p.label} for p in PROFILES.values()],
            "defaults": self.base.to_dict(),
            "paintings": {"available": self.predictor is not None and self.predictor.available(),
                          "upload": "/api/painting",
                          "predictor_model": (f"/model/{self.artifact.predictor_file}"
                                              if self.predictor is not None and self.artifact.predictor_file else None),
                          "note": "POST a painting (image body); paint with the returned id as the 'painting' "
                                  "setting, blended with the styles by 'painting_weight'"},
            "limits": {"max_sessions": c.max_sessions, "max_upload_bytes": c.max_upload_bytes,
                       "max_frame_bytes": c.max_frame_bytes, "max_pixels": c.max_pixels,
                       "idle_timeout_s": c.idle_timeout_s},
            "resize": "letterbox: scaled to fit the exported size (aspect ratio kept), mirrored edges fill the "
                      "rest, and the result is cropped back to the photo's area",
        })

    async def thumbnail(self, request: Request) -> Response:
        from edgenst.pretrained import thumbnail

        style = request.path_params["style"]
        path = thumbnail(style) if style in self.artifact.styles else None
        if path is None:
            return JSONResponse({"error": f"no thumbnail for {style!r}"}, status_code=404)
        return FileResponse(str(path), media_type="image/jpeg")

    async def model(self, request: Request) -> Response:
        """The artifact's ``.pte`` itself (on-device mode runs it in the page): its name only, nothing else."""
        name = request.path_params["name"]
        if name == self.artifact.predictor_file and self.predictor is not None:  # the painting predictor's .pte
            path = self.artifact.folder / name
            if path.is_file():
                return FileResponse(str(path), media_type="application/octet-stream")
        if name != self.artifact.file or not self.artifact.path.is_file():
            return JSONResponse({"error": "no such model file"}, status_code=404)
        return FileResponse(str(self.artifact.path), media_type="application/octet-stream",
                            headers={"X-Sha256": self.artifact.sha256})

    async def web_runtime(self, request: Request) -> Response:
        name = request.path_params["name"]
        media_type = WEB_RUNTIME_FILES.get(name)
        path = WEB_RUNTIME.joinpath(name) if media_type else None
        if path is None or not path.is_file():
            return JSONResponse({"error": "no such runtime file"}, status_code=404)
        return FileResponse(str(path), media_type=media_type)

    async def stylize(self, request: Request) -> Response:
        """POST an image body (any Content-Type) with settings in the query -> the stylized PNG."""
        try:
            with self.uploads.slot():
                settings = parse_settings(dict(request.query_params), self.base, self.artifact.styles,
                                          self.artifact.sizes, self._paintings())
                body = await asyncio.wait_for(self._read_body(request), timeout=self.config.upload_timeout_s)
                result = await self.engine.process(body, settings, "PNG")
        except Exception as exc:  # keep serving: each failure is one line for the client
            return self._failed_upload(exc, "image")
        headers = {"X-Infer-Ms": f"{result.infer_ms:.2f}", "X-Total-Ms": f"{result.total_ms:.2f}",
                   "X-Threads": str(result.threads), "Content-Disposition": 'inline; filename="stylized.png"'}
        return Response(result.data, media_type="image/png", headers=headers)

    async def painting(self, request: Request) -> Response:
        """POST a painting (image body) -> ``{"painting": id, "length": D, "vector": [...]}``.

        The id is then a ``painting`` setting (uploads and live sessions); the vector is what the page
        feeds the program itself in on-device mode. Hostile uploads get one-line errors: not an image
        or a non-image Content-Type (415), too large in bytes (413) or pixels (415), too slow (408).
        """
        from edgenst.demo_app.paintings import PaintingStore

        try:
            if self.predictor is None:
                raise InputError("this model takes no painting: export it with --style-vector "
                                 "(or start the demo with --paintings)")
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind and not (kind.startswith("image/") or kind == "application/octet-stream"):
                raise ImageReadError(f"expected an image, got Content-Type {kind[:60]!r}")
            with self.uploads.slot():
                body = await asyncio.wait_for(self._read_body(request), timeout=self.config.upload_timeout_s)
                key = PaintingStore.key(body)
                vector = self.engine.paintings.get(key)
                if vector is None:
                    vector = await self.engine.call(self._predict, body)
                    self.engine.paintings.put(key, vector)
        except Exception as exc:  # keep serving: each failure is one line for the client
            return self._failed_upload(exc, "painting")
        return JSONResponse({"painting": key, "length": int(vector.shape[1]),
                             "vector": [round(float(v), 6) for v in vector[0]]})

    def _failed_upload(self, exc: Exception, what: str) -> Response:
        """The one-line answer to a failed upload of an ``image`` or a ``painting``: busy (503), too
        large (413), too slow (408), not a usable picture (415), bad settings (400); anything else is
        a 500 whose traceback goes to the log, and the server keeps serving."""
        if isinstance(exc, Busy):
            return _error(503, str(exc), {"Retry-After": "30"})
        if isinstance(exc, TooLarge):
            return _error(413, f"upload too large: the limit is {_bytes_text(self.config.max_upload_bytes)}")
        if isinstance(exc, asyncio.TimeoutError):
            return _error(408, f"the upload did not arrive within {self.config.upload_timeout_s:g} s")
        if isinstance(exc, ImageReadError):
            return _error(415, f"not a usable {what}: {exc}")
        if isinstance(exc, InputError):
            return _error(400, str(exc))
        log.error("%s upload failed", what, exc_info=exc)
        return _error(500, f"internal error: {type(exc).__name__}")

    def _predict(self, body: bytes):  # noqa: ANN202 - a tensor
        """Decode (bounded like every upload), shrink to ``PAINTING_SIDE`` and predict (engine thread)."""
        import torch.nn.functional as F

        from edgenst.demo_app.frames import decode_image
        from edgenst.demo_app.paintings import PAINTING_SIDE

        image = decode_image(body, max_pixels=self.config.max_pixels, target=(PAINTING_SIDE, PAINTING_SIDE))
        h, w = image.shape[-2:]
        scale = PAINTING_SIDE / max(h, w)
        if scale < 1:
            size = (max(1, round(h * scale)), max(1, round(w * scale)))
            image = F.interpolate(image, size=size, mode="bilinear", antialias=True, align_corners=False)
        if self.predictor is None:
            raise InputError("this model takes no painting")
        return self.predictor.vector(image.clamp(0, 1))

    async def _read_body(self, request: Request) -> bytes:
        limit = self.config.max_upload_bytes
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            if not declared.isdigit():
                raise InputError(f"bad Content-Length {declared!r}")
            raise TooLarge
        chunks, total = [], 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise TooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    # -- WebSocket ----------------------------------------------------------------------------------

    async def live(self, ws: WebSocket) -> None:
        if not _same_origin(ws):
            await ws.close(code=1008)  # before accept: the handshake is refused (403)
            return
        await ws.accept()
        try:
            with self.sessions.slot():
                await self._session(ws)
        except Busy as exc:
            try:
                await self._send_json(ws, {"type": "busy", "message": str(exc)})
            except _Gone:
                return
            await _close(ws, 1013, "busy")
        except (WebSocketDisconnect, _Gone):
            pass

    async def _session(self, ws: WebSocket) -> None:
        settings = self.base
        await self._send_json(ws, {"type": "hello", "settings": settings.to_dict()})
        seq = 0
        while True:
            try:
                msg = await asyncio.wait_for(ws.receive(), timeout=self.config.idle_timeout_s)
            except asyncio.TimeoutError:
                await self._send_json(ws, {"type": "closing", "message": f"nothing received for "
                                           f"{self.config.idle_timeout_s:g} s; closed to free the slot"})
                await _close(ws, 1001, "idle")
                return
            if msg["type"] == "websocket.disconnect":
                return
            if msg.get("text") is not None:
                reply, settings = self._control(msg["text"], settings)
                await self._send_json(ws, reply)
            elif msg.get("bytes") is not None:
                try:
                    result = await self.engine.process(msg["bytes"], settings, "JPEG")
                except InputError as exc:
                    await self._send_json(ws, {"type": "error", "frame": True, "message": f"frame not stylized: {exc}"})
                    continue
                except Exception as exc:
                    log.exception("frame failed")
                    await self._send_json(ws, {"type": "error", "frame": True,
                                               "message": f"internal error: {type(exc).__name__}"})
                    continue
                seq += 1
                header = {"type": "frame", "seq": seq, "width": result.width, "height": result.height,
                          "infer_ms": round(result.infer_ms, 2), "server_ms": round(result.total_ms, 2),
                          "threads": result.threads, "reopened": result.reopened, **settings.to_dict()}
                await self._send(ws.send_bytes(pack_frame(header, result.data)))

    def _control(self, text: str, settings: StyleSettings) -> tuple[dict[str, Any], StyleSettings]:
        try:
            if len(text) > MAX_CONTROL_CHARS:
                raise InputError(f"control message too long ({len(text)} characters, limit {MAX_CONTROL_CHARS})")
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"malformed message: not JSON ({exc.msg} at character {exc.pos})") from None
            if not isinstance(data, dict) or not isinstance(data.get("type"), str):
                raise InputError('malformed message: expected a JSON object with a "type"')
            kind = data.pop("type")
            if kind == "ping":
                return {"type": "pong"}, settings
            if kind == "config":
                settings = parse_settings(data, settings, self.artifact.styles, self.artifact.sizes, self._paintings())
                return {"type": "config", "settings": settings.to_dict()}, settings
            raise InputError(f"unknown message type {kind!r}; send config or ping (JSON), or a JPEG/PNG frame (binary)")
        except InputError as exc:
            return {"type": "error", "message": str(exc)}, settings

    async def _send_json(self, ws: WebSocket, data: dict[str, Any]) -> None:
        await self._send(ws.send_text(json.dumps(data)))

    async def _send(self, coro: Any) -> None:
        """Send within ``send_timeout_s``: a client that stops reading loses its session."""
        try:
            await asyncio.wait_for(coro, timeout=self.config.send_timeout_s)
        except asyncio.TimeoutError:
            raise _Gone from None
        except (RuntimeError, OSError):  # the socket is already gone
            raise _Gone from None


class _Gone(Exception):
    """The client stopped reading or disconnected while we were sending."""


async def _close(ws: WebSocket, code: int, reason: str) -> None:
    try:
        await ws.close(code=code, reason=reason)
    except (RuntimeError, OSError):  # already closed by the client
        pass


def web_runtime_available() -> bool:
    """Whether the built web runtime is installed (a source checkout without it still serves server mode)."""
    return all(WEB_RUNTIME.joinpath(name).is_file() for name in WEB_RUNTIME_FILES)


def web_runtime_sha256() -> dict[str, str]:
    """The served runtime files' sha256, announced in /api/info: the page checks its downloads against
    them (and the .pte against the artifact's), also over plain http:// where no TLS vouches for them."""
    if not web_runtime_available():
        return {}
    return {name: hashlib.sha256(WEB_RUNTIME.joinpath(name).read_bytes()).hexdigest() for name in WEB_RUNTIME_FILES}


def pack_frame(header: dict[str, Any], image: bytes) -> bytes:
    head = json.dumps(header).encode()
    return struct.pack(">I", len(head)) + head + image


def unpack_frame(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The inverse of ``pack_frame`` (for Python clients: the load benchmark and tests)."""
    (n,) = struct.unpack(">I", data[:4])
    return json.loads(data[4 : 4 + n]), data[4 + n :]


def _same_origin(ws: WebSocket) -> bool:
    """Browsers always send Origin on WebSockets; refuse pages from other sites (no Origin: a script)."""
    origin = ws.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == ws.headers.get("host")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _bytes_text(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n / 1024:g} KiB"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"
