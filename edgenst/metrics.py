"""Quality metrics of stylized images: teacher content and style loss, SSIM to the photo, time; and
PSNR, the one measure of how far an exported program (int8 ``.pte``, Core ML) is from PyTorch.

The losses are the unweighted relative terms of ``PerceptualLoss`` (content and style each start
near 1 for an unrelated image), so numbers from different methods and students compare directly.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from edgenst.errors import InputError
from edgenst.perceptual import LossConfig, PerceptualLoss, StyleTarget

#: The int8 gate: mean PSNR (dB) of an int8 program against fp32 eager over every checked image.
#: Verify's default (``export.checks.Tolerances``) and the tests read it from here.
INT8_MIN_PSNR_DB = 32.0


def psnr_from_mse(mse: float, peak: float = 1.0) -> float:
    """PSNR in dB of a mean squared error for values in [0, peak]; infinite for identical images."""
    return math.inf if mse == 0 else 10.0 * math.log10(peak**2 / mse)


def psnr(a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray, peak: float = 1.0) -> float:
    """PSNR in dB of ``a`` against ``b`` (tensors or arrays of one shape, values in [0, peak]).

    Why one function: verify (int8 ``.pte`` vs fp32 eager, peak 1), the Core ML checker (0-255
    images, peak 255) and the quantization benchmarks each had their own; the mean is taken in
    float64 so a 0-255 image and a [0, 1] tensor give the same dB."""
    x, y = torch.as_tensor(a).double(), torch.as_tensor(b).double()
    if x.shape != y.shape:
        raise InputError(f"PSNR needs equal shapes, got {tuple(x.shape)} and {tuple(y.shape)}")
    return psnr_from_mse(torch.mean((x - y) ** 2).item(), peak)


@dataclass(frozen=True)
class ImageMetrics:
    name: str
    content_loss: float
    style_loss: float
    ssim: float
    seconds: float | None = None


def ssim(a: torch.Tensor, b: torch.Tensor) -> float:
    """Structural similarity of two 1x3xHxW images in [0, 1] (scikit-image, colour, data range 1)."""
    from skimage.metrics import structural_similarity

    if a.shape != b.shape:
        raise InputError(f"SSIM needs equal shapes, got {tuple(a.shape)} and {tuple(b.shape)}")
    x = a[0].permute(1, 2, 0).double().cpu().numpy()
    y = b[0].permute(1, 2, 0).double().cpu().numpy()
    win = min(7, *x.shape[:2])
    win -= (win + 1) % 2  # odd window that fits tiny images
    return float(structural_similarity(x, y, channel_axis=-1, data_range=1.0, win_size=max(win, 3)))


#: Frequencies (cycles per pixel) of the lattice a 2x and a 4x pixel shuffle can print on an image.
_LATTICE = (0.0, 0.25, 0.5)


def grid_score(image: torch.Tensor) -> float:
    """Share of the luminance spectrum (DC removed) at the pixel-shuffle lattice frequencies, x 1e4.

    Pixel-shuffle decoders and int8 rounding print a faint period-2/period-4 grid that the style
    loss does not punish (it reads as texture). Photos score well under 1; compare a stylized
    image with its photo: a grid shows as a score many times the photo's.
    """
    if image.dim() != 4 or image.shape[1] != 3:
        raise InputError(f"expected a 1 x 3 x H x W image, got {tuple(image.shape)}")
    g = image[0].double().mean(0)
    g = g - g.mean()
    power = torch.fft.fft2(g).abs() ** 2
    h, w = g.shape
    total = power.sum().item()
    if total == 0.0:
        return 0.0
    rows = {round(f * h) % h for f in _LATTICE} | {round(-f * h) % h for f in _LATTICE}
    cols = {round(f * w) % w for f in _LATTICE} | {round(-f * w) % w for f in _LATTICE}
    peaks = sum(power[r, c].item() for r in rows for c in cols if (r, c) != (0, 0))
    return 1e4 * peaks / total


def metric_loss(teacher_loss: PerceptualLoss) -> PerceptualLoss:
    """The same teacher and layers with unit content/style weights and no TV: a measuring stick."""
    c = teacher_loss.config
    cfg = LossConfig(
        content_layers=c.content_layers,
        style_layers=c.style_layers,
        style_layer_weights=c.style_layer_weights,
        content_weight=1.0,
        style_weight=1.0,
        tv_weight=0.0,
    )
    return PerceptualLoss(teacher_loss.teacher, cfg)


@torch.no_grad()
def measure(
    output: torch.Tensor, content: torch.Tensor, style: StyleTarget, loss: PerceptualLoss, name: str,
    seconds: float | None = None,
) -> ImageMetrics:
    """Metrics of one stylized image against its photo (resized to the output if needed)."""
    if content.shape[-2:] != output.shape[-2:]:
        content = F.interpolate(content, size=output.shape[-2:], mode="bilinear", antialias=True, align_corners=False)
    terms = loss(output, loss.content_targets(content), [style])
    return ImageMetrics(
        name=name,
        content_loss=float(terms.content),
        style_loss=float(terms.style),
        ssim=ssim(output.clamp(0, 1), content.clamp(0, 1)),
        seconds=seconds,
    )


def match_outputs(outputs: Sequence[Path], contents: Sequence[Path]) -> list[tuple[Path, Path]]:
    """Pair each output with the photo it came from: same stem, or the stem plus a suffix (``_x``)."""
    by_stem = {c.stem: c for c in contents}
    pairs = []
    for out in outputs:
        if out.stem in by_stem:
            pairs.append((out, by_stem[out.stem]))
            continue
        candidates = [s for s in by_stem if re.match(re.escape(s) + r"[._\-]", out.stem)]
        if candidates:
            pairs.append((out, by_stem[max(candidates, key=len)]))
    return pairs


def summarize(rows: Sequence[ImageMetrics]) -> dict[str, float | None]:
    """Means over images (seconds only where every row has a time)."""
    if not rows:
        return {}
    mean = lambda xs: float(np.mean(xs))  # noqa: E731
    times = [r.seconds for r in rows]
    return {
        "images": len(rows),
        "content_loss": mean([r.content_loss for r in rows]),
        "style_loss": mean([r.style_loss for r in rows]),
        "ssim": mean([r.ssim for r in rows]),
        "seconds": mean(times) if all(t is not None for t in times) else None,
    }


def format_table(rows: Sequence[ImageMetrics], summary: dict) -> str:
    """A one-screen table: per image (at most 20 shown) and the mean."""
    head = f"{'image':<28} {'content':>9} {'style':>9} {'ssim':>7} {'seconds':>8}"
    lines = [head, "-" * len(head)]

    def fmt(name: str, c: float, s: float, q: float, t: float | None) -> str:
        ts = f"{t:8.2f}" if t is not None else f"{'-':>8}"
        return f"{name[:28]:<28} {c:9.4f} {s:9.4f} {q:7.4f} {ts}"

    for r in rows[:20]:
        lines.append(fmt(r.name, r.content_loss, r.style_loss, r.ssim, r.seconds))
    if len(rows) > 20:
        lines.append(f"... {len(rows) - 20} more in the JSON")
    lines.append("-" * len(head))
    lines.append(fmt(f"mean of {summary['images']}", summary["content_loss"], summary["style_loss"],
                     summary["ssim"], summary["seconds"]))
    return "\n".join(lines)


def write_json(path: Path, rows: Sequence[ImageMetrics], summary: dict, meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"meta": meta, "summary": summary, "images": [asdict(r) for r in rows]}, indent=2))
