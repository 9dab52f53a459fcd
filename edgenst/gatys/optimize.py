"""The Gatys et al. method: optimise the output image itself against the perceptual loss.

Slow (hundreds of teacher forward/backward passes per image) but it needs no training, so it is
the quality reference that distilled students are measured against. Supports several styles
blended by weight, style strength, spatial masks (a style per region, via guided Gram matrices),
colour preservation and style scale.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from edgenst.gatys.color import COLOR_MODES, luminance, match_histograms, match_luminance, with_content_chroma
from edgenst.errors import EdgenstError, InputError
from edgenst.perceptual import PerceptualLoss, StyleTarget

log = logging.getLogger(__name__)

OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "noise", "mix")


@dataclass(frozen=True)
class OptimizeConfig:
    """Settings of the optimisation itself; loss weights live in ``LossConfig``."""

    steps: int = 200  # loss evaluations; an L-BFGS line search may finish with one or two more
    optimizer: str = "lbfgs"
    lr: float | None = None  # default: 1.0 for L-BFGS, 0.02 for Adam
    init: str = "content"
    init_noise: float = 0.5  # share of noise in the "mix" initialisation
    strength: float = 100.0  # style strength in percent (scales the style weight)
    color: str = "none"  # none | luminance | histogram
    style_scale: float = 1.0  # style image long side = style_scale * content long side
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise InputError(f"steps must be >= 1, got {self.steps}")
        if self.optimizer not in OPTIMIZERS:
            raise InputError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.init not in INITS:
            raise InputError(f"init must be one of {', '.join(INITS)}, got {self.init!r}")
        if not 0.0 <= self.init_noise <= 1.0:
            raise InputError(f"init_noise must be in [0, 1], got {self.init_noise}")
        if not (0.0 <= self.strength <= 1000.0):
            raise InputError(f"strength must be a percentage in [0, 1000], got {self.strength}")
        if self.color not in COLOR_MODES:
            raise InputError(f"color must be one of {', '.join(COLOR_MODES)}, got {self.color!r}")
        if not (0.05 <= self.style_scale <= 8.0):
            raise InputError(f"style_scale must be in [0.05, 8], got {self.style_scale}")
        if self.lr is not None and not (self.lr > 0 and math.isfinite(self.lr)):
            raise InputError(f"lr must be a positive number, got {self.lr}")

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else (1.0 if self.optimizer == "lbfgs" else 0.02)


@dataclass
class StyleSpec:
    """A style image, its blend weight, and optionally the output region (mask) it paints."""

    image: torch.Tensor  # 1x3xHxW in [0, 1]
    weight: float = 1.0
    mask: torch.Tensor | None = None  # 1x1xHxW in [0, 1], any size (resized to the output)


@dataclass
class OptimizeResult:
    image: torch.Tensor
    history: list[dict[str, float]] = field(default_factory=list)  # one entry per loss evaluation
    final: dict[str, float] = field(default_factory=dict)  # loss terms of the returned image
    seconds: float = 0.0


def scale_style(style: torch.Tensor, content_hw: tuple[int, int], style_scale: float) -> torch.Tensor:
    """Resize ``style`` so its long side is ``style_scale`` times the content's long side."""
    target = max(16, round(max(content_hw) * style_scale))
    h, w = style.shape[-2:]
    s = target / max(h, w)
    size = (max(16, round(h * s)), max(16, round(w * s)))
    return F.interpolate(style, size=size, mode="bilinear", antialias=s < 1, align_corners=False).clamp(0, 1)


def build_style_targets(
    loss: PerceptualLoss, styles: Sequence[StyleSpec], content: torch.Tensor, config: OptimizeConfig
) -> list[StyleTarget]:
    """Style Gram targets: one blended target, or one guided target per masked region."""
    if not styles:
        raise InputError("at least one style image is needed")
    masked = [s.mask is not None for s in styles]
    if any(masked) and not all(masked):
        raise InputError("when masks are used, every style needs its own mask")
    prepared = []
    for s in styles:
        img = scale_style(s.image, tuple(content.shape[-2:]), config.style_scale)
        if config.color == "luminance":
            img = match_luminance(img, content)
        elif config.color == "histogram":
            img = match_histograms(img, content)
        prepared.append(img)
    if not any(masked):
        return [loss.blend_style_targets(prepared, [s.weight for s in styles])]
    targets = []
    for s, img in zip(styles, prepared):
        mask = F.interpolate(s.mask.float(), size=content.shape[-2:], mode="bilinear", align_corners=False).clamp(0, 1)
        grams = {k: s.weight * g for k, g in loss.style_grams(img).items()}
        targets.append(StyleTarget(grams=grams, guide=mask))
    return targets


def initial_image(content: torch.Tensor, config: OptimizeConfig) -> torch.Tensor:
    gen = torch.Generator().manual_seed(config.seed)
    noise = torch.rand(content.shape, generator=gen).to(content)
    if config.init == "content":
        return content.clone(memory_format=torch.contiguous_format)
    if config.init == "noise":
        return noise
    return (1.0 - config.init_noise) * content + config.init_noise * noise


def stylize_optimize(
    content: torch.Tensor,
    styles: Sequence[StyleSpec],
    loss: PerceptualLoss,
    config: OptimizeConfig = OptimizeConfig(),
    *,
    progress: bool = True,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
) -> OptimizeResult:
    """Optimise an image so its teacher features match ``content`` and its Gram matrices ``styles``."""
    if content.dim() != 4 or content.shape[:2] != (1, 3):
        raise InputError(f"content must be 1x3xHxW, got shape {tuple(content.shape)}")
    start = time.perf_counter()
    photo = content
    work_content = luminance(content) if config.color == "luminance" else content
    targets = build_style_targets(loss, styles, content, config)
    content_targets = loss.content_targets(work_content)
    x = initial_image(work_content, config).requires_grad_(True)
    style_scale = config.strength / 100.0

    history: list[dict[str, float]] = []
    bar = tqdm(total=config.steps, desc="optimize", unit="step", disable=not progress, leave=False)

    def evaluate() -> torch.Tensor:
        terms = loss(x, content_targets, targets, style_scale=style_scale)
        values = terms.as_floats()
        if not math.isfinite(values["total"]):
            raise EdgenstError(f"loss became {values['total']} after {len(history)} steps; lower the learning rate")
        history.append(dict(values, step=len(history) + 1))
        bar.update(1)
        bar.set_postfix(loss=f"{values['total']:.4g}", style=f"{values['style']:.3g}", content=f"{values['content']:.3g}")
        if on_step is not None:
            on_step(len(history), values)
        n = len(history)
        if n == 1 or n % 50 == 0:
            log.info("step %d/%d  total %.4g  content %.4g  style %.4g  tv %.4g",
                     n, config.steps, values["total"], values["content"], values["style"], values["tv"])
        return terms.total

    if config.optimizer == "lbfgs":
        # One L-BFGS call with a budget of function evaluations: its line search and curvature history
        # stay consistent (no clamping in between), and each evaluation counts as a step.
        opt: torch.optim.Optimizer = torch.optim.LBFGS(
            [x], lr=config.learning_rate, max_iter=config.steps, max_eval=config.steps,
            history_size=50, tolerance_grad=0.0, tolerance_change=0.0, line_search_fn="strong_wolfe",
        )

        def closure() -> torch.Tensor:
            opt.zero_grad(set_to_none=True)
            total = evaluate()
            total.backward()
            return total

        opt.step(closure)
    else:
        opt = torch.optim.Adam([x], lr=config.learning_rate)
        for _ in range(config.steps):
            opt.zero_grad(set_to_none=True)
            evaluate().backward()
            opt.step()
            with torch.no_grad():
                x.clamp_(0.0, 1.0)
    bar.close()
    out = x.detach().clamp(0, 1)
    with torch.no_grad():
        final = loss(out, content_targets, targets, style_scale=style_scale).as_floats()
    if config.color == "luminance":
        out = with_content_chroma(out, photo)
    return OptimizeResult(image=out, history=history, final=final, seconds=time.perf_counter() - start)
