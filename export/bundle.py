"""One export folder for an app: the source model, ``.pte`` files, ``.mlpackage`` and ``manifest.json``.

The source model is copied in so ``edgenst verify`` can compare against exactly what was exported.
Formats are a small registry (``FORMATS``); each backend's library is imported only when asked for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.export.app_model import DEFAULT_SIZES, Size
from edgenst.export.manifest import artifact_entry, build_manifest, write_manifest
from edgenst.models.serialization import ModelInfo, save_model
from edgenst.quantize import QuantConfig, calibration_inputs, resolve_fp32_layers

log = logging.getLogger(__name__)

FORMATS = ("pte-fp32", "pte-int8", "coreml")
SOURCE_FILE = "student.safetensors"
COREML_COMPRESS = ("none", "int8", "palettize")


@dataclass(frozen=True)
class ExportConfig:
    sizes: tuple[Size, ...] = tuple(Size(h, w) for h, w in DEFAULT_SIZES)
    formats: tuple[str, ...] = FORMATS
    quant: QuantConfig = field(default_factory=QuantConfig)
    coreml_compress: str = "int8"
    name: str = "student"

    def __post_init__(self) -> None:
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown or not self.formats:
            raise InputError(f"unknown export format(s) {unknown or '(none)'}; choose from {', '.join(FORMATS)}")
        if self.coreml_compress not in COREML_COMPRESS:
            raise InputError(f"coreml compression must be one of {', '.join(COREML_COMPRESS)}, got {self.coreml_compress!r}")
        if not self.sizes:
            raise InputError("export needs at least one size")
        if not self.name or "/" in self.name or self.name.startswith("."):
            raise InputError(f"bad export name {self.name!r}")


def export_bundle(
    model: nn.Module,
    info: ModelInfo,
    out_dir: str | Path,
    config: ExportConfig = ExportConfig(),
    calibration_photos: Sequence[torch.Tensor] = (),
    source_name: str = "",
) -> dict[str, Any]:
    """Write every requested format into ``out_dir`` and the manifest last; returns the manifest."""
    from edgenst.export.executorch import export_pte

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    save_model(out / SOURCE_FILE, model, list(info.styles), meta=info.meta)
    source = artifact_entry(out, SOURCE_FILE, arch=info.arch, config=info.config, name=source_name)
    artifacts = []
    for fmt in config.formats:
        if fmt.startswith("pte-"):
            precision = fmt.split("-", 1)[1]
            file = f"{config.name}-{precision}.pte"
            calib = None
            if precision == "int8":
                if not calibration_photos:
                    raise InputError("int8 export needs calibration photos")
                calib = calibration_inputs(calibration_photos, len(info.styles), config.quant.calibration_size,
                                           config.quant.seed)
            report = export_pte(model, out / file, config.sizes, precision, calib, config.quant)  # type: ignore[arg-type]
            quant = None
            if precision == "int8":
                quant = {
                    "scheme": "PT2E post-training" + (f" + {config.quant.qat_steps} QAT steps" if config.quant.qat_steps else ""),
                    "quantizer": "executorch XNNPACKQuantizer, symmetric",
                    "weights": "int8 per-channel" if config.quant.per_channel else "int8 per-tensor",
                    "activations": "int8 per-tensor",
                    "fp32_layers": list(resolve_fp32_layers(model, config.quant)),
                    "calibration": {"photos": len(calibration_photos), "inputs": len(calib or []),
                                    "size": config.quant.calibration_size},
                }
            artifacts.append(artifact_entry(
                out, file, format="executorch", backend="xnnpack", precision=precision, quantization=quant,
                methods=report.methods, delegate_calls=report.delegate_calls,
                ops_outside_delegate=report.outside_total, outside_ops=report.outside_ops,
            ))
        elif fmt == "coreml":
            artifacts.append(_export_coreml(model, info, out, config))
    manifest = build_manifest(list(info.styles), source, artifacts)
    write_manifest(out, manifest)
    return manifest


def _export_coreml(model: nn.Module, info: ModelInfo, out: Path, config: ExportConfig) -> dict[str, Any]:
    from edgenst.export.coreml import CoreMLConfig, export_coreml

    file = f"{config.name}.mlpackage"
    compress = None if config.coreml_compress == "none" else config.coreml_compress
    report = export_coreml(model, list(info.styles), out / file, CoreMLConfig(sizes=config.sizes, compress=compress))
    return artifact_entry(out, file, format="coreml", precision="fp16", compression=compress,
                          deployment_target="iOS17", sizes=[str(s) for s in config.sizes],
                          ops=report.op_counts, compressed_weights=len(report.compressed), kept_fp16=report.kept_dense)
