"""The demo's painting upload (issue 22): a visitor's painting becomes a style vector the int8
``.pte`` paints with, blended with the shipped styles and with strength; hostile uploads get one
clear error and the server keeps serving.

The predictor is a stand-in installed as ``edgenst.style_predictor`` (the real one is built
elsewhere): it answers table column 0 for dark paintings and column 1 for bright ones, so a dark
painting must paint what the table's first style paints, through the program's vector method.
"""

from __future__ import annotations

import io
import sys
import types
from typing import Iterator

import httpx
import numpy as np
import pytest
import torch
from conftest import tiny_trained_like_student
from demo_support import tiny_export, tiny_vector_export
from PIL import Image

from edgenst.demo_app.artifact import Artifact, open_export
from edgenst.demo_app.config import DemoConfig
from edgenst.demo_app.launch import BackgroundServer
from edgenst.styles import StyleSpace, StyleVector

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _stand_in_predictor() -> types.ModuleType:
    module = types.ModuleType("edgenst.style_predictor")

    def predict_style(model: torch.nn.Module, painting: torch.Tensor) -> StyleVector:
        assert painting.dim() == 4 and painting.shape[1] == 3 and max(painting.shape[-2:]) <= 512
        return StyleSpace.of(model).column(model, 0 if float(painting.mean()) < 0.5 else 1)

    module.predict_style = predict_style  # type: ignore[attr-defined]
    return module


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Artifact:
    return open_export(tiny_vector_export(tmp_path_factory.getbasetemp()))  # shared with the export tests


@pytest.fixture(scope="module")
def http(artifact: Artifact) -> Iterator[httpx.Client]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "edgenst.style_predictor", _stand_in_predictor())
        config = DemoConfig(port=0, max_upload_bytes=256 * 1024, max_pixels=1_000_000, idle_timeout_s=5.0)
        with BackgroundServer(artifact, config) as server, httpx.Client(base_url=server.url, timeout=20) as client:
            yield client


def _png(value: float | None = None, h: int = 60, w: int = 80, seed: int = 0) -> bytes:
    g = np.random.default_rng(seed)
    arr = g.random((h, w, 3)) if value is None else np.full((h, w, 3), value)
    buf = io.BytesIO()
    Image.fromarray((arr * 255).astype(np.uint8), "RGB").save(buf, format="PNG")
    return buf.getvalue()


def _decode(data: bytes) -> torch.Tensor:
    return torch.from_numpy(np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float32) / 255.0)


def test_an_uploaded_painting_paints_like_its_vector(http: httpx.Client, artifact: Artifact):
    info = http.get("/api/info").json()
    assert info["paintings"]["available"] and info["artifact"]["style_vector"]["length"] == artifact.vector_dim
    dark = http.post("/api/painting", content=_png(0.2 * torch.rand(1).item()), headers={"Content-Type": "image/png"})
    assert dark.status_code == 200, dark.text
    body = dark.json()
    student = tiny_trained_like_student()
    assert body["length"] == StyleSpace.of(student).dim == len(body["vector"])
    assert np.allclose(body["vector"], StyleSpace.of(student).column(student, 0).values.numpy(), atol=1e-5)

    photo = _png(seed=3)

    def paint(**params: str) -> torch.Tensor:
        r = http.post("/api/stylize", params=params, content=photo)
        assert r.status_code == 200, r.text
        return _decode(r.content)

    def dist(a: torch.Tensor, b: torch.Tensor) -> float:
        return float((a - b).abs().mean())

    painted = paint(style="mosaic", painting=body["painting"])
    swirl, mosaic = paint(style="swirl"), paint(style="mosaic")
    gap = dist(swirl, mosaic)  # how far apart the tiny student's two styles paint this photo
    assert gap > 0.002
    # the dark painting's vector is column 0: it paints like swirl (int8 rounding apart), not mosaic
    assert dist(painted, swirl) < gap / 4 and dist(painted, mosaic) > 0.75 * gap, (dist(painted, swirl), gap)
    # painting_weight 0 is the table's style alone; half is in between; strength 0 is the photo
    assert dist(paint(style="mosaic", painting=body["painting"], painting_weight="0"), mosaic) < gap / 4
    half = paint(style="mosaic", painting=body["painting"], painting_weight="0.5")
    assert dist(half, painted) > gap / 5 and dist(half, mosaic) > gap / 5
    assert dist(paint(style="mosaic", painting=body["painting"], strength="0"),
                paint(style="mosaic", strength="0")) < gap / 4


def test_hostile_paintings_get_one_clear_error_and_the_server_keeps_serving(http: httpx.Client):
    cases = [
        (b"this is not an image", {"Content-Type": "image/png"}, 415, "not an image"),
        (_png(0.5), {"Content-Type": "text/html"}, 415, "expected an image"),
        (b"\x00" * (300 * 1024), {"Content-Type": "image/png"}, 413, "too large"),
        (_png(0.5, h=1100, w=1000), {"Content-Type": "image/png"}, 415, "megapixels"),
        (_png(seed=4)[:5000], {"Content-Type": "image/png"}, 415, "truncated"),
    ]
    for data, headers, status, words in cases:
        r = http.post("/api/painting", content=data, headers=headers)
        assert r.status_code == status and words in r.json()["error"], (status, r.text)
        assert "\n" not in r.json()["error"]
    solid = http.post("/api/painting", content=_png(1.0))  # a solid colour: a sensible result, not a crash
    assert solid.status_code == 200 and len(solid.json()["vector"]) == solid.json()["length"]
    r = http.post("/api/stylize", params={"painting": "0123456789abcdef"}, content=_png(seed=1))
    assert r.status_code == 400 and "upload it first" in r.json()["error"]
    assert http.get("/api/health").json()["ok"]


def test_a_model_without_vectors_refuses_paintings_with_one_line(tmp_path_factory: pytest.TempPathFactory):
    plain = open_export(tiny_export(tmp_path_factory.getbasetemp()))
    assert not plain.takes_vectors
    with BackgroundServer(plain, DemoConfig(port=0)) as server, httpx.Client(base_url=server.url, timeout=20) as c:
        r = c.post("/api/painting", content=_png(0.3))
        assert r.status_code == 400 and "--style-vector" in r.json()["error"]
        r = c.post("/api/stylize", params={"painting": "abc"}, content=_png(seed=2))
        assert r.status_code == 400 and "takes no painting" in r.json()["error"]
        assert not c.get("/api/info").json()["paintings"]["available"]


def test_no_predictor_installed_is_a_one_line_error(artifact: Artifact, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "edgenst.style_predictor", None)
    with BackgroundServer(artifact, DemoConfig(port=0)) as server, httpx.Client(base_url=server.url, timeout=20) as c:
        r = c.post("/api/painting", content=_png(0.3, seed=5))
        assert r.status_code == 400 and "no style predictor" in r.json()["error"]
