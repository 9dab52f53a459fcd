"""Time of a painting as a style (issue 22's bars): ``edgenst stylize photo.jpg --style painting.jpg`` of a
1024-pixel photo end to end (bar <= 3 s), where that time goes, and the style predictor network at 256x256.

    OMP_NUM_THREADS=1 python benchmarks/any_style_time.py [--threads 2] [--repeats 5]
        -> benchmarks/results/any_style_time.md and .json

The machine this runs on is usually shared (training runs, other sessions), so every timed command
runs interleaved with two references in the same loop and the numbers read as ratios and
differences: ``edgenst stylize`` of the same photo with a shipped style (the path issue 3's 2-second
bar measured, ``stylize_time.py``), and a Python process that only imports torch and ends with
``os._exit`` (the floor any PyTorch CLI pays; ``edgenst stylize`` ends the same way). Each run's CPU
time (user + system, from ``getrusage``) is recorded beside its wall time: on a loaded machine the
wall time mostly measures the queue, the CPU time what the command itself costs. The load
(``os.getloadavg``) before and after is written beside the numbers.

In process, the painting's own steps are timed one by one (the predictor file read, the painting
decoded and resized, the predictor network, the vector joined to the student's table), the same
painting as a 4000 px JPEG (a phone photo of it) read by a full decode and by ``painting_tensor``'s
shrink-while-decoding, and the predictor network alone at 256x256 (eager fp32; the ``.pte`` is timed by the export's benchmarks).
The photo: ../shared/data/content/classic/tubingen.jpg at long side 1024 (``stylize_time.make_photo``);
the painting: a held-out public-domain painting of ../shared/data/paintings (``--painting``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stylize_time import cli_command, make_photo  # noqa: E402  (the same 1024 px photo as issue 3's bar)

from PIL import Image  # noqa: E402

from edgenst.io import load_image, resize_max_side  # noqa: E402
from edgenst.pretrained import resolve_model  # noqa: E402
from edgenst.style_predictor import PREDICT_SIDE, load_predictor, painting_tensor  # noqa: E402
from edgenst.styles import StyleVector, with_style  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PAINTING = ROOT.parent / "shared" / "data" / "paintings" / "jules_dupre_choppy_sea.jpg"
BAR_SECONDS = 3.0


def timed_run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def in_process(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of ``fn`` after one untimed call."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2, help="threads of the timed commands (default 2, the CLI's)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--painting", type=Path, default=PAINTING)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if not args.painting.is_file():
        print(f"error: {args.painting}: no such painting (see ../shared/data/README.md)", file=sys.stderr)
        return 2
    load_before = [round(x, 2) for x in os.getloadavg()]
    model, info = resolve_model("default")
    shipped = info.styles[0]
    with tempfile.TemporaryDirectory() as tmp:
        photo, source, size = make_photo(Path(tmp))
        env, edgenst = cli_command(args.threads)
        commands = {
            "painting": [*edgenst, "-q", "--threads", str(args.threads), "stylize", str(photo),
                         "--style", str(args.painting), "-o", f"{tmp}/painting.png"],
            "shipped": [*edgenst, "-q", "--threads", str(args.threads), "stylize", str(photo),
                        "--style", shipped, "-o", f"{tmp}/shipped.png"],
            "torch": [sys.executable, "-c", "import os, torch; os._exit(0)"],
        }
        for cmd in commands.values():
            timed_run(cmd, env)  # untimed: bytecode written, disk cache warm
        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
        for _ in range(args.repeats):
            for name, cmd in commands.items():  # interleaved: each round sees the same load
                runs[name].append(timed_run(cmd, env))

    # in process, one thread as the predictor's bar is stated per thread count
    torch.set_num_threads(1)
    steps = {
        "predictor file read": lambda: load_predictor(model),
    }
    predictor = load_predictor(model)
    steps["painting decoded and resized to 256"] = lambda: painting_tensor(args.painting)
    # a phone photo of a painting: the same painting as a 4000 px JPEG, read as before
    # (full decode, then resize) and as the predictor reads it now (shrunk while decoding)
    big = Path(tempfile.mkdtemp()) / "painting4000.jpg"
    with Image.open(args.painting) as im:
        im.convert("RGB").resize((4000, round(4000 * im.height / im.width)), Image.BICUBIC).save(big, quality=92)
    steps["a 4000 px JPEG of it, full decode then resize (before)"] = lambda: resize_max_side(
        load_image(big, max_side=4 * PREDICT_SIDE).tensor, PREDICT_SIDE)
    steps["the same, shrunk while decoding (painting_tensor)"] = lambda: painting_tensor(big)
    x_painting = painting_tensor(args.painting)
    with torch.no_grad():
        steps["predictor network on that painting"] = lambda: predictor(x_painting)
        vector = predictor(x_painting)[0]
        steps["vector joined to the student's table"] = lambda: with_style(model, list(info.styles), "p", StyleVector(vector))
        parts = {name: in_process(fn, args.repeats) for name, fn in steps.items()}
        big.unlink()
        big.parent.rmdir()
        x256 = torch.rand(1, 3, PREDICT_SIDE, PREDICT_SIDE)
        net = {}
        for threads in (1, 2):
            torch.set_num_threads(threads)
            net[threads] = in_process(lambda: predictor(x256), max(10, args.repeats))
    load_after = [round(x, 2) for x in os.getloadavg()]

    def med(name: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[name])

    result = {
        "command": f"OMP_NUM_THREADS=1 python benchmarks/any_style_time.py --threads {args.threads} --repeats {args.repeats}",
        "photo": source, "size": list(size), "painting": args.painting.name, "shipped_style": shipped,
        "threads": args.threads, "runs": runs, "parts_wall_cpu": parts,
        "predictor_net_256": {str(k): v for k, v in net.items()},
        "load_avg_before": load_before, "load_avg_after": load_after, "bar_seconds": BAR_SECONDS,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "any_style_time.json").write_text(json.dumps(result, indent=2))
    ratio_wall = med("painting", 0) / med("shipped", 0)
    ratio_cpu = med("painting", 1) / med("shipped", 1)
    lines = [
        "# A painting as a style: time (issue 22)", "",
        f"Measured with `{result['command']}`: {source} ({size[0]}x{size[1]}), painting `{args.painting.name}`, "
        f"model `default` (QUALITY_V3), {args.threads} threads for the commands, median of {args.repeats} "
        "interleaved rounds. Machine load (1/5/15 min) before "
        f"{load_before}, after {load_after} (2 cores): wall times include waiting for a core, CPU times do not.", "",
        "| command | wall s | CPU s (user+sys) |", "|---|---|---|",
        f"| `edgenst stylize photo --style {args.painting.name}` (predicted vector) | {med('painting', 0):.2f} | "
        f"{med('painting', 1):.2f} |",
        f"| reference: `edgenst stylize photo --style {shipped}` (shipped style) | {med('shipped', 0):.2f} | "
        f"{med('shipped', 1):.2f} |",
        f"| reference: `python -c 'import os, torch; os._exit(0)'` | {med('torch', 0):.2f} | {med('torch', 1):.2f} |",
        f"| painting / shipped style | x{ratio_wall:.2f} | x{ratio_cpu:.2f} |",
        f"| painting - shipped style | {med('painting', 0) - med('shipped', 0):+.2f} | "
        f"{med('painting', 1) - med('shipped', 1):+.2f} |", "",
        "The painting's own steps, in process, 1 thread (median):", "",
        "| step | ms wall | ms CPU |", "|---|---|---|",
        *[f"| {k} | {1000 * w:.1f} | {1000 * c:.1f} |" for k, (w, c) in parts.items()],
        f"| predictor network at {PREDICT_SIDE}x{PREDICT_SIDE}, eager fp32, 1 thread | {1000 * net[1][0]:.1f} | "
        f"{1000 * net[1][1]:.1f} |",
        f"| the same, 2 threads | {1000 * net[2][0]:.1f} | {1000 * net[2][1]:.1f} |", "",
        f"Bar (issue 22): the painting command <= {BAR_SECONDS:g} s end to end on an idle machine.", "",
    ]
    md = args.out / "any_style_time.md"
    notes = md.read_text().split("## Notes (by hand)", 1) if md.is_file() else []
    if len(notes) == 2:  # what a person wrote under the results stays
        lines += ["## Notes (by hand)" + notes[1].rstrip("\n"), ""]
    md.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
