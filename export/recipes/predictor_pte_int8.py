"""``predictor-pte-int8``: the style predictor (painting -> style vector) as an int8 XNNPACK ``.pte``.

Written beside the student as ``<name>-predictor-int8.pte`` with its PyTorch reference
(``predictor.pt2``, see ``edgenst.export.predictor``). Not a default format: it needs a predictor.
Its gates: the int8 vector within ``PREDICTOR_INT8_REL`` of the reference's (relative L2, per
image), and the student painting a photo with the int8 vector within ``Tolerances.int8_min_psnr``
of painting it with the reference's (what a user sees, not only the numbers).
"""

from __future__ import annotations

import logging
from typing import Any

from edgenst.export.recipes.registry import ExportJob, Recipe, VerifyJob, log_delegation, register_recipe

log = logging.getLogger(__name__)

#: Largest relative L2 error of the int8 style vector against the PyTorch predictor's, per image.
PREDICTOR_INT8_REL = 0.05


def predictor_file(job: ExportJob, kind: str) -> str:
    return f"{job.config.name}-predictor-{kind}"


@register_recipe
class PredictorPteInt8(Recipe):
    name = "predictor-pte-int8"
    needs_calibration = True

    def export(self, job: ExportJob) -> dict[str, Any]:
        from edgenst.export.manifest import artifact_entry
        from edgenst.export.predictor import (check_predictor, export_predictor_pte, interface, painting_batch,
                                              resolve_predictor, save_reference)
        from edgenst.export.predictor_int8 import SCHEME

        config = job.config
        predictor = resolve_predictor(job.model, config.predictor, config.predictor_path)
        size = config.predictor_size
        dim = check_predictor(predictor, job.model, size)
        file = predictor_file(job, "int8.pte")
        calib = painting_batch(job.calibration_photos, size)
        counts = export_predictor_pte(predictor, size, dim, job.out / file, calib, config.quant)
        log_delegation(self, file, f"{counts['delegate_calls']} XNNPACK delegate call(s), "
                       f"{counts['ops_outside_delegate']} op(s) outside")
        if counts["outside_ops"]:
            log.warning("%s: %d op(s) run outside the XNNPACK delegate: %s (verify fails on this)", file,
                        counts["ops_outside_delegate"], counts["outside_ops"])
        reference = save_reference(predictor, size, job.out)
        quantization = {**SCHEME, "weights": "int8 per-channel" if config.quant.per_channel else "int8 per-tensor",
                        "calibration": {"images": len(calib), "size": size}}
        return artifact_entry(job.out, file, format="executorch", backend="xnnpack", precision="int8",
                              quantization=quantization, **interface(size, dim), **counts, reference=reference)

    def claims(self, entry: dict[str, Any]) -> bool:
        from edgenst.export.predictor import ROLE

        return entry.get("role") == ROLE and entry.get("format") == "executorch"

    def verify(self, job: VerifyJob, entry: dict[str, Any]):
        import torch

        from edgenst.export.checks import ArtifactCheck, check_precision, fit_crop
        from edgenst.export.predictor import load_reference, painting_batch
        from edgenst.metrics import psnr
        from edgenst.runtime import PredictorProgram

        reference = load_reference(job.folder, entry)
        program = PredictorProgram(job.folder / entry["file"], check_manifest=False)
        check = ArtifactCheck(entry["file"], entry.get("precision", "int8"))
        check.notes = check_precision(job.folder / entry["file"], check.precision)
        rels, psnrs = [], []
        for painting, photo in zip(painting_batch(job.photos, program.size), [*job.photos[1:], job.photos[0]]):
            with torch.no_grad():
                ref = reference(painting)
            got = program.run(painting)
            rels.append(float((got - ref).norm() / ref.norm().clamp_min(1e-12)))
            check.max_abs = max(check.max_abs, float((got - ref).abs().max()))
            x = fit_crop(photo, 32, 32)  # the student paints another image with either vector
            even = torch.full((1, len(job.styles)), 1.0 / len(job.styles))
            one = torch.ones(1, 1)
            with torch.no_grad():
                a = job.model.forward_vector(x, even, one, ref, one)
                b = job.model.forward_vector(x, even, one, got, one)
            psnrs.append(min(psnr(b, a), 99.0))
            check.images += 1
        check.psnr_mean, check.psnr_min = sum(psnrs) / len(psnrs), min(psnrs)
        worst = max(rels)
        if entry.get("ops_outside_delegate"):
            check.failures.append(f"{entry['ops_outside_delegate']} op(s) outside the XNNPACK delegate: "
                                  f"{', '.join(map(str, entry.get('outside_ops', {})))}")
        if worst > PREDICTOR_INT8_REL:
            check.failures.append(f"style vector {worst:.1%} from PyTorch's (relative L2) > {PREDICTOR_INT8_REL:.0%}")
        if check.psnr_mean < job.tolerances.int8_min_psnr:
            check.failures.append(f"painting with the int8 vector: mean PSNR {check.psnr_mean:.1f} dB "
                                  f"< {job.tolerances.int8_min_psnr} dB")
        check.headline = (f"{check.images} paintings, style vector {worst:.2%} from PyTorch (worst relative L2, "
                          f"gate {PREDICTOR_INT8_REL:.0%}); painted with it: PSNR mean {check.psnr_mean:.1f} dB")
        return check
