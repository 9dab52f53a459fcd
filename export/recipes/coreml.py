"""``coreml``: a Core ML ``.mlpackage`` (ML Program, iOS 17+, fp16), weights optionally compressed.

The converter is ``edgenst.export.coreml`` and the offline checker ``edgenst.export.coreml_check``;
both import coremltools inside, and ``require`` here turns a missing coremltools into one line
before any work starts. Core ML predicts only on macOS, so elsewhere verify checks the package's
spec, shapes, op set and every weight, and says the prediction was skipped.

With ``ExportConfig.style_vector`` (``--style-vector``) the package also takes ``style_vector`` and
``vector_weight``, optional inputs of its one function (``edgenst.export.coreml``); the entry's
``vector_inputs`` tells an app how to feed them, and verify checks them (names, shapes, optional
with default 0, the layout in the metadata).
"""

from __future__ import annotations

from typing import Any

from edgenst.export.recipes.registry import ExportJob, Recipe, VerifyJob, log_delegation, register_recipe

#: ``ExportConfig.coreml_compress`` values: "none" keeps fp16 weights.
COREML_COMPRESS = ("none", "int8", "palettize")


@register_recipe
class CoreML(Recipe):
    name = "coreml"
    default = True

    def require(self) -> None:
        from edgenst.extras import require

        require("coremltools", "the Core ML export (leave it out with --formats pte-fp32,pte-int8)")

    def export(self, job: ExportJob) -> dict[str, Any]:
        from edgenst.export.coreml import CoreMLConfig, export_coreml
        from edgenst.export.manifest import artifact_entry

        config = job.config
        file = f"{config.name}.mlpackage"
        compress = None if config.coreml_compress == "none" else config.coreml_compress
        report = export_coreml(job.model, job.styles, job.out / file,
                               CoreMLConfig(sizes=config.sizes, compress=compress, style_vector=config.style_vector))
        compute = {k: v for k, v in report.op_counts.items() if k != "const" and not k.startswith("constexpr_")}
        log_delegation(self, file, f"all {sum(compute.values())} compute ops in one Core ML ML Program "
                       f"({report.deployment_target}, {len(compute)} op types), none on a fallback")
        vector = {"vector_inputs": vector_inputs(job.model)} if config.style_vector else {}
        return artifact_entry(job.out, file, format="coreml", precision="fp16", compression=compress,
                              deployment_target="iOS17", sizes=[str(s) for s in config.sizes],
                              ops=report.op_counts, compressed_weights=len(report.compressed),
                              kept_fp16=report.kept_dense, **vector)

    def claims(self, entry: dict[str, Any]) -> bool:
        return entry.get("format") == "coreml" and entry.get("role", "student") == "student"

    def verify(self, job: VerifyJob, entry: dict[str, Any]):
        """Spec, shapes, op set and compressed weights on Linux; prediction too on macOS."""
        from edgenst.export.checks import ArtifactCheck
        from edgenst.export.coreml import CoreMLConfig
        from edgenst.export.coreml_check import check_coreml

        self.require()
        config = CoreMLConfig(sizes=tuple(entry.get("sizes", ())), compress=entry.get("compression"),
                              style_vector=bool(entry.get("vector_inputs")))
        result = check_coreml(job.folder / entry["file"], job.model, job.styles, config)
        check = ArtifactCheck(entry["file"], "coreml-" + entry.get("precision", "fp16"))
        check.failures += list(result.failures)
        if not result.predicted:
            check.skipped.append("Core ML prediction (runs only on macOS); spec, shapes, op set and weights were checked")
        elif result.psnr:
            check.psnr_mean = sum(result.psnr.values()) / len(result.psnr)
            check.psnr_min = min(result.psnr.values())
        check.notes = result.summary()
        check.headline = check.notes
        return check


def vector_inputs(model: Any) -> list[dict[str, Any]]:
    """The manifest's word to an app on the package's two vector inputs (after the table's three)."""
    from edgenst.export.coreml import META_VECTOR
    from edgenst.io_spec import VECTOR_INPUT_NAMES

    dim = int(model.style_vector_dim)
    vector, weight = VECTOR_INPUT_NAMES[3:]
    return [
        {"name": vector, "dtype": "float32", "shape": [1, dim], "optional": True, "default": 0.0,
         "note": "a style vector in the manifest's style_vector layout (also the package's "
                 f"{META_VECTOR} metadata), e.g. the style predictor's output, fed as is"},
        {"name": weight, "dtype": "float32", "shape": [1, 1], "range": [0.0, 1.0], "optional": True, "default": 0.0,
         "note": "0: style_weights alone (the default, so apps that feed only image, style_weights and strength "
                 "are unchanged), 1: the vector alone, between: both blended"},
    ]
