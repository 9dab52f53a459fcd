"""Where int8 loses precision: per-layer SQNR and per-photo PSNR of each shipped student's int8 model.

    OMP_NUM_THREADS=1 python benchmarks/int8_layers.py            # -> benchmarks/results/int8_layers.md and .json
    OMP_NUM_THREADS=1 python benchmarks/int8_layers.py --members default --eval-count 8 --out /tmp/i8

For each member: the PT2E int8 model (quantize/dequantize simulated in PyTorch, the graph that
XNNPACK lowers) is compared with fp32 on held-out photos the students never trained or calibrated
on (bsds500/test, mcmaster, classic; calibration on bsds500/train), under every style at full
strength and an even blend at half strength, as ``edgenst verify`` runs them. Three int8 models per
member: every layer in int8 without equalization (``QuantConfig(fp32_layers=(), equalize_alpha=None)``,
the first export), the previous default (its fp32 layers, no equalization) and the export's default
``QuantConfig()`` (cross-layer equalization, ``edgenst.equalize``). A model identical to an earlier
one of the same member (the fast family keeps no layer in fp32) is not quantized again.

Per layer (fully-quantized model, on the first --layer-count photos): the fp32 graph and the
int8 graph come from the same ``torch.export`` capture, so their nodes share names; each compute
node's output in the int8 graph (after its own quantize/dequantize) is compared with fp32:
- ``sqnr_db``: signal-to-noise of the int8 graph's output against fp32, all error upstream included;
- ``local_db``: the node's own activation quantization alone (its output before vs after its
  quantize/dequantize pair), which points at a tensor whose range int8 cannot hold.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from edgenst.export.app_model import AppModel
from edgenst.metrics import psnr
from edgenst.pretrained import get_weights
from edgenst.quantize import (
    Inputs,
    QuantConfig,
    calibration_inputs,
    capture,
    default_fp32_layers,
    module_path,
    quantize_int8,
    resolve_fp32_layers,
    square_crop,
)
from edgenst.samples import resolve_image

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DATA = Path("/work/shared/data/content")
HELD_OUT = (("bsds500/test", 12), ("mcmaster", 6), ("classic", 6))
CALIB = "bsds500/train"
MEMBERS = ("default", "fast", "quality_v2")
#: aten ops whose outputs are compared (bookkeeping such as views is skipped).
_COMPUTE = ("conv2d", "mul", "add", "relu", "sigmoid", "upsample", "pixel_shuffle", "sub", "cat", "interpolate")
#: The quality family's fp32 layers before equalization and blocks.0-1 joined them.
PREVIOUS_FP32 = ("stem", "stem_affine", "down", "down_affine")
_QUANT = "quantize_per_tensor"
_DEQUANT = "dequantize_per_tensor"


def spread(files: list[Path], n: int) -> list[Path]:
    """``n`` files evenly spaced over a sorted list (deterministic, no cherry-picking)."""
    if len(files) <= n:
        return files
    return [files[round(i * (len(files) - 1) / max(n - 1, 1))] for i in range(n)]


def load_crops(folders: tuple[tuple[str, int], ...], size: int, data: Path) -> tuple[list[str], list[torch.Tensor]]:
    names, crops = [], []
    for folder, n in folders:
        files = sorted(p for p in (data / folder).iterdir() if p.suffix.lower() in (".jpg", ".png", ".tif", ".tiff"))
        for f in spread(files, n):
            names.append(f"{folder}/{f.name}")
            crops.append(square_crop(resolve_image(str(f), max_side=1024).tensor, size))
    return names, crops


def eval_settings(styles: int) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """Each style at full strength, then an even blend at half strength (as ``edgenst verify``)."""
    eye = torch.eye(styles)
    out = [(f"style{s}", eye[s : s + 1], torch.ones(1, 1)) for s in range(styles)]
    out.append(("blend@0.5", torch.full((1, styles), 1.0 / styles), torch.full((1, 1), 0.5)))
    return out


@dataclass
class NodeStats:
    """Summed squares over the compared inputs, so SQNR is over all of them together."""

    module: str
    op: str
    signal: float = 0.0
    error: float = 0.0
    local_signal: float = 0.0
    local_error: float = 0.0
    quantized: bool = False

    @staticmethod
    def db(signal: float, error: float) -> float:
        return 99.0 if error == 0 else min(99.0, 10 * math.log10(max(signal, 1e-30) / error))


class _Recorder(torch.fx.Interpreter):
    """Runs a graph module node by node, keeping the outputs of the named nodes."""

    def __init__(self, gm: torch.fx.GraphModule, keep: set[str]) -> None:
        super().__init__(gm)
        self.keep, self.values = keep, {}

    def run_node(self, n: torch.fx.Node) -> Any:
        out = super().run_node(n)
        if n.name in self.keep and isinstance(out, torch.Tensor):
            self.values[n.name] = out.detach()
        return out


def _module_of(node: torch.fx.Node) -> str:
    return module_path(node) or "(top)"


def _dq_after(node: torch.fx.Node) -> torch.fx.Node | None:
    """The dequantize node that reads this node's quantized output, if the quantizer put one."""
    for q in node.users:
        if _QUANT in str(q.target):
            for dq in q.users:
                if _DEQUANT in str(dq.target):
                    return dq
    return None


def layer_sqnr(fp32_gm: torch.fx.GraphModule, int8_gm: torch.fx.GraphModule, inputs: list[Inputs]) -> list[dict]:
    """Per compute node: cumulative and local SQNR (dB) of the int8 graph against fp32."""
    q_nodes = {n.name: n for n in int8_gm.graph.nodes}
    stats: dict[str, NodeStats] = {}
    pairs: dict[str, str] = {}
    for n in fp32_gm.graph.nodes:
        if n.op == "call_function" and any(k in str(n.target) for k in _COMPUTE) and n.name in q_nodes:
            stats[n.name] = NodeStats(_module_of(n), str(n.target).split(".")[1] if "." in str(n.target) else str(n.target))
            dq = _dq_after(q_nodes[n.name])
            if dq is not None:
                pairs[n.name] = dq.name
                stats[n.name].quantized = True
    for x in inputs:
        with torch.no_grad():
            ref = _Recorder(fp32_gm, set(stats))
            ref.run(*x)
            q = _Recorder(int8_gm, set(stats) | set(pairs.values()))
            q.run(*x)
        for name, s in stats.items():
            r = ref.values[name].double()
            raw = q.values[name].double()
            seen = q.values[pairs[name]].double() if name in pairs else raw
            s.signal += float((r**2).sum())
            s.error += float(((seen - r) ** 2).sum())
            if name in pairs:
                s.local_signal += float((raw**2).sum())
                s.local_error += float(((seen - raw) ** 2).sum())
    return [{"node": k, "module": s.module, "op": s.op, "quantized": s.quantized,
             "sqnr_db": round(NodeStats.db(s.signal, s.error), 2),
             "local_db": round(NodeStats.db(s.local_signal, s.local_error), 2) if s.quantized else None}
            for k, s in stats.items()]


def photo_psnr(fp32: torch.nn.Module, int8: torch.nn.Module, names: list[str], crops: list[torch.Tensor],
               styles: int) -> dict[str, Any]:
    """PSNR (dB) of every (photo, setting) image; per photo its worst setting."""
    per_photo: dict[str, dict[str, float]] = {}
    with torch.no_grad():
        for name, crop in zip(names, crops):
            per_photo[name] = {}
            for label, w, s in eval_settings(styles):
                per_photo[name][label] = round(min(psnr(int8(crop, w, s), fp32(crop, w, s)), 99.0), 2)
    values = [v for d in per_photo.values() for v in d.values()]
    worst_name = min(per_photo, key=lambda k: min(per_photo[k].values()))
    return {"images": len(values), "photos": len(per_photo), "mean_db": round(sum(values) / len(values), 2),
            "worst_db": round(min(values), 2), "worst_photo": worst_name,
            "worst_setting": min(per_photo[worst_name], key=per_photo[worst_name].get),
            "per_photo_worst_db": {k: min(v.values()) for k, v in per_photo.items()}, "per_image_db": per_photo}


def fp32_layers_of(int8_gm: torch.fx.GraphModule) -> list[str]:
    """Modules whose compute nodes were left unquantized in the converted graph."""
    left = set()
    for n in int8_gm.graph.nodes:
        if n.op == "call_function" and "conv2d" in str(n.target):
            w = n.args[1]
            if not (isinstance(w, torch.fx.Node) and "dequantize" in str(w.target)):
                left.add(_module_of(n))
    return sorted(left)


def run_member(member: str, calib: list[torch.Tensor], names: list[str], crops: list[torch.Tensor],
               layer_count: int, size: int, configs: dict[str, QuantConfig]) -> dict[str, Any]:
    model, info = get_weights(member).load()
    app = AppModel(model).eval()
    styles = app.styles
    calibration = calibration_inputs(calib, styles, size)
    out: dict[str, Any] = {"member": get_weights(member).name, "config": info.config, "styles": styles,
                           "calibration_inputs": len(calibration)}
    done: dict[tuple, str] = {}
    for label, config in configs.items():
        if label == "previous_default":
            config = dataclasses.replace(config, fp32_layers=tuple(n for n in default_fp32_layers(app) if n in PREVIOUS_FP32))
        key = (resolve_fp32_layers(app, config), config.equalize_alpha, config.observer, config.qat_steps)
        if key in done:
            out[label] = dict(out[done[key]], same_as=done[key])
            out[label].pop("layers", None)
            print(f"{member} {label}: the same int8 model as {done[key]}", flush=True)
            continue
        done[key] = label
        t = time.perf_counter()
        int8 = quantize_int8(app, calibration, config)
        result: dict[str, Any] = {"quant_config": {k: getattr(config, k) for k in config.__dataclass_fields__},
                                  "fp32_modules": fp32_layers_of(int8)}
        result["psnr"] = photo_psnr(app, int8, names, crops, styles)
        if label == "all_int8" and layer_count:
            fp32_gm = capture(app, calibration[0])
            layer_inputs = [(c, w, s) for c in crops[:layer_count] for _, w, s in eval_settings(styles)]
            result["layers"] = layer_sqnr(fp32_gm, int8, layer_inputs)
        result["seconds"] = round(time.perf_counter() - t, 1)
        out[label] = result
        p = result["psnr"]
        print(f"{member} {label}: mean {p['mean_db']:.2f} dB, worst {p['worst_db']:.2f} dB ({p['worst_photo']}, "
              f"{p['worst_setting']}), fp32 modules {result['fp32_modules']}", flush=True)
    return out


def worst_layers(layers: list[dict], n: int = 8) -> list[dict]:
    quantized = [x for x in layers if x["local_db"] is not None]
    return sorted(quantized, key=lambda x: x["local_db"])[:n]


def write_report(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    r = results
    lines = [
        "# int8 precision per layer and per photo, shipped students", "",
        f"Command: `{r['command']}`", "",
        f"{r['held_out_photos']} held-out photos ({', '.join(f'{f} x{n}' for f, n in HELD_OUT)}), "
        f"{r['size']}x{r['size']} centre crops, each under every style at full strength and an even blend at "
        f"half strength; calibration on {r['calib_photos']} photos of {CALIB} (each under every style, a blend "
        "and strength 0). int8 is the PT2E graph with quantize/dequantize simulated in PyTorch (what "
        "XNNPACK lowers), against the fp32 student. Machine: " + r["machine"] + ".", "",
        "## PSNR of the output against fp32", "",
        "| member | int8 model | fp32 modules | equalization | mean dB | worst dB | worst photo (setting) |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in r["members"]:
        for label in r["configs"]:
            x = m[label]
            p = x["psnr"]
            alpha = x["quant_config"]["equalize_alpha"]
            lines.append(f"| {m['member']} | {label} | {', '.join(x['fp32_modules']) or 'none'} | "
                         f"{'off' if alpha is None else f'alpha {alpha}'} | {p['mean_db']:.2f} | "
                         f"{p['worst_db']:.2f} | {p['worst_photo']} ({p['worst_setting']}) |")
    lines += ["", f"## Layers that lose precision (every layer int8, first {r['layer_photos']} photos)", "",
              "Lowest local SQNR (the node's own activation quantization) and the cumulative SQNR there:", ""]
    for m in r["members"]:
        layers = m.get("all_int8", {}).get("layers")
        if not layers:
            continue
        final = layers[-1]
        lines += [f"**{m['member']}** (final output SQNR {final['sqnr_db']:.1f} dB)", "",
                  "| node | module | op | local dB | cumulative dB |", "|---|---|---|---|---|"]
        for x in worst_layers(layers):
            lines.append(f"| {x['node']} | {x['module']} | {x['op']} | {x['local_db']:.1f} | {x['sqnr_db']:.1f} |")
        lines.append("")
    lines += ["Every node's numbers are in the .json (`members[].all_int8.layers`)."]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", default=",".join(MEMBERS))
    ap.add_argument("--calib-count", type=int, default=16, help="calibration photos from bsds500/train")
    ap.add_argument("--eval-count", type=int, default=24, help="held-out photos (12 bsds500/test, 6 mcmaster, 6 classic at 24)")
    ap.add_argument("--layer-count", type=int, default=4, help="photos for the per-layer SQNR (0: skip)")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--configs", default="all_int8,previous_default,default",
                    help="int8 models to measure per member (a subset of the default list)")
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--out", default=str(RESULTS / "int8_layers"))
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    data = Path(args.data)
    scale = args.eval_count / sum(n for _, n in HELD_OUT)
    held_out = tuple((f, max(1, round(n * scale))) for f, n in HELD_OUT)
    names, crops = load_crops(held_out, args.size, data)
    _, calib = load_crops(((CALIB, args.calib_count),), args.size, data)
    known = {"all_int8": QuantConfig(fp32_layers=(), equalize_alpha=None),
             "previous_default": QuantConfig(equalize_alpha=None, fp32_layers=None), "default": QuantConfig()}
    unknown = [c for c in args.configs.split(",") if c not in known]
    if unknown:
        ap.error(f"unknown --configs {','.join(unknown)}; known: {','.join(known)}")
    configs = {c: known[c] for c in args.configs.split(",")}
    results: dict[str, Any] = {
        "command": "OMP_NUM_THREADS=1 python benchmarks/int8_layers.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": f"{platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} thread(s)",
        "size": args.size, "held_out_photos": len(crops), "calib_photos": len(calib), "layer_photos": args.layer_count,
        "configs": list(configs), "members": [],
    }
    for member in args.members.split(","):
        results["members"].append(run_member(member.strip(), calib, names, crops, args.layer_count, args.size, configs))
        write_report(results, Path(args.out))
    print(f"wrote {Path(args.out).with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
