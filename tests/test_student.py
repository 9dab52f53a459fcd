"""The compact student: shapes, style blending and strength, size budget, full XNNPACK delegation."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from edgenst.errors import InputError
from edgenst.models import Student, StudentConfig
from edgenst.io_spec import check_inputs


def _randomise_styles(m: Student) -> None:
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith((".scale", ".shift")):
                p.add_(0.3 * torch.randn_like(p))


def test_shapes_and_range():
    m = Student(StudentConfig(styles=3, width=8, blocks=1)).eval()
    y = m(torch.rand(2, 3, 32, 48), torch.eye(3)[:2], torch.ones(2, 1))
    assert y.shape == (2, 3, 32, 48) and 0 <= y.min() and y.max() <= 1


def test_blend_and_strength():
    torch.manual_seed(0)
    m = Student(StudentConfig(styles=2, width=8, blocks=1)).eval()
    _randomise_styles(m)
    x = torch.rand(1, 3, 32, 32)
    one = torch.ones(1, 1)
    a, b = m(x, torch.tensor([[1.0, 0.0]]), one), m(x, torch.tensor([[0.0, 1.0]]), one)
    assert (a - b).abs().mean() > 1e-3  # styles differ
    # Strength 0 ignores the style choice entirely.
    z0 = m(x, torch.tensor([[1.0, 0.0]]), torch.zeros(1, 1))
    z1 = m(x, torch.tensor([[0.0, 1.0]]), torch.zeros(1, 1))
    assert torch.allclose(z0, z1, atol=1e-6)
    # The blend acts on the style vectors: a 50/50 blend is the style whose vectors are the mean.
    mid = m(x, torch.tensor([[0.5, 0.5]]), one)
    single = Student(StudentConfig(styles=1, width=8, blocks=1)).eval()
    state = {k: (v.mean(dim=1, keepdim=True) if k.endswith((".scale", ".shift")) else v) for k, v in m.state_dict().items()}
    single.load_state_dict(state)
    torch.testing.assert_close(single(x, torch.ones(1, 1), one), mid, atol=1e-5, rtol=1e-5)
    assert (mid - a).abs().mean() > 1e-4 and (mid - b).abs().mean() > 1e-4


def test_default_student_fits_the_budget():
    m = Student(StudentConfig(styles=8)).eval()
    with FlopCounterMode(display=False) as fc:
        m(torch.rand(1, 3, 256, 256), torch.full((1, 8), 1 / 8), torch.ones(1, 1))
    gmac = fc.get_total_flops() / 2e9
    assert gmac <= 0.5, gmac
    assert m.shared_parameters() <= 200_000
    assert m.per_style_parameters() <= 4_000


def test_config_and_input_validation():
    with pytest.raises(InputError):
        StudentConfig(styles=0)
    with pytest.raises(InputError):
        StudentConfig(width=10)
    with pytest.raises(InputError, match="decoder"):
        StudentConfig(decoder="nearest")
    with pytest.raises(InputError):  # the runtime's input check (a program takes one image)
        check_inputs(torch.rand(2, 3, 32, 32), torch.ones(1, 2), torch.ones(1, 1), styles=2)
    with pytest.raises(InputError):
        check_inputs(torch.rand(1, 3, 32, 32), torch.ones(1, 3), torch.ones(1, 1), styles=2)
    check_inputs(torch.rand(1, 3, 32, 32), torch.ones(1, 2), torch.ones(1, 1), styles=2)


@pytest.mark.parametrize(
    "options",
    [{}, {"center_input": True}, {"decoder": "shuffle", "half_res_affine": False}, {"decoder": "shuffle"}],
)
@pytest.mark.parametrize("grad", [True, False])  # without autograd the forward runs in place
def test_every_operator_is_delegated_to_xnnpack(options: dict, grad: bool):
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    m = Student(StudentConfig(styles=2, width=8, blocks=1, **options)).frozen_copy()
    args = (torch.rand(1, 3, 32, 32), torch.tensor([[0.5, 0.5]]), torch.ones(1, 1))
    with torch.set_grad_enabled(grad):
        program = torch.export.export(m, args)
    edge = to_edge_transform_and_lower(program, partitioner=[XnnpackPartitioner()])
    calls = [n for n in edge.exported_program().graph.nodes if n.op == "call_function"]
    outside = [str(n.target) for n in calls if "getitem" not in str(n.target) and "call_delegate" not in str(n.target)]
    assert outside == []
    assert sum("call_delegate" in str(n.target) for n in calls) >= 1


@pytest.mark.parametrize("options", [{}, {"center_input": True}, {"decoder": "shuffle", "half_res_affine": False}])
def test_inference_in_place_equals_the_autograd_path_and_keeps_the_input(options: dict):
    torch.manual_seed(0)
    m = Student(StudentConfig(styles=3, width=8, blocks=2, **options)).eval()
    _randomise_styles(m)
    x, w, s = torch.rand(2, 3, 32, 48), torch.tensor([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]]), torch.tensor([[0.7], [1.0]])
    x_before = x.clone()
    with_grad = m(x, w, s)
    assert with_grad.requires_grad
    with torch.no_grad():
        fast = m(x, w, s)
    with torch.inference_mode():
        fast_im = m(x, w, s)
    torch.testing.assert_close(fast, with_grad.detach(), rtol=0, atol=0)
    torch.testing.assert_close(fast_im, fast, rtol=0, atol=0)
    torch.testing.assert_close(x, x_before, rtol=0, atol=0)


def test_one_hot_weights_equal_the_single_style():
    torch.manual_seed(0)
    m = Student(StudentConfig(styles=3, width=8, blocks=1)).eval()
    _randomise_styles(m)
    x = torch.rand(1, 3, 32, 32)
    for s in range(3):
        single = Student(StudentConfig(styles=1, width=8, blocks=1)).eval()
        state = {k: (v[:, s : s + 1] if k.endswith((".scale", ".shift")) else v) for k, v in m.state_dict().items()}
        single.load_state_dict(state)
        for strength in (0.3, 1.0):
            st = torch.full((1, 1), strength)
            torch.testing.assert_close(m(x, torch.eye(3)[s : s + 1], st), single(x, torch.ones(1, 1), st))


@pytest.mark.parametrize("options", [{}, {"decoder": "shuffle", "half_res_affine": False}])
def test_frozen_copy_computes_the_same_and_stays_frozen(options: dict):
    """Export traces the frozen copy: it must match the trainable model bit for bit in value, and
    training the original afterwards must not leak into it."""
    torch.manual_seed(0)
    m = Student(StudentConfig(styles=3, width=8, blocks=1, **options)).eval()
    _randomise_styles(m)
    x, w, s = torch.rand(2, 3, 32, 32), torch.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]), torch.tensor([[0.7], [1.0]])
    frozen = m.frozen_copy()
    with torch.no_grad():
        torch.testing.assert_close(frozen(x, w, s), m(x, w, s), rtol=1e-5, atol=1e-6)
        before = frozen(x, w, s)
        m.down_affine.scale.add_(1.0)
        assert not torch.allclose(m(x, w, s), before)
        torch.testing.assert_close(frozen(x, w, s), before)
    assert not any(p.requires_grad for p in frozen.parameters())
    assert not any(n.endswith((".scale", ".shift")) for n, _ in frozen.named_parameters())


def test_strength_mixes_with_the_photo_vector():
    """The fused (S+1)-way blend must equal the documented photo + strength * (style - photo)."""
    torch.manual_seed(0)
    m = Student(StudentConfig(styles=2, width=8, blocks=1)).eval()
    _randomise_styles(m)
    affine = m.down_affine
    with torch.no_grad():
        affine.photo_scale.normal_()
        affine.photo_shift.normal_()
    from edgenst.models.student import style_mix

    x = torch.rand(1, 16, 4, 4)
    w, s = torch.tensor([[0.25, 0.75]]), torch.tensor([[0.4]])
    c = x.shape[1]
    scale = (affine.scale[:, :, 0, 0] @ w[0]).reshape(1, c, 1, 1)
    shift = (affine.shift[:, :, 0, 0] @ w[0]).reshape(1, c, 1, 1)
    ps, pb = affine.photo_scale.reshape(1, c, 1, 1), affine.photo_shift.reshape(1, c, 1, 1)
    expected = x * (ps + 0.4 * (scale - ps)) + (pb + 0.4 * (shift - pb))
    with torch.no_grad():
        torch.testing.assert_close(affine(x, style_mix(w, s)), expected)


def test_a_frozen_copy_can_be_frozen_again() -> None:
    model = Student(StudentConfig(styles=2, width=8, blocks=1)).eval()
    x, w, s = torch.rand(1, 3, 16, 16), torch.tensor([[0.3, 0.7]]), torch.ones(1, 1)
    once = model.frozen_copy()
    twice = once.frozen_copy()  # raised AttributeError: the parameters were gone
    with torch.no_grad():
        torch.testing.assert_close(twice(x, w, s), model(x, w, s))
