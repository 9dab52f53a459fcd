"""``edgenst verify``: run each exported ``.pte`` in the ExecuTorch runtime and compare with eager PyTorch.

The reference is the source model saved beside the exports (its sha256 is in the manifest). Every
photo is cropped to every exported size and run under each style at full strength and one blend at
half strength. First, each program's precision is read from the file (``pte_inspect``) and must be
the one the manifest declares. Gates (``Tolerances``): fp32 max abs difference, int8 PSNR against
fp32 eager, and int8 VGG content/style loss within a relative margin of fp32's (per style, at the
smallest size, when the teacher and the style paintings are available; otherwise the report says it
was skipped).
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import torch
import torch.nn.functional as F

from edgenst.errors import InputError
from edgenst.export.manifest import read_manifest
from edgenst.export.pte_inspect import inspect_pte
from edgenst.models.serialization import load_model
from edgenst.perceptual import PerceptualLoss
from edgenst.quantize import psnr
from edgenst.runtime import PteModel

log = logging.getLogger(__name__)


#: The int8 gate: mean PSNR (dB) of the int8 program against fp32 eager, over all checked images.
INT8_MIN_PSNR_DB = 32.0


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


@dataclass
class VerifyReport:
    folder: str
    artifacts: list[ArtifactCheck]

    @property
    def ok(self) -> bool:
        return all(not a.failures for a in self.artifacts)

    def to_dict(self) -> dict:
        out = {"folder": self.folder, "ok": self.ok, "artifacts": []}
        for a in self.artifacts:
            d = asdict(a)
            d["losses"] = [{**asdict(x), "content_rel": x.content_rel, "style_rel": x.style_rel} for x in a.losses]
            out["artifacts"].append(d)
        return out

    def lines(self) -> list[str]:
        out = []
        for a in self.artifacts:
            status = "ok" if not a.failures else "FAILED"
            if a.precision.startswith("coreml"):
                out.append(f"{a.file}: {status}: {a.notes}")
            elif a.precision == "fp32":
                out.append(f"{a.file}: {status}: {a.images} images, max abs diff vs eager {a.max_abs:.2e}")
            else:
                out.append(f"{a.file}: {status}: {a.images} images, PSNR vs fp32 eager mean {a.psnr_mean:.1f} dB "
                           f"(worst {a.psnr_min:.1f})")
                for x in a.losses:
                    out.append(f"  {x.style}: content {x.content_int8:.4f} vs {x.content_fp32:.4f} "
                               f"({x.content_rel:+.1%}), style {x.style_int8:.5f} vs {x.style_fp32:.5f} ({x.style_rel:+.1%})")
            out += [f"  FAIL {f}" for f in a.failures] + [f"  skipped: {s}" for s in a.skipped]
        return out


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
    eye = torch.eye(styles)
    out = [(f"style{i}", eye[i : i + 1], torch.ones(1, 1)) for i in range(styles)]
    if styles > 1:
        out.append(("blend", torch.full((1, styles), 1.0 / styles), torch.full((1, 1), 0.5)))
    return out


def verify_export(
    folder: str | Path,
    photos: Sequence[torch.Tensor],
    loss: PerceptualLoss | None = None,
    style_image: Callable[[str], torch.Tensor | None] | None = None,
    tolerances: Tolerances = Tolerances(),
) -> VerifyReport:
    """Check every ``.pte`` in ``folder`` against its source model; see the module docstring."""
    import time

    if not photos:
        raise InputError("verify needs at least one photo")
    folder = Path(folder)
    manifest = read_manifest(folder)
    model, info = load_model(folder / manifest["source_model"]["file"])
    model.eval()
    names = [s["name"] for s in manifest["styles"]]
    if list(info.styles) != names:
        raise InputError(f"manifest styles {names} do not match the source model's {list(info.styles)}")
    settings = style_settings(len(names))
    results = []
    for entry in manifest["artifacts"]:
        if entry.get("format") == "coreml":
            results.append(_check_coreml(folder, entry, model, names))
            continue
        if entry.get("format") != "executorch":
            continue
        pte = PteModel(folder / entry["file"], check_manifest=False)  # read_manifest checked every sha256
        check = ArtifactCheck(entry["file"], entry.get("precision", "fp32"))
        check.notes = _check_precision(folder / entry["file"], check.precision)
        missing = set(entry.get("methods", {}).values()) - set(pte.sizes.values())
        if missing:
            raise InputError(f"{entry['file']} lacks methods the manifest lists: {', '.join(sorted(missing))}")
        if pte.styles != len(names):
            raise InputError(f"{entry['file']} takes {pte.styles} style weights, the manifest lists {len(names)} styles")
        psnrs = []
        smallest = min(pte.sizes, key=lambda hw: hw[0] * hw[1])
        outs: dict[int, list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]] = {}
        for (h, w) in sorted(pte.sizes):
            times = []
            for photo in photos:
                x = fit_crop(photo, h, w)
                for si, (_, sw, st) in enumerate(settings):
                    with torch.no_grad():
                        ref = model(x, sw, st)
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
        if check.precision == "fp32":
            if check.max_abs > tolerances.fp32_max_abs:
                check.failures.append(f"max abs difference {check.max_abs:.2e} > {tolerances.fp32_max_abs:.0e}")
        else:
            if check.psnr_mean < tolerances.int8_min_psnr:
                check.failures.append(f"mean PSNR {check.psnr_mean:.1f} dB < {tolerances.int8_min_psnr} dB")
            _check_losses(check, outs, names, loss, style_image, tolerances)
        results.append(check)
        log.info("%s", " / ".join(VerifyReport(str(folder), [check]).lines()))
    if not results:
        raise InputError(f"{folder} has no artifact to verify")
    return VerifyReport(str(folder), results)


def _check_precision(path: Path, declared: str) -> str:
    """The program must be what the manifest says (an fp32 file passed off as int8 would score a perfect
    PSNR against fp32 eager); returns what the file holds, for the report."""
    contents = inspect_pte(path)
    if contents.precision != declared:
        raise InputError(f"{path.name}: the manifest says {declared}, but the program is {contents.precision} "
                         f"({contents.summary()})")
    return contents.summary()


def _check_coreml(folder: Path, entry: dict, model, names: list[str]) -> ArtifactCheck:
    """Spec, shapes, op set and compressed weights on Linux; prediction too on macOS."""
    from edgenst.export.coreml import CoreMLConfig, check_coreml

    config = CoreMLConfig(sizes=tuple(entry.get("sizes", ())), compress=entry.get("compression"))
    result = check_coreml(folder / entry["file"], model, names, config)
    check = ArtifactCheck(entry["file"], "coreml-" + entry.get("precision", "fp16"))
    check.failures += list(result.failures)
    if not result.predicted:
        check.skipped.append("Core ML prediction (runs only on macOS); spec, shapes, op set and weights were checked")
    elif result.psnr:
        check.psnr_mean = sum(result.psnr.values()) / len(result.psnr)
        check.psnr_min = min(result.psnr.values())
    check.notes = result.summary()
    return check


def _check_losses(check: ArtifactCheck, outs: dict, names: list[str], loss: PerceptualLoss | None,
                  style_image: Callable[[str], torch.Tensor | None] | None, tol: Tolerances) -> None:
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
