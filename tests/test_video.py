"""Video: decoding/encoding round trips, the warping-error metric, and the temporal training loss.

Everything here is synthetic and small (no ../shared/data), so it runs in seconds.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from edgenst.distill.temporal import MotionConfig, draw_view_pair, make_view_pair, random_affine, temporal_loss


# --- the temporal training loss --------------------------------------------------------------


def _photos(n: int = 2, size: int = 64) -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    smooth = torch.nn.functional.interpolate(torch.rand(n, 3, size // 8, size // 8, generator=g), size=(size, size),
                                             mode="bilinear", align_corners=False)
    return smooth.clamp(0, 1)


def test_temporal_loss_is_zero_for_identical_views_and_positive_for_moved_ones() -> None:
    photos = _photos()
    identity = torch.tensor([[1.0, 0, 0], [0, 1, 0]]).repeat(2, 1, 1)
    same = make_view_pair(photos, identity)
    assert torch.allclose(same.image, photos, atol=1e-6)
    assert float(temporal_loss(photos, same.image, same)) < 1e-10
    # Warping the output of view 1 is exactly what a shift-equivariant "stylizer" does: ~0 loss.
    moved = draw_view_pair(photos, seed=0, step=3, motion=MotionConfig(noise=0.0, margin=4), global_batch=2)
    assert float(temporal_loss(photos, moved.image, moved)) < 1e-10
    # A stylizer whose output ignores the motion (returns view 1's output for view 2) is penalised.
    assert float(temporal_loss(photos, photos, moved)) > 1e-4
    noisy = draw_view_pair(photos, seed=0, step=3, motion=MotionConfig(shift=0, rotate=0, zoom=0, noise=0.05, margin=4),
                           global_batch=2)
    assert float(temporal_loss(photos, noisy.image, noisy)) == pytest.approx(0.05**2, rel=0.3)


def test_view_pairs_mask_what_comes_from_outside_and_are_a_function_of_seed_and_step() -> None:
    photos = _photos(4)
    shift = torch.tensor([[1.0, 0, 16 / 64], [0, 1, 0]]).repeat(4, 1, 1)  # view 2 samples 8 px to the right
    pair = make_view_pair(photos, shift)
    assert pair.valid[..., :, -8:].sum() == 0 and pair.valid[..., :, :-9].min() == 1
    torch.testing.assert_close(pair.image[..., :, :-8], photos[..., :, 8:])
    a = draw_view_pair(photos, 0, 5, MotionConfig(margin=4), global_batch=4)
    b = draw_view_pair(photos, 0, 5, MotionConfig(margin=4), global_batch=4)
    torch.testing.assert_close(a.image, b.image)
    half = draw_view_pair(photos[2:], 0, 5, MotionConfig(margin=4), global_batch=4, rank=1)
    torch.testing.assert_close(half.image, a.image[2:])
    theta = random_affine(64, 160, 160, torch.Generator().manual_seed(0), MotionConfig())
    assert theta[:, :, 2].abs().max() <= 4 * 2 / 160 + 1e-6  # shifts stay within 4 px


def test_distill_with_temporal_runs_records_the_weight_and_zero_changes_nothing(tmp_path: Path) -> None:
    from test_distill import tiny_config, weights_of

    from edgenst.distill import DistillWeights, distill

    base = tiny_config(steps=3, photo_mode=0.0, checkpoint_every=3, log_every=1)
    off = distill(base, tmp_path / "off", progress=False)
    zero = distill(replace(base, weights=replace(base.weights, temporal=0.0)), tmp_path / "zero", progress=False)
    torch.testing.assert_close(weights_of(off.model_path), weights_of(zero.model_path), atol=0, rtol=0)
    assert all("temporal" not in h for h in off.history)

    on = replace(base, weights=DistillWeights(temporal=100.0), motion=MotionConfig(margin=4))
    res = distill(on, tmp_path / "on", progress=False)
    assert all(h["temporal"] > 0 for h in res.history)
    record = json.loads(sorted((tmp_path / "on").glob("ckpt-*.json"))[-1].read_text())
    assert record["config"]["weights"]["temporal"] == 100.0 and record["config"]["motion"]["margin"] == 4
    a, b = weights_of(off.model_path), weights_of(res.model_path)
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_temporal_margin_must_fit_the_crop() -> None:
    from test_distill import tiny_config

    from edgenst.distill import DistillWeights
    from edgenst.errors import InputError

    with pytest.raises(InputError, match="margin"):
        tiny_config(weights=DistillWeights(temporal=1.0))  # margin 16 of a 32 px crop
