"""int8 options of ``QuantConfig``: layers kept in fp32 and QAT's calibrated start.

Tiny students (width 8, 1 block) at 32x32, so each test takes seconds and needs no data set.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import tiny_trained_like_student

from edgenst.errors import InputError
from edgenst.export.app_model import AppModel, Size
from edgenst.export.executorch import export_pte
from edgenst.metrics import psnr
from edgenst.models import build_model
from edgenst.quantize import (
    QuantConfig,
    calibration_inputs,
    default_fp32_layers,
    module_path,
    quantize_int8,
    resolve_fp32_layers,
    square_crop,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


def _photos(n: int = 2) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    base = torch.nn.functional.interpolate(torch.rand(n, 3, 8, 8, generator=g), size=(32, 32), mode="bilinear")
    return [b.unsqueeze(0) for b in base]


def _calib(styles: int = 2) -> list:
    return calibration_inputs(_photos(), styles, 32)


def _quantized_modules(q: torch.fx.GraphModule) -> set[str]:
    """Modules whose convolutions read int8 weights (a dequantize node) in the converted graph."""
    out = set()
    for n in q.graph.nodes:
        if n.op == "call_function" and "conv2d" in str(n.target):
            w = n.args[1]
            if isinstance(w, torch.fx.Node) and "dequantize" in str(w.target):
                out.add(module_path(n))
    return out


def _conv_modules(q: torch.fx.GraphModule) -> set[str]:
    return {module_path(n) for n in q.graph.nodes if n.op == "call_function" and "conv2d" in str(n.target)}


@pytest.fixture(scope="module")
def app() -> AppModel:
    return AppModel(tiny_trained_like_student()).eval()


@pytest.fixture(scope="module")
def all_int8(app: AppModel) -> torch.fx.GraphModule:
    torch.set_num_threads(1)
    return quantize_int8(app, _calib(), QuantConfig(calibration_size=32, fp32_layers=()))


def _mean_psnr(model: torch.nn.Module, q: torch.nn.Module, inputs: list) -> float:
    with torch.no_grad():
        return sum(psnr(q(*x), model(*x)) for x in inputs) / len(inputs)


def test_named_layers_stay_fp32_and_the_rest_is_int8(app: AppModel, all_int8: torch.fx.GraphModule):
    assert _quantized_modules(all_int8) == _conv_modules(all_int8)  # () really means every layer int8
    mixed = quantize_int8(app, _calib(), QuantConfig(calibration_size=32, fp32_layers=("stem", "head")))
    int8 = _quantized_modules(mixed)
    assert not any(m == "stem" or m.startswith("head.") for m in int8), int8
    assert {"down.depthwise", "down.pointwise", "blocks.0.conv1.depthwise"} <= int8
    assert {"stem", "head.depthwise", "head.pointwise"} <= _conv_modules(mixed)


@pytest.mark.slow
def test_keeping_layers_fp32_brings_int8_closer_to_fp32(app: AppModel, all_int8: torch.fx.GraphModule):
    """The whole point of the option, shown where it is certain: the more layers in fp32, the
    smaller the error (every layer fp32 is fp32 up to the input's quantization). About 20 s."""
    calib = _calib()
    base = _mean_psnr(app, all_int8, calib)
    early = _mean_psnr(app, quantize_int8(app, calib, QuantConfig(calibration_size=32, fp32_layers=("stem", "stem_affine", "down"))), calib)
    most = ("stem", "stem_affine", "down", "down_affine", "blocks", "up", "up_affine", "head")
    nearly_fp32 = _mean_psnr(app, quantize_int8(app, calib, QuantConfig(calibration_size=32, fp32_layers=most)), calib)
    assert base < early < nearly_fp32, (base, early, nearly_fp32)
    assert nearly_fp32 > base + 6


def test_default_keeps_early_layers_of_quality_students_only():
    quality = build_model("student", {"styles": 2, "width": 8, "blocks": 1})
    fast = build_model("student", {"styles": 2, "width": 8, "blocks": 1, "half_res_affine": False, "center_input": True})
    # blocks.1 is in EARLY_LAYERS too; this one-block student has none
    assert default_fp32_layers(quality) == ("stem", "stem_affine", "down", "down_affine", "blocks.0")
    assert default_fp32_layers(AppModel(quality)) == ("stem", "stem_affine", "down", "down_affine", "blocks.0")
    assert default_fp32_layers(fast) == ()
    assert resolve_fp32_layers(quality, QuantConfig()) == default_fp32_layers(quality)
    assert resolve_fp32_layers(quality, QuantConfig(fp32_layers=())) == ()
    assert resolve_fp32_layers(quality, QuantConfig(fp32_layers=["head"])) == ("head",)


def test_calibration_crops_are_square_whatever_the_aspect():
    """A 644x1024 photo scaled by 256/644 floored to 255 rows, and its crop kept one row."""
    for h, w in ((644, 1024), (1024, 644), (256, 300), (100, 90)):
        assert square_crop(torch.rand(1, 3, h, w), 256).shape == (1, 3, 256, 256), (h, w)


def test_bad_fp32_layers_are_input_errors():
    model = build_model("student", {"styles": 2, "width": 8, "blocks": 1})
    with pytest.raises(InputError, match="no layer named stemm"):
        resolve_fp32_layers(model, QuantConfig(fp32_layers=("stemm",)))
    for bad in ("stem", ("",), (3,)):
        with pytest.raises(InputError):
            QuantConfig(fp32_layers=bad)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        QuantConfig(observer="percentile")


def test_qat_starts_from_the_calibrated_ranges(app: AppModel, all_int8: torch.fx.GraphModule):
    """QAT with zero learning is post-training int8: its fake-quantizers take their ranges from
    the calibration data like PTQ. XNNPACK's QAT default (a moving average of each input's
    range) ends narrower than the widest style and clipped: the old QAT drifted from there."""
    calib = _calib()
    qat = quantize_int8(app, calib, QuantConfig(calibration_size=32, fp32_layers=(), qat_steps=1, qat_lr=1e-12))
    assert abs(_mean_psnr(app, qat, calib) - _mean_psnr(app, all_int8, calib)) < 0.5


@pytest.mark.slow
def test_export_with_fp32_layers_is_fully_delegated(tmp_path: Path):
    """fp32 layers run in XNNPACK's fp32 kernels: the program stays one delegate, nothing outside
    (about 15 s: one lowering)."""
    calib = _calib()
    quant = QuantConfig(calibration_size=32, fp32_layers=("stem", "stem_affine", "head"))
    report = export_pte(tiny_trained_like_student(), tmp_path / "mixed.pte", [Size(32, 32)], "int8", calib, quant)
    assert report.outside_total == 0 and report.delegate_calls == 1, report.summary()
