"""Fit one painting into an existing student as a new named style (``edgenst styles add``).

A student holds each style as per-channel scale/shift vectors, so a new painting only needs those
vectors: everything else stays bit for bit the model's. This is ``edgenst distill --init-from M
--style painting --train style`` with defaults chosen for minutes on a laptop (a few sample photos,
small crops, the loss network the shipped students were trained with when its weights are found,
the scale-free ``gram`` layer weighting), plus a before/after measurement of the style loss on
fixed crops and a model file that says where the new style came from. The training loop itself is
``edgenst.distill.distill``: one loop, one set of checkpoints, one resume rule.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from edgenst.distill import DistillConfig, distill
from edgenst.distill.checkpoint import find_checkpoints
from edgenst.distill.config import NETWORK_STYLE_WEIGHT
from edgenst.distill.data import PhotoPool, draw_batch, load_style_images
from edgenst.distill.objective import Objective, StyleBank
from edgenst.errors import InputError
from edgenst.models.serialization import ModelInfo, load_model, save_model
from edgenst.models.style_params import grow_styles, num_styles
from edgenst.painting_input import check_painting_file
from edgenst.perceptual import LossConfig, PerceptualLoss
from edgenst.pretrained import get_weights, resolve_model
from edgenst.samples import SAMPLE_PHOTOS
from edgenst.teacher import TeacherConfig, build_teacher

log = logging.getLogger(__name__)

#: Where ``default_loss_net`` looks for the normalised VGG-19 the shipped students were trained with.
LOSS_NET_ENV = "EDGENST_LOSS_NET_WEIGHTS"
#: Style names: what ``--style NAME`` and a manifest can carry without quoting (the shipped ones fit).
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def default_loss_net(weights: str | None = None) -> TeacherConfig:
    """The loss network the shipped students were trained with (normalised VGG-19, 3-level
    pyramid) when its weights are given or named by ``EDGENST_LOSS_NET_WEIGHTS``; else
    torchvision's ImageNet VGG-19 (cached or downloaded), so a fit never silently uses random
    features."""
    path = weights or os.environ.get(LOSS_NET_ENV)
    if path:
        if not Path(path).is_file():
            raise InputError(f"loss network weights {path}: no such file")
        return TeacherConfig(source="vgg19-normalised", weights=str(path), pyramid_levels=3)
    return TeacherConfig(source="vgg19", pyramid_levels=3)


@dataclass(frozen=True)
class FitConfig:
    """How to fit. Defaults take a few minutes on 2 CPU cores for the default student."""

    steps: int = 200
    photos: tuple[str, ...] = tuple(f"sample:{n}" for n in SAMPLE_PHOTOS)
    crop: int = 128  # smaller than distill's 160: style vectors only, speed matters more
    batch: int = 2
    lr: float = 1e-2  # only ~2 x channels x layers numbers learn; 1e-3 (distill's) is slow here
    style_size: int = 384  # the shipped students' painting size (sets stroke size vs. the crop)
    loss: LossConfig = LossConfig(style_weight=NETWORK_STYLE_WEIGHT, layer_weighting="gram")
    loss_net: TeacherConfig | None = None  # None: default_loss_net()
    seed: int = 0
    eval_crops: int = 4  # fixed crops (not trained on) for the before/after loss
    work_dir: str | None = None  # checkpoints; a fit with the same settings there resumes
    checkpoint_every: int = 50
    log_every: int = 10

    def __post_init__(self) -> None:
        for name in ("steps", "batch", "eval_crops", "checkpoint_every", "log_every"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InputError(f"{name} must be a whole number >= 1, got {v!r}")
        if not self.photos:
            raise InputError("no training photos given")

    def loss_network(self) -> TeacherConfig:
        return self.loss_net if self.loss_net is not None else default_loss_net()


@dataclass
class FitInfo:
    """What a fit did: the new model's description, the style's index and the measured losses."""

    model: ModelInfo
    name: str
    index: int
    before: dict[str, float]  # loss terms on the eval crops with the starting vector (mean of the styles)
    after: dict[str, float]
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)


def check_name(name: str, existing: list[str]) -> None:
    if not _NAME.match(name):
        raise InputError(f"style name {name!r}: use letters, digits, '_', '-' or '.', at most 64 characters")
    if name in existing:
        raise InputError(f"the model already has a style named {name!r}; choose another name")


def model_file(spec: str) -> Path:
    """The file behind a model spec (a shipped name or a path); a ``.pte`` is refused because a
    fit needs the trainable weights an export no longer has."""
    if spec.lower().endswith(".pte"):
        raise InputError(f"{spec}: a .pte is an exported program; give the .safetensors model it was exported from")
    if spec.endswith(".safetensors") or "/" in spec or Path(spec).is_file():
        if not Path(spec).is_file():
            raise InputError(f"{spec}: no such model file")
        return Path(spec)
    return get_weights(spec).value.path


def check_output(out: str | os.PathLike[str], model: Path, *, force: bool = False) -> Path:
    """Refuse to write over the input model ever, or over any existing file without ``force``."""
    out = Path(out)
    if out.suffix != ".safetensors":
        raise InputError(f"{out}: the output model must be a .safetensors file")
    if out.exists() and out.resolve() == model.resolve():
        raise InputError(f"{out} is the input model; write the new model to another file")
    if out.exists() and not force:
        raise InputError(f"{out} exists; pass --force to replace it, or choose another file")
    if not out.parent.is_dir():
        raise InputError(f"{out.parent}: no such folder")
    return out


def fit_style(model_spec: str, painting: str, name: str, config: FitConfig = FitConfig(), *,
              progress: bool = True) -> tuple[nn.Module, FitInfo]:
    """Train only a new style's vectors of ``model_spec`` for ``painting``; returns the grown model
    (eval mode) and what happened. Nothing is written outside ``config.work_dir`` (or a temporary
    folder removed afterwards)."""
    path = model_file(model_spec)
    base, base_info = resolve_model(model_spec)
    check_name(name, base_info.styles)
    loss_net = config.loss_network()
    check_painting_file(painting, config.style_size)  # refuses a bad painting early (one that holds no style too)
    style_image = load_style_images([painting], config.style_size)[0]
    dcfg = DistillConfig(
        arch=base_info.arch, styles=(painting,), style_names=(name,), style_size=config.style_size,
        photos=config.photos, crop=config.crop, batch=config.batch, steps=config.steps, lr=config.lr,
        photo_mode=0.0, loss=config.loss, teacher=loss_net, init_from=str(path), train="style",
        seed=config.seed, checkpoint_every=config.checkpoint_every, log_every=config.log_every, keep_checkpoints=1,
    )
    evaluate = _Evaluator(dcfg, style_image, num_styles(base), config.eval_crops)
    before = evaluate(grow_styles(base, 1))  # distill starts the new style at the same point
    log.info("fitting style %r: style loss %.4f at the start (mean of the model's %d styles)",
             name, before["style"], num_styles(base))
    with tempfile.TemporaryDirectory(prefix="edgenst-fit-") as tmp:
        run_dir = Path(config.work_dir) if config.work_dir else Path(tmp)
        resume = bool(find_checkpoints(run_dir))
        if resume:
            log.info("resuming the fit in %s", run_dir)
        result = distill(dcfg, run_dir, resume=resume, progress=progress)
        model, trained_info = load_model(result.model_path)
    after = evaluate(model)
    log.info("style %r: style loss %.4f -> %.4f in %.0f s", name, before["style"], after["style"], result.seconds)
    meta = {**base_info.meta, "name": f"{base_info.meta.get('name', path.stem)}+{name}",
            "added_styles": [*base_info.meta.get("added_styles", []), {
                "name": name, "painting": Path(painting).name, "painting_sha256": _sha256(painting),
                "base_model": path.name, "base_sha256": _sha256(str(path)), "steps": config.steps,
                "fit": _jsonable(asdict(replace(config, work_dir=None, loss_net=loss_net))),
                "style_loss_before": round(before["style"], 5), "style_loss_after": round(after["style"], 5),
            }]}
    info = ModelInfo(arch=trained_info.arch, config=trained_info.config, styles=trained_info.styles, meta=meta)
    return model.eval(), FitInfo(info, name, len(info.styles) - 1, before, after, result.seconds, result.history)


def add_style(model_spec: str, painting: str, name: str, out: str | os.PathLike[str],
              config: FitConfig = FitConfig(), *, force: bool = False, progress: bool = True) -> FitInfo:
    """``fit_style`` and save the grown model to ``out`` (checked before the minutes of fitting)."""
    out_path = check_output(out, model_file(model_spec), force=force)
    model, info = fit_style(model_spec, painting, name, config, progress=progress)
    save_model(out_path, model, info.model.styles, meta=info.model.meta)
    return info


class _Evaluator:
    """The fit's loss on fixed crops with the new style at full strength: the same objective the
    fit minimises, on crops drawn at step 0 (training draws steps 1..N), so before and after compare."""

    def __init__(self, dcfg: DistillConfig, style_image: torch.Tensor, index: int, crops: int) -> None:
        loss = PerceptualLoss(build_teacher(dcfg.teacher, dcfg.loss.all_layers), dcfg.loss)
        self.objective = Objective(loss, StyleBank(loss, [style_image]), bank_offset=index)
        self.batch = draw_batch(PhotoPool(dcfg.photos, dcfg.crop), dcfg.seed, 0, crops, index + 1, train_styles=(index,))

    @torch.no_grad()
    def __call__(self, model: nn.Module) -> dict[str, float]:
        b = self.batch
        return self.objective(model.eval()(b.photos, b.style_weights, b.strength), b).as_floats()


def _sha256(path: str) -> str | None:
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None


def _jsonable(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _jsonable(v) for k, v in d.items()}
    if isinstance(d, (list, tuple)):
        return [_jsonable(v) for v in d]
    return d


__all__ = ["FitConfig", "FitInfo", "add_style", "check_output", "default_loss_net", "fit_style"]
