"""The demo server over real sockets (uvicorn on a background thread): uploads, the live WebSocket,
bad input, limits, timeouts, device profiles, and the default first-start export of the shipped
student. The browser end-to-end test is ``test_demo_browser.py``."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import numpy as np
import pytest
import torch
from demo_support import SHIPPED_SIZE, TINY_SIZE, TINY_STYLES, shipped_export, tiny_export
from PIL import Image
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from edgenst.cli.main import main
from edgenst.demo_app.artifact import Artifact, open_export
from edgenst.demo_app.config import DemoConfig
from edgenst.demo_app.engine import Engine, _Threadpool
from edgenst.demo_app.frames import crop, decode_image, letterbox
from edgenst.demo_app.launch import BackgroundServer
from edgenst.demo_app.server import allowed_hosts, unpack_frame
from edgenst.demo_app.settings import StyleSettings, default_settings, parse_settings
from edgenst.errors import ImageReadError, InputError
from edgenst.samples import sample_photo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Artifact:
    return open_export(tiny_export(tmp_path_factory.getbasetemp()))


@contextmanager
def running(artifact: Artifact, **overrides) -> Iterator[BackgroundServer]:
    settings = {"port": 0, "max_sessions": 2, "max_upload_bytes": 256 * 1024, "idle_timeout_s": 5.0, **overrides}
    with BackgroundServer(artifact, DemoConfig(**settings)) as server:
        yield server


@pytest.fixture(scope="module")
def server(artifact: Artifact) -> Iterator[BackgroundServer]:
    with running(artifact) as s:
        yield s


@pytest.fixture
def http(server: BackgroundServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=20) as client:
        yield client


def _photo(h: int = 100, w: int = 150) -> torch.Tensor:
    return torch.nn.functional.interpolate(sample_photo("chelsea"), size=(h, w), mode="bilinear", antialias=True)


def _encode(t: torch.Tensor, fmt: str = "PNG", mode: str | None = None, **kw) -> bytes:
    arr = (t[0].permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    img = Image.fromarray(arr, "RGB")
    if mode:
        img = img.convert(mode)
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _decode(data: bytes) -> torch.Tensor:
    arr = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(arr).permute(2, 0, 1).unsqueeze(0)


def _sessions(server: BackgroundServer) -> int:
    return httpx.get(server.url + "/api/health", timeout=5).json()["sessions"]


def _wait_for(predicate, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


# -- pieces -----------------------------------------------------------------------------------------

def test_settings_are_checked_and_blend_weights_sum_to_one():
    styles, sizes = ["a", "b", "c"], [(48, 64), (256, 256)]
    base = default_settings(styles, sizes)
    assert base.size == (48, 64) and base.style == "a"
    s = parse_settings({"style": "b", "style2": "c", "blend": 0.25, "strength": "0.5", "size": "256x256",
                        "profile": "low"}, base, styles, sizes)
    assert s.style_weights(styles).tolist() == [[0.0, 0.75, 0.25]] and s.strength == 0.5 and s.threads == 1
    assert parse_settings({"style2": None}, s, styles, sizes).style_weights(styles).tolist() == [[0.0, 1.0, 0.0]]
    bad = [({"style": "nope"}, "unknown style 'nope'"), ({"style2": 3}, "unknown style2"),
           ({"size": "100x100"}, "exported sizes (HEIGHTxWIDTH): 48x64, 256x256"), ({"size": "../x"}, "not exported"),
           ({"strength": "nan"}, "strength must be"), ({"blend": 1.5}, "blend must be"),
           ({"strength": True}, "strength"),
           ({"profile": "turbo"}, "device profile"), ({"path": "/etc/passwd"}, "unknown setting(s) 'path'")]
    for data, message in bad:
        with pytest.raises(InputError, match=None) as exc:
            parse_settings(data, base, styles, sizes)
        assert message in str(exc.value), (data, str(exc.value))


def test_letterbox_keeps_the_aspect_ratio_and_crops_back():
    photo = _photo(100, 150)
    canvas, box = letterbox(photo, (128, 128))
    assert canvas.shape == (1, 3, 128, 128)
    assert (box.height, box.width) == (80, 120)  # fits 120x120: a 4-pixel mirrored margin on each side
    assert torch.allclose(crop(canvas, box), torch.nn.functional.interpolate(
        photo, size=(box.height, box.width), mode="bilinear", antialias=True, align_corners=False).clamp(0, 1))
    # The fill mirrors the photo (no flat bars): the row above the photo repeats the one below its top.
    assert torch.allclose(canvas[..., box.top - 1, :], canvas[..., box.top + 1, :])
    # Extreme shapes still fill the canvas (reflection repeated, then replication).
    for shape in [(1, 300), (300, 1), (2, 2)]:
        c, b = letterbox(torch.rand(1, 3, *shape), (48, 64))
        assert c.shape == (1, 3, 48, 64) and b.height >= 1 and b.width >= 1 and torch.isfinite(c).all()


def test_odd_images_decode_upright_and_rgb(tmp_path: Path):
    photo = _photo(40, 60)
    rgba = Image.fromarray((np.random.default_rng(0).random((40, 60, 4)) * 255).astype(np.uint8), "RGBA")
    buf = io.BytesIO()
    rgba.save(buf, format="PNG")
    sixteen = io.BytesIO()
    Image.fromarray((np.linspace(0, 65535, 40 * 60).reshape(40, 60)).astype(np.uint16)).save(sixteen, format="PNG")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display: stored 60 wide, shown 40 wide
    rotated = _encode(photo, "JPEG", exif=exif.tobytes())
    cases = {"rgba": buf.getvalue(), "16-bit": sixteen.getvalue(), "cmyk": _encode(photo, "JPEG", mode="CMYK"),
             "palette": _encode(photo, "PNG", mode="P"), "webp": _encode(photo, "WEBP")}
    for name, data in cases.items():
        t = decode_image(data, max_pixels=10**6)
        assert t.shape == (1, 3, 40, 60) and 0 <= t.min() and t.max() <= 1, name
    assert decode_image(rotated, max_pixels=10**6).shape == (1, 3, 60, 40)
    sixteen_t = decode_image(sixteen.getvalue(), max_pixels=10**6)
    assert sixteen_t.max() > 0.99 and sixteen_t.min() < 0.01  # scaled by 65535, not clipped at 255
    for data, message in [(b"", "empty"), (b"%PDF-1.4 not a picture", "not an image"),
                          (_encode(photo)[:60], "cannot decode")]:
        with pytest.raises(ImageReadError, match=message):
            decode_image(data, max_pixels=10**6)
    with pytest.raises(ImageReadError, match="megapixels"):
        decode_image(_encode(photo), max_pixels=1000)


# -- HTTP ---------------------------------------------------------------------------------------------

def test_page_and_info_name_the_int8_artifact_and_the_runtime(http: httpx.Client, artifact: Artifact):
    page = http.get("/")
    assert page.status_code == 200 and "app.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert http.get(asset).status_code == 200
    info = http.get("/api/info").json()
    manifest = json.loads((artifact.folder / "manifest.json").read_text())
    entry = next(a for a in manifest["artifacts"] if a["file"] == "student-int8.pte")
    assert info["artifact"]["file"] == "student-int8.pte" and info["artifact"]["precision"] == "int8"
    assert info["artifact"]["sha256"] == entry["sha256"]
    assert info["runtime"]["name"] == "ExecuTorch" and info["runtime"]["backend"] == "XNNPACK"
    assert [s["name"] for s in info["styles"]] == TINY_STYLES and info["sizes"] == ["48x64"]
    assert {p["name"]: p["threads"] for p in info["profiles"]} == {"low": 1, "mid": 2}


def test_upload_is_stylized_by_the_pte_in_the_executorch_runtime(http: httpx.Client, artifact: Artifact):
    from edgenst.runtime import PteModel

    photo = _photo(100, 150)
    png = _encode(photo)
    r = http.post("/api/stylize", params={"style": "mosaic", "strength": "1"}, content=png,
                  headers={"Content-Type": "image/png"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png" and float(r.headers["x-infer-ms"]) > 0
    out = _decode(r.content)
    canvas, box = letterbox(decode_image(png, max_pixels=10**6), TINY_SIZE)
    assert out.shape[-2:] == (box.height, box.width) and box.width > box.height  # the photo's shape, not stretched
    settings = StyleSettings(style="mosaic", size=TINY_SIZE)
    with _Threadpool.lock:  # the same process-wide pool the server's engine uses
        model = PteModel(artifact.path)
        expected = crop(model.run(canvas, settings.style_weights(TINY_STYLES), torch.ones(1, 1)), box).clamp(0, 1)
        del model
    assert (out - expected).abs().max() <= 1 / 255 + 1e-6  # PNG keeps 8 bits: the same program's output
    assert (out - crop(canvas, box)).abs().mean() > 0.02  # and it is stylized, not the photo
    other = _decode(http.post("/api/stylize", params={"style": "swirl"}, content=png).content)
    blend = _decode(http.post("/api/stylize", params={"style": "swirl", "style2": "mosaic", "blend": "0.5"},
                              content=png).content)
    photo_back = _decode(http.post("/api/stylize", params={"style": "mosaic", "strength": "0"}, content=png).content)
    for changed in (other, blend, photo_back):  # style, blend and strength all reach the model
        assert (changed - out).abs().mean() > 0.001


def test_odd_uploads_are_stylized_upright(http: httpx.Client):
    exif = Image.Exif()
    exif[0x0112] = 6
    rotated = http.post("/api/stylize", content=_encode(_photo(40, 60), "JPEG", exif=exif.tobytes()))
    assert rotated.status_code == 200
    w, h = Image.open(io.BytesIO(rotated.content)).size
    assert h > w  # shown portrait, as the phone took it
    cmyk = http.post("/api/stylize", content=_encode(_photo(40, 60), "JPEG", mode="CMYK"))
    assert cmyk.status_code == 200 and Image.open(io.BytesIO(cmyk.content)).mode == "RGB"


def test_bad_uploads_get_clear_errors_and_the_server_keeps_serving(http: httpx.Client):
    png = _encode(_photo())
    cases = [
        ({"content": b"hello, I am a text file"}, 415, "not an image"),
        ({"content": b""}, 415, "empty"),
        ({"content": png[:80]}, 415, "cannot decode"),
        ({"content": b"\0" * (300 * 1024)}, 413, "upload too large: the limit is 256 KiB"),
        ({"content": iter([b"\0" * 65536] * 5)}, 413, "upload too large"),  # chunked, no Content-Length
        ({"content": png, "params": {"style": "van_gogh"}}, 400,
         "unknown style 'van_gogh'; this model has: swirl, mosaic"),
        ({"content": png, "params": {"size": "720x1280"}}, 400, "exported sizes (HEIGHTxWIDTH): 48x64"),
        ({"content": png, "params": {"strength": "2"}}, 400, "strength must be a number in [0, 1]"),
        ({"content": png, "params": {"file": "/etc/passwd"}}, 400, "unknown setting(s) 'file'"),
    ]
    for kwargs, status, message in cases:
        r = http.post("/api/stylize", **kwargs)
        assert r.status_code == status, (kwargs.get("params"), r.text)
        assert message in r.json()["error"], r.json()
        assert http.get("/api/health").json()["ok"]
    assert http.post("/api/stylize", content=png).status_code == 200
    assert http.get("/api/stylize").status_code == 405
    assert http.get("/thumbnails/..%2Fetc%2Fpasswd.jpg").status_code == 404
    assert http.get("/static/../config.py").status_code == 404


def test_other_hosts_and_foreign_pages_are_refused(server: BackgroundServer):
    r = httpx.get(server.url + "/api/info", headers={"Host": "attacker.example"})
    assert r.status_code == 400  # DNS rebinding: a loopback server answers only loopback names
    with pytest.raises(InvalidStatus) as exc:
        connect(server.ws_url, origin="http://attacker.example", open_timeout=5)
    assert exc.value.response.status_code == 403
    assert DemoConfig().host == "127.0.0.1" and DemoConfig().loopback
    assert "attacker.example" not in allowed_hosts("127.0.0.1")
    assert {"192.168.1.5", "127.0.0.1"} <= set(allowed_hosts("192.168.1.5"))  # a LAN address, on purpose
    assert allowed_hosts("0.0.0.0") == ["*"]  # every interface: any name


# -- WebSocket ------------------------------------------------------------------------------------------

def test_live_session_streams_stylized_frames(server: BackgroundServer):
    with connect(server.ws_url, open_timeout=5) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello["type"] == "hello" and hello["settings"]["size"] == "48x64"
        ws.send(json.dumps({"type": "config", "style": "mosaic", "style2": "swirl", "blend": 0.3, "strength": 0.8}))
        ack = json.loads(ws.recv(timeout=5))
        assert ack == {"type": "config", "settings": {"style": "mosaic", "style2": "swirl", "blend": 0.3,
                                                      "strength": 0.8, "size": "48x64", "profile": "mid"}}
        frame = _encode(_photo(120, 160), "JPEG", quality=85)
        images = []
        for i in range(4):
            ws.send(frame)
            header, jpeg = unpack_frame(ws.recv(timeout=10))
            assert header["type"] == "frame" and header["seq"] == i + 1 and header["style"] == "mosaic"
            assert header["infer_ms"] > 0 and header["server_ms"] >= header["infer_ms"]
            img = Image.open(io.BytesIO(jpeg))
            assert img.format == "JPEG" and img.size == (header["width"], header["height"])
            assert 1.25 < header["width"] / header["height"] < 1.42  # 4:3 in, 4:3 out
            images.append(_decode(jpeg))
        assert (images[0] - images[-1]).abs().max() < 0.1  # same frame, same settings: the same picture
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=5)) == {"type": "pong"}


def test_malformed_messages_get_errors_and_the_session_goes_on(server: BackgroundServer):
    with connect(server.ws_url, open_timeout=5) as ws:
        ws.recv(timeout=5)
        cases = [("{not json", "malformed message: not JSON"), ("[1, 2]", 'expected a JSON object with a "type"'),
                 (json.dumps({"type": "launch"}), "unknown message type 'launch'"),
                 (json.dumps({"type": "config", "style": "nope"}), "unknown style 'nope'"),
                 (json.dumps({"type": "config", "size": "9999x9999"}), "was not exported"),
                 ("x" * 5000, "control message too long"),
                 (_encode(_photo(), "JPEG")[:300], "frame not stylized: cannot decode"),
                 (b"\x00\x01\x02", "frame not stylized: not an image")]
        for message, expected in cases:
            ws.send(message)
            reply = json.loads(ws.recv(timeout=5))
            assert reply["type"] == "error" and expected in reply["message"], (message[:20], reply)
            assert reply.get("frame", False) == isinstance(message, bytes)
        ws.send(_encode(_photo(), "JPEG"))
        header, _ = unpack_frame(ws.recv(timeout=10))
        assert header["seq"] == 1 and header["style"] == "swirl"  # the bad config changed nothing


def test_oversized_message_closes_that_session_only(artifact: Artifact):
    with running(artifact, max_frame_bytes=64 * 1024) as server:
        with connect(server.ws_url, open_timeout=5, max_size=None) as ws:
            ws.recv(timeout=5)
            ws.send(b"\xff" * (100 * 1024))
            with pytest.raises(ConnectionClosed) as exc:
                ws.recv(timeout=5)
            assert exc.value.rcvd.code == 1009  # message too big
        assert _wait_for(lambda: _sessions(server) == 0)
        with connect(server.ws_url, open_timeout=5) as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "hello"


def test_sessions_past_the_limit_are_told_busy_and_slots_come_back(server: BackgroundServer):
    assert _wait_for(lambda: _sessions(server) == 0)  # earlier tests' sessions have ended
    first, second = connect(server.ws_url, open_timeout=5), connect(server.ws_url, open_timeout=5)
    try:
        assert json.loads(first.recv(timeout=5))["type"] == "hello"
        assert json.loads(second.recv(timeout=5))["type"] == "hello"
        with connect(server.ws_url, open_timeout=5) as third:
            busy = json.loads(third.recv(timeout=5))
            assert busy["type"] == "busy" and "all 2 live sessions are in use" in busy["message"]
            with pytest.raises(ConnectionClosed) as exc:
                third.recv(timeout=5)
            assert exc.value.rcvd.code == 1013  # try again later
        assert _sessions(server) == 2
        first.close()
        assert _wait_for(lambda: _sessions(server) == 1)
        with connect(server.ws_url, open_timeout=5) as again:
            assert json.loads(again.recv(timeout=5))["type"] == "hello"
    finally:
        first.close()
        second.close()
    assert _wait_for(lambda: _sessions(server) == 0)


def _raw_websocket(server: BackgroundServer) -> socket.socket:
    """A client that completes the handshake and then never reads, answers pings or says goodbye."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101")
    return sock


def test_idle_vanished_and_silent_clients_free_their_slots(artifact: Artifact):
    with running(artifact, idle_timeout_s=0.5) as server:  # a client that stops sending frames
        with connect(server.ws_url, open_timeout=5) as ws:
            ws.recv(timeout=5)
            closing = json.loads(ws.recv(timeout=5))
            assert closing["type"] == "closing" and "free the slot" in closing["message"]
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=5)
        assert _wait_for(lambda: _sessions(server) == 0)
    with running(artifact, idle_timeout_s=60, ping_interval_s=0.2, ping_timeout_s=0.3) as server:
        gone = _raw_websocket(server)
        assert _wait_for(lambda: _sessions(server) == 1)
        gone.close()  # the tab was killed: no close frame
        assert _wait_for(lambda: _sessions(server) == 0)
        silent = _raw_websocket(server)  # the phone left the network: no FIN, no pong
        try:
            assert _wait_for(lambda: _sessions(server) == 1)
            assert _wait_for(lambda: _sessions(server) == 0, timeout=5)  # freed by the heartbeat, not the idle timer
        finally:
            silent.close()


# -- idle and half-sent connections (issue 18, item 3) -------------------------------------------------

def _hold_idle_sockets(port: int, n: int) -> list[socket.socket]:
    """``n`` connections that send nothing (even ones) or half a request line (odd ones), and stay."""
    held = []
    for i in range(n):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if i % 2:
            sock.sendall(b"GET / HTT")
        held.append(sock)
    return held


def _closed_by_server(sock: socket.socket, timeout: float) -> bool:
    """True once the server has closed ``sock`` (FIN or reset; any bytes it sent first are skipped)."""
    end = time.monotonic() + timeout
    while True:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            if sock.recv(4096) == b"":
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except (socket.timeout, BlockingIOError):
            return False
        if time.monotonic() >= end:
            return False


def _page_answered(server: BackgroundServer) -> float:
    t0 = time.monotonic()
    r = httpx.get(server.url + "/", timeout=10)
    assert r.status_code == 200 and "<html" in r.text.lower()
    return time.monotonic() - t0


def test_idle_and_half_sent_connections_do_not_lock_out_the_page(artifact: Artifact):
    with running(artifact, header_timeout_s=2.0, max_connections_per_client=16) as server:
        held = _hold_idle_sockets(server.port, 80)
        try:
            assert _page_answered(server) < 3
            # Past the per-address cap the oldest idle connections gave way at once (not at the timer).
            assert sum(_closed_by_server(s, 0.01) for s in held[:60]) >= 60 - 16
            with connect(server.ws_url, open_timeout=5) as ws:  # live sessions still open beside them
                assert json.loads(ws.recv(timeout=5))["type"] == "hello"
            assert _page_answered(server) < 3
            # A client that dribbles its request head a byte at a time is closed by the head timer.
            loris = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            start, closed = time.monotonic(), False
            for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100:
                try:
                    loris.sendall(bytes([byte]))
                except OSError:
                    closed = True
                    break
                if _closed_by_server(loris, 0.2):
                    closed = True
                    break
            assert closed and time.monotonic() - start < 2.0 + 1.5
            loris.close()
            # And every held socket is closed by the head timer within its 2 s.
            assert all(_closed_by_server(s, 2.5) for s in held)
            assert _page_answered(server) < 3
        finally:
            for s in held:
                s.close()


def test_keep_alive_connections_are_closed_when_idle_and_their_next_head_is_timed(artifact: Artifact):
    with running(artifact, header_timeout_s=1.0, keep_alive_s=1.0) as server:
        quiet = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        half = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        request = f"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
        try:
            for sock in (quiet, half):
                sock.sendall(request)
                sock.settimeout(5)
                assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            half.sendall(b"GET /api/health HTTP/1.1\r\nHost: 1")  # the next head starts, never ends
            assert _closed_by_server(quiet, 2.5) and _closed_by_server(half, 2.5)
        finally:
            quiet.close()
            half.close()


@pytest.mark.slow
def test_default_limits_close_held_connections_and_keep_answering(artifact: Artifact):
    """The issue's probe with the shipped defaults: 80 held connections, the page still answered."""
    defaults = DemoConfig()
    assert defaults.header_timeout_s <= 15 and defaults.keep_alive_s <= 10
    assert defaults.max_connections_per_client < defaults.max_connections
    with BackgroundServer(artifact, DemoConfig(port=0)) as server:
        held = _hold_idle_sockets(server.port, 80)
        try:
            start = time.monotonic()
            while time.monotonic() - start < defaults.header_timeout_s - 1:
                assert _page_answered(server) < 3
                time.sleep(1.0)
            assert all(_closed_by_server(s, start + defaults.header_timeout_s + 3 - time.monotonic()) for s in held)
            assert _page_answered(server) < 3
        finally:
            for s in held:
                s.close()


def test_connection_guard_gives_way_to_new_clients_and_refuses_only_when_all_are_busy():
    from edgenst.demo_app.connections import ConnectionGuard

    now = [0.0]
    closed: list[str] = []
    guard = ConnectionGuard(max_total=4, max_per_client=2, clock=lambda: now[0])

    def admit(key: str, address: str) -> str | None:
        now[0] += 1
        return guard.admit(key, address, lambda: closed.append(key))

    assert admit("a1", "A") is None and admit("a2", "A") is None
    assert admit("a3", "A") is None and closed == ["a1"]  # A's oldest idle connection gave way
    guard.busy("a2")
    guard.busy("a3")
    reason = admit("a4", "A")  # both of A's connections are serving requests: refused
    assert reason is not None and "A" in reason and closed == ["a1"]
    assert admit("b1", "B") is None and admit("c1", "C") is None
    assert admit("d1", "D") is None and closed == ["a1", "b1"]  # at the total cap: the oldest idle anywhere
    guard.busy("c1")
    guard.busy("d1")
    reason = admit("e1", "E")
    assert reason is not None and "4" in reason
    guard.idle("a2")
    assert admit("e2", "E") is None and closed == ["a1", "b1", "a2"]
    guard.release("a3")
    guard.release("a3")  # twice is harmless (an evicted connection is released when it closes)
    assert guard.open == 3 and guard.from_address("A") == 0


def test_connection_limits_are_checked():
    for bad in ({"header_timeout_s": 0}, {"keep_alive_s": -1}, {"max_connections_per_client": 0},
                {"max_connections": 8, "max_connections_per_client": 9}):
        with pytest.raises(InputError):
            DemoConfig(**bad)


# -- engine: device profiles and the process-wide thread pool -----------------------------------------

def test_profile_switches_reopen_the_program_safely(artifact: Artifact):
    frame = _encode(_photo(), "JPEG")
    low, mid = (StyleSettings(style="swirl", size=TINY_SIZE, profile=p) for p in ("low", "mid"))
    a, b = Engine(artifact), Engine(artifact)
    try:
        a.open(2)
        first = a.process_sync(frame, mid)
        assert not first.reopened and first.threads == 2
        outputs = []
        for i in range(6):  # alternate profiles, and a second engine resets the pool under the first
            pa, pb = (low, mid) if i % 2 == 0 else (mid, low)
            r = a.process_sync(frame, pa)
            assert r.reopened and r.threads == pa.threads
            other = b.process_sync(frame, pb)
            assert other.reopened and other.threads == pb.threads
            outputs += [_decode(r.data), _decode(other.data)]
        assert a.process_sync(frame, low).reopened  # b changed the pool since a's last run
        assert not a.process_sync(frame, low).reopened  # nothing changed: the loaded program is reused
    finally:
        a.close()
        b.close()
    for out in outputs[1:]:
        assert (out - outputs[0]).abs().max() < 0.05  # the thread count changes speed, not the picture


# -- CLI and the default path ------------------------------------------------------------------------------

def test_cli_demo_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["demo", "--port", "0", "--model-dir", str(tmp_path)]) == 2
    assert "has no manifest.json" in capsys.readouterr().err
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        assert main(["demo", "--port", str(busy.getsockname()[1]), "--model-dir", str(tmp_path)]) == 2
        assert "cannot listen on 127.0.0.1" in capsys.readouterr().err
    finally:
        busy.close()
    (tmp_path / "c.pem").write_text("not used")
    assert main(["demo", "--port", "0", "--cert", str(tmp_path / "c.pem")]) == 2
    assert "needs both a certificate and a key" in capsys.readouterr().err


def test_python_m_demo_app_is_the_demo_command():
    out = subprocess.run([sys.executable, "-m", "edgenst.demo_app", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and "--model-dir" in out.stdout and "127.0.0.1" in out.stdout


def test_https_serves_a_self_signed_certificate(artifact: Artifact, tmp_path: Path):
    pytest.importorskip("cryptography")
    from edgenst.demo_app.tls import self_signed

    cert, key = self_signed(tmp_path, "127.0.0.1")
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    with running(artifact, certfile=cert, keyfile=key) as server:
        assert server.url.startswith("https://")
        assert httpx.get(server.url + "/api/health", verify=False, timeout=5).json()["ok"]
        with pytest.raises(httpx.ConnectError):  # and it is TLS, not plain http on that port
            httpx.get(server.url + "/api/health", verify=True, timeout=5)


@pytest.mark.slow
def test_default_path_exports_the_shipped_student_to_int8_once(tmp_path_factory: pytest.TempPathFactory,
                                                               monkeypatch: pytest.MonkeyPatch):
    from edgenst.demo_app import artifact as artifact_module
    from edgenst.pretrained import StudentWeights

    base = tmp_path_factory.getbasetemp()
    art = shipped_export(base)  # the first start (or the browser test's) export
    shipped = StudentWeights.FAST_V1  # the demo's default: the real-time member
    assert art.folder.name.startswith(shipped.value.sha256[:16])
    assert art.precision == "int8" and art.file == "student-int8.pte" and art.sizes == (SHIPPED_SIZE,)
    assert list(art.styles) == shipped.styles and art.source == "fast"
    monkeypatch.setattr(artifact_module, "_export_into", lambda *a: pytest.fail("exported again"))
    assert shipped_export(base) == art  # later starts reuse the cache
    engine = Engine(art)
    try:
        settings = StyleSettings(style="starry_night", size=SHIPPED_SIZE)
        r = engine.process_sync(_encode(_photo(96, 128), "JPEG"), settings)
    finally:
        engine.close()
    assert r.width == 120 and r.height == 90 and r.infer_ms > 0
