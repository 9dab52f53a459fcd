"""Train a style predictor's head by regression onto fitted style vectors (issue 22, the predicted-gain bar).

Why: the perceptual loss through the student (``train_style_predictor.py``'s default mode) costs
~5 s a step for 4 paintings, so 900 steps show each painting ~14 times and the head stays noisy
(predicted gain 0.32 while 20 fitting steps from its prediction reach 0.47). A fitted vector is
what the predictor should output for that painting; regressing the head onto it needs only the
cached encoder statistics (``cache.pt``), so a full-batch step over every fitted painting costs
milliseconds and thousands of them fit in seconds on one core.

Units: the head predicts an offset from ``predictor.base`` in units of ``predictor.spread`` (the
shipped styles' per-entry spread), so the target is ``(fitted - base) / spread`` and the loss is
the mean squared error in those units: an entry whose styles differ by 0.5 does not outweigh one
whose styles differ by 0.01.

Small data (~100-257 paintings for a 128x2240 output layer), so: each step draws one of the
cached views of every painting (whole, crops, mirrored) as augmentation; every ``val_every``-th
fitted painting (by sorted stem) is held out to pick the learning rate, the weight decay (AdamW)
and the number of steps (the step of the lowest held-out error); then the head is trained again from its starting
state on all the fitted paintings with that choice. The report says what the held-out error did.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import asdict, dataclass
from typing import Callable

import torch

from edgenst.errors import InputError
from edgenst.style_predictor import StylePredictor
from edgenst.styles import StyleVector

log = logging.getLogger("train_style_predictor")


@dataclass(frozen=True)
class RegressConfig:
    """How the head is regressed onto the fitted vectors."""

    steps: int = 2000  # most full-batch steps per candidate; the held-out curve picks fewer
    lrs: tuple[float, ...] = (1e-3, 3e-4, 1e-4)  # a head started from a trained one overshoots at 1e-3
    weight_decays: tuple[float, ...] = (0.0, 0.1)  # AdamW's decoupled decay
    val_every: int = 4  # every 4th fitted painting (sorted stem) chooses lr, weight decay and steps
    eval_every: int = 10
    seed: int = 0


def match_targets(names: list[str], targets: dict[str, StyleVector | torch.Tensor]) -> tuple[list[str], torch.Tensor, torch.Tensor]:
    """(stems, row index into the cache, target vectors) of the cached paintings that have a fitted vector.

    ``names`` are the cache's painting file names (``cache.pt["names"]``); targets are keyed by stem.
    """
    index = {n.rsplit(".", 1)[0]: i for i, n in enumerate(names)}
    stems = sorted(s for s in targets if s in index)
    if not stems:
        raise InputError("no fitted vector matches a cached painting (by file stem)")
    rows = torch.tensor([index[s] for s in stems])
    vecs = torch.stack([(t.values if isinstance(t, StyleVector) else t).float() for t in (targets[s] for s in stems)])
    return stems, rows, vecs


def offsets(predictor: StylePredictor, vectors: torch.Tensor) -> torch.Tensor:
    """Vectors in the head's own units: offset from ``base`` over ``spread``."""
    return (vectors - predictor.base) / predictor.spread


@torch.no_grad()
def regression_error(predictor: StylePredictor, stats: torch.Tensor, vectors: torch.Tensor) -> float:
    """Mean squared error in spread units of the predictor's vectors from ``stats`` (N x stats) against ``vectors``."""
    return float(((predictor.from_stats(stats) - vectors) / predictor.spread).pow(2).mean())


def fit_head(predictor: StylePredictor, stats: torch.Tensor, vectors: torch.Tensor, *, lr: float, weight_decay: float,
             steps: int, cfg: RegressConfig, val: tuple[torch.Tensor, torch.Tensor] | None = None) -> list[dict[str, float]]:
    """Full-batch AdamW on the head: ``stats`` is P x views x stats, ``vectors`` P x dim.

    With ``val`` (whole-painting stats, vectors), the held-out error is logged every ``eval_every``
    steps and the head ends at its lowest-error state; without, it ends after ``steps``.
    Returns the curve: one row per evaluation (step, train and held-out error).
    """
    head = predictor.head.train().requires_grad_(True)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(cfg.seed)
    target = offsets(predictor, vectors)
    rows = torch.arange(stats.shape[0])
    curve, best, best_state = [], float("inf"), None
    for step in range(1, steps + 1):
        view = torch.randint(stats.shape[1], (stats.shape[0],), generator=gen)
        z = (stats[rows, view] - predictor.stat_mean) / predictor.stat_std
        loss = (head(z) - target).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if val is not None and (step % cfg.eval_every == 0 or step == steps):
            head.eval()
            err = regression_error(predictor, *val)
            curve.append({"step": step, "train": float(loss.detach()), "val": err})
            if err < best:
                best, best_state = err, copy.deepcopy(head.state_dict())
            head.train()
    if best_state is not None:
        head.load_state_dict(best_state)
    predictor.eval().requires_grad_(False)
    return curve


def regress(predictor: StylePredictor, stats: torch.Tensor, names: list[str], targets: dict[str, StyleVector | torch.Tensor],
            cfg: RegressConfig = RegressConfig(), *, say: Callable[[str], None] = log.info) -> dict:
    """Regress ``predictor``'s head (from its current state) onto ``targets``; returns a report.

    ``stats``/``names``: the cache of ``train_style_predictor.py`` (P x views x stats, file names);
    ``predictor.stat_mean``/``stat_std``/``base``/``spread`` must already be set. The head is left
    trained on all the matched paintings with the weight decay and step count the held-out split chose.
    """
    stems, rows, vectors = match_targets(names, targets)
    val_mask = torch.zeros(len(stems), dtype=torch.bool)
    val_mask[cfg.val_every - 1 :: cfg.val_every] = True
    if val_mask.all() or not val_mask.any():
        raise InputError(f"{len(stems)} fitted paintings: too few to hold every {cfg.val_every}th out")
    tr, va = ~val_mask, val_mask
    s_all = stats[rows]
    val = (s_all[va, 0], vectors[va])
    start = copy.deepcopy(predictor.head.state_dict())
    mean_vec = vectors[tr].mean(0, keepdim=True).expand(int(va.sum()), -1)
    baseline = {"start": regression_error(predictor, *val),
                "train_mean": float(((mean_vec - vectors[va]) / predictor.spread).pow(2).mean())}
    say(f"{len(stems)} fitted paintings match the cache: {int(tr.sum())} train, {int(va.sum())} held out; "
        f"held-out error (spread units, mean square): start {baseline['start']:.4f}, mean of train targets "
        f"{baseline['train_mean']:.4f}")
    candidates = []
    for lr in cfg.lrs:
        for wd in cfg.weight_decays:
            predictor.head.load_state_dict(start)
            curve = fit_head(predictor, s_all[tr], vectors[tr], lr=lr, weight_decay=wd, steps=cfg.steps, cfg=cfg, val=val)
            best = min(curve, key=lambda r: r["val"])
            say(f"lr {lr:g}, weight decay {wd:g}: held-out error {best['val']:.4f} at step {best['step']} (train "
                f"{best['train']:.4f}; at step {cfg.steps}: held-out {curve[-1]['val']:.4f}, train {curve[-1]['train']:.4f})")
            candidates.append({"lr": lr, "weight_decay": wd, "best": best, "curve": curve})
    chosen = min(candidates, key=lambda c: c["best"]["val"])
    lr, wd, steps = chosen["lr"], chosen["weight_decay"], int(chosen["best"]["step"])
    predictor.head.load_state_dict(start)
    if chosen["best"]["val"] >= baseline["start"]:  # no candidate beat the starting head on held-out paintings
        steps = 0
    else:
        fit_head(predictor, s_all, vectors, lr=lr, weight_decay=wd, steps=steps, cfg=cfg)
    final_train = regression_error(predictor, s_all[:, 0], vectors)
    say(f"chose lr {lr:g}, weight decay {wd:g}, {steps} steps" + (" (none beat the start: head left as it was)" if not steps else "")
        + f"; trained again on all {len(stems)}: error on them {final_train:.4f}")
    return {"stems": stems, "held_out_stems": [s for s, v in zip(stems, val_mask.tolist()) if v], "baseline": baseline,
            "candidates": [{"lr": c["lr"], "weight_decay": c["weight_decay"], "best": c["best"], "last": c["curve"][-1]}
                           for c in candidates],
            "chosen": {"lr": lr, "weight_decay": wd, "steps": steps, "held_out_error": chosen["best"]["val"]},
            "final_train_error": final_train, "config": asdict(cfg)}


__all__ = ["RegressConfig", "fit_head", "match_targets", "offsets", "regress", "regression_error"]
