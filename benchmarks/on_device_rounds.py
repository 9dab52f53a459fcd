"""On-device training, items 2-4 of issue 23: step time and memory at 64/96/128 px, what a low-tier
phone's budget allows per round, and federated runs with ExecuTorch phones against PyTorch phones.

One command regenerates the "Steps, memory, budgets and federated runs" section of
``benchmarks/results/on_device_training.md`` (between its ``rounds`` markers) and the JSON beside it:

    OMP_NUM_THREADS=1 python benchmarks/on_device_rounds.py

- **Step time and memory.** Each (runtime, size) runs in a child process of its own: it loads the
  training program (ExecuTorch) or builds the student and loss network (eager), makes the inputs,
  notes its resident memory, resets the kernel's high-water mark (``/proc/self/clear_refs``), runs
  one warm-up and ``--steps`` timed steps, and reports the median step and the peak resident memory
  above that baseline: what a step needs beyond loading the runtime and the model. One thread.
- **Budgets.** Local steps a low-tier phone (``profiles.TIERS["low"]``: speed 0.15, batch 1, crops
  up to 96 px) fits in a round's time budget, from the measured ExecuTorch step taken as the
  reference phone's (``client-runtime=executorch``'s rule) and from the PyTorch compute model.
- **Federated runs.** Flower's simulation engine (``simulation.simulate``, Ray, 2 CPUs), the sim's
  defaults (tiny student, two texture styles, the 1/8-width random loss network, synthetic photos)
  with one style (one artifact per phone process) and ``train=style`` (what the artifact trains), 64 px, batch 2, fixed local steps, profiles off
  and no deadline so every phone does the same work; the same seeds in each run. The number is the
  held-out loss improvement (round 0 minus last round) over the all-PyTorch run's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MD = RESULTS / "on_device_training.md"
BEGIN, END = "<!-- rounds:begin (benchmarks/on_device_rounds.py) -->", "<!-- rounds:end -->"
SHARED = ROOT.parent / "shared" / "data"
REAL_VGG = SHARED / "teachers" / "vgg19_normalised" / "vgg_normalised_conv3_1.pth"
#: The shipped fast student's shape (as benchmarks/on_device_training.py), with 2 styles.
STUDENT = {"styles": 2, "width": 16, "blocks": 3, "half_res_affine": False, "center_input": True}
BUDGETS = (0.1, 1.0, 10.0, 60.0)


def _teacher(name: str):
    from edgenst.teacher import TeacherConfig

    if name == "real":
        return TeacherConfig(source="vgg19-normalised", weights=str(REAL_VGG), allow_download=False)
    return TeacherConfig(source="random", width=8)


def _config(loss: str, size: int, batch: int):
    from edgenst.export.training import TrainingExportConfig

    return TrainingExportConfig(style=0, size=size, batch=batch, lr=1e-3, teacher=_teacher(loss))


def _student():
    import torch

    from edgenst.models import build_model

    torch.manual_seed(0)
    return build_model("student", STUDENT)


def _mem() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            out[line.split(":")[0]] = int(line.split()[1]) * 1024
    return out


def child(kind: str, loss_name: str, size: int, batch: int, steps: int, pte: str) -> dict:
    """One runtime at one size, in this (fresh) process; see the module docstring."""
    import torch

    from edgenst.export import training as T

    torch.set_num_threads(1)
    config = _config(loss_name, size, batch)
    gen = torch.Generator().manual_seed(0)
    photos = torch.rand(batch, 3, size, size, generator=gen)
    loss = T.build_loss(config)
    grams = loss.style_grams(torch.rand(1, 3, size, size, generator=gen))
    if kind == "executorch":
        from executorch.extension.training import get_sgd_optimizer

        del loss  # the program holds its own loss network
        module = T.load_training_pte(pte)
        inputs = (photos, *(grams[k] for k in T.gram_keys(config)))
        state: dict = {}

        def step() -> None:
            module.forward_backward(T.METHOD, inputs)
            if "sgd" not in state:
                state["sgd"] = get_sgd_optimizer(module.named_parameters(), config.lr)
            state["sgd"].step(module.named_gradients())
    else:
        from edgenst.perceptual import StyleTarget

        model = _student().train()
        for n, p in model.named_parameters():
            p.requires_grad_(n.endswith((".scale", ".shift")))
        opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=config.lr)
        weights = torch.zeros(batch, STUDENT["styles"])
        weights[:, 0] = 1.0
        strength = torch.ones(batch, 1)
        target = [StyleTarget(grams=grams)]

        def step() -> None:
            opt.zero_grad(set_to_none=True)
            out = model(photos, weights, strength)
            loss(out, loss.content_targets(photos), target).total.backward()
            opt.step()
    base = _mem()["VmRSS"]
    Path("/proc/self/clear_refs").write_text("5")  # the high-water mark starts again at the current RSS
    times = []
    for i in range(steps + 1):
        t0 = time.perf_counter()
        step()
        if i:
            times.append(time.perf_counter() - t0)
    peak = _mem()["VmHWM"]
    return {"runtime": kind, "loss_network": loss_name, "size": size, "batch": batch, "step_s": statistics.median(times),
            "steps": steps, "rss_loaded_mib": base / 2**20, "step_peak_above_loaded_mib": (peak - base) / 2**20}


def measure_steps(sizes: list[int], losses: dict[str, list[int]], batch: int, steps: int, work: Path) -> list[dict]:
    from edgenst.export.training import export_training_pte

    rows = []
    student = _student()
    for loss_name, loss_sizes in losses.items():
        for size in loss_sizes:
            pte = work / f"{loss_name}-{size}.pte"
            t0 = time.perf_counter()
            manifest = export_training_pte(student, _config(loss_name, size, batch), pte)
            export_s = time.perf_counter() - t0
            for kind in ("executorch", "eager"):
                cmd = [sys.executable, __file__, "--child", kind, loss_name, str(size), str(batch), str(steps), str(pte)]
                env = {**os.environ, "OMP_NUM_THREADS": "1"}
                out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
                if out.returncode != 0:
                    raise SystemExit(f"child {kind} {loss_name} {size} failed:\n{out.stderr[-3000:]}")
                row = json.loads(out.stdout.strip().splitlines()[-1])
                row.update(export_s=export_s, pte_bytes=manifest["bytes"])
                print(json.dumps(row), flush=True)
                rows.append(row)
    return rows


def budgets(rows: list[dict]) -> list[dict]:
    """Local steps per round on the low tier, ExecuTorch (measured) against the compute model."""
    from edgenst.federated.profiles import TIERS
    from edgenst.federated.settings import budget_steps

    low = TIERS["low"]
    out = []
    for r in rows:
        if r["runtime"] != "executorch" or r["batch"] > low.max_batch or r["size"] > low.max_crop:
            continue
        et = r["step_s"] / low.speed
        model = low.step_seconds(r["size"], r["batch"])
        out.append({"loss_network": r["loss_network"], "size": r["size"], "et_step_s_low": et, "model_step_s_low": model,
                    "steps": {str(b): {"executorch": int(b / et), "pytorch_model": int(b / model)} for b in BUDGETS},
                    "clamped_default": budget_steps(0.1, et, max_steps=20)})
    return out


def federated_runs(et_lr: float, slow_lr: float = 0.0) -> list[dict]:
    """The runs, like-for-like ones first: (name, table, client-runtime, rate, settings over the base).

    ``sgd``: every phone runs plain SGD at one ``lr`` (``client-optimizer=sgd``) with no gradient
    clipping (``clip-grad-norm=0``), so a PyTorch phone's step is exactly the artifact's and the
    runs differ in the runtime only; one more all-PyTorch run keeps the app's clip at 10 to show what
    the clip changes. ``adam``: the app's step on PyTorch phones (Adam at ``lr`` 0.002, clip 10)
    against executorch phones at ``executorch-lr``. An all-ExecuTorch run is the same run in both
    tables: its phones run the runtime's SGD at that rate whatever ``client-optimizer`` says."""
    runs = []
    for lr in (et_lr, slow_lr) if slow_lr else (et_lr,):
        sgd = {"client-optimizer": "sgd", "lr": lr, "clip-grad-norm": 0.0, "executorch-lr": lr}
        runs += [("all-PyTorch, SGD", "sgd", "pytorch", lr, sgd), ("all-ExecuTorch", "sgd", "executorch", lr, sgd)]
        if lr == et_lr:
            runs.append(("mixed (half), SGD", "sgd", "executorch:0.5", lr, sgd))
    adam = {"client-optimizer": "adam", "executorch-lr": et_lr}
    runs += [("all-PyTorch, Adam", "adam", "pytorch", et_lr, adam), ("mixed (half), Adam", "adam", "executorch:0.5", et_lr, adam),
             ("all-PyTorch, SGD, clip-grad-norm 10", "sgd", "pytorch", et_lr,
              {"client-optimizer": "sgd", "lr": et_lr, "clip-grad-norm": 10.0, "executorch-lr": et_lr})]
    return runs


def federated(rounds: int, clients: int, local_steps: int, et_lr: float, work: Path, slow_lr: float = 0.0,
              log: Path | None = None) -> list[dict]:
    import logging

    from edgenst.federated.simulation import simulate

    logging.getLogger("edgenst").setLevel(logging.WARNING)
    # Ray starts its workers at nice 15: on a shared host the phones would wait behind every other
    # job, and the run's wall time would measure the neighbours. The phones run at normal priority.
    os.environ.setdefault("RAY_worker_niceness", "0")
    base = {"photos": "synthetic:40", "styles": "texture:swirl", "train": "style", "crop": 64, "batch": 2, "simulate-profiles": False,
            "local-steps": local_steps, "round-deadline": 1e6, "num-server-rounds": rounds,
            "clients-per-round": clients, "seed": 0}
    done = {}
    if log is not None and log.is_file():  # rows of an interrupted run with the same arguments
        done = {(r["run"], r["lr"]): r for r in map(json.loads, log.read_text().splitlines()) if r.get("base") == base}
    out = []
    for name, table, runtime, lr, extra in federated_runs(et_lr, slow_lr):
        if (name, lr) in done:
            out.append(done[(name, lr)])
            continue
        s = dict(base, **extra, **{"client-runtime": runtime, "run-dir": str(work / re.sub(r"\W", "", f"{name}{lr}"))})
        t0 = time.perf_counter()
        history = simulate(s, clients, cpus=2, cpus_per_client=1.0)
        totals = [h["eval_total"] for h in history]
        row = {"run": name, "table": table, "client_runtime": runtime, "lr": lr,
               "client_optimizer": s["client-optimizer"], "clip_grad_norm": s.get("clip-grad-norm", 10.0),
               "eval_total": totals, "improvement": totals[0] - totals[-1], "wall_s": time.perf_counter() - t0,
               "participants": [h.get("participants") for h in history[1:]], "base": base}
        print(json.dumps(row), flush=True)
        if log is not None:
            with log.open("a") as f:
                f.write(json.dumps(row) + "\n")
        out.append(row)
    ref_adam = next(r["improvement"] for r in out if r["run"] == "all-PyTorch, Adam")
    ref_sgd = {r["lr"]: r["improvement"] for r in out if r["run"] == "all-PyTorch, SGD"}
    for row in out:
        row["ratio_to_pytorch_adam"] = row["improvement"] / ref_adam if ref_adam else float("nan")
        ref = ref_sgd.get(row["lr"]) if row["table"] == "sgd" else None
        row["ratio_like_for_like"] = row["improvement"] / ref if ref else None
    return out


def render(data: dict) -> str:
    a = data["args"]
    lines = [BEGIN, "", "## Steps, memory, budgets and federated runs (items 2-4)", "",
             f"Command: `OMP_NUM_THREADS=1 python benchmarks/on_device_rounds.py` ({data['date']}, the 2-core x86 "
             "host, busy with other jobs: times are indicative). Student: the shipped fast shape (width 16, 3 "
             f"blocks, 2 styles); batch {a['batch']}; one thread; median of {a['steps']} steps after a warm-up. "
             "Memory: peak resident memory during the steps above the process's memory once the program (or the "
             "eager model and loss network) is loaded and the inputs are made, each in a child process. The host "
             "ran ~15 other processes on its 2 cores during this run, so step times swing by 2-4x between rows "
             "(the 96 px rows took longer than 128 px); the memory columns do not depend on the load.", "",
             "| loss network | px | ExecuTorch s/step | eager s/step | ratio | ExecuTorch step memory (MiB above loaded) | eager step memory (MiB) | ExecuTorch RSS loaded (MiB) | .pte bytes |",
             "|---|---|---|---|---|---|---|---|---|"]
    by = {(r["loss_network"], r["size"], r["runtime"]): r for r in data["steps"]}
    for (loss, size, kind), r in by.items():
        if kind != "executorch":
            continue
        e = by[(loss, size, "eager")]
        label = "random, 1/8 width (sim default)" if loss == "random8" else "real `vgg19-normalised` to relu3_1"
        lines.append(f"| {label} | {size} | {r['step_s']:.3f} | {e['step_s']:.4f} | {r['step_s'] / e['step_s']:.0f}x | "
                     f"{r['step_peak_above_loaded_mib']:.1f} | {e['step_peak_above_loaded_mib']:.1f} | "
                     f"{r['rss_loaded_mib']:.0f} | {r['pte_bytes']:,} |")
    lines += ["", "**A low-tier phone's round** (`profiles.TIERS['low']`: speed 0.15 of the reference phone, batch 1, "
              "crops up to 96 px). An executorch phone's step on the reference phone is the artifact's measured step "
              "(here: this host), divided by the tier's speed; the PyTorch phones' compute model is "
              "`REF_SECONDS_PER_MPIX` = 2 s per megapixel. Local steps that fit in a round's time budget:", "",
              "| loss network | px | low-tier s/step: ExecuTorch (measured) / PyTorch model | "
              + " | ".join(f"{b:g} s budget" for b in BUDGETS) + " |",
              "|---|---|---|" + "---|" * len(BUDGETS)]
    for b in data["budgets"]:
        cells = " | ".join(f"{b['steps'][str(x)]['executorch']} / {b['steps'][str(x)]['pytorch_model']}" for x in BUDGETS)
        lines.append(f"| {b['loss_network']} | {b['size']} | {b['et_step_s_low']:.2f} / {b['model_step_s_low']:.4f} | {cells} |")
    lines += ["", "(cells: ExecuTorch steps / PyTorch-model steps; the clients take at least 1 step and at most "
              "`max-local-steps`.)", ""]
    if data.get("federated"):
        lines += federated_tables(data["federated"], a)
    lines += ["", END]
    return "\n".join(lines)


def _fed_row(r: dict, ratio: float | None, digits: int = 2) -> str:
    cells = " / ".join(f"{v:.{max(4, digits + 2)}f}" for v in r["eval_total"])
    if r["client_optimizer"] == "adam":  # PyTorch phones: Adam at the default lr; executorch phones: SGD
        rate = {"pytorch": "Adam 0.002", "executorch": f"SGD {r['lr']:g}"}.get(r["client_runtime"],
                                                                            f"Adam 0.002 / SGD {r['lr']:g}")
    else:
        rate = f"SGD {r['lr']:g}"
    return (f"| {r['run']} | `{r['client_runtime']}` | {rate} | {cells} | {r['improvement']:.{max(4, digits + 2)}f} | "
            f"{'' if ratio is None else f'{ratio:.{digits}f}'} | {r['wall_s']:.0f} |")


def federated_tables(rows: list[dict], a: dict) -> list[str]:
    """The like-for-like table (one optimizer on both kinds of phone), then the app's-step table."""
    head = ["| run | client-runtime | optimizer, lr | held-out loss, round 0 .. last | improvement | {ref} | wall s |",
            "|---|---|---|---|---|---|---|"]
    lines = [f"**Federated runs** (Flower's simulation engine, Ray, 2 CPUs; {a['clients']} phones, all sampled, "
             f"{a['rounds']} rounds, {a['local_steps']} local steps, 64 px, batch 2, `train=style`, one style "
             "(`texture:swirl`), the sim's tiny student and 1/8-width random loss network, synthetic photos, seed 0, "
             "profiles off and no deadline; the same seeds, photos and batches in every run).", "",
             "*Like for like* (`client-optimizer=sgd`, `clip-grad-norm=0`): every phone, PyTorch or ExecuTorch, runs "
             "plain SGD (no momentum, no weight decay: the runtime's `get_sgd_optimizer`) at the one `lr` of the row, "
             "with no gradient clipping, so a PyTorch phone's step is the artifact's step "
             "(`tests/test_federated_executorch.py`: after 1 and 2 local steps on the same batches the two kinds "
             "of phone return tensors equal within 1e-3 of how far they moved). The ratio is against the "
             "all-PyTorch SGD run at the same `lr`:", "",
             head[0].format(ref="x all-PyTorch SGD, same lr"), head[1]]
    for r in rows:
        if r["table"] == "sgd":
            lines.append(_fed_row(r, r["ratio_like_for_like"], digits=4))
    lines += ["", "The clip row keeps the PyTorch client's gradient-norm clip at 10 (the app's default, not in the "
              "artifact): its ratio is what the clip changes at this rate. Rows whose phones take the same steps "
              "differ only from the sixth decimal of the held-out loss on (float rounding of the aggregate)."]
    lines += ["", "The app's step on PyTorch phones (`client-optimizer=adam`: Adam at `lr` 0.002, gradient clipping "
              f"at 10) against ExecuTorch phones running the runtime's SGD at `executorch-lr` (the rate column); "
              "the all-ExecuTorch rows are the runs of the table above (an ExecuTorch phone's step does not depend "
              "on `client-optimizer`). The ratio is against the all-PyTorch Adam run:", "",
              head[0].format(ref="x all-PyTorch Adam"), head[1]]
    order = {"all-PyTorch, Adam": 0, "mixed (half), Adam": 2}
    shown = [r for r in rows if r["table"] == "adam" or r["client_runtime"] == "executorch"]
    for r in sorted(shown, key=lambda r: (order.get(r["run"], 1 if r["lr"] == a["et_lr"] else 3))):
        lines.append(_fed_row(r, r["ratio_to_pytorch_adam"]))
    lines += ["", "The bar (the all-ExecuTorch run reaches >= 0.9 of the all-PyTorch run's improvement of the "
              "held-out loss on the same seeds and rounds) is judged on the like-for-like table: there the two "
              "runs differ only in where the phones' steps run. In the second table the ratio measures the two "
              "optimizers (SGD at `executorch-lr` moves the style vectors much further per step than Adam at its "
              "small `lr`), not the runtimes. Wall time includes each Ray worker exporting its artifact once "
              "(minutes on this busy host)."]
    return lines


def write_md(section: str) -> None:
    text = MD.read_text()
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    MD.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=6, metavar=("KIND", "LOSS", "SIZE", "BATCH", "STEPS", "PTE"), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 96, 128])
    parser.add_argument("--real-sizes", type=int, nargs="*", default=[96], help="sizes with the real VGG loss network")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--local-steps", type=int, default=5)
    parser.add_argument("--et-lr", type=float, default=0.05)
    parser.add_argument("--slow-et-lr", type=float, default=0.005, help="one more all-ExecuTorch run at this rate (0: none)")
    parser.add_argument("--no-federated", action="store_true")
    parser.add_argument("--reuse-steps", metavar="JSON", help="take the step rows from an earlier run's JSON")
    parser.add_argument("--runs-log", metavar="JSONL", help="append each federated run's row here, and take the rows "
                        "already there (same settings) instead of running them again")
    args = parser.parse_args()
    if args.child:
        kind, loss, size, batch, steps, pte = args.child
        print(json.dumps(child(kind, loss, int(size), int(batch), int(steps), pte)))
        return
    losses = {"random8": args.sizes}
    if args.real_sizes and REAL_VGG.is_file():
        losses["real"] = args.real_sizes
    with tempfile.TemporaryDirectory() as tmp:
        if not args.reuse_steps:
            steps = measure_steps(args.sizes, losses, args.batch, args.steps, Path(tmp))
            partial = {"args": vars(args), "steps": steps}
            (Path(tmp).parent / "on_device_rounds.steps.json").write_text(json.dumps(partial, indent=2) + "\n")
        fed = [] if args.no_federated else federated(args.rounds, args.clients, args.local_steps, args.et_lr, Path(tmp),
                                                     args.slow_et_lr, Path(args.runs_log) if args.runs_log else None)
        if args.reuse_steps:  # read last: the steps may come from a run still going beside this one
            while not Path(args.reuse_steps).is_file():
                time.sleep(10)
            steps = json.loads(Path(args.reuse_steps).read_text())["steps"]
    data = {"date": time.strftime("%Y-%m-%d"), "args": vars(args), "steps": steps, "budgets": budgets(steps), "federated": fed}
    (RESULTS / "on_device_rounds.json").write_text(json.dumps(data, indent=2) + "\n")
    write_md(render(data))
    print(f"wrote {MD} and {RESULTS / 'on_device_rounds.json'}")


if __name__ == "__main__":
    main()
