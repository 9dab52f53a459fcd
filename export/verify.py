"""``edgenst verify``: check every artifact of an export folder against the source model beside it.

The reference is the source model saved beside the exports (its sha256 is in the manifest). Each
manifest entry is checked by the export recipe that owns it (``edgenst.export.recipes``): the
``.pte`` recipes run the program in the ExecuTorch runtime on every photo, cropped to every
exported size, under each style at full strength and one blend at half strength, after reading
the program's precision from the file (``pte_inspect``), which must be the one the manifest
declares. Gates (``Tolerances``): fp32 max abs difference, int8 PSNR against fp32 eager, and int8
VGG content/style loss within a relative margin of fp32's (per style, at the smallest size, when
the teacher and the style paintings are available; otherwise the report says it was skipped).
The Core ML recipe checks the package offline (``coreml_check``) and predicts only on macOS.
A ``.pte`` exported with a style vector also has its ``vector_<H>x<W>`` methods run against eager
``Student.forward_vector`` (``checks.check_vector_parity``) under the same gates; the style
predictor's programs (``predictor-*`` recipes) are checked against the PyTorch reference saved
beside them. An entry no recipe claims is left alone, as before.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch

from edgenst.errors import InputError
from edgenst.export.checks import ArtifactCheck, LossCheck, Tolerances, fit_crop, style_settings
from edgenst.export.manifest import read_manifest
from edgenst.metrics import INT8_MIN_PSNR_DB
from edgenst.models.serialization import load_model
from edgenst.perceptual import PerceptualLoss

log = logging.getLogger(__name__)

__all__ = [
    "INT8_MIN_PSNR_DB",
    "ArtifactCheck",
    "LossCheck",
    "Tolerances",
    "VerifyReport",
    "fit_crop",
    "style_settings",
    "verify_export",
]


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
            d.pop("headline")  # the text line of ``lines``, not a measurement
            if not a.vector_images:  # a program without style-vector methods: the report as before
                for key in ("vector_images", "vector_max_abs", "vector_psnr_mean", "vector_psnr_min"):
                    d.pop(key)
            d["losses"] = [{**asdict(x), "content_rel": x.content_rel, "style_rel": x.style_rel} for x in a.losses]
            out["artifacts"].append(d)
        return out

    def lines(self) -> list[str]:
        out = []
        for a in self.artifacts:
            status = "ok" if not a.failures else "FAILED"
            out.append(f"{a.file}: {status}: {a.headline or a.notes}")
            for x in a.losses:
                out.append(f"  {x.style}: content {x.content_int8:.4f} vs {x.content_fp32:.4f} "
                           f"({x.content_rel:+.1%}), style {x.style_int8:.5f} vs {x.style_fp32:.5f} ({x.style_rel:+.1%})")
            out += [f"  FAIL {f}" for f in a.failures] + [f"  skipped: {s}" for s in a.skipped]
        return out


def verify_export(
    folder: str | Path,
    photos: Sequence[torch.Tensor],
    loss: PerceptualLoss | None = None,
    style_image: Callable[[str], torch.Tensor | None] | None = None,
    tolerances: Tolerances = Tolerances(),
) -> VerifyReport:
    """Check every artifact in ``folder`` that a registered recipe claims; see the module docstring."""
    from edgenst.export.recipes import VerifyJob, recipe_for_entry

    if not photos:
        raise InputError("verify needs at least one photo")
    folder = Path(folder)
    manifest = read_manifest(folder)
    model, info = load_model(folder / manifest["source_model"]["file"])
    model.eval()
    names = [s["name"] for s in manifest["styles"]]
    if list(info.styles) != names:
        raise InputError(f"manifest styles {names} do not match the source model's {list(info.styles)}")
    owned = [(entry, recipe_for_entry(entry)) for entry in manifest["artifacts"]]
    owned = [(entry, recipe) for entry, recipe in owned if recipe is not None]
    for recipe in {r.name: r for _, r in owned}.values():
        recipe.require()  # a missing backend fails before minutes of checking the others
    job = VerifyJob(folder, model, names, list(photos), tolerances, loss, style_image)
    results = []
    for entry, recipe in owned:
        check = recipe.verify(job, entry)
        results.append(check)
        log.info("%s", " / ".join(VerifyReport(str(folder), [check]).lines()))
    if not results:
        raise InputError(f"{folder} has no artifact to verify")
    return VerifyReport(str(folder), results)
