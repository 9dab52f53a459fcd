"""Federated fine-tuning of the shipped student vs the start model vs centralized fine-tuning.

    python benchmarks/federated.py                 # all parts, about 15 min on 2 shared cores
    python benchmarks/federated.py --skip-scale    # only quality and bytes
    # -> benchmarks/results/federated.md, federated.json, federated_quality.png

Setup (needs ../shared/data): the shipped 6-style student (``default``), its six paintings, the
exact VGG-19 (normalised weights, relu1_1..relu3_1 style, relu3_1 content). Phones: bsds500/train
(200 photos) split over ``--clients`` by a Dirichlet(alpha) over brightness quartiles; the server
evaluates on ``--eval-photos`` photos of bsds500/val (never trained on), all six styles, crop
``--crop``. Every federated run is Flower's Simulation Engine (``edgenst.federated.simulate``);
``--per-round`` phones per round, ``--local-steps`` steps of batch ``--batch`` each; phone
profiles are off here so every run does exactly rounds x per-round x local-steps x batch
sample-steps. The centralized baseline trains the same parameters (style vectors + last layers)
with the same ``train_step``, the same Adam learning rate and the same number of sample-steps on
the union of the phones' photos, evaluated at the matching points.

Scale: rounds with 10 sampled phones out of 10, 100 and 1000 simulated ones (profiles on, one
local step each, synthetic photos because the real sets hold fewer than 1000 photos): host time
per round and peak resident memory of the whole process tree (driver, Ray, actors).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DATA = ROOT.parent / "shared" / "data"
TEACHER = DATA / "teachers" / "vgg19_normalised" / "vgg_normalised_conv3_1.pth"
TRAIN_PHOTOS = DATA / "content" / "bsds500" / "train"
EVAL_PHOTOS = DATA / "content" / "bsds500" / "val"
STYLES = DATA / "styles"
SHIPPED_STYLES = ("starry_night", "the_scream", "great_wave", "composition_vii", "udnie", "woman-with-hat-matisse")
BAR_FED, BAR_COMPRESSED_BYTES, BAR_COMPRESSED_QUALITY = 0.90, 0.25, 0.90


def base_settings(args: argparse.Namespace, run_dir: Path) -> dict:
    return {
        "model": "default", "styles": ",".join(str(STYLES / f"{n}.jpg") for n in SHIPPED_STYLES), "teacher": "vgg19-normalised", "teacher-weights": str(TEACHER),
        "pyramid-levels": 1, "photos": str(TRAIN_PHOTOS), "server-photos": str(EVAL_PHOTOS),
        "eval-photos": args.eval_photos, "partition-by": "brightness", "alpha": args.alpha, "crop": args.crop,
        "batch": args.batch, "lr": args.lr, "lr-schedule": args.lr_schedule, "style-size": 2 * args.crop, "num-server-rounds": args.rounds,
        "clients-per-round": args.per_round, "local-steps": args.local_steps, "simulate-profiles": False,
        "run-dir": str(run_dir), "resume": False, "seed": args.seed, "threads": 1,
    }


class PeakRSS:
    """Peak resident memory of this process and all its descendants, sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "PeakRSS":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(os.getpid()))
            self._stop.wait(0.2)


def tree_rss(root: int) -> int:
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def federated(args, name: str, **extra) -> dict:
    from edgenst.federated.simulation import simulate

    run_dir = args.work / name
    settings = {**base_settings(args, run_dir), **extra}
    t0 = time.perf_counter()
    history = simulate(settings, args.clients, cpus=args.cpus)
    seconds = time.perf_counter() - t0
    rounds = history[1:]
    out = {
        "name": name, "settings": {k: v for k, v in extra.items()}, "seconds": round(seconds, 1),
        "eval_total": [h["eval_total"] for h in history],
        "eval_content": [h["eval_content"] for h in history], "eval_style": [h["eval_style"] for h in history],
        "bytes_up_per_client": round(sum(h["bytes_up"] for h in rounds) / max(1, sum(h["participants"] for h in rounds))),
        "bytes_up_fp32_per_client": round(sum(h["bytes_up_fp32"] for h in rounds) / max(1, sum(h["participants"] for h in rounds))),
        "bytes_down_per_client": round(sum(h["bytes_down"] for h in rounds) / max(1, sum(h["sampled"] for h in rounds))),
        "sample_steps": args.rounds * args.per_round * args.local_steps * args.batch,
        "participants": [h["participants"] for h in rounds],
    }
    print(f"{name}: held-out loss {out['eval_total'][0]:.4f} -> {out['eval_total'][-1]:.4f} "
          f"({seconds:.0f} s, {out['bytes_up_per_client']} B up per client per round)", flush=True)
    return out


def centralized(args) -> dict:
    """The same parameters, step function, lr and sample-steps, on all the phones' photos at once."""
    from edgenst.distill.data import PhotoPool, draw_batch
    from edgenst.distill.objective import train_step
    from edgenst.federated.partition import list_photos
    from edgenst.federated.settings import FedSettings, round_lr
    from edgenst.federated.task import build_objective, eval_images, evaluate, start_model
    from edgenst.models.style_params import freeze, num_styles

    torch.set_num_threads(1)
    s = FedSettings.from_config(base_settings(args, args.work / "central"))
    spec = start_model(s)
    objective = build_objective(s, spec)
    images = eval_images([str(p) for p in list_photos(EVAL_PHOTOS)][: args.eval_photos], s.crop)
    pool = PhotoPool([str(TRAIN_PHOTOS)], s.crop)
    freeze(spec.model, s.train, spec.train_styles)
    optimizer = torch.optim.Adam([p for p in spec.model.parameters() if p.requires_grad], lr=s.lr)
    per_round = args.per_round * args.local_steps
    curve = [evaluate(spec.model, objective, images, spec)]
    t0 = time.perf_counter()
    for step in range(1, args.rounds * per_round + 1):
        for group in optimizer.param_groups:  # the phones' schedule, by the round this step falls in
            group["lr"] = round_lr(s.lr, s.lr_schedule, (step - 1) // per_round + 1, args.rounds)
        batch = draw_batch(pool, args.seed + 7, step, s.batch, num_styles(spec.model))
        train_step(spec.model, objective, batch, optimizer)
        if step % per_round == 0:
            curve.append(evaluate(spec.model, objective, images, spec))
    out = {"name": "centralized", "seconds": round(time.perf_counter() - t0, 1),
           "eval_total": [c["total"] for c in curve], "eval_content": [c["content"] for c in curve],
           "eval_style": [c["style"] for c in curve], "sample_steps": args.rounds * per_round * s.batch}
    print(f"centralized: held-out loss {out['eval_total'][0]:.4f} -> {out['eval_total'][-1]:.4f}", flush=True)
    return out


def scale(args, clients: int) -> dict:
    from edgenst.federated.simulation import simulate

    settings = {**base_settings(args, args.work / f"scale-{clients}"), "photos": f"synthetic:{max(clients, 16)}",
                "partition-by": "category", "clients-per-round": 10, "num-server-rounds": args.scale_rounds,
                "local-steps": 1, "simulate-profiles": True, "time-budget": 2.0, "round-deadline": 6.0}
    t0 = time.perf_counter()
    with PeakRSS() as mem:
        history = simulate(settings, clients, cpus=args.cpus)
    rounds = history[1:]
    out = {"clients": clients, "sampled_per_round": 10, "total_seconds": round(time.perf_counter() - t0, 1),
           "round_host_seconds": [h["host_seconds"] for h in rounds],
           "round_sim_seconds": [round(h["sim_seconds"], 2) for h in rounds],
           "participants": [h["participants"] for h in rounds],
           "dropouts": [h["dropouts"] + h["battery_skips"] for h in rounds],
           "stragglers": [h["stragglers"] for h in rounds], "peak_rss_mb": round(mem.peak / 2**20)}
    print(f"scale {clients}: {out}", flush=True)
    return out


def plot(path: Path, runs: list[dict]) -> None:
    from PIL import Image, ImageDraw

    w, h, pad = 900, 520, 70
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    vals = [v for r in runs for v in r["eval_total"]]
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or 1.0
    n = max(len(r["eval_total"]) for r in runs) - 1

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad + (w - 2 * pad) * i / max(n, 1), h - pad - (h - 2 * pad) * (v - lo) / span

    d.line([(pad, pad), (pad, h - pad), (w - pad, h - pad)], fill="black")
    for i in range(n + 1):
        x, _ = xy(i, lo)
        d.text((x - 3, h - pad + 8), str(i), fill="black")
    for k in range(5):
        v = lo + span * k / 4
        _, y = xy(0, v)
        d.text((8, y - 6), f"{v:.3f}", fill="black")
    d.text((w // 2 - 150, h - 30), "round (centralized: the same sample-steps)", fill="black")
    d.text((pad, 20), "held-out loss (content + style + tv, VGG-19 teacher) per round", fill="black")
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
    for j, r in enumerate(runs):
        pts = [xy(i, v) for i, v in enumerate(r["eval_total"])]
        d.line(pts, fill=colours[j % len(colours)], width=3)
        d.text((w - pad - 230, pad + 18 * j), r["name"], fill=colours[j % len(colours)])
    img.save(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--per-round", type=int, default=5)
    ap.add_argument("--local-steps", type=int, default=4)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lr-schedule", default="constant", choices=("constant", "cosine"))
    ap.add_argument("--server-lr-schedule", default="constant", choices=("constant", "cosine"),
                    help="FedAdam's eta over the rounds")
    ap.add_argument("--server-lr", type=float, default=0.01)
    ap.add_argument("--alpha", type=float, default=0.5)
    ap.add_argument("--eval-photos", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--scale-rounds", type=int, default=2)
    ap.add_argument("--scale-clients", default="10,100,1000")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--only", default="", help="comma list of run names to (re)run; the others are read from the "
                    "existing federated.json in --out")
    ap.add_argument("--topk", type=float, default=0.25)
    ap.add_argument("--runs", default="", help="comma list: run only these of the plan (the report holds only them)")
    ap.add_argument("--name", default="federated", help="results file stem under --out (e.g. federated_long)")
    ap.add_argument("--momentum", type=float, default=0.9, help="FedAvgM server momentum")
    ap.add_argument("--fedavgm-lr", type=float, default=1.0, help="FedAvgM server step on the averaged delta")
    ap.add_argument("--work", type=Path, default=Path("/tmp/edgenst-bench-federated"))
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    if not TEACHER.is_file():
        print(f"needs the real teacher and photos in {DATA}", file=sys.stderr)
        return 2
    os.environ["EDGENST_STYLE_DIR"] = str(STYLES)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("edgenst.federated").setLevel(logging.INFO)
    args.out.mkdir(parents=True, exist_ok=True)
    result: dict = {"command": "python " + " ".join(sys.argv), "config": {k: str(v) for k, v in vars(args).items()},
                    "machine": f"{os.cpu_count()} cores (shared), torch threads 1 per client, Ray num_cpus={args.cpus}"}
    prev = args.out / f"{args.name}.json"
    if prev.is_file():
        old = json.loads(prev.read_text())
        result.update({k: old[k] for k in ("quality", "scale") if k in old})
        if args.only or args.skip_quality or args.skip_scale:
            result["earlier_command"] = old.get("command")
    if not args.skip_quality:
        topk_name = f"fedadam+int8-topk{round(100 * args.topk)}"
        plan = {
            "centralized": lambda: centralized(args),
            "fedavg": lambda: federated(args, "fedavg"),
            "fedavgm": lambda: federated(args, "fedavgm", strategy="fedavgm",
                                         **{"server-lr": args.fedavgm_lr, "server-momentum": args.momentum}),
            "fedadam": lambda: federated(args, "fedadam", strategy="fedadam",
                                         **{"server-lr": args.server_lr, "server-lr-schedule": args.server_lr_schedule}),
            "fedadam+int8": lambda: federated(args, "fedadam+int8", strategy="fedadam", compression="int8",
                                              **{"server-lr": args.server_lr, "server-lr-schedule": args.server_lr_schedule}),
            topk_name: lambda: federated(args, topk_name, strategy="fedadam", compression="int8-topk", topk=args.topk,
                                         **{"server-lr": args.server_lr, "server-lr-schedule": args.server_lr_schedule}),
        }
        if args.runs:
            keep = [n for n in args.runs.split(",") if n]
            unknown = sorted(set(keep) - set(plan))
            if unknown:
                print(f"unknown runs {unknown}; the plan has {list(plan)}", file=sys.stderr)
                return 2
            plan = {n: plan[n] for n in keep}
        only = [n for n in args.only.split(",") if n]
        old_runs = {r["name"]: r for r in result.get("quality", {}).get("runs", [])}
        runs = [old_runs[n] if only and n not in only and n in old_runs else make() for n, make in plan.items()]
        result["quality"] = {"runs": runs, "bars": bars(runs)}
        plot(args.out / f"{args.name}_quality.png", runs)
    if not args.skip_scale:
        result["scale"] = [scale(args, int(c)) for c in args.scale_clients.split(",")]
    (args.out / f"{args.name}.json").write_text(json.dumps(result, indent=1))
    (args.out / f"{args.name}.md").write_text(report(result, args.name))
    print(f"wrote {args.out / f'{args.name}.md'}")
    return 0


def bars(runs: list[dict]) -> dict:
    by = {r["name"]: r for r in runs}
    gain = {k: r["eval_total"][0] - r["eval_total"][-1] for k, r in by.items()}
    best_fed = max((k for k in ("fedavg", "fedavgm", "fedadam") if k in gain), key=lambda k: gain[k], default=None)
    out = {"improvement": {k: round(v, 5) for k, v in gain.items()}, "best_federated": best_fed}
    if best_fed is None or gain.get("centralized", 0) <= 0:  # a probe of one side: no ratio to report
        return out
    out["federated_vs_centralized"] = round(gain[best_fed] / gain["centralized"], 3)
    out["federated_improves"] = gain[best_fed] > 0
    out["federated_bar_met"] = bool(out["federated_vs_centralized"] is not None and out["federated_vs_centralized"] >= BAR_FED)
    for name in [n for n in by if n.startswith("fedadam+") and "fedadam" in by]:
        r = by[name]
        out[name] = {"bytes_ratio": round(r["bytes_up_per_client"] / by["fedadam"]["bytes_up_per_client"], 4),
                     "quality_ratio": round(gain[name] / gain["fedadam"], 3) if gain["fedadam"] > 0 else None}
        out[name]["bar_met"] = bool(out[name]["bytes_ratio"] <= BAR_COMPRESSED_BYTES and
                                    (out[name]["quality_ratio"] or 0) >= BAR_COMPRESSED_QUALITY)
    return out


def report(res: dict, name: str = "federated") -> str:
    lines = ["# Federated fine-tuning (Flower simulation)", "", f"Command: `{res['command']}`  ", f"Machine: {res['machine']}", ""]
    q = res.get("quality")
    if q:
        cfg = res["config"]
        lines += ["## Quality: held-out loss (lower is better)", "",
                  f"Shipped student (6 styles), style vectors + last layers trained; {cfg['clients']} phones, "
                  f"{cfg['per_round']} per round, {cfg['local_steps']} local steps of batch {cfg['batch']}, crop {cfg['crop']}, "
                  f"{cfg['rounds']} rounds, lr {cfg['lr']} ({cfg.get('lr_schedule', 'constant')} over rounds); Dirichlet alpha {cfg['alpha']} over brightness quartiles of bsds500/train; "
                  f"evaluated on {cfg['eval_photos']} bsds500/val photos x 6 styles with the exact VGG-19.", "",
                  "| run | server side | start | end | improvement | sample-steps | up B/client/round | fp32 equiv. | host s |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in q["runs"]:
            server = ", ".join(f"{k} {v}" for k, v in r.get("settings", {}).items() if k != "strategy") or "-"
            lines.append(f"| {r['name']} | {server} | {r['eval_total'][0]:.4f} | {r['eval_total'][-1]:.4f} | "
                         f"{r['eval_total'][0] - r['eval_total'][-1]:.4f} | {r['sample_steps']} | "
                         f"{r.get('bytes_up_per_client', '-')} | {r.get('bytes_up_fp32_per_client', '-')} | {r['seconds']} |")
        b = q["bars"]
        lines += ["", "Per round (held-out loss):", "", "| run | " + " | ".join(str(i) for i in range(len(q['runs'][0]['eval_total']))) + " |",
                  "|---|" + "---|" * len(q["runs"][0]["eval_total"])]
        for r in q["runs"]:
            lines.append(f"| {r['name']} | " + " | ".join(f"{v:.4f}" for v in r["eval_total"]) + " |")
        lines += ["", "## Bars", ""]
        if "federated_bar_met" in b:
            lines += [f"- federated ({b['best_federated']}) reaches **{b['federated_vs_centralized']}** of the centralized "
                      f"improvement (bar >= {BAR_FED}): **{'met' if b['federated_bar_met'] else 'NOT met'}**; improves on the "
                      f"start model: **{'yes' if b['federated_improves'] else 'no'}**"]
        for run in [n for n in b if n.startswith("fedadam+")]:
            c = b[run]
            lines.append(f"- {run}: {c['bytes_ratio']:.3f} of fp32 upload bytes (bar <= {BAR_COMPRESSED_BYTES}), "
                         f"{c['quality_ratio']} of the fp32 improvement (bar >= {BAR_COMPRESSED_QUALITY}): "
                         f"**{'met' if c['bar_met'] else 'NOT met'}**")
        lines += ["", f"![held-out loss per round]({name}_quality.png)", ""]
    sc = res.get("scale")
    if sc:
        lines += ["## Scale: 10 phones sampled per round", "",
                  "Real student and VGG-19 teacher, one local step per phone, phone profiles on (low/mid/high), "
                  "synthetic photos (the real sets hold fewer than 1000).", "",
                  "| simulated phones | host s per round | simulated s per round | aggregated | sat out | late | peak RSS (MB, all processes) | total s (incl. Ray start) |",
                  "|---|---|---|---|---|---|---|---|"]
        for s in sc:
            lines.append(f"| {s['clients']} | {', '.join(f'{v:.1f}' for v in s['round_host_seconds'])} | "
                         f"{', '.join(str(v) for v in s['round_sim_seconds'])} | {s['participants']} | {s['dropouts']} | "
                         f"{s['stragglers']} | {s['peak_rss_mb']} | {s['total_seconds']} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
