"""What the server and the phones share: the model, the federated parameters, training, evaluation.

Only the parameters that train travel (``trainable_names``): by default the per-style vectors
and the last layers (``style+head``), as flowertune-vit federates only a model's head; ``all``
sends everything. In ``new-style`` mode the model grows one style (``grow_styles``) and only the
style tensors travel; the other styles' slices stay bit-identical (``freeze`` masks their
gradients). Local training calls ``edgenst.distill.objective.train_step``, the step that
``edgenst distill`` and the centralized baseline use too.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from flwr.app import Array, ArrayRecord
from torch import nn

from edgenst.distill.config import DistillWeights
from edgenst.distill.data import Batch, PhotoPool, draw_batch, load_style_images, style_name
from edgenst.distill.objective import Objective, StyleBank, train_step
from edgenst.errors import InputError
from edgenst.federated.partition import (
    PhotoSet,
    client_photos,
    make_synthetic_photos,
    parse_synthetic,
    photo_set,
    split_holdout,
)
from edgenst.federated.settings import FedSettings
from edgenst.models import build_model
from edgenst.models.style_params import freeze, grow_styles, num_styles
from edgenst.perceptual import LossConfig, PerceptualLoss
from edgenst.teacher import TeacherConfig, build_teacher

log = logging.getLogger(__name__)


@dataclass
class ModelSpec:
    """The starting model and which of its parameters federate."""

    model: nn.Module
    style_names: list[str]
    style_sources: list[str]  # the paintings of the bank's styles
    bank_offset: int  # the bank covers styles offset .. offset+len(style_sources)
    train_styles: tuple[int, ...] | None  # None: all styles
    names: list[str]  # federated parameter names, in a fixed order


def start_model(settings: FedSettings) -> ModelSpec:
    """The global model before round 1 (the same on every machine: seeded, or a file)."""
    sources = settings.style_list
    if settings.model == "tiny":
        if not sources:
            raise InputError("model=tiny needs styles=SOURCE,SOURCE,...")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(settings.seed)
            model = build_model("student", {"width": 8, "blocks": 1, "styles": len(sources)})
        names = [style_name(s) for s in sources]
    else:
        from edgenst.pretrained import resolve_model

        model, info = resolve_model(settings.model)
        names = list(info.styles)
        if not sources:
            sources = list(names)  # looked up in $EDGENST_STYLE_DIR by load_style_images
    if settings.mode == "new-style":
        old = num_styles(model)
        model = grow_styles(model, 1)
        new_name = style_name(settings.new_style)
        if new_name in names:
            raise InputError(f"the model already has a style named {new_name!r}")
        spec = ModelSpec(model, names + [new_name], [settings.new_style], old, (old,), [])
        mode = "style"
    else:
        if len(sources) != num_styles(model):
            raise InputError(f"{len(sources)} style paintings for a model with {num_styles(model)} styles ({', '.join(names)})")
        spec = ModelSpec(model, names, sources, 0, None, [])
        mode = settings.train
    handles = freeze(model, mode, spec.train_styles)
    spec.names = [n for n, p in model.named_parameters() if p.requires_grad]
    for h in handles:
        h.remove()
    for p in model.parameters():
        p.requires_grad_(False)
    return spec


def train_mode(settings: FedSettings) -> str:
    return "style" if settings.mode == "new-style" else settings.train


def to_arrays(model: nn.Module, names: Sequence[str]) -> ArrayRecord:
    state = model.state_dict()
    return ArrayRecord({n: Array(state[n].detach().cpu().contiguous().numpy()) for n in names})


def to_numpy(record: ArrayRecord) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in record.items()}


def load_arrays(model: nn.Module, arrays: ArrayRecord | dict[str, np.ndarray], names: Sequence[str]) -> None:
    """Copy the federated parameters into ``model``; the names and shapes must match exactly."""
    values = to_numpy(arrays) if isinstance(arrays, ArrayRecord) else arrays
    if list(values) != list(names):
        raise InputError(f"arrays {list(values)[:3]}... do not match the model's federated parameters {list(names)[:3]}...")
    state = model.state_dict()
    with torch.no_grad():
        for n in names:
            t = torch.from_numpy(np.asarray(values[n]))
            if tuple(t.shape) != tuple(state[n].shape):
                raise InputError(f"{n}: shape {tuple(t.shape)} != {tuple(state[n].shape)}")
            state[n].copy_(t)


def build_loss(settings: FedSettings) -> PerceptualLoss:
    teacher = TeacherConfig(source=settings.teacher, weights=settings.teacher_weights or None,
                            pyramid_levels=settings.pyramid_levels, allow_download=False,
                            width=settings.teacher_width if settings.teacher == "random" else 1)
    lcfg = LossConfig(style_weight=settings.style_weight)
    return PerceptualLoss(build_teacher(teacher, lcfg.all_layers), lcfg)


def build_objective(settings: FedSettings, spec: ModelSpec, loss: PerceptualLoss | None = None) -> Objective:
    loss = loss or build_loss(settings)
    bank = StyleBank(loss, load_style_images(spec.style_sources, settings.style_size))
    return Objective(loss, bank, None, DistillWeights(), bank_offset=spec.bank_offset)


# --- photos ----------------------------------------------------------------------------------------


def photo_root(settings: FedSettings) -> Path:
    """The photo folder, generating the synthetic set into the run folder when asked for."""
    count = parse_synthetic(settings.photos)
    if count is not None:
        return make_synthetic_photos(settings.run_path / f"synthetic-photos-{count}", count, seed=settings.seed)
    return Path(settings.photos).expanduser()


def photo_split(settings: FedSettings) -> tuple[PhotoSet, list[str]]:
    """(the photos the clients share out, the server's held-out photos)."""
    photos = photo_set(photo_root(settings), settings.partition_by)
    if settings.server_photos:
        from edgenst.federated.partition import list_photos

        held = [str(p) for p in list_photos(Path(settings.server_photos).expanduser())][: settings.eval_photos]
        return photos, held
    rest, held = split_holdout(photos, settings.holdout, settings.seed, settings.eval_photos)
    if not held:
        raise InputError("no held-out photos for the server: set holdout > 0 or server-photos=FOLDER")
    return rest, held


def partition_for(settings: FedSettings, partition_id: int, num_partitions: int) -> list[str]:
    train, _ = photo_split(settings)
    return client_photos(train, partition_id, num_partitions, settings.alpha, settings.seed)


# --- training and evaluation -------------------------------------------------------------------


@dataclass
class LocalResult:
    steps: int
    samples: int
    loss: float
    first_loss: float


def local_optimizer(params: Sequence[nn.Parameter], kind: str, lr: float) -> torch.optim.Optimizer:
    """The phone's optimizer for one round (a new one each round: no state crosses rounds).

    ``sgd`` is plain SGD, no momentum, dampening, weight decay or Nesterov: the update
    ``p -= lr * g`` that the ExecuTorch runtime's ``get_sgd_optimizer`` makes in the training
    artifact, so a PyTorch phone and an executorch phone can be compared like for like."""
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False)
    raise InputError(f"client-optimizer must be adam or sgd, got {kind!r}")


def local_train(model: nn.Module, objective: Objective, pool: PhotoPool, spec: ModelSpec, *, steps: int, batch: int,
                lr: float, seed: int, train: str, proximal_mu: float = 0.0, optimizer: str = "adam",
                clip: float = 10.0) -> LocalResult:
    """``steps`` of ``train_step`` on the phone's own photos (FedProx: plus the proximal term).

    ``optimizer``: ``local_optimizer``'s kind; ``clip``: the gradient-norm clip of each step (0: off).
    The proximal term is added to the gradient, so FedProx works the same with either optimizer."""
    handles = freeze(model, train, spec.train_styles)
    params = [p for p in model.parameters() if p.requires_grad]
    if proximal_mu > 0:  # d/dw mu/2 ||w - w_global||^2 added to each gradient
        for p in params:
            anchor = p.detach().clone()
            handles.append(p.register_hook(lambda g, p=p, a=anchor: g + proximal_mu * (p.detach() - a)))
    opt = local_optimizer(params, optimizer, lr)
    n_styles = num_styles(model)
    losses = []
    try:
        for step in range(steps):
            b = draw_batch(pool, seed, step, batch, n_styles, train_styles=spec.train_styles)
            terms = train_step(model, objective, b, opt, clip=clip)
            losses.append(terms["total"])
    finally:
        for h in handles:
            h.remove()
        for p in model.parameters():
            p.requires_grad_(False)
    model.eval()
    return LocalResult(steps, steps * batch, float(np.mean(losses[-max(1, steps // 4):])), losses[0])


def eval_images(paths: Sequence[str], crop: int) -> torch.Tensor:
    """Held-out photos as centre squares of side ``crop`` (N x 3 x crop x crop)."""
    from edgenst.samples import resolve_image
    import torch.nn.functional as F

    out = []
    for p in paths:
        img = resolve_image(str(p), max_side=max(2 * crop, 64)).tensor
        h, w = img.shape[-2:]
        s = min(h, w)
        sq = img[..., (h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
        out.append(F.interpolate(sq, size=(crop, crop), mode="bilinear", antialias=s > crop, align_corners=False))
    if not out:
        raise InputError("no held-out photos to evaluate on")
    return torch.cat(out).clamp(0, 1)


@torch.no_grad()
def evaluate(model: nn.Module, objective: Objective, images: torch.Tensor, spec: ModelSpec) -> dict[str, float]:
    """Mean loss terms over every held-out photo in every style the run trains."""
    model.eval()
    n_styles = num_styles(model)
    styles = spec.train_styles or tuple(range(spec.bank_offset, spec.bank_offset + objective.bank.styles))
    sums: dict[str, float] = {}
    for s in styles:
        w = torch.zeros(images.shape[0], n_styles)
        w[:, s] = 1
        batch = Batch(images, w, torch.ones(images.shape[0], 1), False)
        terms = objective(model(images, w, batch.strength), batch).as_floats()
        for k in ("total", "content", "style", "tv"):
            sums[k] = sums.get(k, 0.0) + terms[k] / len(styles)
    if not all(math.isfinite(v) for v in sums.values()):
        log.warning("evaluation gave non-finite losses: %s", sums)
    return sums
