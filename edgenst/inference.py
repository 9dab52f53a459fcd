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


#: The least mirrored margin ``run_model`` adds around a photo (cropped off the output): the
#: network's zero padding draws a thin frame at image borders, which then falls outside the kept area.
BORDER = 16
#: The most it adds: models with global statistics (instance norm) see the whole image anyway.
MAX_BORDER = 64


def receptive_radius(model: nn.Module, *, limit: int = MAX_BORDER) -> int:
    """How many pixels an output pixel sees into the input, measured by autograd (tens of ms).

    A mirrored margin narrower than this leaves the zero padding inside the view of pixels near the
    edge, and what it does there depends on the content beside it: a video frame's rim then
    flickers as the camera pans (``benchmarks/video_rim.py``). ``limit`` when the view reaches the
    probe's edge (global statistics) or the model cannot be probed. Callers that run many images
    (tiles, video frames) measure it once and pass the border on.
    """
    styles = getattr(getattr(model, "config", None), "styles", None)
    radius = limit
    if isinstance(styles, int):
        size = 2 * limit + 2 * SIZE_MULTIPLE
        c = size // 2
        param = next(model.parameters(), None)
        like = {"device": param.device, "dtype": param.dtype} if param is not None else {}
        x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0)).to(**like).requires_grad_()
        with torch.enable_grad():
            y = model(x, torch.full((1, styles), 1.0 / styles, **like), torch.ones(1, 1, **like))
            (grad,) = torch.autograd.grad(y[..., c : c + SIZE_MULTIPLE, c : c + SIZE_MULTIPLE].sum(), x)
        rows, cols = torch.nonzero(grad.abs().sum((0, 1)) > 0, as_tuple=True)
        if len(rows):
            last = c + SIZE_MULTIPLE - 1
            seen = max(c - int(rows.min()), int(rows.max()) - last, c - int(cols.min()), int(cols.max()) - last)
            radius = min(seen, limit)
    return radius


def model_border(model: nn.Module) -> int:
    """The margin that keeps the zero padding out of every kept pixel's view (a multiple of 4)."""
    r = receptive_radius(model)
    return max(BORDER, -(-r // SIZE_MULTIPLE) * SIZE_MULTIPLE)


def mirror_pad(x: torch.Tensor, border: int, m: int = SIZE_MULTIPLE) -> tuple[torch.Tensor, int]:
    """Mirror ``border`` pixels on every side, then replicate up to a multiple of ``m``.

    Returns the padded image and the border used (crop ``[b : b + h, b : b + w]`` to undo it);
    temporal training pads its views the same way, so the frame's rim is trained as it runs.
    """
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
    model: nn.Module, image: torch.Tensor, style_weights: torch.Tensor, strength: float, *, border: int | None = None
) -> torch.Tensor:
    """One pass over the whole image (mirror-padded, to a multiple of 4, cropped back).

    ``border``: the mirrored margin; by default ``model_border``, as wide as the model sees.
    """
    if image.dim() != 4 or image.shape[:2] != (1, 3):
        raise InputError(f"expected a 1 x 3 x H x W image, got {tuple(image.shape)}")
    h, w = image.shape[-2:]
    x, b = mirror_pad(image, model_border(model) if border is None else border)
    # Channels-last: oneDNN runs the students' separable convolutions about 2x faster in NHWC on
    # 2 AVX2 cores (benchmarks/results/stylize_time.md); the result differs by float rounding only.
    x = x.contiguous(memory_format=torch.channels_last)
    out = model(x, style_weights, torch.full((1, 1), float(strength)))
    return out[..., b : b + h, b : b + w].clamp(0, 1).contiguous()


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
    border: int | None = None,
) -> torch.Tensor:
    """Stylize a 1x3xHxW image in [0, 1]; above ``tile`` pixels a side it goes tile by tile.

    Overlapping tiles are blended with linear ramps, which hides the seams that zero padding at
    tile borders would otherwise draw. ``border``: the mirrored margin (default ``model_border``).
    """
    if tile < 64 or tile % SIZE_MULTIPLE:
        raise InputError(f"tile must be a multiple of {SIZE_MULTIPLE}, at least 64, got {tile}")
    if not 0 <= overlap < tile // 2:
        raise InputError(f"overlap must be in [0, tile/2), got {overlap}")
    model.eval()
    border = model_border(model) if border is None else border
    h, w = image.shape[-2:]
    if h <= tile and w <= tile:
        return run_model(model, image, style_weights, strength, border=border)
    out = torch.zeros_like(image)
    norm = torch.zeros(1, 1, h, w)
    step = tile - overlap
    for top in _tile_starts(h, tile, step):
        for left in _tile_starts(w, tile, step):
            patch = image[..., top : top + tile, left : left + tile]
            y = run_model(model, patch, style_weights, strength, border=border)
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
