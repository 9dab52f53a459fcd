"""Perceptual loss primitives: content, Gram style, total variation, guided Gram.

Each function is a plain formula on tensors (unit-tested by hand on tiny inputs). Feature maps are
``BxCxHxW``. Normalisations are chosen so that values do not depend on image size:

- ``gram_matrix(F) = F F^T / (C * H * W)`` (Johnson et al. 2016);
- ``guided_gram(F, m) = (F m)(F m)^T / (C * sum(m^2))``: the Gram matrix of the region that the
  guidance channel ``m`` selects (Gatys et al. 2017, spatial control), equal to ``gram_matrix``
  when ``m`` is all ones;
- content and style losses are mean squared errors, and ``relative_*`` divide by the target's
  mean square so every term starts near 1 whatever the teacher, layer or image size. That is what
  makes default loss weights work without guessing.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from edgenst.errors import InputError

_EPS = 1e-8


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error between feature maps."""
    _same_shape(features, target, "content features")
    return F.mse_loss(features, target)


def relative_content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Content MSE divided by the target's mean square, per sample, averaged over the batch."""
    _same_shape(features, target, "content features")
    dims = tuple(range(1, features.dim()))
    err = (features - target).pow(2).mean(dim=dims)
    scale = target.detach().pow(2).mean(dim=dims).clamp_min(_EPS)
    return (err / scale).mean()


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """``F F^T / (C H W)`` for each sample: BxCxHxW -> BxCxC."""
    if features.dim() != 4:
        raise InputError(f"gram_matrix expects BxCxHxW features, got shape {tuple(features.shape)}")
    b, c, h, w = features.shape
    f = features.reshape(b, c, h * w)
    return torch.bmm(f, f.transpose(1, 2)) / (c * h * w)


def guided_gram(features: torch.Tensor, guide: torch.Tensor) -> torch.Tensor:
    """Gram matrix of the region weighted by ``guide`` (Bx1xh'xw' in [0, 1], resized to the features).

    The guide is resized with area averaging, so a layer sees the fraction of each cell covered.
    """
    if features.dim() != 4 or guide.dim() != 4 or guide.shape[1] != 1:
        raise InputError(
            f"guided_gram expects BxCxHxW features and a Bx1xHxW guide, got {tuple(features.shape)} and {tuple(guide.shape)}"
        )
    b, c, h, w = features.shape
    g = guide if guide.shape[-2:] == (h, w) else F.interpolate(guide, size=(h, w), mode="area")
    if g.shape[0] != b:
        g = g.expand(b, -1, -1, -1)
    f = (features * g).reshape(b, c, h * w)
    mass = g.pow(2).reshape(b, -1).sum(dim=1).clamp_min(_EPS)
    return torch.bmm(f, f.transpose(1, 2)) / (c * mass).view(b, 1, 1)


def _batch_mean(per_sample: torch.Tensor, sample_weights: torch.Tensor | None) -> torch.Tensor:
    """Mean over the batch, each sample's term first multiplied by its weight (per-style balance)."""
    if sample_weights is None:
        return per_sample.mean()
    if sample_weights.shape != per_sample.shape and sample_weights.numel() != 1:
        raise InputError(f"{tuple(sample_weights.shape)} sample weights for {tuple(per_sample.shape)} samples")
    return (per_sample * sample_weights).mean()


def style_loss(gram: torch.Tensor, target_gram: torch.Tensor, sample_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Mean squared error between Gram matrices (a target of batch 1 broadcasts over the batch)."""
    if target_gram.shape[-2:] != gram.shape[-2:]:
        raise InputError(f"Gram shapes differ: {tuple(gram.shape)} vs {tuple(target_gram.shape)}")
    return _batch_mean((gram - target_gram).pow(2).mean(dim=(-2, -1)), sample_weights)


def relative_style_loss(gram: torch.Tensor, target_gram: torch.Tensor, sample_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Gram MSE divided by the target Gram's mean square, per sample, averaged over the batch.

    ``sample_weights`` (B,) multiply each sample's term: a per-style balance, so a style that a
    network paints weakly can count more without changing the others' targets."""
    if target_gram.shape[-2:] != gram.shape[-2:]:
        raise InputError(f"Gram shapes differ: {tuple(gram.shape)} vs {tuple(target_gram.shape)}")
    err = (gram - target_gram).pow(2).mean(dim=(-2, -1))
    scale = target_gram.detach().pow(2).mean(dim=(-2, -1)).clamp_min(_EPS)
    return _batch_mean(err / scale, sample_weights)


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between vertical and horizontal neighbours (smooth TV)."""
    if image.dim() != 4:
        raise InputError(f"total_variation expects BxCxHxW, got shape {tuple(image.shape)}")
    dh = image[..., 1:, :] - image[..., :-1, :]
    dw = image[..., :, 1:] - image[..., :, :-1]
    zero = image.new_zeros(())
    return (dh.pow(2).mean() if dh.numel() else zero) + (dw.pow(2).mean() if dw.numel() else zero)


def _same_shape(a: torch.Tensor, b: torch.Tensor, what: str) -> None:
    if a.shape != b.shape:
        raise InputError(f"{what} shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}")
