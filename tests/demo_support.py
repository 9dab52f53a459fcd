"""Export folders for the demo tests, made once per test session and shared by the demo test files.

``tiny_export``: the conftest tiny student (2 styles), int8, one non-square size; fast to export.
``shipped_export``: the shipped student through the demo's own first-start path, at one small size.
Both live under pytest's session base temp folder, so the second test file reuses the first's.
"""

from __future__ import annotations

from pathlib import Path

import torch
from conftest import tiny_trained_like_student

TINY_STYLES = ["swirl", "mosaic"]
TINY_SIZE = (48, 64)
SHIPPED_SIZE = (128, 128)


def tiny_export(base: Path) -> Path:
    from edgenst.export.app_model import Size
    from edgenst.export.bundle import ExportConfig, export_bundle
    from edgenst.export.manifest import MANIFEST
    from edgenst.models.serialization import ModelInfo
    from edgenst.quantize import QuantConfig

    out = base / "demo-tiny-export"
    if (out / MANIFEST).is_file():
        return out
    g = torch.Generator().manual_seed(1)
    photos = [torch.nn.functional.interpolate(torch.rand(1, 3, 6, 6, generator=g), size=(48, 64), mode="bilinear")
              for _ in range(3)]
    config = ExportConfig(sizes=(Size(*TINY_SIZE),), formats=("pte-int8",), quant=QuantConfig(calibration_size=32))
    info = ModelInfo("student", {"styles": 2, "width": 8, "blocks": 1}, TINY_STYLES)
    export_bundle(tiny_trained_like_student(), info, out, config, photos, source_name="tiny")
    return out


def tiny_vector_export(base: Path) -> Path:
    """The tiny student exported with a style vector (fp32 + int8, ``--style-vector``), once per
    session: the export tests and the demo's painting tests read the same folder."""
    from edgenst.export.app_model import Size
    from edgenst.export.bundle import ExportConfig, export_bundle
    from edgenst.export.manifest import MANIFEST
    from edgenst.models.serialization import ModelInfo
    from edgenst.quantize import QuantConfig

    out = base / "tiny-vector-export"
    if (out / MANIFEST).is_file():
        return out
    g = torch.Generator().manual_seed(1)
    photos = [torch.nn.functional.interpolate(torch.rand(1, 3, 6, 6, generator=g), size=(40, 48), mode="bilinear")
              for _ in range(3)]
    config = ExportConfig(sizes=(Size(32, 32),), formats=("pte-fp32", "pte-int8"), style_vector=True,
                          quant=QuantConfig(calibration_size=32))
    info = ModelInfo("student", {"styles": 2, "width": 8, "blocks": 1}, TINY_STYLES)
    export_bundle(tiny_trained_like_student(), info, out, config, photos, source_name="tiny")
    return out


def shipped_cache(base: Path) -> Path:
    return base / "demo-shipped-cache"


def shipped_export(base: Path):
    """The demo's default path (``prepare_artifact()``: the fast shipped student), at one small size."""
    from edgenst.demo_app.artifact import prepare_artifact

    return prepare_artifact(cache_dir=shipped_cache(base), sizes=(SHIPPED_SIZE,))
