"""On-device mode in a real headless Chromium: the int8 ``.pte`` runs in the page, in the committed
ExecuTorch WebAssembly runtime (``demo_app/web_runtime/``, nothing is built here).

What is checked: stylized camera frames and photos appear while no frame and no photo reaches the
server (the engine's counter stays at zero and the page opens no WebSocket and posts nothing); the
runtime runs in a Web Worker, never on the page's thread; the page's runtime gives the Python
runtime's output (``edgenst.runtime``) for a fixed input within the int8 tolerance; a ``.pte`` that
fails to load, a download that does not match the sha256 the server announced (checked without
``crypto.subtle``, so also over plain http://), and a browser without relaxed SIMD, each get a clear
sentence on the page and the server mode instead.

Chromium and Playwright as in ``test_demo_browser.py`` (skips with the reason, fails under
``EDGENST_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import hashlib

import pytest
import torch
from demo_support import SHIPPED_SIZE, shipped_export
from PIL import Image
from test_demo_browser import _output_spread, _text, _until, browser  # noqa: F401  (browser: a module fixture)

from edgenst.demo_app.config import DemoConfig
from edgenst.demo_app.frames import letterbox
from edgenst.demo_app.launch import BackgroundServer
from edgenst.demo_app.server import WEB_RUNTIME, web_runtime_available
from edgenst.samples import sample_photo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SIZE = f"{SHIPPED_SIZE[0]}x{SHIPPED_SIZE[1]}"
#: int8 tolerance between the browser's XNNPACK kernels (wasm) and the native ones (x86): the same
#: quantized program, but relaxed SIMD lets a multiply-add be fused or not depending on the CPU, so a
#: value on a rounding edge can move by one output quantization step (about 1/255 here). Measured on
#: this machine: 6e-8 (max) at 256x256 in Node, i.e. the same numbers.
MAX_ABS = 0.02
MEAN_ABS = 0.002


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    if not web_runtime_available():
        pytest.fail("demo_app/web_runtime/edgenst_et.{js,wasm} are missing: they are committed; rebuild them "
                    "with scripts/build-web-runtime.sh")
    artifact = shipped_export(tmp_path_factory.getbasetemp())
    with BackgroundServer(artifact, DemoConfig(port=0, max_sessions=2)) as s:
        yield s


def _open(browser, url: str, init_script: str | None = None):  # noqa: F811
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.errors = []
    page.requests = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("request", lambda req: page.requests.append((req.method, req.url)))
    page.on("websocket", lambda ws: page.requests.append(("WEBSOCKET", ws.url)))
    if init_script:
        page.add_init_script(init_script)
    page.goto(url)
    _until(lambda: page.evaluate("() => document.getElementById('where').dataset.mode") not in (None, "pending"),
           "the page to choose where the model runs", timeout=60)
    return page


def test_on_device_frames_and_photos_never_reach_the_server(browser, server: BackgroundServer,  # noqa: F811
                                                            tmp_path: Path):
    frames_before = server.engine.frames
    page = _open(browser, server.url + "/")
    assert page.evaluate("() => document.getElementById('where').dataset.mode") == "device", _text(page, "#where")
    where = _text(page, "#where")
    assert "Runs on this device" in where and "WebAssembly" in where and "First load" in where
    # The runtime lives in the worker: the page's own thread never loaded it.
    assert "Web Worker" in where and page.evaluate("() => document.getElementById('where').dataset.engine") == "worker"
    assert [w.url.rsplit("/", 1)[-1] for w in page.workers] == ["ondevice-worker.js"]
    assert page.evaluate("() => typeof createExecuTorch") == "undefined"
    assert page.workers[0].evaluate("() => typeof createExecuTorch") == "function"
    assert "on this device" in _text(page, "#artifact") and server.artifact.sha256[:12] in _text(page, "#artifact")

    page.click("#start")
    _until(lambda: int(_text(page, "#frames")) >= 5, "five frames stylized in the page", timeout=60)
    _until(lambda: float(_text(page, "#fps")) > 0, "the FPS counter above zero")
    assert _text(page, "#latency").endswith("ms") and _text(page, "#infer").endswith("ms")
    assert _text(page, "#latency-label") == "Per frame"
    spread = _output_spread(page)
    assert spread[0] == SHIPPED_SIZE[1] - 8 and spread[2] > 30  # the 4:3 fake camera at 128 px, a picture

    page.select_option("#style", "great_wave")
    _until(lambda: page.evaluate("() => document.getElementById('stats').dataset.style") == "great_wave",
           "frames with the new style")

    photo = tmp_path / "cat.jpg"
    arr = (sample_photo("chelsea")[0].permute(1, 2, 0).numpy() * 255).astype("uint8")
    Image.fromarray(arr).save(photo, quality=90)
    page.set_input_files("#photo", str(photo))
    _until(lambda: page.evaluate("() => document.getElementById('result').naturalWidth"), "the stylized photo")
    assert "on this device" in _text(page, "#photo-status")
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == "stylized-great_wave.png"
    saved = tmp_path / "downloaded.png"
    download.value.save_as(saved)
    result = Image.open(saved)
    assert result.format == "PNG" and result.width > result.height

    junk = tmp_path / "notes.txt"
    junk.write_text("not a picture")
    page.set_input_files("#photo", str(junk))
    _until(lambda: "not a usable image" in _text(page, "#photo-status"), "the error for a non-image")

    page.click("#stop")
    assert server.engine.frames == frames_before  # zero frames and photos ran on the server
    sent = [(m, u.split(server.url.split("//")[1], 1)[-1]) for m, u in page.requests]
    assert not [r for r in sent if r[0] != "GET"], sent  # no WebSocket, no upload
    assert ("GET", f"/model/{server.artifact.file}") in sent and ("GET", "/web_runtime/edgenst_et.wasm") in sent
    assert page.errors == []
    page.close()


def test_on_device_output_matches_the_python_runtime(browser, server: BackgroundServer):  # noqa: F811
    from edgenst.demo_app.engine import _Threadpool
    from edgenst.runtime import PteModel

    image, _ = letterbox(sample_photo("astronaut"), SHIPPED_SIZE)
    styles = list(server.artifact.styles)
    weights = torch.zeros(1, len(styles))
    weights[0, 0], weights[0, 3] = 0.6, 0.4
    strength = 0.8
    with _Threadpool.lock:  # the server's engine shares this process's XNNPACK pool
        expected = PteModel(server.artifact.path).run(image, weights, torch.tensor([[strength]]))

    page = _open(browser, server.url + "/")
    assert page.evaluate("() => window.edgenstDemo.mode") == "device"
    got = page.evaluate("([size, x, w, s]) => window.edgenstDemo.run(size, x, w, s)",  # a promise, awaited
                        [SIZE, image.flatten().tolist(), weights.flatten().tolist(), strength])
    out = torch.tensor(got["out"]).reshape(expected.shape)
    diff = (out - expected).abs()
    assert diff.max().item() <= MAX_ABS and diff.mean().item() <= MEAN_ABS, (diff.max().item(), diff.mean().item())
    # and the inputs matter: another style gives another picture
    other = page.evaluate("([size, x, w, s]) => window.edgenstDemo.run(size, x, w, s)",
                          [SIZE, image.flatten().tolist(), [0, 1] + [0] * (len(styles) - 2), strength])
    assert (torch.tensor(other["out"]).reshape(expected.shape) - expected).abs().mean().item() > 10 * MEAN_ABS
    page.close()


@pytest.mark.parametrize(("target", "body", "message"), [
    ("model", b"<html>not a model</html>" * 4, "is not an ExecuTorch program"),
    ("model", "truncated", "does not match its sha256"),
    ("wasm", "flipped", "edgenst_et.wasm does not match its sha256"),
], ids=["pte-not-a-program", "pte-truncated", "wasm-one-byte-flipped"])
def test_a_download_that_fails_to_load_gets_a_clear_message(browser, server: BackgroundServer,  # noqa: F811
                                                            target: str, body, message: str):
    if target == "model":
        url, name = f"**/model/{server.artifact.file}", server.artifact.file
        if body == "truncated":
            body = server.artifact.path.read_bytes()[: server.artifact.bytes // 2]
    else:  # a runtime whose bytes differ from the announced ones by one flipped byte
        url, name = "**/web_runtime/edgenst_et.wasm", "edgenst_et.wasm"
        body = bytearray(WEB_RUNTIME.joinpath("edgenst_et.wasm").read_bytes())
        body[-1] ^= 0xFF
        body = bytes(body)
    page = browser.new_page()
    page.route(url, lambda route: route.fulfill(
        status=200, body=body, headers={"Content-Type": "application/octet-stream"}))
    page.goto(server.url + "/")
    _until(lambda: page.evaluate("() => document.getElementById('where').dataset.mode") == "server",
           "the fallback to server mode", timeout=60)
    where = _text(page, "#where")
    assert "on-device mode failed" in where and message in where and name in where
    assert "go to the server instead" in where
    page.close()


def test_the_pages_sha256_is_sha256(browser, server: BackgroundServer):  # noqa: F811
    # The check must work where crypto.subtle does not exist (plain http:// on a phone), so the worker
    # uses its own SHA-256: compare it with hashlib on lengths around the 64-byte block edges.
    page = _open(browser, server.url + "/")
    worker = page.workers[0]
    data = bytes(range(256)) * 5
    for n in (0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 1280):
        got = worker.evaluate("(xs) => EdgenstSha256.hex(new Uint8Array(xs))", list(data[:n]))
        assert got == hashlib.sha256(data[:n]).hexdigest(), n
    page.close()


def test_without_relaxed_simd_the_page_runs_on_the_server(browser, server: BackgroundServer):  # noqa: F811
    # A browser whose WebAssembly lacks relaxed SIMD rejects the probe module: simulate that one answer.
    page = _open(browser, server.url + "/", init_script="""
        const validate = WebAssembly.validate;
        WebAssembly.validate = (bytes) => (bytes.length === 36 ? false : validate(bytes));""")
    assert page.evaluate("() => document.getElementById('where').dataset.mode") == "server"
    assert "no relaxed SIMD" in _text(page, "#where") and "on the server" in _text(page, "#artifact")
    frames_before = server.engine.frames
    page.click("#start")
    _until(lambda: int(_text(page, "#frames")) >= 2, "frames stylized by the server", timeout=60)
    assert server.engine.frames >= frames_before + 2
    assert not any(u.endswith(".wasm") for _, u in page.requests)  # the runtime was not even downloaded
    page.click("#stop")
    page.close()
