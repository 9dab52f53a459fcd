"""The training loop behind ``edgenst distill``: checkpoints, exact resume, torchrun data parallel.

It trains either network: the teacher network from the perceptual loss alone, or the student
from the perceptual loss plus a teacher network's outputs (``config.teacher_net``). Without
``teacher_net`` a student trains "from scratch", the baseline the quality report compares with.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from edgenst import __version__
from edgenst.distill.checkpoint import file_sha256, find_checkpoints, load_latest, restore_optimizer, save_checkpoint
from edgenst.distill.config import DistillConfig
from edgenst.distill.data import PhotoPool, draw_batch, load_style_images, style_name
from edgenst.distill.objective import Objective, StyleBank, train_step
from edgenst.distill.temporal import draw_view_pair
from edgenst.errors import InputError
from edgenst.models import build_model
from edgenst.models.serialization import load_model, save_model
from edgenst.models.style_params import freeze, grow_styles, num_styles
from edgenst.perceptual import PerceptualLoss
from edgenst.teacher import build_teacher

log = logging.getLogger(__name__)

FINAL_MODEL = "model.safetensors"


@dataclass
class DistillResult:
    model_path: Path | None  # None on torchrun ranks other than 0
    steps: int
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)


def _world() -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def lr_at(config: DistillConfig, step: int) -> float:
    start = int(config.steps * config.decay_from)
    if step <= start or config.steps == start:
        return config.lr
    return config.lr * (1.0 - 0.9 * (step - start) / (config.steps - start))


def run_style_names(existing: list[str], given: list[str]) -> list[str]:
    """The styles a run trains: the --init-from model's when the run gives as many (a fine-tune),
    else those followed by the given ones (added styles)."""
    return list(existing) if len(given) == len(existing) else list(existing) + list(given)


def build_student_model(config: DistillConfig, new_names: list[str]) -> tuple[nn.Module, list[str], int, tuple[int, ...] | None]:
    """(model, all style names, index of the first style the bank covers, styles to train)."""
    if config.init_from is None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)  # the initial weights are part of the run's identity
            model = build_model(config.arch, {**config.model, "styles": len(new_names)})
        return model, new_names, 0, config.train_styles
    model, info = load_model(config.init_from)
    if info.arch != config.arch:
        raise InputError(f"{config.init_from} is a {info.arch}, not a {config.arch}")
    old = num_styles(model)
    if run_style_names(info.styles, new_names) == info.styles:  # fine-tune the same styles
        return model, info.styles, 0, config.train_styles
    clash = set(new_names) & set(info.styles)
    if clash:
        raise InputError(f"{config.init_from} already has style(s) {', '.join(sorted(clash))}")
    grown = grow_styles(model, len(new_names))
    added = tuple(range(old, old + len(new_names)))
    return grown, info.styles + new_names, old, config.train_styles or added


@dataclass
class _Setup:
    """Everything a run builds before its first step."""

    model: nn.Module
    names: list[str]
    train_styles: tuple[int, ...] | None
    objective: Objective
    pool: PhotoPool
    optimizer: torch.optim.Optimizer
    record: dict[str, Any]


def _prepare(config: DistillConfig, device: torch.device, world: int) -> _Setup:
    lcfg = config.loss
    loss = PerceptualLoss(build_teacher(config.teacher, lcfg.all_layers), lcfg).to(device)
    style_images = [img.to(device) for img in load_style_images(config.styles, config.style_size)]
    bank = StyleBank(loss, style_images, config.style_balance)
    new_names = list(config.style_names) or [style_name(s) for s in config.styles]
    model, names, offset, train_styles = build_student_model(config, new_names)
    teacher_net = None
    if config.teacher_net:
        teacher_net, tinfo = load_model(config.teacher_net)
        if tinfo.arch != "teacher-net" or tinfo.styles != names:
            raise InputError(f"{config.teacher_net}: a {tinfo.arch} with styles {tinfo.styles}, but this run needs a "
                             f"teacher-net with styles {names}")
        teacher_net = teacher_net.to(device)
    objective = Objective(loss, bank, teacher_net, config.weights, bank_offset=offset)
    pool = PhotoPool(config.photos, config.crop)
    if pool.skipped:
        log.warning("skipped %d unreadable or too small photos, e.g. %s", len(pool.skipped), pool.skipped[0])
    model = model.to(device)
    freeze(model, config.train, train_styles)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    record: dict[str, Any] = {
        "edgenst_version": __version__,
        "identity": config.identity(),
        "config": config.to_dict(),
        "styles": names,
        "data_digest": pool.digest,
        "photos": len(pool),
        "world_size": world,
        "teacher_sha256": _file_sha256(config.teacher.weights),
        "teacher_net_sha256": _file_sha256(config.teacher_net),
        "init_from_sha256": _file_sha256(config.init_from),
    }
    return _Setup(model, names, train_styles, objective, pool, optimizer, record)


def _restore(setup: _Setup, config: DistillConfig, run_dir: Path) -> tuple[int, list[dict[str, float]]]:
    """Load the newest intact checkpoint into the setup; (step, history) to continue from."""
    latest = load_latest(run_dir)
    if latest is None:
        log.info("nothing to resume in %s; starting at step 0", run_dir)
        return 0, []
    saved, saved_model, opt_tensors = latest
    _check_same_run(saved, setup.record, run_dir)
    setup.model.load_state_dict(saved_model.state_dict())
    restore_optimizer(setup.optimizer, opt_tensors, saved["optimizer_state"])
    log.info("resuming %s at step %d of %d", run_dir, saved["step"], config.steps)
    return int(saved["step"]), list(saved.get("history", []))


def distill(config: DistillConfig, run_dir: str | os.PathLike[str], *, resume: bool = False, progress: bool = True) -> DistillResult:
    run_dir = Path(run_dir)
    rank, world = _world()
    if config.batch % world:
        raise InputError(f"batch {config.batch} does not split evenly over {world} processes")
    if not resume and find_checkpoints(run_dir):
        raise InputError(f"{run_dir} already holds checkpoints; pass --resume to continue, or choose a new folder")
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if torch.cuda.is_available() else "cpu")
    setup = _prepare(config, device, world)
    model, names, train_styles, objective, pool, optimizer, record = (
        setup.model, setup.names, setup.train_styles, setup.objective, setup.pool, setup.optimizer, setup.record)
    start, history = _restore(setup, config, run_dir) if resume else (0, [])
    train_model: nn.Module = model
    if world > 1:
        train_model = nn.parallel.DistributedDataParallel(model)

    # Strength-0 steps teach the photo vectors; they teach nothing when only style vectors learn.
    photo_mode = config.photo_mode if config.arch == "student" and config.train == "all" else 0.0
    t0 = time.perf_counter()
    bar = _progress(start, config.steps, enabled=progress and rank == 0)
    window: list[dict[str, float]] = []
    for step in range(start + 1, config.steps + 1):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(config, step)
        batch = draw_batch(pool, config.seed, step, config.batch, len(names), train_styles=train_styles,
                           photo_mode=photo_mode, rank=rank, world=world)
        if config.weights.temporal > 0 and not batch.photo_mode:
            batch.view = draw_view_pair(batch.photos, config.seed, step, config.motion, global_batch=config.batch, rank=rank)
        batch = batch.to(device)
        terms = train_step(train_model, objective, batch, optimizer)
        window.append({f"photo_{k}": v for k, v in terms.items()} if batch.photo_mode else terms)
        if bar is not None:
            bar.update(1)
            rate = (step - start) * config.batch / max(time.perf_counter() - t0, 1e-9)
            bar.set_postfix(loss=f"{terms['total']:.3f}", style=f"{terms['style']:.3f}", img_s=f"{rate:.1f}")
        if step % config.log_every == 0 or step == config.steps:
            mean = _window_mean(window)
            history.append({"step": step, **{k: round(v, 5) for k, v in mean.items()}})
            window = []
            if rank == 0:
                log.info("step %d/%d %s %.1f img/s", step, config.steps,
                         " ".join(f"{k}={v:.4f}" for k, v in mean.items()),
                         (step - start) * config.batch / (time.perf_counter() - t0))
        if rank == 0 and (step % config.checkpoint_every == 0 or step == config.steps):
            save_checkpoint(run_dir, step, model, optimizer, names, {**record, "history": history}, keep=config.keep_checkpoints)
    if bar is not None:
        bar.close()
    seconds = time.perf_counter() - t0
    rank_sums = _rank_checksums(model, world)
    if len(set(rank_sums)) > 1:
        log.error("torchrun ranks ended with different weights: %s", rank_sums)
    path = None
    if rank == 0:
        meta = {"steps": config.steps, "total_steps": config.steps + _steps_before(config.init_from), "world_size": world, "rank_checksums": rank_sums, "data_digest": pool.digest, "config": config.to_dict(),
                "teacher_sha256": record["teacher_sha256"], "teacher_net_sha256": record["teacher_net_sha256"],
                "final_loss": history[-1] if history else None}
        path = save_model(run_dir / FINAL_MODEL, model, names, meta=meta)
        (run_dir / "history.json").write_text(json.dumps(history, indent=1))
    if world > 1:
        dist.barrier()
    return DistillResult(model_path=path, steps=config.steps, seconds=seconds, history=history)


def _rank_checksums(model: nn.Module, world: int) -> list[float]:
    """A weight checksum from every process: data parallel ranks must end identical."""
    total = torch.stack([p.detach().double().sum() for p in model.parameters()]).sum().reshape(1)
    if world == 1:
        return [float(total)]
    gathered = [torch.zeros_like(total) for _ in range(world)]
    dist.all_gather(gathered, total)  # on the model's device: NCCL needs CUDA tensors, gloo CPU ones
    return [float(g) for g in gathered]


def _window_mean(window: list[dict[str, float]]) -> dict[str, float]:
    """Each term averaged over the steps that have it (photo-mode steps log as ``photo_*``)."""
    keys = dict.fromkeys(k for w in window for k in w)
    return {k: sum(w[k] for w in window if k in w) / sum(1 for w in window if k in w) for k in keys}


def total_training_steps(meta: dict[str, Any]) -> int | None:
    """Steps a model file was trained in all (its own run and the runs it was initialised from);
    None when an older file recorded only its last run's steps."""
    total = meta.get("total_steps")
    return int(total) if isinstance(total, (int, float)) else None


def _steps_before(init_from: str | None) -> int:
    """Training steps already in the --init-from model (its total, else its last run's steps)."""
    if not init_from:
        return 0
    meta = load_model(init_from)[1].meta
    before = total_training_steps(meta)
    return before if before is not None else int(meta.get("steps", 0) or 0)


def _file_sha256(path: str | None) -> str | None:
    return file_sha256(Path(path)) if path and Path(path).is_file() else None


def _upgraded_identity(saved: dict[str, Any]) -> dict[str, Any]:
    """A saved run's identity with settings added since then at their defaults."""
    try:
        return DistillConfig.from_dict(saved["config"]).identity()
    except (InputError, KeyError, TypeError):
        return saved["identity"]


def _check_same_run(saved: dict[str, Any], record: dict[str, Any], run_dir: Path) -> None:
    """Refuse to continue a different run. Keys an older edgenst did not record are not compared."""
    for key in ("identity", "data_digest", "styles", "teacher_sha256", "teacher_net_sha256"):
        if key not in saved or saved[key] == record[key]:
            continue
        if key == "identity":
            a, b = _upgraded_identity(saved), record["identity"]
            if a == b:
                continue
            diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            detail = f"settings differ: {', '.join(diff)}"
        else:
            detail = f"{key} differs"
        raise InputError(f"{run_dir} holds a different run ({detail}); resume with the same settings")


def _progress(start: int, total: int, *, enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=start, unit="step", dynamic_ncols=True)
