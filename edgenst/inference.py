"""Run a trained transformation network on photos of any size, in bounded memory.

The student has no global statistics (normalisation is folded into per-style scale and shift),
so a large photo can be cut into overlapping tiles whose outputs blend seamlessly: memory then
depends on the tile size, not on the photo. Sizes that are not multiples of 4 are padded and
cropped back, so the output always has the input's exact size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from edgenst.errors import InputError

#: The student works on multiples of this.
SIZE_MULTIPLE = 4


@dataclass(frozen=True)
class StyleChoice:
    """Style weights by name (blended, normalised to sum 1) and a strength in [0, 1]."""

    weights: Mapping[str, float]
    strength: float = 1.0

    def vector(self, names: Sequence[str]) -> torch.Tensor:
        """1 x S style weights in the model's style order."""
        if not self.weights:
            raise InputError("choose at least one style")
        unknown = [n for n in self.weights if n not in names]
        if unknown:
            raise InputError(f"unknown style {unknown[0]!r}; this model has: {', '.join(names)}")
        if any(not (w >= 0 and w < float("inf")) for w in self.weights.values()):
            raise InputError(f"style weights must be finite and >= 0, got {dict(self.weights)}")
        total = float(sum(self.weights.values()))
        if total <= 0:
            raise InputError("style weights must have a positive sum")
        if not 0.0 <= self.strength <= 1.0:
            raise InputError(f"strength must be in [0, 1], got {self.strength}")
        vec = torch.zeros(1, len(names))
        for name, w in self.weights.items():
            vec[0, names.index(name)] += w / total
        return vec


#: Mirrored margin added around the photo and cropped off the output: the network's zero padding
#: draws a thin frame at image borders, which then falls outside the kept area.
BORDER = 16


def _pad(x: torch.Tensor, border: int, m: int) -> tuple[torch.Tensor, int]:
    """Mirror ``border`` pixels on every side, then replicate up to a multiple of ``m``."""
    h, w = x.shape[-2:]
    b = min(border, h - 1, w - 1)
    if b > 0:
        x = F.pad(x, (b, b, b, b), mode="reflect")
    ph, pw = (-x.shape[-2]) % m, (-x.shape[-1]) % m
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    return x, b


@torch.no_grad()
def run_model(
    model: nn.Module, image: torch.Tensor, style_weights: torch.Tensor, strength: float, *, border: int = BORDER
) -> torch.Tensor:
    """One pass over the whole image (mirror-padded, to a multiple of 4, cropped back)."""
    if image.dim() != 4 or image.shape[:2] != (1, 3):
        raise InputError(f"expected a 1 x 3 x H x W image, got {tuple(image.shape)}")
    h, w = image.shape[-2:]
    x, b = _pad(image, border, SIZE_MULTIPLE)
    out = model(x, style_weights, torch.full((1, 1), float(strength)))
    return out[..., b : b + h, b : b + w].clamp(0, 1)


def _tile_starts(length: int, tile: int, step: int) -> list[int]:
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, step))
    return starts + [length - tile]


@torch.no_grad()
def stylize(
    model: nn.Module,
    image: torch.Tensor,
    style_weights: torch.Tensor,
    strength: float = 1.0,
    *,
    tile: int = 1024,
    overlap: int = 64,
) -> torch.Tensor:
    """Stylize a 1x3xHxW image in [0, 1]; above ``tile`` pixels a side it goes tile by tile.

    Overlapping tiles are blended with linear ramps, which hides the seams that zero padding at
    tile borders would otherwise draw.
    """
    if tile < 64 or tile % SIZE_MULTIPLE:
        raise InputError(f"tile must be a multiple of {SIZE_MULTIPLE}, at least 64, got {tile}")
    if not 0 <= overlap < tile // 2:
        raise InputError(f"overlap must be in [0, tile/2), got {overlap}")
    model.eval()
    h, w = image.shape[-2:]
    if h <= tile and w <= tile:
        return run_model(model, image, style_weights, strength)
    out = torch.zeros_like(image)
    norm = torch.zeros(1, 1, h, w)
    step = tile - overlap
    for top in _tile_starts(h, tile, step):
        for left in _tile_starts(w, tile, step):
            patch = image[..., top : top + tile, left : left + tile]
            y = run_model(model, patch, style_weights, strength)
            ramp = _ramp(y.shape[-2], overlap, top > 0, top + tile < h)[:, None] * _ramp(y.shape[-1], overlap, left > 0, left + tile < w)[None, :]
            out[..., top : top + y.shape[-2], left : left + y.shape[-1]] += y * ramp
            norm[..., top : top + y.shape[-2], left : left + y.shape[-1]] += ramp
    return out / norm.clamp_min(1e-8)


def _ramp(n: int, overlap: int, fade_in: bool, fade_out: bool) -> torch.Tensor:
    r = torch.ones(n)
    if overlap:
        edge = torch.linspace(0, 1, overlap + 2)[1:-1]
        if fade_in:
            r[:overlap] = edge
        if fade_out:
            r[-overlap:] = edge.flip(0)
    return r
