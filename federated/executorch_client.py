"""Phones whose local steps run in the ExecuTorch training artifact (``client-runtime=executorch``).

A real phone app ships the ExecuTorch runtime, not PyTorch. Such a phone trains with the training
``.pte`` of ``edgenst.export.training`` (issue 23): a joint forward + backward program in which one
style's scale/shift vectors are the only parameters, the loss network is inside, and the runtime's
own SGD (``get_sgd_optimizer``) updates them in the program's memory. Why this shape:

- **Which phones.** ``client-runtime`` is ``pytorch`` (every phone, the default: runs and results
  as before), ``executorch`` (every phone), ``executorch:F`` with a fraction ``F`` written with a
  decimal point (``executorch:0.5``: partitions ``p`` with ``floor((p+1)F) > floor(pF)``, evenly
  spread and independent of the seed, so a run's mix is known before it starts) or
  ``executorch:P,P,...`` (those partition ids). A phone's runtime is fixed for the run.
- **What it trains.** The artifact trains style vectors only, so an executorch phone needs a run
  whose federated tensors are exactly the style tables: ``train=style`` or ``mode=new-style``
  (``check_settings`` refuses the rest, and FedProx, whose proximal term is not in the program).
  It keeps one artifact per style it trains (the program's other tensors are the start model's,
  which never change in such a run), exported once per node and size (``node_cache.artifact_for``).
- **A step.** ``draw_batch`` gives the same photos (and style draw) as the PyTorch client's step;
  the artifact trains one style per call, so the step trains the first sample's style on the whole
  batch (the same step as PyTorch's when the batch has one style). Then the runtime's SGD: the
  artifact's optimizer (the runtime has no Adam; gradient clipping is not in the program).
- **Its rate** (``executorch_sgd_lr``). With ``client-optimizer=adam`` (the default) the PyTorch
  phones run Adam at ``lr`` and an executorch phone's SGD needs a rate of its own, ``executorch-lr``
  (an Adam rate is no SGD rate). With ``client-optimizer=sgd`` every phone runs the same plain SGD,
  so there is one rate, ``lr`` (and its schedule) for both kinds, and a run compares runtimes, not
  optimizers; ``clip-grad-norm=0`` then makes a PyTorch phone's step exactly the artifact's.
- **No state in Python between steps.** At the start of a round the global vectors are copied
  into the program's parameter tensors (``TrainingModule.named_parameters`` aliases the program's
  memory); each step is ``forward_backward`` + the runtime SGD on those same tensors; at the end the
  trained vectors are read back into the model's tables, so the reply holds the same tensors (names,
  shapes, order) as the PyTorch client's. The loop carries nothing from one step to the next but
  the program itself (checked by ``tests/test_federated_executorch.py``: steps in the artifact equal
  eager SGD on the same batches, which only holds if each step starts from the program's values).
- **Budgets.** The phone profiles turn ``time-budget`` into steps with the artifact's step time
  measured on this node (``Artifact.step_seconds``: median of timed steps right after loading),
  taken as the reference phone's and divided by a tier's speed, instead of the PyTorch compute model.
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from edgenst.errors import InputError

RUNTIMES = ("pytorch", "executorch")
#: Timed steps after loading (after one untimed warm-up) whose median is the step time.
TIMED_STEPS = 2


# --- which phones ---------------------------------------------------------------------------------


def parse_client_runtime(spec: str) -> tuple[float, frozenset[int] | None]:
    """``client-runtime`` -> (fraction of executorch phones, or the explicit partition ids)."""
    text = spec.strip()
    if text in RUNTIMES:
        return (1.0 if text == "executorch" else 0.0), None
    kind, sep, rest = text.partition(":")
    if kind != "executorch" or not sep or not rest.strip():
        raise InputError(f"client-runtime must be pytorch, executorch, executorch:FRACTION or executorch:P,P,...; "
                         f"got {spec!r}")
    rest = rest.strip()
    if "." in rest:
        try:
            frac = float(rest)
        except ValueError:
            raise InputError(f"client-runtime: {rest!r} is not a fraction (e.g. executorch:0.5)") from None
        if not 0 <= frac <= 1:
            raise InputError(f"client-runtime: the fraction must be in [0, 1], got {frac}")
        return frac, None
    try:
        ids = frozenset(int(p) for p in rest.split(",") if p.strip())
    except ValueError:
        raise InputError(f"client-runtime: {rest!r} is not a list of partition ids (e.g. executorch:0,2)") from None
    if not ids or min(ids) < 0:
        raise InputError(f"client-runtime: partition ids must be >= 0, got {rest!r}")
    return 0.0, ids


def phone_runtime(spec: str, partition_id: int) -> str:
    """The runtime partition ``partition_id``'s phone trains in: ``pytorch`` or ``executorch``."""
    frac, ids = parse_client_runtime(spec)
    if ids is not None:
        return "executorch" if partition_id in ids else "pytorch"
    return "executorch" if math.floor((partition_id + 1) * frac) > math.floor(partition_id * frac) else "pytorch"


def executorch_sgd_lr(settings: Any, lr: float | None = None) -> float:
    """The SGD rate of an executorch phone: ``lr`` (the round's rate the server sent, else the
    setting) when every phone runs SGD (``client-optimizer=sgd``), else ``executorch-lr``."""
    if settings.client_optimizer == "sgd":
        return settings.lr if lr is None else lr
    return settings.executorch_lr


def check_settings(settings: Any) -> None:
    """Refuse settings an executorch phone cannot train (only when some phone is one)."""
    frac, ids = parse_client_runtime(settings.client_runtime)
    if frac == 0 and not ids:
        return
    if settings.mode != "new-style" and settings.train != "style":
        raise InputError(f"client-runtime={settings.client_runtime} trains the style vectors only (the training "
                         f"artifact's parameters): set train=style or mode=new-style, not train={settings.train}")
    if settings.strategy == "fedprox":
        raise InputError("client-runtime=executorch cannot run FedProx: its proximal term is not in the training "
                         "artifact; choose another strategy")


# --- the artifact -------------------------------------------------------------------------------


@dataclass
class Artifact:
    """A loaded training program for one style at one photo size and batch."""

    path: Path
    config: Any  # edgenst.export.training.TrainingExportConfig
    module: Any  # executorch.extension.training.TrainingModule
    names: list[str]  # its parameters, in the program's order
    step_seconds: float  # measured on this node (forward + backward + SGD), median of TIMED_STEPS

    def set_vectors(self, model: torch.nn.Module) -> None:
        """Copy ``model``'s vectors of this style into the program's parameters (in place)."""
        from edgenst.export.training import _affines, _slot

        k = self.config.style
        params = self.module.named_parameters()
        with torch.no_grad():
            for name, affine in _affines(model):
                for attr in ("scale", "shift"):
                    params[f"style.{_slot(name)}.{attr}"].copy_(getattr(affine, attr)[:, k : k + 1])

    def vectors(self) -> dict[str, torch.Tensor]:
        """The program's current parameters (copies), by the program's names."""
        return {n: t.detach().clone() for n, t in self.module.named_parameters().items()}


def export_artifact(model: torch.nn.Module, config: Any, path: Path) -> Path:
    """Write the training program of ``config.style`` for ``model`` to ``path`` (and its manifest)."""
    from edgenst.export.training import export_training_pte

    export_training_pte(model, config, path)
    return path


def open_artifact(path: str | Path, config: Any) -> Artifact:
    """Load a training program, check it against its manifest and ``config``, measure its step.

    A missing, truncated, corrupt or mismatched file is an ``InputError`` naming the file (the
    runtime's own refusal is a native log line and a bare error code)."""
    from edgenst.export.training import METHOD, _inputs, gram_keys, load_training_pte, manifest_path

    p = Path(path)
    side = manifest_path(p)
    try:
        manifest = json.loads(side.read_text())
        listed = [t["name"] for t in manifest["trainable"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{side}: no readable training manifest beside {p.name} ({type(exc).__name__})") from None
    if manifest.get("style") != config.style or manifest["inputs"][0]["shape"] != [config.batch, 3, config.size, config.size]:
        raise InputError(f"{p} is not the program for style {config.style} at batch {config.batch} x "
                         f"{config.size} px (its manifest says style {manifest.get('style')}, "
                         f"photos {manifest['inputs'][0]['shape']})")
    if not p.is_file():
        raise InputError(f"no training program at {p}")
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    if manifest.get("sha256") not in (None, digest):
        # Checked before the runtime sees the file: it does not verify the program and a damaged
        # one can crash the process instead of failing.
        raise InputError(f"{p} does not match its manifest's sha256 (corrupt or replaced): export it again")
    module = load_training_pte(p)  # header checks: InputError for a foreign or truncated file
    try:
        names = list(module.model.run_method(f"__et_training_fqn_{METHOD}", ()))
        shapes = {k: [1, *manifest_shape(manifest, k)[1:]] for k in gram_keys(config)}
        photos = torch.zeros(config.batch, 3, config.size, config.size)
        inputs = _inputs(photos, {k: torch.zeros(*s) for k, s in shapes.items()}, config)
        module.forward_backward(METHOD, inputs)  # also makes named_parameters available
        times = []
        for _ in range(TIMED_STEPS):
            t0 = time.perf_counter()
            module.forward_backward(METHOD, inputs)
            _sgd(module, 0.0).step(module.named_gradients())
            times.append(time.perf_counter() - t0)
    except (RuntimeError, ValueError, IndexError) as exc:
        raise InputError(f"{p} does not run as a training program ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
                         "corrupt file or another ExecuTorch version: export it again") from None
    if names != listed:
        raise InputError(f"{p} trains {names[:2]}..., its manifest lists {listed[:2]}...: not the same export")
    return Artifact(p, config, module, names, statistics.median(times))


def manifest_shape(manifest: dict, key: str) -> list[int]:
    for entry in manifest["inputs"]:
        if entry["name"] == f"gram:{key}":
            return list(entry["shape"])
    raise InputError(f"the training manifest has no Gram input {key!r}: exported with another loss config")


def _sgd(module: Any, lr: float):
    from executorch.extension.training import get_sgd_optimizer

    return get_sgd_optimizer(module.named_parameters(), lr)


def training_config(settings: Any, style: int, crop: int, batch: int) -> Any:
    """The ``TrainingExportConfig`` whose loss is the federated objective's (``task.build_loss``)."""
    from edgenst.export.training import TrainingExportConfig
    from edgenst.perceptual import LossConfig
    from edgenst.teacher import TeacherConfig

    teacher = TeacherConfig(source=settings.teacher, weights=settings.teacher_weights or None,
                            pyramid_levels=settings.pyramid_levels, allow_download=False,
                            width=settings.teacher_width if settings.teacher == "random" else 1)
    return TrainingExportConfig(style=style, size=crop, batch=batch, lr=executorch_sgd_lr(settings), teacher=teacher,
                                loss=LossConfig(style_weight=settings.style_weight))


# --- a round ------------------------------------------------------------------------------------


def local_train_executorch(model: torch.nn.Module, objective: Any, pool: Any, *, artifact_for: Callable[[int], Artifact],
                           train_styles: tuple[int, ...] | None, steps: int, batch: int, lr: float, seed: int):
    """``steps`` local steps in the training artifacts; the trained vectors end in ``model``.

    ``artifact_for(style)`` gives the (cached) program of a style. Returns ``task.LocalResult``."""
    from edgenst.distill.data import draw_batch
    from edgenst.export.training import METHOD, gram_keys, load_trained
    from edgenst.federated.task import LocalResult
    from edgenst.models.style_params import num_styles

    n_styles = num_styles(model)
    used: dict[int, tuple[Artifact, Any]] = {}
    losses: list[float] = []
    for step in range(steps):
        b = draw_batch(pool, seed, step, batch, n_styles, train_styles=train_styles)
        style = int(b.style_weights[0].argmax())
        if style not in used:
            art = artifact_for(style)
            art.set_vectors(model)  # this round's global vectors into the program
            used[style] = (art, _sgd(art.module, lr))
        art, sgd = used[style]
        row = style - objective.bank_offset
        grams = {k: objective.bank.grams[k][row : row + 1] for k in gram_keys(art.config)}
        outs = art.module.forward_backward(METHOD, (b.photos.float().contiguous(), *(grams[k].contiguous() for k in gram_keys(art.config))))
        loss = float(outs[0])
        if not math.isfinite(loss):
            raise FloatingPointError(f"loss is {loss} in the training artifact; lower executorch-lr")
        sgd.step(art.module.named_gradients())
        losses.append(loss)
    for style, (art, _) in used.items():
        load_trained(model, style, art.vectors())
    model.eval()
    return LocalResult(steps, steps * batch, float(np.mean(losses[-max(1, steps // 4):])), losses[0])
