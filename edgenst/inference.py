"""Run a trained transformation network on photos of any size, in bounded memory.

The student has no global statistics (normalisation is folded into per-style scale and shift),
so a large photo can be cut into overlapping tiles whose outputs blend seamlessly: memory then
depends on the tile size, not on the photo. Sizes that are not multiples of 4 are padded and
cropped back, so the output always has the input's exact size.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from edgenst.errors import InputError
from edgenst.styles import StyleChoice  # noqa: F401  (its home is edgenst.styles; kept importable here)

#: The student works on multiples of this.
SIZE_MULTIPLE = 4


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
    _check_tiling(tile, overlap)
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
            ramp = _tile_ramp(y.shape[-2:], top, left, (h, w), tile, overlap)
            out[..., top : top + y.shape[-2], left : left + y.shape[-1]] += y * ramp
            norm[..., top : top + y.shape[-2], left : left + y.shape[-1]] += ramp
    return out / norm.clamp_min(1e-8)


@torch.no_grad()
def stylize_u8(
    model: nn.Module,
    image: torch.Tensor,
    style_weights: torch.Tensor,
    strength: float = 1.0,
    *,
    tile: int = 1024,
    overlap: int = 64,
    border: int | None = None,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """``stylize`` for an 8-bit photo (1x3xHxW uint8), holding no float copy of the whole photo.

    ``stylize`` bounds the network's memory but keeps float frames for the photo, the blended
    output and the blend weights: 2.9 GB for a 48-megapixel JPEG (issue 18). Here the frames stay
    uint8 (input and the channels-last output); a tile becomes float only while it runs, and the
    float sums of the blend cover one row of tiles (``tile`` x W), whose rows are rounded into
    the output as soon as no later tile reaches them. The sums are the same float operations in
    the same order as ``stylize``'s, so the picture is exactly ``stylize``'s, rounded to 8 bits as
    ``save_image`` rounds it (``io.to_u8``).

    ``out``: where to write (a new channels-last uint8 frame by default). It may be ``image``
    itself: a row is written only once no later tile reads it, so the photo is overwritten by its
    stylized picture and one 8-bit frame is held instead of two (the CLI does this).
    """
    from edgenst.io import to_u8

    if image.dtype != torch.uint8 or image.dim() != 4 or image.shape[:2] != (1, 3):
        raise InputError(f"expected an 8-bit 1 x 3 x H x W image, got {image.dtype} {tuple(image.shape)}")
    _check_tiling(tile, overlap)
    model.eval()
    border = model_border(model) if border is None else border
    h, w = image.shape[-2:]
    if out is None:
        out = torch.empty(1, h, w, 3, dtype=torch.uint8).permute(0, 3, 1, 2)  # HxWx3 underneath, as Pillow wants
    elif out.dtype != torch.uint8 or out.shape != image.shape:
        raise InputError(f"out must be uint8 of the image's shape {tuple(image.shape)}, got {out.dtype} {tuple(out.shape)}")
    step = tile - overlap
    tops, lefts = _tile_starts(h, tile, step), _tile_starts(w, tile, step)
    if len(tops) == 1 and len(lefts) == 1:
        out.copy_(to_u8(run_model(model, image.float() / 255.0, style_weights, strength, border=border)))
        return out
    # The blend's float sums for the current row of tiles (rows [top, top + tile) of the photo); the
    # rows the next row of tiles also reaches move to the top of the same buffers.
    band = torch.zeros(1, 3, min(tile, h), w)
    band_weights = torch.zeros(1, 1, min(tile, h), w)
    for i, top in enumerate(tops):
        rows = min(tile, h - top)
        for left in lefts:
            patch = image[..., top : top + tile, left : left + tile].float() / 255.0
            y = run_model(model, patch, style_weights, strength, border=border)
            ramp = _tile_ramp(y.shape[-2:], top, left, (h, w), tile, overlap)
            band[..., :rows, left : left + y.shape[-1]] += y * ramp
            band_weights[..., :rows, left : left + y.shape[-1]] += ramp
            del patch, y, ramp
            _trim_heap()
        done = (tops[i + 1] if i + 1 < len(tops) else h) - top  # no later tile reaches these rows
        _round_into(out[..., top : top + done, :], band[..., :done, :], band_weights[..., :done, :])
        keep = rows - done
        if keep:
            band[..., :keep, :] = band[..., done:rows, :].clone()
            band_weights[..., :keep, :] = band_weights[..., done:rows, :].clone()
        band[..., keep:, :] = 0
        band_weights[..., keep:, :] = 0
    return out


def _trim_heap() -> None:
    """Hand the heap's free pages back to the OS (glibc's ``malloc_trim``; elsewhere nothing).

    After the first big free glibc serves a tile's 4-32 MB temporaries from the heap, which
    fragments: over a 48-megapixel photo the process grew about 170 MB beyond its working set, a
    third of the way to the 1.5 GB bar. Trimming after each tile costs about a millisecond.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _find_malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc; musl has no malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _find_malloc_trim()

#: Rows rounded at a time by ``_round_into``: its float temporaries stay a few MB on any photo.
_ROUND_ROWS = 64


def _round_into(out: torch.Tensor, sums: torch.Tensor, weights: torch.Tensor) -> None:
    """``out = to_u8(sums / weights)``, a few rows at a time (the same operations as ``stylize``'s end)."""
    from edgenst.io import to_u8

    for r in range(0, sums.shape[-2], _ROUND_ROWS):
        rows = slice(r, r + _ROUND_ROWS)
        out[..., rows, :] = to_u8(sums[..., rows, :] / weights[..., rows, :].clamp_min(1e-8))


def _check_tiling(tile: int, overlap: int) -> None:
    if tile < 64 or tile % SIZE_MULTIPLE:
        raise InputError(f"tile must be a multiple of {SIZE_MULTIPLE}, at least 64, got {tile}")
    if not 0 <= overlap < tile // 2:
        raise InputError(f"overlap must be in [0, tile/2), got {overlap}")


def _tile_ramp(shape: tuple[int, int], top: int, left: int, size: tuple[int, int], tile: int,
               overlap: int) -> torch.Tensor:
    """The tile's blend weight: linear ramps over the overlaps it shares with its neighbours."""
    return (_ramp(shape[0], overlap, top > 0, top + tile < size[0])[:, None]
            * _ramp(shape[1], overlap, left > 0, left + tile < size[1])[None, :])


def _ramp(n: int, overlap: int, fade_in: bool, fade_out: bool) -> torch.Tensor:
    r = torch.ones(n)
    if overlap:
        edge = torch.linspace(0, 1, overlap + 2)[1:-1]
        if fade_in:
            r[:overlap] = edge
        if fade_out:
            r[-overlap:] = edge.flip(0)
    return r
