"""Loss primitives against values worked out by hand on tiny tensors."""

import pytest
import torch

from edgenst.errors import InputError
from edgenst.losses import (
    content_loss,
    gram_matrix,
    guided_gram,
    relative_content_loss,
    relative_style_loss,
    style_loss,
    total_variation,
)


def test_content_loss_is_feature_mse():
    a = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    b = torch.tensor([[[[1.0, 0.0], [3.0, 1.0]]]])
    # squared errors 0, 4, 0, 9 -> mean 13/4
    assert content_loss(a, b).item() == pytest.approx(13 / 4)
    # target mean square (1 + 0 + 9 + 1) / 4 = 11/4 -> relative = 13/11
    assert relative_content_loss(a, b).item() == pytest.approx(13 / 11)


def test_gram_matrix_by_hand():
    # C=2, H=1, W=2: channel 0 = [1, 2], channel 1 = [3, 4]
    f = torch.tensor([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    g = gram_matrix(f)
    # F F^T = [[1+4, 3+8], [3+8, 9+16]] = [[5, 11], [11, 25]], divided by C*H*W = 4
    assert torch.allclose(g, torch.tensor([[[5.0, 11.0], [11.0, 25.0]]]) / 4)


def test_gram_is_size_independent_for_tiled_texture():
    f = torch.rand(1, 4, 3, 3)
    tiled = f.repeat(1, 1, 2, 2)
    assert torch.allclose(gram_matrix(f), gram_matrix(tiled), atol=1e-6)


def test_style_loss_by_hand():
    g = torch.tensor([[[1.0, 2.0], [2.0, 4.0]]])
    t = torch.tensor([[[1.0, 0.0], [0.0, 2.0]]])
    # differences 0, 2, 2, 2 -> squares 0, 4, 4, 4 -> mean 3
    assert style_loss(g, t).item() == pytest.approx(3.0)
    # target mean square (1 + 0 + 0 + 4) / 4 = 5/4 -> 3 / 1.25
    assert relative_style_loss(g, t).item() == pytest.approx(3.0 / 1.25)


def test_relative_style_loss_is_per_sample():
    g = torch.stack([torch.eye(2) * 2, torch.eye(2) * 20])
    t = torch.stack([torch.eye(2), torch.eye(2) * 10])
    # each sample: error mean (1+1)/4 / (1+1)/4 = 1 ; (100+100)/4 / (200/4) = 1
    assert relative_style_loss(g, t).item() == pytest.approx(1.0)


def test_sample_weights_scale_each_samples_style_term():
    g = torch.stack([torch.eye(2) * 2, torch.eye(2) * 3])
    t = torch.stack([torch.eye(2), torch.eye(2)])
    # per sample: relative errors 1 and 4 (target mean square 1/2); weights 3 and 0.25 -> (3 + 1) / 2
    assert relative_style_loss(g, t, torch.tensor([3.0, 0.25])).item() == pytest.approx(2.0)
    assert relative_style_loss(g, t).item() == pytest.approx(2.5)  # unweighted: (1 + 4) / 2
    # plain MSE per sample 2/4 and 8/4; weights 2 and 0 -> (1 + 0) / 2
    assert style_loss(g, t, torch.tensor([2.0, 0.0])).item() == pytest.approx(0.5)
    with pytest.raises(InputError):
        relative_style_loss(g, t, torch.ones(3))


def test_total_variation_by_hand():
    x = torch.tensor([[[[0.0, 1.0], [2.0, 4.0]]]])
    # vertical diffs: 2, 3 -> squares mean (4 + 9)/2 = 6.5 ; horizontal: 1, 2 -> (1 + 4)/2 = 2.5
    assert total_variation(x).item() == pytest.approx(9.0)
    assert total_variation(torch.ones(1, 3, 5, 5)).item() == 0.0


def test_guided_gram_with_full_mask_equals_gram():
    f = torch.rand(2, 3, 4, 5)
    assert torch.allclose(guided_gram(f, torch.ones(1, 1, 4, 5)), gram_matrix(f), atol=1e-6)


def test_guided_gram_sees_only_its_region():
    # Left half: channel pattern A, right half: pattern B.
    f = torch.zeros(1, 2, 2, 4)
    f[0, 0, :, :2] = 1.0  # A lives in channel 0, left
    f[0, 1, :, 2:] = 3.0  # B lives in channel 1, right
    left = torch.zeros(1, 1, 2, 4)
    left[..., :2] = 1.0
    g = guided_gram(f, left)
    # Inside the left region only channel 0 is active with value 1: G = [[1, 0], [0, 0]] / C
    assert torch.allclose(g, torch.tensor([[[0.5, 0.0], [0.0, 0.0]]]))
    g_right = guided_gram(f, 1 - left)
    assert torch.allclose(g_right, torch.tensor([[[0.0, 0.0], [0.0, 4.5]]]))


def test_guided_gram_resizes_guide_by_area():
    f = torch.ones(1, 1, 2, 2)
    guide = torch.zeros(1, 1, 4, 4)
    guide[..., :, :2] = 1.0  # left half of a finer grid -> left column of the 2x2 features
    g = guided_gram(f, guide)
    assert g.item() == pytest.approx(1.0)  # (sum f^2 m^2) / (C * sum m^2) with f = 1


def test_shape_errors_are_input_errors():
    with pytest.raises(InputError):
        content_loss(torch.zeros(1, 2, 3, 3), torch.zeros(1, 2, 3, 4))
    with pytest.raises(InputError):
        gram_matrix(torch.zeros(2, 3, 4))
    with pytest.raises(InputError):
        style_loss(torch.zeros(1, 2, 2), torch.zeros(1, 3, 3))


def test_gram_layer_weighting_is_the_plain_gram_mse_over_the_paintings_total() -> None:
    """'gram': sum over layers and levels of |G - T|^2 means, divided by the sum of |T|^2 means."""
    from edgenst.losses import gram_matrix
    from edgenst.perceptual import LossConfig, PerceptualLoss, StyleTarget
    from edgenst.teacher import TeacherConfig, build_teacher

    cfg = LossConfig(layer_weighting="gram", content_weight=0, tv_weight=0, style_weight=1)
    loss = PerceptualLoss(build_teacher(TeacherConfig(source="random", width=8, pyramid_levels=2), cfg.all_layers), cfg)
    torch.manual_seed(0)
    painting, image = torch.rand(1, 3, 48, 48), torch.rand(1, 3, 48, 48)
    target = StyleTarget(grams=loss.style_grams(painting))
    got = float(loss(image, None, [target]).style)
    feats = loss.teacher(image, cfg.style_layers)
    err = sum(float((gram_matrix(level[k]) - target.grams[f"{k}@{lv}"]).pow(2).mean())
              for lv, level in enumerate(feats) for k in cfg.style_layers)
    total = sum(float(t.pow(2).mean()) for t in target.grams.values())
    assert got == pytest.approx(err / total, rel=1e-4)
    equal = PerceptualLoss(loss.teacher, LossConfig(content_weight=0, tv_weight=0, style_weight=1))
    assert float(equal(image, None, [target]).style) != pytest.approx(got, rel=1e-2)  # a different weighting
    with pytest.raises(InputError):
        LossConfig(layer_weighting="gram", style_layer_weights=(1.0, 1.0, 1.0))
    with pytest.raises(InputError):
        LossConfig(layer_weighting="loud")
