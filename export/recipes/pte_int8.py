"""``pte-int8``: an ExecuTorch ``.pte``, PT2E int8 (XNNPACK's quantizer) calibrated on real photos.

Its gates: mean PSNR against fp32 eager of at least ``edgenst.metrics.INT8_MIN_PSNR_DB`` (via
``Tolerances.int8_min_psnr``), and the VGG content/style loss of its outputs within
``Tolerances.int8_loss_rel`` of eager's, per style, when a loss network is given.
"""

from __future__ import annotations

from typing import Any

from edgenst.errors import InputError
from edgenst.export.recipes._xnnpack import claims_xnnpack, export_xnnpack
from edgenst.export.recipes.registry import ExportJob, Recipe, VerifyJob, register_recipe


@register_recipe
class PteInt8(Recipe):
    name = "pte-int8"
    default = True
    needs_calibration = True

    def export(self, job: ExportJob) -> dict[str, Any]:
        from edgenst.quantize import calibration_inputs, resolve_fp32_layers

        if not job.calibration_photos:
            raise InputError("int8 export needs calibration photos")
        quant = job.config.quant
        calib = calibration_inputs(job.calibration_photos, len(job.styles), quant.calibration_size, quant.seed)
        quantization = {
            "scheme": "PT2E post-training" + (f" + {quant.qat_steps} QAT steps" if quant.qat_steps else ""),
            "quantizer": "executorch XNNPACKQuantizer, symmetric",
            "weights": "int8 per-channel" if quant.per_channel else "int8 per-tensor",
            "activations": "int8 per-tensor",
            "fp32_layers": list(resolve_fp32_layers(job.model, quant)),
            "equalization": None if quant.equalize_alpha is None else {"alpha": quant.equalize_alpha},
            "calibration": {"photos": len(job.calibration_photos), "inputs": len(calib),
                            "size": quant.calibration_size},
        }
        return export_xnnpack(self, job, "int8", calib, quantization)

    def claims(self, entry: dict[str, Any]) -> bool:
        return claims_xnnpack(entry, "int8")

    def verify(self, job: VerifyJob, entry: dict[str, Any]):
        from edgenst.export.checks import check_losses, check_pte_parity

        check, outs = check_pte_parity(job, entry)
        tol = job.tolerances
        if check.psnr_mean < tol.int8_min_psnr:
            check.failures.append(f"mean PSNR {check.psnr_mean:.1f} dB < {tol.int8_min_psnr} dB")
        if check.vector_psnr_mean < tol.int8_min_psnr:
            check.failures.append(f"style vector: mean PSNR {check.vector_psnr_mean:.1f} dB < {tol.int8_min_psnr} dB")
        check_losses(check, outs, job.styles, job.loss, job.style_image, tol)
        check.headline = (f"{check.images} images, PSNR vs fp32 eager mean {check.psnr_mean:.1f} dB "
                          f"(worst {check.psnr_min:.1f})" + check.vector_headline())
        return check
