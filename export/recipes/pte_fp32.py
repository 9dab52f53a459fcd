"""``pte-fp32``: an ExecuTorch ``.pte``, fp32, every op in the XNNPACK delegate, one method per size.

Its gate: the largest absolute difference from eager PyTorch over every photo, size and style
setting (``Tolerances.fp32_max_abs``): the same arithmetic in other kernels, so only rounding may differ.
"""

from __future__ import annotations

from typing import Any

from edgenst.export.recipes._xnnpack import claims_xnnpack, export_xnnpack
from edgenst.export.recipes.registry import ExportJob, Recipe, VerifyJob, register_recipe


@register_recipe
class PteFp32(Recipe):
    name = "pte-fp32"
    default = True

    def export(self, job: ExportJob) -> dict[str, Any]:
        return export_xnnpack(self, job, "fp32", None, None)

    def claims(self, entry: dict[str, Any]) -> bool:
        return claims_xnnpack(entry, "fp32")

    def verify(self, job: VerifyJob, entry: dict[str, Any]):
        from edgenst.export.checks import check_pte_parity

        check, _ = check_pte_parity(job, entry)
        limit = job.tolerances.fp32_max_abs
        if check.max_abs > limit:
            check.failures.append(f"max abs difference {check.max_abs:.2e} > {limit:.0e}")
        if check.vector_max_abs > limit:
            check.failures.append(f"style vector: max abs difference {check.vector_max_abs:.2e} > {limit:.0e}")
        check.headline = f"{check.images} images, max abs diff vs eager {check.max_abs:.2e}" + check.vector_headline()
        return check
