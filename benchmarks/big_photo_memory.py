"""Peak memory of ``edgenst stylize --tile`` on a big photo (issue 18, item 7: bounded memory).

    python benchmarks/big_photo_memory.py                      # -> benchmarks/results/big_photo_memory.md and .json
    python benchmarks/big_photo_memory.py --before f7073b8     # also the code of that commit, for comparison

Makes a synthetic photo-like JPEG (smooth noise, 8000x6000 by default) in a temporary folder, runs
the command in a child process and reads the child's own peak resident memory from ``os.wait4``
(``ru_maxrss``: the high-water mark of the whole process, torch's import included). A child that
only imports torch is the floor every run pays. With ``--before REF`` the same command also runs on
the code of commit REF (a temporary ``git worktree``, put first on ``PYTHONPATH``), and the two
outputs (PNG) are compared pixel by pixel. The bar: under 1.5 GB for 8000x6000.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BAR_BYTES = 1.5e9


def make_photo(path: Path, width: int, height: int, seed: int = 0) -> None:
    """Smooth colour noise upscaled to the size: decodes like a photo, compresses like one."""
    rng = np.random.default_rng(seed)
    small = Image.fromarray(rng.integers(0, 256, (max(2, height // 40), max(2, width // 40), 3), dtype=np.uint8))
    small.resize((width, height), Image.BICUBIC).save(path, quality=90)


def run_measured(cmd: list[str], env: dict[str, str], cwd: Path) -> dict[str, float | int]:
    """Run ``cmd``; its exit code, wall seconds and peak RSS (bytes, from the kernel's rusage of that child).

    ``cwd`` must not be the checkout: ``python -m`` puts the working directory first on ``sys.path``,
    which would shadow the ``--before`` worktree on ``PYTHONPATH``.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip().splitlines()[-1:] or ''}")
    return {"rc": proc.returncode, "seconds": round(seconds, 2), "peak_rss_bytes": usage.ru_maxrss * 1024}


def compare(a: Path, b: Path) -> dict[str, float | int]:
    x = np.asarray(Image.open(a).convert("RGB"), dtype=np.int16)
    y = np.asarray(Image.open(b).convert("RGB"), dtype=np.int16)
    d = np.abs(x - y)
    return {"max_abs_diff_255": int(d.max()), "pixels_differing": int((d.max(axis=-1) > 0).sum()),
            "identical": bool(d.max() == 0)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="8000x6000", help="WIDTHxHEIGHT of the synthetic JPEG")
    ap.add_argument("--tile", type=int, default=1024)
    ap.add_argument("--style", default="starry_night")
    ap.add_argument("--model", default="default")
    ap.add_argument("--threads", type=int, default=1, help="torch threads of the command (OMP_NUM_THREADS)")
    ap.add_argument("--before", metavar="REF", help="also measure the code of this git commit")
    ap.add_argument("--name", default="big_photo_memory", help="results file stem")
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    env.pop("PYTHONPATH", None)
    results: dict = {"size": f"{width}x{height}", "megapixels": round(width * height / 1e6, 1), "tile": args.tile,
                     "style": args.style, "model": args.model, "threads": args.threads,
                     "machine": f"{platform.machine()}, {os.cpu_count()} cores", "runs": {}}
    with tempfile.TemporaryDirectory(prefix="edgenst-big-photo-") as tmp:
        tmp_path = Path(tmp)
        photo = tmp_path / f"photo_{width}x{height}.jpg"
        make_photo(photo, width, height)
        results["photo_bytes"] = photo.stat().st_size
        code = {"after": None}
        if args.before:
            worktree = tmp_path / "before"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(worktree), args.before],
                           check=True)
            code["before"] = worktree
        try:
            results["runs"]["import torch only"] = run_measured([sys.executable, "-c", "import torch"], env, tmp_path)
            for label, tree in code.items():
                out = tmp_path / f"out_{label}.png"
                cmd = [sys.executable, "-m", "edgenst", "-q", "stylize", str(photo), "--style", args.style,
                       "--model", args.model, "--tile", str(args.tile), "-o", str(out)]
                run_env = env if tree is None else {**env, "PYTHONPATH": str(tree)}
                print(f"{label}: {' '.join(cmd[2:])}", flush=True)
                check = [sys.executable, "-c", "import edgenst.inference as m; print(m.__file__)"]
                where = subprocess.run(check, env=run_env, cwd=tmp_path, capture_output=True, text=True).stdout.strip()
                expected = str(ROOT if tree is None else tree)
                if not where.startswith(expected):
                    raise SystemExit(f"{label}: imports edgenst from {where}, not from {expected}")
                results["runs"][label] = {**run_measured(cmd, run_env, tmp_path),
                                          "code": "this checkout" if tree is None else f"commit {args.before}"}
                print(f"  peak RSS {results['runs'][label]['peak_rss_bytes'] / 1e9:.2f} GB", flush=True)
            results["command"] = ("edgenst -q stylize PHOTO.jpg --style " f"{args.style} --model {args.model} "
                                  f"--tile {args.tile} -o out.png  (OMP_NUM_THREADS={args.threads})")
            if args.before:
                results["after_vs_before"] = compare(tmp_path / "out_after.png", tmp_path / "out_before.png")
        finally:
            if args.before:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(code["before"])],
                               check=False)
    results["bar_bytes"] = BAR_BYTES
    results["pass"] = results["runs"]["after"]["peak_rss_bytes"] < BAR_BYTES
    write(results, args.name)
    return 0 if results["pass"] else 1


def write(results: dict, name: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [f"# Peak memory of `edgenst stylize --tile` on a {results['size']} photo", "",
             f"Measured with `python benchmarks/big_photo_memory.py{' --before ' + results['runs']['before']['code'].split()[-1] if 'before' in results['runs'] else ''}`"
             f" on {results['machine']}: a synthetic photo-like JPEG ({results['megapixels']} MP, "
             f"{results['photo_bytes'] / 1e6:.1f} MB), style `{results['style']}`, model `{results['model']}`, "
             f"tile {results['tile']}, PNG out. Peak RSS is the child process's own high-water mark "
             "(`os.wait4` rusage), torch's import included.", "",
             f"Command: `{results['command']}`", "",
             "| run | code | peak RSS | seconds |", "|---|---|---|---|"]
    for label, r in results["runs"].items():
        lines.append(f"| {label} | {r.get('code', '')} | {r['peak_rss_bytes'] / 1e9:.2f} GB | {r['seconds']} |")
    lines += ["", "Seconds are wall time on a shared 2-core machine (other jobs running), not a speed comparison.", ""]
    if "after_vs_before" in results:
        c = results["after_vs_before"]
        same = "identical" if c["identical"] else f"max difference {c['max_abs_diff_255']}/255 on {c['pixels_differing']} pixels"
        lines += [f"Output of this checkout against the earlier code: {same}.", ""]
    verdict = "pass" if results["pass"] else "FAIL"
    lines.append(f"Bar: under {results['bar_bytes'] / 1e9:.1f} GB peak RSS: {verdict}.")
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS / (name + '.md')}")


if __name__ == "__main__":
    sys.exit(main())
