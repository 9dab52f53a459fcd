"""``pte-training``: a training ``.pte`` in which one style's scale/shift vectors learn on the phone.

The program is ``edgenst.export.training``'s (joint forward + backward, portable kernels, no
delegate: XNNPACK has no backward kernels). Not in the default formats: it needs a trainable
student and an explicit ``ExportConfig.training`` (which style, photo size and loss network).
Its manifest entry holds that ``TrainingExportConfig``, so verify rebuilds the same loss and
compares one runtime step (loss, gradients, SGD update, the loss after the step) with eager
PyTorch (``verify_training_pte``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import torch

from edgenst.errors import InputError
from edgenst.export.recipes.registry import ExportJob, Recipe, VerifyJob, log_delegation, register_recipe

#: The manifest entry's ``format``: not ``executorch``, so the runtime and the demo, which run
#: ``executorch`` entries as stylizers, never pick it up.
FORMAT = "executorch-training"


@register_recipe
class PteTraining(Recipe):
    name = "pte-training"
    default = False

    def export(self, job: ExportJob) -> dict[str, Any]:
        from edgenst.export.manifest import artifact_entry
        from edgenst.export.pte_inspect import inspect_pte
        from edgenst.export.training import TrainingExportConfig, export_training_pte

        config = job.config.training
        if not isinstance(config, TrainingExportConfig):
            # No default: TrainingExportConfig() embeds the tiny random loss network of the tests,
            # which would ship an artifact that trains toward nothing useful.
            raise InputError("the pte-training format needs ExportConfig.training (a TrainingExportConfig: "
                             "which style, photo size and loss network); the export command has no flags for it yet")
        file = f"{job.config.name}-training.pte"
        sidecar = export_training_pte(job.model, config, job.out / file)
        log_delegation(self, file, inspect_pte(job.out / file).delegation_summary())
        return artifact_entry(job.out, file, format=FORMAT, backend="portable", precision="fp32",
                              method=sidecar["method"], style=config.style, trainable=len(sidecar["trainable"]),
                              training_config=config_to_dict(config))

    def claims(self, entry: dict[str, Any]) -> bool:
        return entry.get("format") == FORMAT

    def verify(self, job: VerifyJob, entry: dict[str, Any]):
        from edgenst.export.checks import ArtifactCheck, fit_crop
        from edgenst.export.training import DEFAULT_RTOL, build_loss, verify_training_pte

        config = config_from_dict(entry.get("training_config"), entry["file"])
        if not 0 <= config.style < len(job.styles):
            raise InputError(f"{entry['file']} trains style {config.style}, the manifest lists {len(job.styles)} styles")
        photos = torch.cat([fit_crop(job.photos[i % len(job.photos)], config.size, config.size)
                            for i in range(config.batch)])
        painting = job.style_image(job.styles[config.style]) if job.style_image else None
        if painting is None:  # any target serves: this compares the runtime with eager, not style quality
            painting = job.photos[-1]
        grams = build_loss(config).style_grams(fit_crop(painting, config.size, config.size))
        result = verify_training_pte(job.folder / entry["file"], job.model, config, photos, grams)
        diffs = result["relative_max_abs_diff"]
        check = ArtifactCheck(entry["file"], "training")
        check.images = config.batch
        check.max_abs = max(diffs.values())
        if not result["ok"]:
            check.failures.append("one runtime step differs from eager: " + ", ".join(
                f"{k} {v:.1e}" for k, v in diffs.items()) + f" (tolerance {DEFAULT_RTOL:.0e}, update {result['update_rtol']:.0e})")
        check.notes = (f"one SGD step in the runtime vs eager, relative max diff: loss {diffs['loss']:.1e}, "
                       f"gradients {diffs['grads']:.1e}, update {diffs['sgd_update']:.1e}, "
                       f"loss after the step {diffs['loss_after_step']:.1e}")
        check.headline = check.notes
        return check


def config_to_dict(config: Any) -> dict[str, Any]:
    """``TrainingExportConfig`` as JSON types (the manifest entry's ``training_config``)."""
    return json_types(asdict(config))


def json_types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: json_types(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_types(v) for v in value]
    return value


def config_from_dict(data: Any, file: str) -> Any:
    """The ``TrainingExportConfig`` an entry was made with; ``InputError`` for a damaged one."""
    from edgenst.export.training import TrainingExportConfig
    from edgenst.perceptual import LossConfig
    from edgenst.teacher import TeacherConfig

    if not isinstance(data, dict) or not isinstance(data.get("teacher"), dict) or not isinstance(data.get("loss"), dict):
        raise InputError(f"{file}: the manifest entry lacks its training_config (teacher, loss, style, size)")
    try:
        loss = {k: tuple(v) if isinstance(v, list) else v for k, v in data["loss"].items()}
        return TrainingExportConfig(**{**data, "teacher": TeacherConfig(**data["teacher"]), "loss": LossConfig(**loss)})
    except TypeError as exc:
        raise InputError(f"{file}: bad training_config in the manifest ({exc})") from None
