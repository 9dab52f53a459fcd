"""A painting in the page, in a real headless Chromium: on-device mode feeds the painting's style
vector (predicted by the server, a stand-in predictor here) to the int8 program's ``vector_HxW``
method in the WebAssembly runtime, and gets the Python runtime's output; the photo painted with it
never reaches the server. Chromium and Playwright as in ``test_demo_browser.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest
import torch
from demo_support import tiny_vector_export
from PIL import Image
from test_demo_browser import _text, _until, browser  # noqa: F401  (browser: a module fixture)
from test_demo_browser_ondevice import MAX_ABS, MEAN_ABS, _open
from test_demo_paintings import _stand_in_predictor

from edgenst.demo_app.artifact import open_export
from edgenst.demo_app.config import DemoConfig
from edgenst.demo_app.launch import BackgroundServer
from edgenst.demo_app.server import web_runtime_available
from edgenst.samples import sample_photo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    if not web_runtime_available():
        pytest.fail("demo_app/web_runtime/edgenst_et.{js,wasm} are missing")
    artifact = open_export(tiny_vector_export(tmp_path_factory.getbasetemp()))
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "edgenst.style_predictor", _stand_in_predictor())
        with BackgroundServer(artifact, DemoConfig(port=0, max_sessions=1)) as s:
            yield s


def test_a_painting_paints_on_the_device_like_the_python_runtime(browser, server: BackgroundServer,  # noqa: F811
                                                                 tmp_path: Path):
    from edgenst.demo_app.engine import _Threadpool
    from edgenst.runtime import PteModel

    (h, w), = server.artifact.sizes
    size = f"{h}x{w}"
    image = torch.nn.functional.interpolate(sample_photo("astronaut"), size=(h, w), mode="bilinear", antialias=True)
    page = _open(browser, server.url + "/")
    assert page.evaluate("() => window.edgenstDemo.mode") == "device"
    assert page.is_visible("#painting-box")

    painting = tmp_path / "night.png"
    Image.new("RGB", (90, 60), (20, 30, 40)).save(painting)
    page.set_input_files("#painting", str(painting))
    _until(lambda: "Painting with night.png" in _text(page, "#painting-status"), "the painting's vector")
    vector = page.evaluate("() => fetch('/api/painting', {method: 'POST', body: new Uint8Array([1, 2, 3])})"
                           ".then((r) => r.status)")
    assert vector == 415  # the page's own upload route refuses junk with a status, not a crash

    body = torch.tensor(page.evaluate(
        "() => fetch('/api/painting', {method: 'POST', body: document.getElementById('painting').files[0]})"
        ".then((r) => r.json()).then((j) => j.vector)")).unsqueeze(0)
    weights, strength = torch.tensor([[0.0, 1.0]]), 0.8
    with _Threadpool.lock:
        expected = PteModel(server.artifact.path).run_vector(image, weights, torch.tensor([[strength]]), body,
                                                             torch.tensor([[0.7]]))
    got = page.evaluate("([size, x, w, s, v]) => window.edgenstDemo.run(size, x, w, s, v, 0.7)",
                        [size, image.flatten().tolist(), weights.flatten().tolist(), strength, body.flatten().tolist()])
    diff = (torch.tensor(got["out"]).reshape(expected.shape) - expected).abs()
    assert diff.max().item() <= MAX_ABS and diff.mean().item() <= MEAN_ABS, (diff.max().item(), diff.mean().item())

    photo = tmp_path / "cat.png"
    Image.fromarray((sample_photo("chelsea")[0].permute(1, 2, 0).numpy() * 255).astype("uint8")).save(photo)
    frames = server.engine.frames
    page.set_input_files("#photo", str(photo))
    _until(lambda: "night.png" in _text(page, "#photo-status"), "the photo painted with the painting")
    assert "on this device" in _text(page, "#photo-status") and server.engine.frames == frames
    assert page.errors == []
    page.close()
