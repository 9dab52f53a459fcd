"""What the two XNNPACK ``.pte`` recipes share: the export call, the manifest entry, the delegation
line, and which manifest entries they own. Each precision is still its own recipe module."""

from __future__ import annotations

from typing import Any, Sequence

from edgenst.export.recipes.registry import ExportJob, Recipe, log_delegation


def pte_file(job: ExportJob, precision: str) -> str:
    return f"{job.config.name}-{precision}.pte"


def export_xnnpack(recipe: Recipe, job: ExportJob, precision: str, calibration: Sequence | None,
                   quantization: dict[str, Any] | None) -> dict[str, Any]:
    """``executorch.export_pte`` at every size; the manifest entry as the bundle always wrote it."""
    from edgenst.export.executorch import export_pte
    from edgenst.export.manifest import artifact_entry
    from edgenst.export.pte_inspect import inspect_pte

    file = pte_file(job, precision)
    report = export_pte(job.model, job.out / file, job.config.sizes, precision, calibration, job.config.quant,  # type: ignore[arg-type]
                        style_names=job.styles,  # the program names its styles (constant methods)
                        style_vector=job.config.style_vector)
    log_delegation(recipe, file, inspect_pte(job.out / file).delegation_summary())
    vector = {"vector_methods": report.vector_methods} if report.vector_methods else {}
    return artifact_entry(
        job.out, file, format="executorch", backend="xnnpack", precision=precision, quantization=quantization,
        methods=report.methods, **vector, delegate_calls=report.delegate_calls,
        ops_outside_delegate=report.outside_total, outside_ops=report.outside_ops,
    )


def claims_xnnpack(entry: dict[str, Any], precision: str) -> bool:
    """A student's ExecuTorch entry of this precision delegated to XNNPACK (folders from before the
    registry wrote ``backend`` too; an entry without one is read as XNNPACK and fp32, as verify always
    did; an entry without ``role`` is the student's: the style predictor's says ``style-predictor``)."""
    return (entry.get("format") == "executorch" and entry.get("backend", "xnnpack") == "xnnpack"
            and entry.get("precision", "fp32") == precision and entry.get("role", "student") == "student")
