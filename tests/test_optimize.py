"""The Gatys reference method on a tiny random teacher (and on the real one when ../shared is here)."""

import pytest
import torch

from edgenst.gatys.color import luminance, match_histograms, rgb_to_yiq
from edgenst.errors import InputError
from edgenst.io import load_image
from edgenst.perceptual import LossConfig, PerceptualLoss
from edgenst.gatys.optimize import OptimizeConfig, StyleSpec, build_style_targets, scale_style, stylize_optimize
from edgenst.samples import sample_photo, texture
from edgenst.teacher import TeacherConfig, build_teacher
from edgenst.metrics import metric_loss

from conftest import NORMALISED_VGG, SHARED_DATA


def tiny_loss(levels: int = 1, **kw) -> PerceptualLoss:
    cfg = LossConfig(**kw)
    return PerceptualLoss(build_teacher(TeacherConfig(source="random", width=8, pyramid_levels=levels), cfg.all_layers), cfg)


def small(t: torch.Tensor, side: int = 40) -> torch.Tensor:
    return torch.nn.functional.interpolate(t, size=(side, side), mode="bilinear", antialias=True)


def style_score(loss: PerceptualLoss, image: torch.Tensor, style: torch.Tensor) -> float:
    m = metric_loss(loss)
    return float(m(image, None, [m.blend_style_targets([style], [1.0])]).style)


def test_lbfgs_lowers_style_loss_and_keeps_shape():
    loss = tiny_loss()
    content, style = small(sample_photo("chelsea")), small(texture("mosaic"), 48)
    before = style_score(loss, content, style)
    res = stylize_optimize(content, [StyleSpec(style)], loss, OptimizeConfig(steps=25), progress=False)
    assert res.image.shape == content.shape
    assert 0.0 <= res.image.min() and res.image.max() <= 1.0
    assert style_score(loss, res.image, style) < 0.5 * before
    assert len(res.history) == 25 and res.final["total"] < res.history[0]["total"]


def test_adam_clamps_and_lowers_loss():
    loss = tiny_loss()
    content, style = small(sample_photo("coffee")), small(texture("swirl"))
    res = stylize_optimize(content, [StyleSpec(style)], loss, OptimizeConfig(steps=15, optimizer="adam", lr=0.05, init="mix"), progress=False)
    assert res.final["total"] < res.history[0]["total"]
    assert res.image.min() >= 0 and res.image.max() <= 1


def test_zero_strength_keeps_the_photo():
    loss = tiny_loss(tv_weight=0.0)
    content, style = small(sample_photo("chelsea")), small(texture("stripes"))
    res = stylize_optimize(content, [StyleSpec(style)], loss, OptimizeConfig(steps=5, strength=0.0), progress=False)
    assert torch.allclose(res.image, content, atol=1e-4)
    strong = stylize_optimize(content, [StyleSpec(style)], loss, OptimizeConfig(steps=5, strength=100.0), progress=False)
    assert (strong.image - content).abs().mean() > 0.01


def test_blended_target_is_the_weighted_mean_of_grams():
    loss = tiny_loss(levels=2)
    a, b = small(texture("swirl"), 48), small(texture("mosaic"), 48)
    blend = loss.blend_style_targets([a, b], [3.0, 1.0])
    ga, gb = loss.style_grams(a), loss.style_grams(b)
    assert set(blend.grams) == set(ga) and "relu1_1@1" in ga
    for k in ga:
        assert torch.allclose(blend.grams[k], 0.75 * ga[k] + 0.25 * gb[k], atol=1e-6)
    with pytest.raises(InputError):
        loss.blend_style_targets([a, b], [1.0])
    with pytest.raises(InputError):
        loss.blend_style_targets([a], [-1.0])


def test_masks_paint_a_style_per_region():
    loss = tiny_loss()
    content = small(sample_photo("coffee"), 48)
    dark, bright = torch.zeros(1, 3, 48, 48) + 0.05, torch.zeros(1, 3, 48, 48) + 0.95
    dark[..., ::4, :] = 0.2  # give each style some texture
    bright[..., :, ::4] = 0.8
    left = torch.zeros(1, 1, 48, 48)
    left[..., :24] = 1.0
    styles = [StyleSpec(dark, mask=left), StyleSpec(bright, mask=1 - left)]
    targets = build_style_targets(loss, styles, content, OptimizeConfig())
    assert len(targets) == 2 and all(t.guide is not None for t in targets)
    res = stylize_optimize(content, styles, loss, OptimizeConfig(steps=40, init="noise"), progress=False)
    assert res.image[..., :, :20].mean() < res.image[..., :, 28:].mean() - 0.2
    with pytest.raises(InputError, match="every style"):
        build_style_targets(loss, [StyleSpec(dark, mask=left), StyleSpec(bright)], content, OptimizeConfig())


def test_luminance_mode_keeps_the_photos_colours():
    loss = tiny_loss()
    content, style = small(sample_photo("chelsea")), small(texture("swirl"))
    res = stylize_optimize(content, [StyleSpec(style)], loss, OptimizeConfig(steps=8, color="luminance"), progress=False)
    iq_out, iq_in = rgb_to_yiq(res.image)[:, 1:], rgb_to_yiq(content)[:, 1:]
    # Chroma is the photo's (up to clamping), luminance changed.
    assert (iq_out - iq_in).abs().mean() < 0.02
    assert (luminance(res.image) - luminance(content)).abs().mean() > 0.005


def test_histogram_matching_moves_style_colours_to_the_photo():
    content, style = small(sample_photo("chelsea")), small(texture("swirl"))
    matched = match_histograms(style, content)
    for c in range(3):
        assert abs(matched[0, c].mean() - content[0, c].mean()) < abs(style[0, c].mean() - content[0, c].mean()) + 1e-3
        assert abs(matched[0, c].mean() - content[0, c].mean()) < 0.03


def test_style_scale_resizes_relative_to_the_photo():
    style = torch.rand(1, 3, 100, 200)
    assert scale_style(style, (60, 80), 1.0).shape[-2:] == (40, 80)
    assert scale_style(style, (60, 80), 2.0).shape[-2:] == (80, 160)


@pytest.mark.parametrize(
    "kwargs",
    [{"steps": 0}, {"optimizer": "sgd"}, {"init": "zeros"}, {"strength": -1}, {"color": "sepia"},
     {"style_scale": 0}, {"lr": float("nan")}, {"init_noise": 2}],
)
def test_bad_optimize_config_values(kwargs):
    with pytest.raises(InputError):
        OptimizeConfig(**kwargs)


def test_bad_loss_config_values():
    with pytest.raises(InputError):
        LossConfig(style_weight=-1)
    with pytest.raises(InputError):
        LossConfig(content_weight=float("inf"))
    with pytest.raises(InputError):
        LossConfig(style_layers=("relu1_1",), style_layer_weights=(1.0, 2.0))


@pytest.mark.shared_data
def test_gatys_with_the_real_teacher_halves_the_style_loss_in_50_steps():
    cfg = LossConfig()
    teacher = build_teacher(TeacherConfig(source="vgg19-normalised", weights=str(NORMALISED_VGG), pyramid_levels=3), cfg.all_layers)
    loss = PerceptualLoss(teacher, cfg)
    content = load_image(SHARED_DATA / "content" / "classic" / "tubingen.jpg", max_side=256).tensor
    style = load_image(SHARED_DATA / "styles" / "starry_night.jpg", max_side=512).tensor
    style = scale_style(style, tuple(content.shape[-2:]), 1.0)
    before = style_score(loss, content, style)
    res = stylize_optimize(content, [StyleSpec(style)], loss, OptimizeConfig(steps=50), progress=False)
    after = style_score(loss, res.image, style)
    assert after <= 0.5 * before, (before, after)
