"""What a phone builds once and reuses every round: the model skeleton, the loss network and the
style paintings' Gram targets.

A ClientApp is called once per message, and Flower keeps no Python objects between calls (only
``Context.state`` records); a Ray worker even hosts many simulated phones in turn. Building the
student, the VGG loss network and the Gram targets again every round costs more than a short local
round, and none of them depends on the round: only on settings. So they are kept per process,
keyed by exactly what determines them (files by path, size and modification time), a few of each
(``KEEP``). Each reuse starts from the state the model was built with (weights, buffers, mode, no
gradients), so a round trains bit-identically to one that built everything afresh.
"""

from __future__ import annotations

import os
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Any, Hashable

import torch

from edgenst.distill.objective import Objective
from edgenst.federated import task
from edgenst.federated.settings import FedSettings

#: How many different models / loss networks / Gram-target banks one process keeps (the least
#: recently used goes): one run needs one of each; tests and notebooks run several in a process.
KEEP = 2

#: Constructions in this process by kind ("model", "loss", "grams"): what the tests count.
BUILDS: Counter[str] = Counter()

_models: OrderedDict[Hashable, tuple[task.ModelSpec, dict[str, torch.Tensor], bool]] = OrderedDict()
_losses: OrderedDict[Hashable, Any] = OrderedDict()
_objectives: OrderedDict[Hashable, Objective] = OrderedDict()
#: Training programs of executorch phones (``executorch_client``), one per style, crop and batch.
_artifacts: OrderedDict[Hashable, Any] = OrderedDict()
_artifact_dir: list[Path] = []
#: How many training programs one process keeps: a run has one per trained style and phone size.
KEEP_ARTIFACTS = 8


def model_for(settings: FedSettings) -> task.ModelSpec:
    """``task.start_model(settings)``, built once per process and reset to its start on every call."""
    key = model_key(settings)
    entry = _get(_models, key)
    if entry is None:
        spec = task.start_model(settings)
        BUILDS["model"] += 1
        pristine = {k: v.detach().clone() for k, v in spec.model.state_dict().items()}
        entry = _put(_models, key, (spec, pristine, spec.model.training))
    spec, pristine, training = entry
    spec.model.load_state_dict(pristine)
    for p in spec.model.parameters():
        p.grad = None
        p.requires_grad_(False)
    spec.model.train(training)
    return spec


def objective_for(settings: FedSettings, spec: task.ModelSpec) -> Objective:
    """``task.build_objective(settings, spec)`` with the loss network and the Gram targets kept."""
    lkey = loss_key(settings)
    loss = _get(_losses, lkey)
    if loss is None:
        loss = _put(_losses, lkey, task.build_loss(settings))
        BUILDS["loss"] += 1
    okey = (lkey, grams_key(settings, spec))
    objective = _get(_objectives, okey)
    if objective is None:
        objective = task.build_objective(settings, spec, loss)
        BUILDS["grams"] += 1
        objective = _put(_objectives, okey, objective)
    return objective


def artifact_for(settings: FedSettings, style: int, crop: int, batch: int) -> Any:
    """The training program of ``style`` at ``crop`` x ``batch`` for this run's start model and loss
    network (``executorch_client``): exported and loaded once per process, its step time measured then.

    The program holds the start model's other tensors as constants, which is right because an
    executorch run federates only the style vectors (``executorch_client.check_settings``); the
    vectors themselves are set from the global model every round."""
    from edgenst.federated import executorch_client as etc

    key = (model_key(settings), loss_key(settings), style, crop, batch, etc.executorch_sgd_lr(settings))
    art = _get(_artifacts, key)
    if art is None:
        if not _artifact_dir:
            import atexit
            import shutil
            import tempfile

            _artifact_dir.append(Path(tempfile.mkdtemp(prefix="edgenst-phone-pte-")))
            atexit.register(shutil.rmtree, _artifact_dir[0], True)
        config = etc.training_config(settings, style, crop, batch)
        path = _artifact_dir[0] / f"style{style}-{crop}px-b{batch}-{BUILDS['artifact']}.pte"
        etc.export_artifact(start_copy(settings), config, path)
        BUILDS["artifact"] += 1
        art = etc.open_artifact(path, config)
        _artifacts[key] = art
        while len(_artifacts) > KEEP_ARTIFACTS:
            _artifacts.popitem(last=False)
    return art


def first_trained_style(settings: FedSettings) -> int:
    """The first style this run trains (its artifact's step time is the phone's), read off the kept
    start model without resetting it (``model_for`` would undo this round's global tensors)."""
    entry = _get(_models, model_key(settings))
    if entry is None:
        model_for(settings)
        entry = _get(_models, model_key(settings))
    styles = entry[0].train_styles
    return styles[0] if styles else 0


def start_copy(settings: FedSettings) -> torch.nn.Module:
    """A copy of the start model (the kept one's pristine state; the kept model itself may hold
    this round's global tensors already)."""
    import copy

    entry = _get(_models, model_key(settings))
    if entry is None:
        model_for(settings)
        entry = _get(_models, model_key(settings))
    spec, pristine, training = entry
    out = copy.deepcopy(spec.model)
    out.load_state_dict(pristine)
    return out.train(training)


def model_key(s: FedSettings) -> Hashable:
    """What ``task.start_model`` reads."""
    return (s.model, _stamp(s.model), tuple(s.style_list), s.mode, s.new_style, s.train, s.seed)


def loss_key(s: FedSettings) -> Hashable:
    """What ``task.build_loss`` reads."""
    return (s.teacher, s.teacher_weights, _stamp(s.teacher_weights), s.pyramid_levels,
            s.teacher_width if s.teacher == "random" else 1, s.style_weight)


def grams_key(s: FedSettings, spec: task.ModelSpec) -> Hashable:
    """What the Gram targets of ``task.build_objective`` read besides the loss network: the
    paintings (looked up in ``$EDGENST_STYLE_DIR`` when given by name), their size, the bank's place."""
    sources = tuple((src, _stamp(src)) for src in spec.style_sources)
    return (sources, s.style_size, os.environ.get("EDGENST_STYLE_DIR", ""), spec.bank_offset)


def clear() -> None:
    """Forget everything kept (the counts stay)."""
    for cache in (_models, _losses, _objectives, _artifacts):
        cache.clear()


def _stamp(path: str) -> tuple[int, int] | None:
    """A file's size and modification time: a changed file is a different key."""
    try:
        st = Path(path).expanduser().stat() if path else None
    except (OSError, ValueError):
        return None
    return (st.st_size, st.st_mtime_ns) if st is not None else None


def _get(cache: OrderedDict, key: Hashable) -> Any:
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    return None


def _put(cache: OrderedDict, key: Hashable, value: Any) -> Any:
    cache[key] = value
    while len(cache) > KEEP:
        cache.popitem(last=False)
    return value
