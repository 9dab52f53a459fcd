"""``predictor-coreml``: the style predictor as a Core ML ``.mlpackage`` (ML Program, iOS 17+, fp16).

Written as ``<name>-predictor.mlpackage`` with the PyTorch reference ``predictor.pt2``. Core ML
predicts only on macOS: elsewhere verify checks the package's input and output (names, shapes)
and the reference's sha256, and says the prediction was skipped; on macOS it compares the vector
with the reference's (fp16: relative L2 within ``PREDICTOR_FP16_REL``).
"""

from __future__ import annotations

import sys
from typing import Any

from edgenst.export.recipes.registry import ExportJob, Recipe, VerifyJob, log_delegation, register_recipe

PREDICTOR_FP16_REL = 0.01


@register_recipe
class PredictorCoreML(Recipe):
    name = "predictor-coreml"

    def require(self) -> None:
        from edgenst.extras import require

        require("coremltools", "the Core ML predictor export (leave out predictor-coreml)")

    def export(self, job: ExportJob) -> dict[str, Any]:
        from edgenst.export.manifest import artifact_entry
        from edgenst.export.predictor import (check_predictor, export_predictor_coreml, interface, resolve_predictor,
                                              save_reference)

        config = job.config
        predictor = resolve_predictor(job.model, config.predictor, config.predictor_path)
        size = config.predictor_size
        dim = check_predictor(predictor, job.model, size)
        file = f"{job.config.name}-predictor.mlpackage"
        report = export_predictor_coreml(predictor, size, dim, job.out / file)
        compute = {k: v for k, v in report["ops"].items() if k != "const"}
        log_delegation(self, file, f"all {sum(compute.values())} compute ops in one Core ML ML Program")
        reference = save_reference(predictor, size, job.out)
        return artifact_entry(job.out, file, format="coreml", precision="fp16", deployment_target="iOS17",
                              **interface(size, dim), **report, reference=reference)

    def claims(self, entry: dict[str, Any]) -> bool:
        from edgenst.export.predictor import ROLE

        return entry.get("role") == ROLE and entry.get("format") == "coreml"

    def verify(self, job: VerifyJob, entry: dict[str, Any]):
        import torch

        from edgenst.export.checks import ArtifactCheck
        from edgenst.export.predictor import INPUT_NAME, check_coreml_interface, load_reference, painting_batch

        self.require()
        reference = load_reference(job.folder, entry)
        (size, _), = [tuple(int(v) for v in k.split("x")) for k in entry.get("methods", {"256x256": ""})]
        dim = int(entry["outputs"][0]["shape"][1])
        check = ArtifactCheck(entry["file"], "coreml-fp16")
        check.failures += check_coreml_interface(job.folder / entry["file"], size, dim)
        if sys.platform != "darwin":
            check.skipped.append("Core ML prediction (runs only on macOS); input, output and reference were checked")
            check.headline = f"interface {INPUT_NAME} 1x3x{size}x{size} -> 1x{dim} checked offline"
            return check
        import coremltools as ct

        model = ct.models.MLModel(str(job.folder / entry["file"]))
        worst = 0.0
        for painting in painting_batch(job.photos, size):
            with torch.no_grad():
                ref = reference(painting)
            got = torch.from_numpy(next(iter(model.predict({INPUT_NAME: painting.numpy()}).values()))).reshape(ref.shape)
            worst = max(worst, float((got - ref).norm() / ref.norm().clamp_min(1e-12)))
            check.images += 1
        if worst > PREDICTOR_FP16_REL:
            check.failures.append(f"style vector {worst:.1%} from PyTorch's > {PREDICTOR_FP16_REL:.0%}")
        check.headline = f"{check.images} paintings, style vector {worst:.2%} from PyTorch (worst relative L2)"
        return check
