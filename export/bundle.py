"""One export folder for an app: the source model, ``.pte`` files, ``.mlpackage`` and ``manifest.json``.

The source model is copied in so ``edgenst verify`` can compare against exactly what was exported.
Each format is a recipe in ``edgenst.export.recipes`` (one module per format, its backend library
imported only when it runs); this module only validates the request, loops over the recipes asked
for and writes the manifest last.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.export.app_model import DEFAULT_SIZES, Size
from edgenst.export.manifest import artifact_entry, build_manifest, write_manifest
from edgenst.export.recipes import ExportJob, default_formats, get_recipe, recipe_names
from edgenst.export.recipes.coreml import COREML_COMPRESS
from edgenst.io_spec import IOSpec
from edgenst.models.serialization import ModelInfo, save_model
from edgenst.quantize import QuantConfig

if TYPE_CHECKING:
    from edgenst.export.training import TrainingExportConfig

log = logging.getLogger(__name__)

#: The formats an export writes by default (the registered recipes marked ``default``).
FORMATS = default_formats()
SOURCE_FILE = "student.safetensors"

__all__ = ["COREML_COMPRESS", "FORMATS", "SOURCE_FILE", "ExportConfig", "export_bundle"]


@dataclass(frozen=True)
class ExportConfig:
    sizes: tuple[Size, ...] = tuple(Size(h, w) for h, w in DEFAULT_SIZES)
    #: Recipe names (``edgenst.export.recipes.recipe_names``), written in this order.
    formats: tuple[str, ...] = FORMATS
    quant: QuantConfig = field(default_factory=QuantConfig)  # the pte-int8 recipe's
    coreml_compress: str = "int8"  # the coreml recipe's
    name: str = "student"
    #: The pte-training recipe's; that format needs one (there is no useful default loss network).
    training: TrainingExportConfig | None = None
    #: The .pte recipes also write ``vector_<H>x<W>`` methods that take a style vector beside the
    #: table (``io_spec.VectorSpec``; the manifest's ``style_vector`` says how to feed it), and the
    #: coreml recipe's package gains the same two inputs, optional (its entry's ``vector_inputs``).
    #: Off by default: it doubles the export's lowering time, and folders stay as before unless asked.
    style_vector: bool = False
    #: The predictor recipes' model (any module mapping a 1 x 3 x H x W painting to 1 x D); None:
    #: ``edgenst.style_predictor.load_predictor`` for the student being exported.
    predictor: nn.Module | None = None
    #: Or the predictor's weights file, read by ``load_predictor`` (``edgenst export --predictor``).
    predictor_path: str | None = None
    #: The predictor programs' one input side (an app resizes the painting to it once).
    predictor_size: int = 256

    def __post_init__(self) -> None:
        known = recipe_names()
        unknown = [f for f in self.formats if f not in known]
        if unknown or not self.formats:
            raise InputError(f"unknown export format(s) {unknown or '(none)'}; choose from {', '.join(known)}")
        if self.coreml_compress not in COREML_COMPRESS:
            raise InputError(f"coreml compression must be one of {', '.join(COREML_COMPRESS)}, got {self.coreml_compress!r}")
        if not self.sizes:
            raise InputError("export needs at least one size")
        if not 16 <= self.predictor_size <= 1024:
            raise InputError(f"predictor size must be in [16, 1024], got {self.predictor_size}")
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
    recipes = [get_recipe(f) for f in config.formats]
    for recipe in recipes:
        recipe.require()  # a missing backend fails before any file is written
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    save_model(out / SOURCE_FILE, model, list(info.styles), meta=info.meta)
    source = artifact_entry(out, SOURCE_FILE, arch=info.arch, config=info.config, name=source_name)
    job = ExportJob(model, info, out, config, tuple(calibration_photos))
    artifacts = [recipe.export(job) for recipe in recipes]
    vector = None
    if config.style_vector:
        from edgenst.export.executorch import vector_spec

        vector = vector_spec(model)
    manifest = build_manifest(IOSpec(tuple(info.styles), vector), source, artifacts)
    write_manifest(out, manifest)
    return manifest
