"""Where the style predictor's int8 error comes from, and the int8 ``.pte``'s size, precision and time.

Compares two ways of quantizing the shipped predictor (QUALITY_V3's, 256 x 256 input):

- ``whole graph``: XNNPACK's quantizer over every op (the first predictor export);
- ``split``: ``edgenst.export.predictor_int8`` (image layers static int8, the per-image statistics
  and the MLP fp32 with int8 dynamically quantized linear weights), what ``edgenst export
  --formats predictor-pte-int8`` writes now.

For each: the SQNR of intermediate values of the PT2E graph against fp32 (taps, statistics,
standardised statistics, head layers, the vector), then the lowered ``.pte`` run in the ExecuTorch
runtime on paintings: relative L2 of the vector against eager fp32 (the verify gate, 5%), and a
photo painted by the student with the int8 vector against painting it with the fp32 one (PSNR).
Time at 256 x 256 on ``--threads`` threads: the ``.pte`` beside eager fp32 PyTorch, interleaved
in one run (a shared machine shifts both), with ``uptime`` recorded.

Usage: OMP_NUM_THREADS=2 python benchmarks/predictor_int8.py [--paintings DIR] [--count 24]
writes benchmarks/results/predictor_int8.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import torch

from edgenst.export.checks import fit_crop
from edgenst.export.executorch import lower_to_executorch
from edgenst.export.predictor import DIM_METHOD, METHOD, SIZE_METHOD, painting_batch
from edgenst.export.predictor_int8 import per_image_tail, quantize_predictor
from edgenst.metrics import psnr
from edgenst.pretrained import resolve_model
from edgenst.quantize import QuantConfig, xnnpack_quantizer
from edgenst.reference_images import load_photos
from edgenst.runtime import PredictorProgram, set_threads
from edgenst.style_predictor import load_predictor, painting_tensor
from edgenst.styles import StyleSpace

ROOT = Path(__file__).resolve().parents[1]
SIZE = 256


def whole_graph_int8(predictor, calib, quant):
    """The first export's quantization: XNNPACK's quantizer on every op."""
    return quantize_predictor(predictor, calib, quant, quantizer=xnnpack_quantizer(quant))


def values(gm: torch.fx.GraphModule, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every call node's output, by node name (PT2E keeps the fp32 graph's names for its ops)."""
    out: dict[str, torch.Tensor] = {}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n):
            v = super().run_node(n)
            if n.op == "call_function" and isinstance(v, torch.Tensor):
                out[n.name] = v.detach()
            return v

    with torch.no_grad():
        Recorder(gm).run(x)
    return out


def probe_points(gm: torch.fx.GraphModule) -> dict[str, str]:
    """Label -> node name: the four taps (inputs of the first reduction of each), the statistics
    (cat), their standardisation (div), each head linear, the vector (the last node)."""
    tail = per_image_tail(gm)
    points: dict[str, str] = {}
    taps = []
    for n in tail:
        if str(n.target) == "aten.mean.dim" and n.args[0] not in tail and n.args[0].name not in taps:
            taps.append(n.args[0].name)
    points.update({f"tap {i + 1} (relu{i + 1}_1)": t for i, t in enumerate(taps)})
    linears = 0
    for n in tail:
        t = str(n.target)
        if t == "aten.cat.default":
            points["statistics (cat)"] = n.name
        elif t == "aten.div.Tensor":
            points["standardised (div)"] = n.name
        elif t == "aten.linear.default":
            linears += 1
            points[f"head linear {linears}"] = n.name
    points["style vector"] = tail[-1].name
    return points


def sqnr_table(fp32: torch.fx.GraphModule, quantized: torch.fx.GraphModule, points: dict[str, str],
               paintings: list[torch.Tensor]) -> dict[str, dict[str, float]]:
    acc: dict[str, list[float]] = {k: [] for k in points}
    for x in paintings:
        a, b = values(fp32, x), values(quantized, x)
        for label, name in points.items():
            err = (b[name] - a[name]).pow(2).sum().clamp_min(1e-30)
            acc[label].append(float(10 * torch.log10(a[name].pow(2).sum().clamp_min(1e-30) / err)))
    return {k: {"mean_db": round(statistics.fmean(v), 1), "min_db": round(min(v), 1)} for k, v in acc.items()}


def write_pte(quantized: torch.nn.Module, dim: int, path: Path) -> dict:
    with torch.no_grad():
        program = torch.export.export(quantized, (torch.full((1, 3, SIZE, SIZE), 0.5),))
    lowered, calls, outside = lower_to_executorch({METHOD: program}, {SIZE_METHOD: SIZE, DIM_METHOD: dim})
    path.write_bytes(lowered.buffer)
    return {"file": path.name, "bytes": path.stat().st_size, "delegate_calls": calls, "ops_outside": sum(outside.values())}


def precision(pte: Path, predictor, student, paintings, photos) -> dict[str, float]:
    program = PredictorProgram(pte, check_manifest=False)
    rels, psnrs = [], []
    styles = StyleSpace.of(student).count
    for i, x in enumerate(paintings):
        with torch.no_grad():
            ref = predictor(x)
        got = program.run(x)
        rels.append(float((got - ref).norm() / ref.norm()))
        photo = photos[i % len(photos)]
        even, one = torch.full((1, styles), 1.0 / styles), torch.ones(1, 1)
        with torch.no_grad():
            a = student.forward_vector(photo, even, one, ref, one)
            b = student.forward_vector(photo, even, one, got, one)
        psnrs.append(min(psnr(b, a), 99.0))
    return {"rel_l2_mean": statistics.fmean(rels), "rel_l2_max": max(rels),
            "student_psnr_mean_db": statistics.fmean(psnrs), "student_psnr_min_db": min(psnrs)}


def time_ms(fn, x, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(x)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--paintings", default=str(ROOT / ".." / "shared" / "data" / "paintings"))
    ap.add_argument("--count", type=int, default=24, help="evaluation paintings, spread over the folder")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=30, help="timed runs of each program")
    ap.add_argument("--work", default="/tmp/predictor_int8", help="folder for the .pte files")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "predictor_int8"))
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    set_threads(args.threads)  # before any program is opened (see runtime.set_threads)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    student, _ = resolve_model("quality")
    predictor = load_predictor(student).eval()
    dim = predictor.config.dim
    files = sorted(Path(args.paintings).glob("*.jpg"))
    picks = [files[round(i * (len(files) - 1) / max(args.count - 1, 1))] for i in range(args.count)]
    paintings = painting_batch([painting_tensor(f) for f in picks], SIZE)
    others = painting_batch([painting_tensor(f) for f in files if f not in picks][:16], SIZE)
    photos = [fit_crop(p, 128, 128) for p in load_photos(None, 8)]
    calib_photos = painting_batch(load_photos(None, 32), SIZE)  # what `edgenst export` calibrates on by default
    quant = QuantConfig()
    print(f"{len(paintings)} evaluation paintings, {len(calib_photos)} calibration photos, "
          f"{len(others)} calibration paintings", flush=True)

    with torch.no_grad():
        fp32_graph = torch.export.export(predictor, (paintings[0],)).module()
    points = probe_points(fp32_graph)
    schemes = {
        "whole graph, calibrated on photos": lambda: whole_graph_int8(predictor, calib_photos, quant),
        "split, calibrated on photos": lambda: quantize_predictor(predictor, calib_photos, quant),
        "split, calibrated on paintings": lambda: quantize_predictor(predictor, others, quant),
    }
    results: dict[str, dict] = {}
    for label, make in schemes.items():
        t = time.time()
        quantized = make()
        layers = sqnr_table(fp32_graph, quantized, points, paintings)
        pte = work / (label.split(",")[0].replace(" ", "_") + "_" + label.split()[-1] + ".pte")
        art = write_pte(quantized, dim, pte)
        results[label] = {"sqnr": layers, "artifact": art, **precision(pte, predictor, student, paintings, photos)}
        print(f"{label}: {time.time() - t:.0f} s, rel L2 mean {results[label]['rel_l2_mean']:.2%} "
              f"max {results[label]['rel_l2_max']:.2%}, {art['bytes'] / 1024:.0f} KiB, "
              f"{art['ops_outside']} ops outside", flush=True)

    # time: eager fp32 and the two .pte files, interleaved rounds
    load_before = os.getloadavg()
    x = paintings[0]
    progs = {"eager fp32 PyTorch": lambda t: predictor(t)}
    for label in ("whole graph, calibrated on photos", "split, calibrated on photos"):
        prog = PredictorProgram(work / results[label]["artifact"]["file"], check_manifest=False)
        progs[f".pte int8 ({label.split(',')[0]})"] = prog.run
    times: dict[str, list[float]] = {k: [] for k in progs}
    with torch.no_grad():
        for fn in progs.values():
            time_ms(fn, x, 3)  # warm up
        for _ in range(args.runs // 5):
            for k, fn in progs.items():
                times[k] += time_ms(fn, x, 5)
    load_after = os.getloadavg()
    timing = {k: {"median_ms": round(statistics.median(v), 2), "min_ms": round(min(v), 2)} for k, v in times.items()}
    ref = timing["eager fp32 PyTorch"]["median_ms"]
    for k, v in timing.items():
        v["x_eager"] = round(v["median_ms"] / ref, 3)
        print(f"{k}: median {v['median_ms']:.1f} ms (x{v['x_eager']:.2f} eager)", flush=True)

    data = {"size": SIZE, "threads": args.threads, "paintings": [f.name for f in picks], "points": points,
            "schemes": results, "timing": timing, "load_avg_before": [round(v, 2) for v in load_before],
            "load_avg_after": [round(v, 2) for v in load_after], "runs": args.runs}
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n")
    out.with_suffix(".md").write_text(report(data))
    print(out.with_suffix(".md"))


def report(d: dict) -> str:
    labels = list(d["schemes"])
    lines = [
        "# The style predictor's int8 `.pte`: where the error came from, and the split that fixes it",
        "",
        f"QUALITY_V3's shipped predictor, {d['size']} x {d['size']} input, {len(d['paintings'])} paintings of "
        "`../shared/data/paintings` (every k-th file). Command: `OMP_NUM_THREADS=2 python benchmarks/predictor_int8.py`.",
        "",
        "## SQNR against fp32 of the PT2E graph's intermediate values (mean / worst painting, dB)",
        "",
        "| value | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for point in d["points"]:
        cells = [f"{d['schemes'][s]['sqnr'][point]['mean_db']} / {d['schemes'][s]['sqnr'][point]['min_db']}" for s in labels]
        lines.append(f"| {point} | " + " | ".join(cells) + " |")
    lines += ["", "## The lowered `.pte` in the ExecuTorch runtime against eager fp32", "",
              "| scheme | vector rel. L2 mean / worst (gate 5%) | student painted with it, PSNR mean / worst | "
              "size | ops outside the delegate |", "|---|---|---|---|---|"]
    for s in labels:
        r = d["schemes"][s]
        lines.append(f"| {s} | {r['rel_l2_mean']:.2%} / {r['rel_l2_max']:.2%} | {r['student_psnr_mean_db']:.1f} / "
                     f"{r['student_psnr_min_db']:.1f} dB | {r['artifact']['bytes'] / 1024:.0f} KiB | "
                     f"{r['artifact']['ops_outside']} |")
    lines += ["", f"## Time at {d['size']} x {d['size']}, {d['threads']} threads (median of {d['runs']} runs, interleaved)",
              "", "| program | median | fastest | x eager fp32 |", "|---|---|---|---|"]
    for k, v in d["timing"].items():
        lines.append(f"| {k} | {v['median_ms']:.1f} ms | {v['min_ms']:.1f} ms | x{v['x_eager']:.2f} |")
    lines += ["", f"Machine load (`uptime` 1/5/15 min): before {d['load_avg_before']}, after {d['load_avg_after']} "
              "(a shared machine: the ratio to eager, measured in the same run, is the comparable number).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
