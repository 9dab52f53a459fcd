"""The perceptual loss: the teacher's features turned into one weighted content + style + TV score.

One object serves the Gatys optimiser, distillation and federated clients, so "the same loss" means
the same code. Style targets are precomputed Gram matrices keyed ``layer@level`` (pyramid level 0 is
full size); several styles blend by averaging their Gram matrices with the given weights, and a
region guide turns a style target into a guided one (spatial control).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import torch
from torch import nn

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
from edgenst.teacher import PyramidFeatures

#: Layers of the exact VGG-19 available offline (see ../shared/data/teachers): with a 3-level
#: pyramid they are the default everywhere, and the quality report measures with them.
DEFAULT_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1")
DEFAULT_CONTENT_LAYERS = ("relu3_1",)


LAYER_WEIGHTINGS = ("equal", "gram")


@dataclass(frozen=True)
class LossConfig:
    """Which layers count and how much. Terms are relative (each starts near 1) unless told otherwise."""

    content_layers: tuple[str, ...] = DEFAULT_CONTENT_LAYERS
    style_layers: tuple[str, ...] = DEFAULT_STYLE_LAYERS
    style_layer_weights: tuple[float, ...] | None = None  # default: equal, summing to 1
    # "equal": each (layer, pyramid level) term counts by style_layer_weights; "gram": each counts
    # by its share of the painting's Gram mean square, so the sum is the plain Gram MSE over all
    # layers and levels divided by the painting's total (the Gatys/measure form, scale-free).
    layer_weighting: str = "equal"
    content_weight: float = 1.0
    style_weight: float = 50.0
    tv_weight: float = 10.0
    relative: bool = True

    def __post_init__(self) -> None:
        if not self.style_layers:
            raise InputError("at least one style layer is needed")
        if self.style_layer_weights is not None and len(self.style_layer_weights) != len(self.style_layers):
            raise InputError(
                f"{len(self.style_layer_weights)} style layer weights for {len(self.style_layers)} style layers"
            )
        if self.layer_weighting not in LAYER_WEIGHTINGS:
            raise InputError(f"layer weighting must be one of {', '.join(LAYER_WEIGHTINGS)}, got {self.layer_weighting!r}")
        if self.layer_weighting == "gram" and self.style_layer_weights is not None:
            raise InputError("give style layer weights or the 'gram' layer weighting, not both")
        if self.layer_weighting == "gram" and not self.relative:
            raise InputError("the 'gram' layer weighting applies to the relative style loss")
        for name in ("content_weight", "style_weight", "tv_weight"):
            v = getattr(self, name)
            if not (v >= 0 and v < float("inf")):
                raise InputError(f"{name} must be a finite number >= 0, got {v}")

    @property
    def layer_weights(self) -> dict[str, float]:
        w = self.style_layer_weights or (1.0,) * len(self.style_layers)
        total = sum(w)
        if total <= 0:
            raise InputError("style layer weights must sum to a positive number")
        return {name: wi / total for name, wi in zip(self.style_layers, w)}

    @property
    def all_layers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.style_layers + self.content_layers))


@dataclass
class StyleTarget:
    """Gram matrices to match, optionally only inside a region of the output (``guide``)."""

    grams: dict[str, torch.Tensor]  # "layer@level" -> 1xCxC or BxCxC
    guide: torch.Tensor | None = None  # 1x1xHxW in [0, 1] at output resolution
    sample_weights: torch.Tensor | None = None  # (B,) per-sample multipliers of the style term


@dataclass
class LossTerms:
    """The weighted terms and their sum; ``total`` is what gets minimised."""

    total: torch.Tensor
    content: torch.Tensor
    style: torch.Tensor
    tv: torch.Tensor
    match: torch.Tensor | None = None  # distillation: distance to the teacher network's features
    extra: dict[str, float] = field(default_factory=dict)

    def as_floats(self) -> dict[str, float]:
        out = {
            "total": float(self.total.detach()),
            "content": float(self.content.detach()),
            "style": float(self.style.detach()),
            "tv": float(self.tv.detach()),
        }
        if self.match is not None:
            out["match"] = float(self.match.detach())
        return {**out, **self.extra}


def gram_key(layer: str, level: int) -> str:
    return f"{layer}@{level}"


class PerceptualLoss(nn.Module):
    """Content + Gram style (+ pyramid) + total variation, through a frozen teacher."""

    def __init__(self, teacher: PyramidFeatures, config: LossConfig = LossConfig()) -> None:
        super().__init__()
        teacher.trunk.check_layers(config.all_layers)
        self.teacher = teacher
        self.config = config

    @torch.no_grad()
    def style_grams(self, image: torch.Tensor, guide: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Gram matrices of a style image at every style layer and pyramid level."""
        feats = self.teacher(image, self.config.style_layers)
        return {
            gram_key(layer, lv): (gram_matrix(f) if guide is None else guided_gram(f, guide))
            for lv, level in enumerate(feats)
            for layer, f in level.items()
        }

    def blend_style_targets(self, images: Sequence[torch.Tensor], weights: Sequence[float]) -> StyleTarget:
        """One target from several style images: their Gram matrices averaged with ``weights``."""
        if len(images) != len(weights) or not images:
            raise InputError(f"{len(images)} style images but {len(weights)} weights")
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise InputError(f"style weights must be >= 0 with a positive sum, got {list(weights)}")
        total = float(sum(weights))
        blended: dict[str, torch.Tensor] = {}
        for img, w in zip(images, weights):
            for k, g in self.style_grams(img).items():
                blended[k] = blended.get(k, 0) + (w / total) * g
        return StyleTarget(grams=blended)

    def _term_weights(self, target: StyleTarget, levels: int) -> dict[str, float | torch.Tensor]:
        """Weight of each ``layer@level`` term: the layer's weight (the caller divides by the levels),
        or with "gram" weighting per sample (B,), the term's share of the target's Gram mean square."""
        cfg = self.config
        keys = [gram_key(layer, lv) for lv in range(levels) for layer in cfg.style_layers]
        missing = [k for k in keys if k not in target.grams]
        if missing:
            raise InputError(f"style target lacks {missing[0]}; build targets with the same loss config")
        if cfg.layer_weighting == "equal":
            lw = cfg.layer_weights
            return {gram_key(layer, lv): lw[layer] for lv in range(levels) for layer in cfg.style_layers}  # / levels by the caller
        ms = {k: target.grams[k].detach().pow(2).mean(dim=(-2, -1)).reshape(-1) for k in keys}
        total = torch.stack(list(ms.values())).sum(dim=0).clamp_min(1e-12)
        return {k: v / total for k, v in ms.items()}

    @torch.no_grad()
    def content_targets(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.teacher(image, self.config.content_layers, levels=1)[0]

    def forward(
        self,
        image: torch.Tensor,
        content_targets: Mapping[str, torch.Tensor] | None,
        style_targets: Sequence[StyleTarget],
        *,
        style_scale: float = 1.0,
        match_targets: Mapping[str, torch.Tensor] | None = None,
        match_weight: float = 0.0,
    ) -> LossTerms:
        """Score ``image``; ``style_scale`` multiplies the style weight (style strength).

        ``match_targets`` (layer -> features at full size, e.g. of a teacher network's output)
        adds ``match_weight`` x their relative distance, reusing the features computed here.
        """
        cfg = self.config
        layers = cfg.all_layers + tuple(k for k in (match_targets or {}) if k not in cfg.all_layers)
        feats = self.teacher(image, layers)
        c_fn = relative_content_loss if cfg.relative else content_loss
        s_fn = relative_style_loss if cfg.relative else style_loss
        zero = image.new_zeros(())

        content = zero
        if content_targets is not None and cfg.content_weight > 0:
            for layer in cfg.content_layers:
                content = content + c_fn(feats[0][layer], content_targets[layer]) / len(cfg.content_layers)

        style = zero
        for target in style_targets:
            term_weights = self._term_weights(target, len(feats))
            for lv, level in enumerate(feats):
                for layer in cfg.style_layers:
                    key = gram_key(layer, lv)
                    f = level[layer]
                    g = gram_matrix(f) if target.guide is None else guided_gram(f, target.guide)
                    w = term_weights[key]
                    if isinstance(w, float) and target.sample_weights is None:  # the arithmetic of always, bit for bit
                        style = style + w * s_fn(g, target.grams[key]) / len(feats)
                        continue
                    sample_w = w if target.sample_weights is None else w * target.sample_weights
                    per_level = 1.0 / len(feats) if isinstance(w, float) else 1.0  # "gram" shares span the levels
                    style = style + s_fn(g, target.grams[key], sample_w) * per_level

        tv = total_variation(image) if cfg.tv_weight > 0 else zero
        content_w = cfg.content_weight * content
        style_w = cfg.style_weight * style_scale * style
        tv_w = cfg.tv_weight * tv
        total = content_w + style_w + tv_w
        match_w = None
        if match_targets:
            match = sum(relative_content_loss(feats[0][k], t) for k, t in match_targets.items()) / len(match_targets)
            match_w = match_weight * match
            total = total + match_w
        return LossTerms(total=total, content=content_w, style=style_w, tv=tv_w, match=match_w)
