"""Train the style predictor of a student (issue 22, "predict"): painting -> style vector.

    OMP_NUM_THREADS=1 python benchmarks/train_style_predictor.py --work runs/predictor --steps 1500
    (again with the same --work resumes from its last checkpoint)
    OMP_NUM_THREADS=1 python benchmarks/train_style_predictor.py --work runs/predictor-regress \
        --targets /work/runs/fitted-vectors [/work/runs/fitted-vectors-seed1 ...] [--init edgenst/pretrained/style-predictor-quality-v3.safetensors]
    (regression onto fitted vectors, ``predictor_regression.py``: seconds; WORK/cache.pt is reused
    if there, e.g. a link to the perceptual run's)

What it trains and why this way:
- the encoder is frozen (the small16x VGG-19's first layers), so each painting's statistics are
  computed once, for a few views (whole, a crop, mirrored), and a step trains only the MLP head:
  a step costs one student pass and one loss-network pass on small photo crops;
- the loss is the perceptual loss *through the student* (frozen; its style table replaced by the
  predicted vectors, one per sample, ``forward_with_vectors``), with the same loss network, layers
  and weighting as ``edgenst styles add`` (``style_fit.FitConfig``), so a predicted vector aims at
  what a fitted one reaches;
- the six shipped styles are among the paintings, and for them the predicted vector is also pulled
  towards the shipped column (a small regression term): an anchor that keeps the known points known;
- paintings: ``../shared/data/styles`` and ``../shared/data/paintings`` minus a held-out split
  (every 3rd public-domain painting and every 12th other one, by sorted name), kept for
  ``benchmarks/any_style.py``. The data README allows a predictor across many paintings to learn
  from the ``unknown``-licence ones; the model card (the file's meta) lists what it saw.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from edgenst.distill.config import NETWORK_STYLE_WEIGHT
from edgenst.distill.data import PhotoPool, step_generator
from edgenst.errors import InputError, exit_with
from edgenst.io import load_image, resize_max_side
from edgenst.perceptual import LossConfig, PerceptualLoss, StyleTarget
from edgenst.pretrained import resolve_model
from edgenst.style_fit import default_loss_net
from edgenst.style_predictor import (PREDICT_SIDE, PredictorConfig, StylePredictor, forward_with_vectors,
                                     save_predictor)
from edgenst.styles import StyleSpace
from edgenst.teacher import build_teacher

log = logging.getLogger("train_style_predictor")
DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@dataclass(frozen=True)
class TrainConfig:
    model: str = "quality_v3"
    steps: int = 1500
    batch: int = 4
    crop: int = 128
    style_size: int = 384  # the painting's long side for the Gram targets (as the shipped students)
    lr: float = 1e-3
    regress: float = 0.05  # weight of the pull towards a shipped column, for the shipped styles
    hidden: int = 128
    seed: int = 0
    checkpoint_every: int = 100
    log_every: int = 20
    views: int = 3


def split_paintings(data: Path = DATA) -> tuple[list[Path], list[Path]]:
    """(training, held-out) painting files; the nine ``styles/`` paintings always train."""
    rows = sorted(csv.DictReader(open(data / "paintings" / "index.csv")), key=lambda r: r["file"])
    pd = [r["file"] for r in rows if r["licence_class"] == "public-domain"]
    other = [r["file"] for r in rows if r["licence_class"] != "public-domain"]
    held = set(pd[1::3]) | set(other[5::12])
    train = sorted((data / "styles").glob("*.jpg")) + [data / "paintings" / f for f in pd + other if f not in held]
    return train, [data / "paintings" / f for f in sorted(held)]


def encoder_weights(predictor: StylePredictor, path: Path) -> None:
    """Copy the small16x VGG-19's first layers (conv0 .. conv41) into the predictor's encoder."""
    state = torch.load(path, map_location="cpu", weights_only=False)["model"]
    enc = predictor.encoder.state_dict()
    predictor.encoder.load_state_dict({k: state[k].float() for k in enc})


@torch.no_grad()
def painting_views(predictor: StylePredictor, image: torch.Tensor, views: int, gen: torch.Generator) -> torch.Tensor:
    """Encoder statistics of ``views`` versions: whole, then random crops (50-90% of each side), some mirrored."""
    out = [predictor.encoder(resize_max_side(image, PREDICT_SIDE))]
    h, w = image.shape[-2:]
    for _ in range(views - 1):
        f = 0.5 + 0.4 * float(torch.rand((), generator=gen))
        ch, cw = max(16, int(h * f)), max(16, int(w * f))
        top = int(torch.randint(h - ch + 1, (1,), generator=gen))
        left = int(torch.randint(w - cw + 1, (1,), generator=gen))
        crop = image[..., top : top + ch, left : left + cw]
        if float(torch.rand((), generator=gen)) < 0.5:
            crop = crop.flip(-1)
        out.append(predictor.encoder(resize_max_side(crop, PREDICT_SIDE)))
    return torch.cat(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True, help="folder for the cache, checkpoints and the result")
    ap.add_argument("--steps", type=int, default=TrainConfig.steps)
    ap.add_argument("--batch", type=int, default=TrainConfig.batch)
    ap.add_argument("--out", default=None, help="where to write the predictor (default WORK/predictor.safetensors)")
    ap.add_argument("--targets", type=Path, nargs="+", default=None, metavar="DIR",
                    help="instead of the perceptual loss, regress the head onto DIR/vectors/<stem>.pt "
                         "(benchmarks/fit_training_vectors.py's run folder; several: each painting's mean fit)")
    ap.add_argument("--init", type=Path, default=None, metavar="FILE",
                    help="with --targets: start the head from this predictor file (default: a fresh head)")
    args = ap.parse_args(argv)
    if args.init is not None and args.targets is None:
        raise InputError("--init only goes with --targets")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    cfg = TrainConfig(steps=args.steps, batch=args.batch)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)

    student, info = resolve_model(cfg.model)
    student = student.eval().requires_grad_(False)
    space = StyleSpace.of(student)
    predictor = StylePredictor(PredictorConfig(dim=space.dim, hidden=cfg.hidden))
    encoder_weights(predictor, DATA / "teachers" / "vgg19_small16x" / "encoder_relu5_1.pth")
    predictor.anchor(student)
    predictor.encoder.requires_grad_(False)

    train_files, held = split_paintings()
    names = [p.name for p in train_files]
    shipped = {s: space.column(student, i).values for i, s in enumerate(info.styles)}
    loss_cfg = LossConfig(style_weight=NETWORK_STYLE_WEIGHT, layer_weighting="gram")
    loss = PerceptualLoss(build_teacher(default_loss_net(str(DATA / "teachers" / "vgg19_normalised" / "vgg_normalised_conv3_1.pth")),
                                        loss_cfg.all_layers), loss_cfg)

    cache = work / "cache.pt"
    if cache.is_file():
        c = torch.load(cache, weights_only=False)
        stats, grams = c["stats"], c["grams"]
        log.info("cache: %d paintings", len(stats))
    else:
        gen = torch.Generator().manual_seed(cfg.seed)
        stats, gram_list, t0 = [], [], time.perf_counter()
        for i, p in enumerate(train_files):
            image = load_image(str(p), max_side=1024).tensor
            stats.append(painting_views(predictor, image, cfg.views, gen))
            gram_list.append(loss.style_grams(resize_max_side(image, cfg.style_size)))
            if i % 25 == 0:
                log.info("painting %d/%d (%.0f s)", i, len(train_files), time.perf_counter() - t0)
        stats = torch.stack(stats)  # P x views x stats
        grams = {k: torch.cat([g[k] for g in gram_list]) for k in gram_list[0]}
        torch.save({"stats": stats, "grams": grams, "names": names}, cache)
    flat = stats.reshape(-1, stats.shape[-1])
    predictor.stat_mean.copy_(flat.mean(0))
    predictor.stat_std.copy_(flat.std(0).clamp_min(1e-3))
    if args.targets is not None:
        return regress_mode(args, cfg, predictor, student, stats, names, held, work)

    params = list(predictor.head.parameters())
    opt = torch.optim.Adam(params, lr=cfg.lr)
    start = 0
    ckpt = work / "checkpoint.pt"
    if ckpt.is_file():
        c = torch.load(ckpt, weights_only=False)
        predictor.load_state_dict(c["predictor"])
        opt.load_state_dict(c["opt"])
        start = c["step"]
        log.info("resumed at step %d", start)
    if start < cfg.steps:  # a run stopped early is finished with --steps at or below its last checkpoint
        pool = PhotoPool([str(DATA / "content" / "bsds500" / "train"), str(DATA / "content" / "bsds500" / "val")], cfg.crop)
    anchor_idx = torch.tensor([names.index(f"{s}.jpg") if f"{s}.jpg" in names else -1 for s in info.styles])
    anchor_vec = torch.stack(list(shipped.values()))
    history = []
    t0 = time.perf_counter()
    for step in range(start + 1, cfg.steps + 1):
        gen = step_generator(cfg.seed, step)
        photos = pool.crops(gen, cfg.batch)
        # half the batch from the shipped styles (the anchor), half from all paintings
        pick = torch.randint(len(train_files), (cfg.batch,), generator=gen)
        if step % 4 == 0:
            pick[0] = anchor_idx[int(torch.randint(len(anchor_idx), (1,), generator=gen))]
        view = torch.randint(stats.shape[1], (cfg.batch,), generator=gen)
        pred = predictor.from_stats(stats[pick, view])
        out = forward_with_vectors(student, photos, pred)
        target = StyleTarget(grams={k: g[pick] for k, g in grams.items()})
        terms = loss(out, loss.content_targets(photos), [target])
        total = terms.total
        is_anchor = (pick[:, None] == anchor_idx[None]).float()
        reg = torch.zeros(())
        if is_anchor.sum() > 0:
            col = is_anchor @ anchor_vec
            has = is_anchor.sum(1) > 0
            reg = (((pred - col) / predictor.spread)[has]).pow(2).mean()
            total = total + cfg.regress * reg
        opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(params, 10.0)
        opt.step()
        row = {"step": step, "total": float(total.detach()), "content": float(terms.content.detach()), "style": float(terms.style.detach()),
               "reg": float(reg)}
        history.append(row)
        if step % cfg.log_every == 0:
            recent = history[-cfg.log_every:]
            mean = {k: sum(r[k] for r in recent) / len(recent) for k in ("total", "content", "style", "reg")}
            log.info("step %d/%d  total %.3f content %.3f style %.3f reg %.3f  (%.2f s/step)", step, cfg.steps,
                     mean["total"], mean["content"], mean["style"], mean["reg"],
                     (time.perf_counter() - t0) / (step - start))
        if step % cfg.checkpoint_every == 0 or step == cfg.steps:
            torch.save({"predictor": predictor.state_dict(), "opt": opt.state_dict(), "step": step}, ckpt.with_suffix(".tmp"))
            ckpt.with_suffix(".tmp").replace(ckpt)
            with open(work / "history.jsonl", "a") as f:
                for r in history:
                    f.write(json.dumps(r) + "\n")
            history = []
    trained = max(start, cfg.steps) if start >= cfg.steps else cfg.steps
    meta = {"student": "QUALITY_V3" if cfg.model == "quality_v3" else cfg.model, "student_spec": cfg.model,
            "train": {**asdict(cfg), "steps": trained}, "paintings_seen": names, "held_out": [p.name for p in held],
            "encoder": "small16x VGG-19 (Collaborative Distillation, MIT) conv0..conv41, frozen",
            "recipe": f"OMP_NUM_THREADS=1 python benchmarks/train_style_predictor.py --work WORK --steps {trained}"}
    out = Path(args.out) if args.out else work / "predictor.safetensors"
    save_predictor(out, predictor.eval(), student, meta)
    log.info("wrote %s (%d bytes)", out, out.stat().st_size)
    return 0


def regress_mode(args: argparse.Namespace, cfg: TrainConfig, predictor: StylePredictor, student: torch.nn.Module,
                 stats: torch.Tensor, names: list[str], held: list[Path], work: Path) -> int:
    """``--targets``: the head regressed onto fitted vectors (``predictor_regression.regress``), written with
    the same meta keys as the perceptual mode plus what the regression chose and measured."""
    from fit_training_vectors import mean_vectors
    from predictor_regression import RegressConfig, regress

    from edgenst.style_predictor import read_predictor

    targets = mean_vectors(args.targets)
    leaked = sorted({p.stem for p in held} & set(targets))
    if leaked:
        raise InputError(f"{' '.join(map(str, args.targets))}: fitted vectors of held-out paintings ({', '.join(leaked)}): refusing to train on them")
    init_train = None
    if args.init is not None:
        start, start_header = read_predictor(args.init)
        init_train = start_header["meta"].get("train")  # the lineage stays in the model card
        if start.config != predictor.config:
            raise InputError(f"{args.init}: its shape {start.config} is not this run's {predictor.config}")
        predictor.head.load_state_dict(start.head.state_dict())
    rcfg = RegressConfig()
    t0 = time.perf_counter()
    report = regress(predictor, stats, names, targets, rcfg)
    seconds = time.perf_counter() - t0
    (work / "regression.json").write_text(json.dumps({**report, "seconds": seconds, "init": str(args.init)}, indent=1) + "\n")
    init = f" --init {args.init.name}" if args.init is not None else ""
    meta = {"student": "QUALITY_V3" if cfg.model == "quality_v3" else cfg.model, "student_spec": cfg.model,
            "train": {**asdict(cfg), "steps": 0, "mode": "regression onto fitted vectors", "regression": report["config"],
                      "chosen": report["chosen"], "targets": len(report["stems"]), "target_runs": len(args.targets), "init": args.init.name if args.init else None,
                      "init_train": init_train},
            "paintings_seen": names, "held_out": [p.name for p in held],
            "encoder": "small16x VGG-19 (Collaborative Distillation, MIT) conv0..conv41, frozen",
            "recipe": f"OMP_NUM_THREADS=1 python benchmarks/train_style_predictor.py --work WORK --targets FITTED{init}"}
    out = Path(args.out) if args.out else work / "predictor.safetensors"
    save_predictor(out, predictor.eval(), student, meta)
    log.info("regressed on %d fitted vectors in %.0f s; wrote %s (%d bytes)", len(report["stems"]), seconds, out, out.stat().st_size)
    return 0


if __name__ == "__main__":
    exit_with(main)
