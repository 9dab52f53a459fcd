"""Cross-layer equalization (``edgenst.equalize``): exact in fp32, evens out channel ranges.

Tiny students (width 8, 1 block) at 32x32, so each test takes about a second.
"""

from __future__ import annotations

import copy

import pytest
import torch
from conftest import tiny_trained_like_student

from edgenst.equalize import EqualizeConfig, channel_ranges, equalize, sites
from edgenst.errors import InputError
from edgenst.export.app_model import AppModel
from edgenst.quantize import QuantConfig, calibration_inputs, quantize_int8

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


def _calib(styles: int = 2) -> list:
    g = torch.Generator().manual_seed(1)
    photos = torch.nn.functional.interpolate(torch.rand(2, 3, 8, 8, generator=g), size=(32, 32), mode="bilinear")
    return calibration_inputs([p.unsqueeze(0) for p in photos], styles, 32)


def _unbalanced_app() -> AppModel:
    """A tiny app whose depthwise outputs and block-affine outputs have one channel 20x wider than
    the rest, the function unchanged (the consumers divide it back): what equalization undoes."""
    app = AppModel(tiny_trained_like_student()).eval()
    s = app.student
    with torch.no_grad():
        for sep in (s.down, s.blocks[0].conv1, s.blocks[0].conv2, s.up, s.head):
            sep.depthwise.weight[0].mul_(20)
            sep.depthwise.bias[0].mul_(20)
            sep.pointwise.weight[:, 0].div_(20)
        b = s.blocks[0]
        b.conv1.pointwise.weight[1].mul_(20)
        b.conv1.pointwise.bias[1].mul_(20)
        b.affine1.shift_table[1].mul_(20)
        b.conv2.depthwise.weight[1].div_(20)
    return app


def test_equalization_keeps_the_style_vector_path():
    """An app feeds a style vector in the unequalized units: equalization must rescale its shift
    slice like the table's shift, or every painting (forward_vector) is painted wrongly."""
    app = _unbalanced_app()
    eq = copy.deepcopy(app)
    assert equalize(eq, _calib(), EqualizeConfig(alpha=0.5)) > 0
    g = torch.Generator().manual_seed(2)
    x = torch.rand(1, 3, 32, 32, generator=g)
    weights, strength = torch.tensor([[0.3, 0.7]]), torch.tensor([[0.8]])
    vector = torch.randn(1, app.student.style_vector_dim, generator=g) * 0.5
    with torch.no_grad():
        want = app.student.forward_vector(x, weights, strength, vector, torch.tensor([[0.6]]))
        got = eq.student.forward_vector(x, weights, strength, vector, torch.tensor([[0.6]]))
    assert torch.allclose(got, want, atol=1e-5), float((got - want).abs().max())


def _spread(r: torch.Tensor) -> float:
    """Widest over median channel range: how much of the int8 grid the typical channel loses."""
    return float(r.max() / r.median())


def test_equalization_keeps_the_fp32_output():
    app = _unbalanced_app()
    calib = _calib()
    eq = copy.deepcopy(app)
    assert equalize(eq, calib, EqualizeConfig(alpha=0.5)) == 8  # stream, skip, separable down, conv1, conv2, up, head, the block's affine
    with torch.no_grad():
        for x in calib:
            assert torch.allclose(eq(*x), app(*x), atol=1e-5, rtol=0)
    changed = [n for (n, a), (_, b) in zip(app.named_parameters(), eq.named_parameters()) if not torch.equal(a, b)]
    assert changed  # it did rescale something


@pytest.mark.parametrize("alpha", [0.5, 1.0])
def test_equalization_evens_the_channel_ranges(alpha: float):
    app = _unbalanced_app()
    calib = _calib()
    kinds = ("separable", "affine")  # the sites the fixture unbalanced
    before = [_spread(r) for r in channel_ranges(app, [st.measure[0] for st in sites(app.student, kinds)], calib)]
    eq = copy.deepcopy(app)
    equalize(eq, calib, EqualizeConfig(alpha=alpha, kinds=kinds))
    after = [_spread(r) for r in channel_ranges(eq, [st.measure[0] for st in sites(eq.student, kinds)], calib)]
    assert all(b > 8 for b in before), before
    assert all(a < b / 2 for a, b in zip(after, before)), (before, after)
    if alpha == 1.0:  # the affine site follows the activations alone: every channel as wide
        affine = [a for a, st in zip(after, sites(eq.student, kinds)) if st.kind == "affine"]
        # (up to MAX_SCALE: the 20x channel's scale is clamped to 32, a little under its need)
        assert all(a == pytest.approx(1.0, abs=0.1) for a in affine), affine


def test_quantize_with_equalization_leaves_the_model_alone_and_is_closer_to_fp32():
    app = _unbalanced_app()
    calib = _calib()
    state = {k: v.clone() for k, v in app.state_dict().items()}
    plain = quantize_int8(app, calib, QuantConfig(calibration_size=32, fp32_layers=(), equalize_alpha=None))
    eq = quantize_int8(app, calib, QuantConfig(calibration_size=32, fp32_layers=(), equalize_alpha=0.5))
    assert all(torch.equal(state[k], v) for k, v in app.state_dict().items())  # the fp32 reference is untouched

    def err(q) -> float:
        with torch.no_grad():
            return sum(float(((q(*x) - app(*x)) ** 2).mean()) for x in calib)

    assert err(eq) < err(plain) / 2, (err(eq), err(plain))


def test_bad_equalization_settings_are_input_errors():
    with pytest.raises(InputError, match="equalize_alpha"):
        QuantConfig(equalize_alpha=1.5)
    with pytest.raises(InputError, match="alpha"):
        EqualizeConfig(alpha=-0.1)
    with pytest.raises(InputError, match="unknown equalization sites"):
        EqualizeConfig(kinds=("separable", "bogus"))


def test_models_without_a_frozen_student_are_left_alone():
    student = tiny_trained_like_student()  # not frozen: its style tables are trainable parameters
    before = copy.deepcopy(student.state_dict())
    assert equalize(student, _calib()) == 0
    assert all(torch.equal(before[k], v) for k, v in student.state_dict().items())
