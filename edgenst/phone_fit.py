"""Fit a painting's style vector on the phone: the training ``.pte`` runs the fit (issue 23, item 3).

``edgenst styles add`` (``style_fit``) fits a new style's scale/shift vectors in host PyTorch
through ``distill`` (Adam, gradient clipping). A phone ships the ExecuTorch runtime instead, so
here the same fit runs in the training artifact of ``edgenst.export.training``: the student grows
one style, the artifact is exported for that style at the fit's crop and batch, the painting's Gram
targets are computed once (the artifact takes Gram matrices, not the painting), and each step is
``forward_backward`` + the runtime's SGD (the runtime has no Adam). The photos of step ``i`` are
``distill``'s (``draw_batch`` with the fit's seed, steps 1..N), so ``fit_vectors_eager`` (the same
SGD in eager PyTorch, same batches) is the reference the runtime's fit is checked against, and
``style_fit``'s before/after measure on the same fixed crops compares it with the Adam fit.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from edgenst.distill.data import PhotoPool, draw_batch, load_style_images
from edgenst.errors import InputError
from edgenst.export import training as T
from edgenst.models.style_params import grow_styles, num_styles
from edgenst.painting_input import check_painting_file
from edgenst.style_fit import FitConfig

log = logging.getLogger(__name__)


@dataclass
class PhoneFit:
    """What a fit in the runtime did: the trained vectors (the program's names) and the losses."""

    style: int
    vectors: dict[str, torch.Tensor]
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    export_seconds: float = 0.0


def training_config(config: FitConfig, style: int) -> T.TrainingExportConfig:
    return T.TrainingExportConfig(style=style, size=config.crop, batch=config.batch, lr=config.lr,
                                  teacher=config.loss_network(), loss=config.loss)


def painting_grams(config: FitConfig, painting: str | torch.Tensor) -> dict[str, torch.Tensor]:
    """The painting's Gram targets with the fit's loss network (what ``StyleBank`` computes)."""
    image = painting if isinstance(painting, torch.Tensor) else load_style_images([painting], config.style_size)[0]
    with torch.no_grad():
        return T.build_loss(training_config(config, 0)).style_grams(image)


def _batches(config: FitConfig, style: int):
    pool = PhotoPool(config.photos, config.crop)
    for step in range(1, config.steps + 1):  # distill's steps: 1..N (step 0 is the eval crops)
        yield draw_batch(pool, config.seed, step, config.batch, style + 1, train_styles=(style,)).photos


def fit_vectors_executorch(grown: nn.Module, painting: str | torch.Tensor, config: FitConfig, *,
                           work_dir: str | Path | None = None) -> PhoneFit:
    """Fit the last style of ``grown`` (a student that already has the new style's slot) in the
    training artifact; returns the trained vectors (``T.load_trained`` puts them in a model)."""
    from edgenst.federated.executorch_client import open_artifact

    style = num_styles(grown) - 1
    tcfg = training_config(config, style)
    grams = painting_grams(config, painting)
    with tempfile.TemporaryDirectory(prefix="edgenst-phone-fit-") as tmp:
        pte = Path(work_dir or tmp) / f"fit-style{style}-{config.crop}px.pte"
        t0 = time.perf_counter()
        T.export_training_pte(grown, tcfg, pte)
        export_s = time.perf_counter() - t0
        art = open_artifact(pte, tcfg)  # checks the file, measures a step
        art.set_vectors(grown)  # the start point: the grown slot as grow_styles made it
        from executorch.extension.training import get_sgd_optimizer

        sgd = get_sgd_optimizer(art.module.named_parameters(), config.lr)
        fit = PhoneFit(style, {}, export_seconds=export_s)
        t0 = time.perf_counter()
        for i, photos in enumerate(_batches(config, style)):
            outs = art.module.forward_backward(T.METHOD, T._inputs(photos, grams, tcfg))
            loss = float(outs[0])
            if not torch.isfinite(outs[0]):
                raise FloatingPointError(f"loss is {loss} at step {i + 1}; lower the learning rate")
            sgd.step(art.module.named_gradients())
            fit.losses.append(loss)
            if config.log_every and (i + 1) % config.log_every == 0:
                log.info("phone fit step %d/%d: loss %.4f", i + 1, config.steps, loss)
        fit.seconds = time.perf_counter() - t0
        fit.vectors = art.vectors()
    return fit


def fit_vectors_eager(grown: nn.Module, painting: str | torch.Tensor, config: FitConfig) -> PhoneFit:
    """The reference: the same SGD on the same batches in eager PyTorch (``T.eager_step``'s gradients)."""
    style = num_styles(grown) - 1
    tcfg = training_config(config, style)
    loss_fn = T.build_loss(tcfg)
    grams = painting_grams(config, painting)
    model = T._apply_slices(grown, tcfg, {})
    fit = PhoneFit(style, {})
    t0 = time.perf_counter()
    affines = dict(T._affines(model))
    slots = {T._slot(n): n for n in affines}
    for photos in _batches(config, style):
        ref = T.eager_step(model, loss_fn, tcfg, photos, grams)
        new = {}
        for name, g in ref["grads"].items():
            _, slot, attr = name.split(".")
            new[name] = getattr(affines[slots[slot]], attr)[:, style : style + 1] - config.lr * g
        T.load_trained(model, style, new)
        fit.losses.append(float(ref["loss"]))
    fit.seconds = time.perf_counter() - t0
    fit.vectors = {n: v.detach().clone() for n, v in new.items()} if config.steps else {}
    return fit


def grow_for_fit(model: nn.Module) -> nn.Module:
    """A trainable copy of ``model`` with one more style, started as ``distill --init-from`` starts it."""
    grown = grow_styles(model, 1)
    for p in grown.parameters():
        p.requires_grad_(False)
    return grown


def fit_style_on_phone(model_spec: str, painting: str, name: str, config: FitConfig = FitConfig()):
    """``style_fit.fit_style`` with the fit in the training artifact (runtime SGD at ``config.lr``);
    the same name checks, the same before/after measure on fixed crops, the same model metadata (plus
    ``"runtime": "executorch"``). Returns (the grown model, ``style_fit.FitInfo``)."""
    import copy
    from dataclasses import asdict, replace

    from edgenst.distill import DistillConfig
    from edgenst.models.serialization import ModelInfo
    from edgenst.pretrained import resolve_model
    from edgenst.style_fit import FitInfo, _Evaluator, _jsonable, _sha256, check_name, model_file

    path = model_file(model_spec)
    base, base_info = resolve_model(model_spec)
    check_name(name, base_info.styles)
    config = replace(config, loss_net=config.loss_network())
    check_painting_file(painting, config.style_size)  # refuses a bad painting early (one that holds no style too)
    style_image = load_style_images([painting], config.style_size)[0]
    dcfg = DistillConfig(arch=base_info.arch, styles=(painting,), style_names=(name,), style_size=config.style_size,
                         photos=config.photos, crop=config.crop, batch=config.batch, steps=config.steps, lr=config.lr,
                         photo_mode=0.0, loss=config.loss, teacher=config.loss_net, train="style", seed=config.seed)
    evaluate = _Evaluator(dcfg, style_image, num_styles(base), config.eval_crops)
    grown = grow_for_fit(base)
    before = evaluate(grown)
    fit = fit_vectors_executorch(grown, style_image, config, work_dir=config.work_dir)
    model = copy.deepcopy(grown)
    T.load_trained(model, fit.style, fit.vectors)
    after = evaluate(model)
    log.info("style %r (in the runtime): style loss %.4f -> %.4f in %.0f s", name, before["style"], after["style"],
             fit.seconds)
    meta = {**base_info.meta, "name": f"{base_info.meta.get('name', path.stem)}+{name}",
            "added_styles": [*base_info.meta.get("added_styles", []), {
                "name": name, "painting": Path(painting).name, "painting_sha256": _sha256(painting),
                "base_model": path.name, "base_sha256": _sha256(str(path)), "steps": config.steps,
                "runtime": "executorch", "fit": _jsonable(asdict(replace(config, work_dir=None))),
                "style_loss_before": round(before["style"], 5), "style_loss_after": round(after["style"], 5),
            }]}
    info = ModelInfo(arch=base_info.arch, config=model.config.to_dict(), styles=[*base_info.styles, name], meta=meta)
    return model.eval(), FitInfo(info, name, len(info.styles) - 1, before, after, fit.seconds,
                                 [{"step": i + 1, "total": v} for i, v in enumerate(fit.losses)])


def add_style_on_phone(model_spec: str, painting: str, name: str, out: str | Path, config: FitConfig = FitConfig(),
                       *, force: bool = False):
    """``style_fit.add_style`` with the fit in the training artifact; returns ``style_fit.FitInfo``."""
    from edgenst.models.serialization import save_model
    from edgenst.style_fit import check_output, model_file

    out_path = check_output(out, model_file(model_spec), force=force)
    model, info = fit_style_on_phone(model_spec, painting, name, config)
    save_model(out_path, model, info.model.styles, meta=info.model.meta)
    return info


def compare(a: PhoneFit, b: PhoneFit) -> float:
    """max over tensors of max |a - b| / max |b| (the fits' vectors)."""
    if sorted(a.vectors) != sorted(b.vectors):
        raise InputError("the two fits trained different tensors")
    return max(T._rel(a.vectors[n], b.vectors[n]) for n in b.vectors)


__all__ = ["PhoneFit", "add_style_on_phone", "compare", "fit_style_on_phone", "fit_vectors_eager", "fit_vectors_executorch", "grow_for_fit",
           "painting_grams"]
