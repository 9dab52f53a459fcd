"""The Core ML student with a style-vector input (``edgenst export --formats coreml --style-vector``).

The package's one function takes ``style_vector`` and ``vector_weight`` after the table's three
inputs, both optional with default 0 (apps that feed only the table run unchanged). On Linux the
check reads the spec, metadata and weights; the prediction logic runs against a stand-in for
Core ML that predicts with PyTorch, as a perfect Core ML would.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import tiny_trained_like_student

from edgenst.export import coreml_check
from edgenst.export.app_model import AppModel, Size, VectorAppModel
from edgenst.export.bundle import ExportConfig, export_bundle
from edgenst.export.coreml import CoreMLConfig
from edgenst.export.coreml_check import check_coreml
from edgenst.export.manifest import read_manifest
from edgenst.export.verify import verify_export
from edgenst.models.serialization import ModelInfo
from edgenst.styles import StyleSpace

pytestmark = pytest.mark.filterwarnings("ignore:Function _TORCH_OPS_REGISTRY:DeprecationWarning")

STYLES = ["swirl", "mosaic"]
INFO = ModelInfo("student", {"styles": 2, "width": 8, "blocks": 1}, STYLES)
SIZES = (Size(64, 64), Size(64, 96))


def _student() -> torch.nn.Module:
    """The tiny student with styles far apart, so painting with a vector differs visibly from the table."""
    student = tiny_trained_like_student()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name in {n for n, _ in StyleSpace.of(student).layout}:
            p = student.get_parameter(name)
            p.add_(2.0 * torch.randn(p.shape, generator=g))
    return student


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("coreml_vector")
    config = ExportConfig(sizes=SIZES, formats=("coreml",), style_vector=True, coreml_compress="none")
    export_bundle(_student(), INFO, out, config, [])
    return out


def _config() -> CoreMLConfig:
    return CoreMLConfig(sizes=SIZES, style_vector=True)


def _spec(path: Path):  # noqa: ANN202 - a Core ML protobuf
    import coremltools as ct

    return ct.models.MLModel(str(path), skip_model_load=True).get_spec()


def test_the_package_takes_the_vector_as_optional_inputs(folder: Path):
    from coremltools.proto import FeatureTypes_pb2 as ft

    spec = _spec(folder / "student.mlpackage")
    dim = StyleSpace.of(tiny_trained_like_student()).dim
    inputs = spec.description.input
    assert [i.name for i in inputs] == ["image", "style_weights", "strength", "style_vector", "vector_weight"]
    assert {(s.height, s.width) for s in inputs[0].type.imageType.enumeratedSizes.sizes} == {(64, 64), (64, 96)}
    for feature, shape in ((inputs[3], [1, dim]), (inputs[4], [1, 1])):
        arr = feature.type.multiArrayType
        assert list(arr.shape) == shape and arr.dataType == ft.ArrayFeatureType.FLOAT32
        assert feature.type.isOptional and arr.floatDefaultValue == 0
    assert not any(i.type.isOptional for i in inputs[:3])
    layout = json.loads(spec.description.metadata.userDefined["edgenst.style_vector"])
    assert layout["length"] == dim and layout["layout"][0]["offset"] == 0
    assert "vector_weight" in spec.description.metadata.userDefined["edgenst.input_convention"]


def test_the_manifest_says_how_an_app_feeds_it(folder: Path):
    entry = read_manifest(folder)["artifacts"][0]
    assert entry["file"] == "student.mlpackage"
    vector, weight = entry["vector_inputs"]
    assert vector["name"] == "style_vector" and vector["shape"] == [1, StyleSpace.of(tiny_trained_like_student()).dim]
    assert weight["name"] == "vector_weight" and vector["optional"] and weight["default"] == 0.0
    report = verify_export(folder, [torch.rand(1, 3, 64, 64)])
    assert report.ok, report.lines()
    assert any("macOS" in s for s in report.artifacts[0].skipped)


def test_the_check_fails_when_the_vector_input_is_required(folder: Path, tmp_path: Path):
    import coremltools as ct

    student = _student()
    pkg = folder / "student.mlpackage"
    assert check_coreml(pkg, student, STYLES, _config()).ok
    assert not check_coreml(pkg, student, STYLES, CoreMLConfig(sizes=SIZES)).ok  # a table-only promise
    model = ct.models.MLModel(str(pkg), skip_model_load=True)
    spec = model.get_spec()
    spec.description.input[3].type.isOptional = False
    spec.description.input[3].type.multiArrayType.ClearField("floatDefaultValue")
    ct.models.MLModel(spec, weights_dir=model.weights_dir, skip_model_load=True).save(str(tmp_path / "req.mlpackage"))
    check = check_coreml(tmp_path / "req.mlpackage", student, STYLES, _config())
    assert any("style_vector is required" in f for f in check.failures), check.failures


class _FakeCoreML:
    """Predicts with PyTorch: the vector program when the vector inputs are fed, else the table's.
    ``ignore_vector``: a package that drops the vector (what the check must catch)."""

    ignore_vector = False

    def __init__(self, path: str) -> None:
        student = _student()
        self.app = AppModel(student, output_scale=255.0).eval()
        self.vapp = VectorAppModel(student, output_scale=255.0).eval()

    def predict(self, inputs: dict) -> dict:
        from PIL import Image

        image = torch.from_numpy(np.asarray(inputs["image"], dtype=np.float32)).permute(2, 0, 1)[None] / 255.0
        table = (image, torch.from_numpy(inputs["style_weights"]), torch.from_numpy(inputs["strength"]))
        with torch.no_grad():
            if "style_vector" in inputs and not self.ignore_vector:
                out = self.vapp(*table, torch.from_numpy(inputs["style_vector"]), torch.from_numpy(inputs["vector_weight"]))
            else:
                out = self.app(*table)
        return {"stylized": Image.fromarray(out[0].permute(1, 2, 0).clamp(0, 255).round().byte().numpy(), "RGB")}


@pytest.mark.parametrize("ignore_vector", [False, True])
def test_prediction_compares_the_vector_path_too(folder: Path, monkeypatch: pytest.MonkeyPatch, ignore_vector: bool):
    monkeypatch.setattr(coreml_check, "_core_ml_predictor", type("Fake", (_FakeCoreML,), {"ignore_vector": ignore_vector}))
    check = check_coreml(folder / "student.mlpackage", _student(), STYLES, _config(), predict=True)
    assert set(check.psnr) == {"64x64", "64x96", "64x64 vector", "64x96 vector"}
    if ignore_vector:
        assert not check.ok and all("vector" in f for f in check.failures)
    else:
        assert check.ok, check.summary()
