"""Fit the style vector of every painting the style predictor trains on (issue 22: regression targets).

    OMP_NUM_THREADS=1 nice -n 5 python benchmarks/fit_training_vectors.py --work /work/runs/fitted-vectors
    (again with the same --work resumes: paintings already fitted are skipped)
    [--limit N] [--shard I/N] [--steps 20] [-v]

Why: the shipped predictor reaches gain 0.32 predicted while 20 fitting steps from its prediction
reach 0.47 (``benchmarks/results/any_style.md``, "what I would change"); the fitted vector is what
the predictor should output, so fitting each training painting once gives it regression targets.

What it does, per painting of ``train_style_predictor.split_paintings()`` (the predictor's own
training list and licence rule, imported, not copied): predict the vector with the shipped
predictor, refine it with ``refine_vector`` under ``FitConfig(steps=20)`` and the normalised VGG-19
loss network (exactly any_style's "fitted" row), and write ``WORK/vectors/<stem>.pt`` holding the
fitted vector, the prediction it started from, and what made it (painting path and sha256, model
and predictor sha256, steps, fit settings, style loss before/after on held crops, seconds).
A file is written whole or not at all (temp file, then rename), so a killed run resumes cleanly.
A painting that cannot be fitted gets one ``error:`` line, is listed in ``WORK/failed.json`` and
the run goes on. ~71 s a painting on one core: ~5 core-hours for the 257 paintings.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_style_predictor import DATA, TrainConfig, split_paintings  # noqa: E402

from edgenst.distill.config import NETWORK_STYLE_WEIGHT  # noqa: E402
from edgenst.errors import InputError, exit_with  # noqa: E402
from edgenst.style_fit import FitConfig, default_loss_net, model_file  # noqa: E402
from edgenst.style_predictor import (StylePredictor, predict_style, read_predictor, refine_vector,  # noqa: E402
                                     shipped_predictor_paths, space_signature)
from edgenst.styles import StyleVector  # noqa: E402

LOSS_NET = DATA / "teachers" / "vgg19_normalised" / "vgg_normalised_conv3_1.pth"
FIT_STEPS = 20  # any_style's fitted row (benchmarks/results/any_style.md)
RECORD_VERSION = 1


@dataclass(frozen=True)
class Provenance:
    """What every record of one run shares: checked on resume, so a file made by another model,
    predictor or step count is fitted again rather than silently reused."""

    model: str
    model_sha256: str
    predictor: str
    predictor_sha256: str
    steps: int
    seed: int = 0  # FitConfig.seed: which photo crops the fit draws (records before it was kept: 0)
    style_weight: float = NETWORK_STYLE_WEIGHT  # the fit's style weight (records before it was kept: the default)


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def shipped_predictor_file(model: nn.Module) -> Path:
    """The shipped predictor file ``load_predictor(model)`` picks (the same space rule), for its sha256."""
    want = space_signature(model)
    for path in shipped_predictor_paths():
        if path.is_file() and read_predictor(path)[1].get("space") == want:
            return path
    raise InputError("no shipped style predictor fits this model")


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` (0 <= I < N): this run takes every N-th painting starting at the I-th."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise InputError(f"--shard {text!r}: give I/N, for example 0/2") from None
    if not 0 <= i < n:
        raise InputError(f"--shard {text!r}: need 0 <= I < N")
    return i, n


def select(paintings: list[Path], limit: int | None = None, shard: tuple[int, int] = (0, 1)) -> list[Path]:
    """The shard's paintings (every N-th from the I-th), then the first ``limit`` of them."""
    i, n = shard
    picked = paintings[i::n]
    return picked if limit is None else picked[:limit]


def record_path(work: Path, painting: Path) -> Path:
    return work / "vectors" / f"{painting.stem}.pt"


def is_done(path: Path, painting_sha: str, prov: Provenance) -> bool:
    """A record for this painting, model, predictor and step count is there and readable."""
    if not path.is_file():
        return False
    try:
        rec = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # a torn or foreign file: fit again
        return False
    return (rec.get("painting_sha256") == painting_sha and rec.get("model_sha256") == prov.model_sha256
            and rec.get("predictor_sha256") == prov.predictor_sha256 and rec.get("steps") == prov.steps
            and rec.get("seed", 0) == prov.seed
            and rec.get("style_weight", NETWORK_STYLE_WEIGHT) == prov.style_weight)


def fit_one(model: nn.Module, predictor: StylePredictor, painting: Path, config: FitConfig) -> dict:
    """Predict ``painting``'s vector, refine it with ``config``; the vectors, losses and seconds."""
    t0 = time.perf_counter()
    start = predict_style(model, painting, predictor)
    fitted, losses = refine_vector(model, painting, start, config)
    return {"vector": fitted.values.float().clone(), "predicted": start.values.float().clone(),
            "style_loss_before": losses["before"], "style_loss_after": losses["after"],
            "seconds": time.perf_counter() - t0}


def fit_all(paintings: list[Path], model: nn.Module, predictor: StylePredictor, config: FitConfig, work: Path,
            prov: Provenance, *, say: Callable[[str], None] = print) -> dict[str, list[str]]:
    """Fit each painting not already in ``work/vectors``; returns the stems fitted, skipped and failed.

    One line per painting through ``say``; a painting that fails is reported in one line, listed
    in ``work/failed.json`` and skipped, never ending the run (a KeyboardInterrupt still does).
    """
    out_dir = work / "vectors"
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, list[str]] = {"fitted": [], "skipped": [], "failed": []}
    failures: dict[str, str] = {}
    fit_cfg = json.loads(json.dumps(asdict(config), default=str))
    total, t_run = len(paintings), time.perf_counter()
    for k, painting in enumerate(paintings, 1):
        tag = f"[{k}/{total}] {painting.stem}"
        try:
            painting_sha = sha256(painting)
            path = record_path(work, painting)
            if is_done(path, painting_sha, prov):
                result["skipped"].append(painting.stem)
                say(f"{tag}: already fitted, skipped")
                continue
            fit = fit_one(model, predictor, painting, config)
        except Exception as exc:  # noqa: BLE001 - one bad painting must not end a 5-hour run
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if not isinstance(exc, InputError):
                msg = f"{type(exc).__name__}: {msg}"
            failures[str(painting)] = msg
            result["failed"].append(painting.stem)
            say(f"error: {tag}: {msg} (skipped)")
            continue
        record = {"version": RECORD_VERSION, "painting": str(painting.resolve()), "painting_sha256": painting_sha,
                  **asdict(prov), "fit": json.dumps(fit_cfg), "torch": str(torch.__version__), **fit}
        tmp = path.with_suffix(".tmp")
        torch.save(record, tmp)
        tmp.replace(path)
        result["fitted"].append(painting.stem)
        per = (time.perf_counter() - t_run) / len(result["fitted"])
        left = sum(1 for p in paintings[k:] if not record_path(work, p).is_file())
        say(f"{tag}: style {fit['style_loss_before']:.4f} -> {fit['style_loss_after']:.4f} in "
            f"{fit['seconds']:.0f} s (about {left * per / 3600:.1f} h left for {left})")
    failed_file = work / "failed.json"
    if failures:
        failed_file.write_text(json.dumps(failures, indent=1) + "\n")
    elif failed_file.exists():
        failed_file.unlink()
    say(f"done: {len(result['fitted'])} fitted, {len(result['skipped'])} already there, "
        f"{len(result['failed'])} failed" + (f" (listed in {failed_file})" if failures else ""))
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True, type=Path, help="run folder; records go to WORK/vectors/<stem>.pt")
    ap.add_argument("--steps", type=int, default=FIT_STEPS, help=f"fit steps from the prediction (default {FIT_STEPS})")
    ap.add_argument("--seed", type=int, default=0,
                    help="the fit's crop draws; fits of another seed (their own --work) average out the crops' noise")
    ap.add_argument("--style-weight", type=float, default=NETWORK_STYLE_WEIGHT,
                    help="the fit's style weight (default %(default)g, styles add's): more trades the photo's "
                         "structure for the painting's style")
    ap.add_argument("--limit", type=int, default=None, help="only the first N paintings (of the shard)")
    ap.add_argument("--shard", default="0/1", help="I/N: every N-th painting from the I-th, for parallel runs")
    ap.add_argument("--model", default=TrainConfig.model, help="the student (the predictor's, default %(default)s)")
    ap.add_argument("--predictor", type=Path, default=None,
                    help="the predictor whose predictions the fits start from (default: the shipped one); "
                         "a run keeps one, since records of another predictor are fitted again")
    ap.add_argument("-v", "--verbose", action="store_true", help="also the library's log lines")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit {args.limit}: give a number >= 1")
    shard = parse_shard(args.shard)
    from edgenst.pretrained import resolve_model
    from edgenst.style_predictor import load_predictor

    model_path = model_file(args.model)
    model, _ = resolve_model(args.model)
    model = model.eval().requires_grad_(False)
    predictor = load_predictor(model, args.predictor)
    pred_path = args.predictor or shipped_predictor_file(model)
    prov = Provenance(model=model_path.name, model_sha256=sha256(model_path), predictor=pred_path.name,
                      predictor_sha256=sha256(pred_path), steps=args.steps, seed=args.seed, style_weight=args.style_weight)
    config = FitConfig(steps=args.steps, seed=args.seed, loss_net=default_loss_net(str(LOSS_NET)),
                       loss=dataclasses.replace(FitConfig().loss, style_weight=args.style_weight))
    paintings = select(split_paintings()[0], args.limit, shard)
    print(f"fitting {len(paintings)} paintings ({args.steps} steps each, model {prov.model}, "
          f"shard {args.shard}) into {args.work / 'vectors'}", flush=True)
    args.work.mkdir(parents=True, exist_ok=True)
    result = fit_all(paintings, model, predictor, config, args.work, prov, say=lambda s: print(s, flush=True))
    return 1 if result["failed"] and not (result["fitted"] or result["skipped"]) else 0


def load_vectors(work: Path) -> dict[str, StyleVector]:
    """The fitted vectors of a run folder by painting stem (for the predictor's next training)."""
    return {p.stem: StyleVector(torch.load(p, weights_only=True)["vector"])
            for p in sorted((work / "vectors").glob("*.pt"))}


def mean_vectors(works: list[Path]) -> dict[str, StyleVector]:
    """Per painting stem, the mean of its fitted vectors over several run folders (fits with other
    ``--seed``s): one 20-step fit lands ~0.23 (mean square, spread units) from another seed's, so
    the mean of two is a steadier regression target. A stem fitted in only some runs gets the mean of those."""
    runs = []
    for work in works:
        if not (work / "vectors").is_dir():
            raise InputError(f"{work}: no vectors/ folder (give benchmarks/fit_training_vectors.py's --work)")
        runs.append(load_vectors(work))
    stems = sorted(set().union(*runs))
    return {s: StyleVector(torch.stack([r[s].values for r in runs if s in r]).mean(0)) for s in stems}


if __name__ == "__main__":
    exit_with(main)
