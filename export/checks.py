"""What verify measures, shared by the recipes: the per-artifact result, the gates, and the
``.pte``-against-eager parity run that the fp32 and int8 recipes (and any later ``.pte`` recipe)
both use.

Why a module of its own: ``verify`` loops over the recipes and the recipes use these pieces; with
them in ``verify`` the two would import each other.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F

from edgenst.errors import InputError
from edgenst.metrics import INT8_MIN_PSNR_DB, psnr

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tolerances:
    fp32_max_abs: float = 1e-4
    int8_min_psnr: float = INT8_MIN_PSNR_DB
    int8_loss_rel: float = 0.05  # |int8 - fp32| / fp32, content and style loss, per style


@dataclass
class LossCheck:
    style: str
    content_fp32: float
    content_int8: float
    style_fp32: float
    style_int8: float

    @property
    def content_rel(self) -> float:
        return abs(self.content_int8 - self.content_fp32) / max(self.content_fp32, 1e-12)

    @property
    def style_rel(self) -> float:
        return abs(self.style_int8 - self.style_fp32) / max(self.style_fp32, 1e-12)


@dataclass
class ArtifactCheck:
    file: str
    precision: str
    images: int = 0
    max_abs: float = 0.0
    psnr_mean: float = math.inf
    psnr_min: float = math.inf
    per_size_ms: dict[str, float] = field(default_factory=dict)
    losses: list[LossCheck] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: str = ""
    #: The report's one line for this artifact, written by its recipe (not part of the JSON report).
    headline: str = ""
    #: The ``vector_<H>x<W>`` methods against eager ``forward_vector`` (0 images: the program has none).
    vector_images: int = 0
    vector_max_abs: float = 0.0
    vector_psnr_mean: float = math.inf
    vector_psnr_min: float = math.inf

    def vector_headline(self) -> str:
        if not self.vector_images:
            return ""
        return (f"; style vector: {self.vector_images} images, max abs diff {self.vector_max_abs:.2e}, "
                f"PSNR mean {self.vector_psnr_mean:.1f} dB (worst {self.vector_psnr_min:.1f})")


#: Output triples (photo, eager output, program output) per style index, at the smallest size.
Outputs = dict[int, list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]]


def fit_crop(photo: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Resize so the photo covers height x width, then take the centre: no distortion, no padding."""
    h, w = photo.shape[-2:]
    scale = max(height / h, width / w)
    size = (max(height, round(h * scale)), max(width, round(w * scale)))
    if size != (h, w):
        photo = F.interpolate(photo, size=size, mode="bilinear", antialias=scale < 1, align_corners=False)
    top, left = (size[0] - height) // 2, (size[1] - width) // 2
    return photo[..., top : top + height, left : left + width].clamp(0, 1).contiguous()


def style_settings(styles: int) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """Each style at full strength, then an even blend at half strength."""
    from edgenst.styles import column_weights

    out = [(f"style{i}", row, torch.ones(1, 1)) for i, row in enumerate(column_weights(styles))]
    if styles > 1:
        out.append(("blend", torch.full((1, styles), 1.0 / styles), torch.full((1, 1), 0.5)))
    return out


def vector_settings(model: Any) -> list[tuple[str, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Style-vector inputs to check: each column fed as a vector alone (the table's weights even, so
    they must not count), then a vector beyond the table (``StyleSpace.reach``) blended half and half
    with the last column at half strength."""
    from edgenst.styles import StyleSpace, column_weights

    space = StyleSpace.of(model)
    reach = space.reach(model)
    even = torch.full((1, space.count), 1.0 / space.count)
    out = [(f"vector{i}", even, torch.ones(1, 1), reach[i].values.unsqueeze(0), torch.ones(1, 1))
           for i in range(space.count)]
    out.append(("vector blend", column_weights(space.count)[-1], torch.full((1, 1), 0.5),
                reach[space.count].values.unsqueeze(0), torch.full((1, 1), 0.5)))
    return out


def check_vector_parity(job: Any, pte: Any, check: ArtifactCheck) -> None:
    """Run the program's ``vector`` methods at every size on every photo against eager ``forward_vector``."""
    settings = vector_settings(job.model)
    psnrs = []
    for (h, w) in sorted(pte.vector_sizes):
        for photo in job.photos:
            x = fit_crop(photo, h, w)
            for _, sw, st, vec, vw in settings:
                with torch.no_grad():
                    ref = job.model.forward_vector(x, sw, st, vec, vw)
                y = pte.run_vector(x, sw, st, vec, vw)
                check.vector_images += 1
                check.vector_max_abs = max(check.vector_max_abs, (y - ref).abs().max().item())
                psnrs.append(min(psnr(y, ref), 99.0))
    if psnrs:
        check.vector_psnr_mean = sum(psnrs) / len(psnrs)
        check.vector_psnr_min = min(psnrs)


def check_pte_parity(job: Any, entry: dict[str, Any]) -> tuple[ArtifactCheck, Outputs]:
    """Run the ``.pte`` of ``entry`` at every size on every photo and style setting, against eager.

    Fills images, max abs difference, PSNR (mean and worst) and the median time per size; returns
    the check and the smallest size's outputs per style (for the loss comparison). First the
    program's precision is read from the file and must be the manifest's (see ``check_precision``).
    """
    from edgenst.runtime import PteModel

    folder: Path = job.folder
    names: list[str] = job.styles
    pte = PteModel(folder / entry["file"], check_manifest=False)  # read_manifest checked every sha256
    check = ArtifactCheck(entry["file"], entry.get("precision", "fp32"))
    check.notes = check_precision(folder / entry["file"], check.precision)
    missing = set(entry.get("methods", {}).values()) - set(pte.sizes.values())
    missing |= set(entry.get("vector_methods", {}).values()) - set(pte.vector_sizes.values())
    if missing:
        raise InputError(f"{entry['file']} lacks methods the manifest lists: {', '.join(sorted(missing))}")
    if pte.styles != len(names):
        raise InputError(f"{entry['file']} takes {pte.styles} style weights, the manifest lists {len(names)} styles")
    if pte.style_names is not None and list(pte.style_names) != names:  # a program that names its styles
        raise InputError(f"{entry['file']} names its styles {list(pte.style_names)}, the manifest {names}")
    settings = style_settings(len(names))
    psnrs = []
    smallest = min(pte.sizes, key=lambda hw: hw[0] * hw[1])
    outs: Outputs = {}
    for (h, w) in sorted(pte.sizes):
        times = []
        for photo in job.photos:
            x = fit_crop(photo, h, w)
            for si, (_, sw, st) in enumerate(settings):
                with torch.no_grad():
                    ref = job.model(x, sw, st)
                t0 = time.perf_counter()
                y = pte.run(x, sw, st)
                times.append(time.perf_counter() - t0)
                check.images += 1
                check.max_abs = max(check.max_abs, (y - ref).abs().max().item())
                psnrs.append(min(psnr(y, ref), 99.0))
                if (h, w) == smallest and si < len(names):
                    outs.setdefault(si, []).append((x, ref, y))
        check.per_size_ms[f"{h}x{w}"] = 1000 * sorted(times)[len(times) // 2]
    check.psnr_mean = sum(psnrs) / len(psnrs)
    check.psnr_min = min(psnrs)
    if pte.vector_sizes:
        check_vector_parity(job, pte, check)
    return check, outs


def check_precision(path: Path, declared: str) -> str:
    """The program must be what the manifest says (an fp32 file passed off as int8 would score a perfect
    PSNR against fp32 eager); returns what the file holds, for the report."""
    from edgenst.export.pte_inspect import inspect_pte

    contents = inspect_pte(path)
    if contents.precision != declared:
        raise InputError(f"{path.name}: the manifest says {declared}, but the program is {contents.precision} "
                         f"({contents.summary()})")
    return contents.summary()


def check_losses(check: ArtifactCheck, outs: Outputs, names: list[str], loss: Any,
                 style_image: Callable[[str], torch.Tensor | None] | None, tol: Tolerances) -> None:
    """VGG content and style loss of the program's outputs within ``tol.int8_loss_rel`` of eager's, per style."""
    if loss is None:
        check.skipped.append("VGG loss check (no teacher given)")
        return
    for si, triples in sorted(outs.items()):
        name = names[si]
        img = style_image(name) if style_image else None
        if img is None:
            check.skipped.append(f"style loss of {name!r} (painting not found; pass --style-dir)")
        target = loss.blend_style_targets([img], [1.0]) if img is not None else None
        sums = [0.0, 0.0, 0.0, 0.0]
        with torch.no_grad():
            for x, ref, y in triples:
                ct = loss.content_targets(x)
                for k, out in ((0, ref), (1, y)):
                    terms = loss(out, ct, [target] if target is not None else [])
                    sums[k] += float(terms.content) / len(triples)
                    sums[2 + k] += float(terms.style) / len(triples)
        lc = LossCheck(name, sums[0], sums[1], sums[2], sums[3])
        check.losses.append(lc)
        if lc.content_rel > tol.int8_loss_rel:
            check.failures.append(f"{name}: content loss {lc.content_rel:.1%} from fp32 (> {tol.int8_loss_rel:.0%})")
        if target is not None and lc.style_rel > tol.int8_loss_rel:
            check.failures.append(f"{name}: style loss {lc.style_rel:.1%} from fp32 (> {tol.int8_loss_rel:.0%})")
