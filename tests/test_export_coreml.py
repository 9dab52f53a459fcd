"""Core ML export: the package keeps its promises, and the check can tell when it does not.

Core ML itself runs only on macOS, so on Linux these tests read the package back (spec, metadata,
op set, weights against PyTorch); the prediction test runs only on macOS. A tiny student keeps
each export to a second or two; the packages are built once per module.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import tiny_trained_like_student

from edgenst.errors import InputError
from edgenst.export import coreml_check
from edgenst.export.app_model import AppModel, Size
from edgenst.export.coreml import CoreMLConfig, export_coreml
from edgenst.export.coreml_check import _check_op_set, check_coreml

# coremltools 9 warns about its own deprecated registry once per converted op
pytestmark = pytest.mark.filterwarnings("ignore:Function _TORCH_OPS_REGISTRY:DeprecationWarning")

STYLES = ["ink", "sunset"]
SIZES = (Size(64, 64), Size(64, 96), Size(96, 64))


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


def _student() -> torch.nn.Module:
    return tiny_trained_like_student()


@pytest.fixture(scope="module")
def student() -> torch.nn.Module:
    return _student()


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory, student: torch.nn.Module) -> dict:
    """compress mode -> (config, report), exported once for the whole module."""
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("coreml")
    built = {}
    for compress in (None, "int8", "palettize"):
        config = CoreMLConfig(sizes=SIZES, compress=compress, author="Test Author", version="9.9.9")
        report = export_coreml(student, STYLES, out / f"tiny-{config.compress_label}.mlpackage", config)
        built[compress] = (config, report)
    return built


def _spec(path: str):
    import coremltools as ct

    return ct.models.MLModel(path, skip_model_load=True).get_spec()


# ------------------------------------------------------------------------------------ config


@pytest.mark.parametrize(
    "kwargs",
    [
        {"compress": "int4"},
        {"compress": "fp16"},
        {"flexible": "dynamic"},
        {"palette_bits": 5},
        {"palette_bits": True},
        {"sizes": ()},
        {"sizes": (Size(64, 64), Size(64, 64))},
        {"sizes": ("64x62",)},
        {"sizes": ("big",)},
        {"sizes": (3.5,)},
        {"min_weight_size": -1},
        {"author": ""},
        {"license": "MIT\nand more"},
        {"version": 1},
    ],
)
def test_bad_config_values_are_input_errors(kwargs: dict) -> None:
    with pytest.raises(InputError):
        CoreMLConfig(**kwargs)


def test_config_takes_sizes_as_text_or_pairs() -> None:
    assert CoreMLConfig(sizes=("720x1280", (256, 256))).sizes == (Size(720, 1280), Size(256, 256))
    assert CoreMLConfig(sizes="64x64").sizes == (Size(64, 64),)
    assert CoreMLConfig().sizes == (Size(256, 256), Size(512, 512), Size(720, 1280))
    assert CoreMLConfig(compress="palettize", palette_bits=4).compress_label == "palettize-4bit"


def test_export_rejects_bad_arguments(tmp_path: Path, student: torch.nn.Module) -> None:
    config = CoreMLConfig(sizes=SIZES[:1])
    with pytest.raises(InputError, match="mlpackage"):
        export_coreml(student, STYLES, tmp_path / "model.mlmodel", config)
    with pytest.raises(InputError, match="2 styles"):
        export_coreml(student, ["only-one"], tmp_path / "a.mlpackage", config)
    with pytest.raises(InputError, match="repeat"):
        export_coreml(student, ["same", "same"], tmp_path / "a.mlpackage", config)
    (tmp_path / "taken.mlpackage").write_text("not a package")
    with pytest.raises(InputError, match="refusing"):
        export_coreml(student, STYLES, tmp_path / "taken.mlpackage", config)
    with pytest.raises(InputError, match="does not exist"):
        export_coreml(student, STYLES, tmp_path / "missing" / "a.mlpackage", config)
    with pytest.raises(InputError, match="worth compressing"):
        export_coreml(student, STYLES, tmp_path / "a.mlpackage",
                      CoreMLConfig(sizes=SIZES[:1], compress="int8", min_weight_size=10**6))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.mlpackage"]  # nothing half-written


# ------------------------------------------------------------------------------------ export


@pytest.mark.parametrize("compress", [None, "int8", "palettize"])
def test_exported_package_passes_the_check(packages: dict, student: torch.nn.Module, compress: str | None) -> None:
    config, report = packages[compress]
    assert report.deployment_target == "iOS17" and report.bytes > 0
    assert report.compress == config.compress_label
    assert report.sizes == ("64x64", "64x96", "96x64")
    check = check_coreml(report.path, student, STYLES, config)
    assert check.ok, check.summary()
    assert check.deployment_target == "iOS17"
    assert check.weights_checked >= 20  # every conv weight and bias of the tiny student
    assert check.weights_compressed == len(report.compressed)
    assert check.worst_weight_error <= 1.0
    if sys.platform != "darwin":
        assert not check.predicted and any("only on macOS" in n for n in check.notes)


def test_reports_say_what_was_compressed_and_what_was_not(packages: dict, student: torch.nn.Module) -> None:
    # what the graph holds: the frozen student's conv weights and its per-style tables
    frozen = student.frozen_copy()
    convs = {n for n, t in [*frozen.named_parameters(), *frozen.named_buffers()] if t.dim() == 4}
    assert any(n.endswith("scale_table") for n in convs)
    none = packages[None][1]
    assert none.compressed == () and none.kept_dense == {}
    assert not any(k.startswith("constexpr_") for k in none.op_counts)
    int8 = packages["int8"][1]
    assert set(int8.compressed) | set(int8.kept_dense) == convs
    assert int8.compressed and int8.op_counts.get("constexpr_affine_dequantize") == len(int8.compressed)
    palette = packages["palettize"][1]
    assert set(palette.compressed) | set(palette.kept_dense) == convs
    assert palette.op_counts.get("constexpr_lut_to_dense") == len(palette.compressed)
    # a 64-entry palette costs more than a 16-weight tensor: kept in fp16, and the report says why
    assert palette.kept_dense and all("palette" in why for why in palette.kept_dense.values())


def test_spec_has_the_promised_inputs_outputs_and_sizes(packages: dict) -> None:
    from coremltools.proto import FeatureTypes_pb2 as ft

    spec = _spec(packages[None][1].path)
    assert spec.specificationVersion == 8  # iOS 17
    assert [i.name for i in spec.description.input] == ["image", "style_weights", "strength"]
    assert [o.name for o in spec.description.output] == ["stylized"]
    image, weights, strength = spec.description.input
    img = image.type.imageType
    assert img.colorSpace == ft.ImageFeatureType.RGB and (img.height, img.width) == (64, 64)
    assert {(s.height, s.width) for s in img.enumeratedSizes.sizes} == {(64, 64), (64, 96), (96, 64)}
    for feature, shape in ((weights, [1, 2]), (strength, [1, 1])):
        arr = feature.type.multiArrayType
        assert list(arr.shape) == shape and arr.dataType == ft.ArrayFeatureType.FLOAT32
    out = spec.description.output[0].type
    assert out.WhichOneof("Type") == "imageType" and out.imageType.colorSpace == ft.ImageFeatureType.RGB
    fn = spec.mlProgram.functions["main"]
    assert fn.opset == "CoreML7"


def test_metadata_names_the_styles(packages: dict) -> None:
    config, report = packages["int8"]
    meta = _spec(report.path).description.metadata
    assert json.loads(meta.userDefined["edgenst.styles"]) == STYLES
    assert meta.userDefined["edgenst.compress"] == "int8"
    assert "0-255" in meta.userDefined["edgenst.input_convention"]
    assert (meta.author, meta.license, meta.versionString) == ("Test Author", "Apache-2.0", "9.9.9")
    assert meta.shortDescription == config.description


def test_every_op_is_in_the_ios17_op_set(packages: dict) -> None:
    for _, report in packages.values():
        failures: list[str] = []
        _check_op_set(report.op_counts, failures.append)
        assert failures == []
        assert {"conv", "upsample_bilinear", "pixel_shuffle", "sigmoid"} <= set(report.op_counts)
    failures = []
    _check_op_set({"conv": 1, "constexpr_blockwise_shift_scale": 1, "no_such_op": 1}, failures.append)
    assert len(failures) == 2 and "constexpr_blockwise_shift_scale" in failures[0]  # iOS 18 only


def test_int8_weights_decompress_to_pytorch_within_half_a_step(packages: dict, student: torch.nn.Module) -> None:
    """Independent of the check: dequantize one weight by hand and compare."""
    import coremltools as ct
    from coremltools.converters.mil.frontend.milproto.load import load

    report = packages["int8"][1]
    mlmodel = ct.models.MLModel(report.path, skip_model_load=True)
    spec = mlmodel.get_spec()
    program = load(spec, spec.specificationVersion, file_weights_dir=mlmodel.weights_dir)
    ops = {op.name: op for op in program.functions["main"].operations}
    op = ops["p_student_blocks_0_conv1_pointwise_weight_to_fp16_quantized"]
    assert op.op_type == "constexpr_affine_dequantize" and int(op.axis.val) == 0
    q = op.quantized_data.val.astype(np.float64)
    scale = op.scale.val.astype(np.float64).reshape(-1, 1, 1, 1)
    zero = op.zero_point.val.astype(np.float64).reshape(-1, 1, 1, 1)
    ref = student.blocks[0].conv1.pointwise.weight.detach().double().numpy()
    err = np.abs((q - zero) * scale - ref)
    assert np.all(err <= scale / 2 + 1e-3 * np.abs(ref).max())
    assert np.abs(q).max() == 127  # symmetric per-channel: each channel's largest weight uses the full range


@pytest.mark.parametrize("compress", [None, "int8", "palettize"])
def test_check_fails_when_a_pytorch_weight_changes(packages: dict, student: torch.nn.Module, compress: str | None) -> None:
    config, report = packages[compress]
    name = "blocks.0.conv1.pointwise.weight"  # 256 weights: compressed in every mode
    assert compress is None or name in report.compressed
    changed = copy.deepcopy(student)
    with torch.no_grad():
        w = dict(changed.named_parameters())[name]
        w[0, 0, 0, 0] += 0.5 + 2 * w.abs().max()
    check = check_coreml(report.path, changed, STYLES, config)
    assert not check.ok
    assert any(name in f and "differs from PyTorch" in f for f in check.failures), check.failures


def test_check_fails_when_the_package_breaks_a_promise(packages: dict, student: torch.nn.Module) -> None:
    config, report = packages["int8"]
    wrong = [
        (CoreMLConfig(sizes=SIZES, compress=None, author="Test Author", version="9.9.9"), "stored int8"),
        (CoreMLConfig(sizes=SIZES[:2], compress="int8", author="Test Author", version="9.9.9"), "takes sizes"),
        (CoreMLConfig(sizes=SIZES, compress="int8", author="Someone", version="9.9.9"), "author"),
    ]
    for other, expected in wrong:
        check = check_coreml(report.path, student, STYLES, other)
        assert any(expected in f for f in check.failures), (expected, check.failures)
    check = check_coreml(report.path, student, ["ink", "dawn"], config)
    assert any("edgenst.styles" in f for f in check.failures)


@pytest.mark.parametrize(
    "damage", ["missing", "plain file", "garbage spec", "truncated spec", "truncated weights", "no manifest"]
)
def test_a_broken_package_is_an_input_error(packages: dict, student: torch.nn.Module, tmp_path: Path, damage: str) -> None:
    config, report = packages["int8"]
    pkg = tmp_path / "broken.mlpackage"
    if damage == "plain file":
        pkg.write_bytes(b"\x00garbage")
    elif damage != "missing":
        shutil.copytree(report.path, pkg)
        data = pkg / "Data" / "com.apple.CoreML"
        if damage == "garbage spec":
            (data / "model.mlmodel").write_bytes(np.random.default_rng(0).bytes(400))
        elif damage == "truncated spec":
            (data / "model.mlmodel").write_bytes((data / "model.mlmodel").read_bytes()[:1000])
        elif damage == "truncated weights":
            weights = data / "weights" / "weight.bin"
            weights.write_bytes(weights.read_bytes()[:1000])
        else:
            (pkg / "Manifest.json").unlink()
    with pytest.raises(InputError) as info:
        check_coreml(pkg, student, STYLES, config)
    assert len(str(info.value).splitlines()) == 1 and str(pkg) in str(info.value)


def test_export_replaces_a_package_without_leftovers(tmp_path: Path, student: torch.nn.Module) -> None:
    config = CoreMLConfig(sizes=(Size(64, 64),), author="First")
    out = tmp_path / "m.mlpackage"
    export_coreml(student, STYLES, out, config)
    second = CoreMLConfig(sizes=(Size(64, 64),), author="Second")
    report = export_coreml(student, STYLES, out, second)
    assert [p.name for p in tmp_path.iterdir()] == ["m.mlpackage"]
    assert not (out / "executorch_debug_handle_mapping.json").exists()  # debug map outside the manifest
    assert check_coreml(out, student, STYLES, second).ok
    assert report.sizes == ("64x64",)
    img = _spec(str(out)).description.input[0].type.imageType
    assert img.WhichOneof("SizeFlexibility") is None and (img.height, img.width) == (64, 64)


def test_ranged_sizes(tmp_path: Path, student: torch.nn.Module) -> None:
    config = CoreMLConfig(sizes=(Size(64, 64), Size(128, 96)), flexible="range")
    report = export_coreml(student, STYLES, tmp_path / "r.mlpackage", config)
    img = _spec(report.path).description.input[0].type.imageType
    r = img.imageSizeRange
    assert (r.heightRange.lowerBound, r.heightRange.upperBound) == (64, 128)
    assert (r.widthRange.lowerBound, r.widthRange.upperBound) == (64, 96)
    assert check_coreml(report.path, student, STYLES, config).ok
    enumerated = CoreMLConfig(sizes=config.sizes)
    assert not check_coreml(report.path, student, STYLES, enumerated).ok


# -------------------------------------------------------------------------------- prediction


class _FakeCoreML:
    """Stands in for Core ML so the comparison code runs on Linux too: it "predicts" with
    PyTorch (optionally spoiled), as a perfect Core ML would."""

    spoil = False

    def __init__(self, path: str) -> None:
        self.app = AppModel(_student(), output_scale=255.0).eval()

    def predict(self, inputs: dict) -> dict:
        from PIL import Image

        image = torch.from_numpy(np.asarray(inputs["image"], dtype=np.float32)).permute(2, 0, 1)[None] / 255.0
        with torch.no_grad():
            out = self.app(image, torch.from_numpy(inputs["style_weights"]), torch.from_numpy(inputs["strength"]))
        arr = out[0].permute(1, 2, 0).clamp(0, 255).round().byte().numpy()
        if self.spoil:
            arr = 255 - arr
        return {"stylized": Image.fromarray(arr, "RGB")}


@pytest.mark.parametrize("spoil", [False, True])
def test_prediction_comparison_logic(packages: dict, student: torch.nn.Module, monkeypatch: pytest.MonkeyPatch,
                                     spoil: bool) -> None:
    config, report = packages[None]
    monkeypatch.setattr(coreml_check, "_core_ml_predictor", type("Fake", (_FakeCoreML,), {"spoil": spoil}))
    check = check_coreml(report.path, student, STYLES, config, predict=True)
    assert check.predicted and set(check.psnr) == {"64x64", "64x96", "96x64"}
    if spoil:
        assert not check.ok and any("PSNR" in f for f in check.failures)
    else:
        assert check.ok, check.summary()
        assert min(check.psnr.values()) > 50


@pytest.mark.skipif(sys.platform != "darwin", reason="Core ML runs only on macOS")
@pytest.mark.parametrize("compress", [None, "int8", "palettize"])
def test_core_ml_prediction_matches_pytorch(packages: dict, student: torch.nn.Module, compress: str | None) -> None:
    config, report = packages[compress]
    check = check_coreml(report.path, student, STYLES, config, predict=True)
    assert check.ok, check.summary()
    assert check.predicted and set(check.psnr) == {str(s) for s in SIZES}
