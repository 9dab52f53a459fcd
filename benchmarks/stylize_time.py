"""Time of ``edgenst stylize`` on a 1024-pixel photo with a shipped style (issue 3's 2-second bar).

    python benchmarks/stylize_time.py            # -> benchmarks/results/stylize_time.md and .json

Measures the whole command (process start, model load, decode, stylize, encode; median of
--repeats runs) and, in process, the student's forward pass alone, both on --threads threads.
A reference runs interleaved with the command: a Python process that only imports torch, the floor
any PyTorch CLI pays on this machine (it varies between sessions with the disk cache), so the
command's own cost reads as the difference. A second reference imports torch and ends with
``os._exit``, as the console script ends ``stylize``: torch's interpreter teardown is about 0.5 s.
One untimed run comes first, with bytecode writing allowed even where PYTHONDONTWRITEBYTECODE is
set, so the timed runs see what a user sees from the second run on (warm disk cache, edgenst's
.pyc files written; pip writes torch's at install).
The photo is ../shared/data/content/classic/tubingen.jpg at long side 1024 when present, else
scikit-image's astronaut upscaled to 1024x1024.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from edgenst.inference import StyleChoice, mirror_pad, model_border, stylize
from edgenst.io import load_image, resize_max_side, save_image
from edgenst.pretrained import resolve_model
from edgenst.samples import sample_photo

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PHOTO = ROOT.parent / "shared" / "data" / "content" / "classic" / "tubingen.jpg"
BAR_SECONDS = 2.0


def make_photo(folder: Path) -> tuple[Path, str, tuple[int, int]]:
    if PHOTO.is_file():
        img = resize_max_side(load_image(PHOTO).tensor, 1024)
        if max(img.shape[-2:]) < 1024:
            img = torch.nn.functional.interpolate(img, scale_factor=1024 / max(img.shape[-2:]), mode="bilinear")
        source = f"{PHOTO.name} at long side 1024"
    else:
        img = torch.nn.functional.interpolate(sample_photo("astronaut"), size=(1024, 1024), mode="bilinear")
        source = "scikit-image astronaut upscaled to 1024x1024"
    path = folder / "photo1024.jpg"
    save_image(img.clamp(0, 1), path)
    return path, source, tuple(img.shape[-2:])


def cli_command(threads: int) -> tuple[dict[str, str], list[str]]:
    """The environment and argv prefix that run this venv's ``edgenst`` as a user would (a fresh
    process, bytecode cache on, ``threads`` for torch)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["OMP_NUM_THREADS"] = str(threads)
    script = Path(sys.executable).with_name("edgenst")
    return env, [str(script)] if script.is_file() else [sys.executable, "-m", "edgenst"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--style", default=None, help="default: the first shipped style")
    ap.add_argument("--model", default="default", help="shipped model name or model file (default: the CLI's default)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, info = resolve_model(args.model)
    style = args.style or info.styles[0]
    with tempfile.TemporaryDirectory() as tmp:
        photo, source, size = make_photo(Path(tmp))
        env, command = cli_command(args.threads)

        def run(cmd: list[str]) -> float:
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
            return time.perf_counter() - t0

        cli_cmd = [*command, "-q", "--threads", str(args.threads), "stylize", str(photo), "--style", style,
                   "--model", args.model, "-o", f"{tmp}/out.png"]
        run(cli_cmd)  # untimed: writes edgenst's bytecode, warms the disk cache
        cli, floor, floor_exit = [], [], []
        for _ in range(args.repeats):
            cli.append(run(cli_cmd))
            floor.append(run([sys.executable, "-c", "import torch"]))
            floor_exit.append(run([sys.executable, "-c", "import os, torch; os._exit(0)"]))
        x = load_image(photo).tensor
        vec = StyleChoice({style: 1.0}).vector(info.styles)
        stylize(model, x, vec)  # warm-up
        fwd = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            stylize(model, x, vec)
            fwd.append(time.perf_counter() - t0)
        # The same pass in the default NCHW layout (run_model uses channels-last), for the ratio.
        padded, _ = mirror_pad(x, model_border(model))
        fwd_nchw = []
        with torch.no_grad():
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                model(padded, vec, torch.ones(1, 1))
                fwd_nchw.append(time.perf_counter() - t0)
    result = {
        "command": "python benchmarks/stylize_time.py" + (f" --threads {args.threads}" if args.threads != 2 else "")
        + (f" --model {args.model}" if args.model != "default" else ""),
        "photo": source, "size": list(size), "threads": args.threads, "style": style, "model": args.model,
        "cli_seconds_median": statistics.median(cli), "cli_seconds": cli,
        "import_torch_seconds_median": statistics.median(floor), "import_torch_seconds": floor,
        "import_torch_no_teardown_seconds_median": statistics.median(floor_exit),
        "import_torch_no_teardown_seconds": floor_exit,
        "forward_seconds_median": statistics.median(fwd), "forward_nchw_seconds_median": statistics.median(fwd_nchw),
        "bar_seconds": BAR_SECONDS,
        "passed": statistics.median(cli) < BAR_SECONDS,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "stylize_time.json").write_text(json.dumps(result, indent=2))
    md = "\n".join([
        "# Stylize time, 1024-pixel photo", "",
        f"Measured with `{result['command']}`: {source} ({size[0]}x{size[1]}), style `{style}`, model `{args.model}`, "
        f"{args.threads} threads, eager PyTorch, median of {args.repeats}.", "",
        "| what | seconds |", "|---|---|",
        f"| `edgenst stylize` end to end (process start to PNG written) | {result['cli_seconds_median']:.2f} |",
        f"| reference: a Python process that only imports torch | {result['import_torch_seconds_median']:.2f} |",
        f"| reference: the same, ended with `os._exit` (no teardown, as `edgenst stylize` ends) | "
        f"{result['import_torch_no_teardown_seconds_median']:.2f} |",
        f"| the command beyond that second reference | "
        f"{result['cli_seconds_median'] - result['import_torch_no_teardown_seconds_median']:.2f} |",
        f"| student forward in process (mirrored margin, tiles off, channels-last as `run_model`) | "
        f"{result['forward_seconds_median']:.3f} |",
        f"| the same forward in the NCHW layout | {result['forward_nchw_seconds_median']:.3f} |", "",
        f"Bar: under {BAR_SECONDS:g} s end to end: {'pass' if result['passed'] else 'FAIL'}.", ""])
    (args.out / "stylize_time.md").write_text(md)
    print(md)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
