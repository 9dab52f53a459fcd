"""MACs and parameters of the student family and the teacher network (issue 3's size bars).

    python benchmarks/macs.py            # -> benchmarks/results/macs.md and macs.json

Bars for the default student: <= 0.5 GMAC at 256x256, <= 200k shared parameters, <= 4k per style.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from edgenst.cost import model_cost
from edgenst.models import build_model

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = [(256, 256), (512, 512), (720, 1280)]
#: (label, arch, config): the shipped default first.
FAMILY = [
    ("student 40/6 (shipped: QUALITY_V3 default)", "student", {"width": 40, "blocks": 6}),
    ("student 24/4 (shipped: QUALITY_V1, QUALITY_V2, STABLE_V1)", "student", {"width": 24, "blocks": 4}),
    ("student 16/3 fast (no 1/2-res affines; shipped: FAST_V1)", "student",
     {"width": 16, "blocks": 3, "half_res_affine": False, "center_input": True}),
    ("student 16/3 shuffle decoder, no 1/2-res affines (prints a grid)", "student",
     {"width": 16, "blocks": 3, "decoder": "shuffle", "half_res_affine": False, "center_input": True}),
    ("student 16/3", "student", {"width": 16, "blocks": 3}),
    ("student 32/5", "student", {"width": 32, "blocks": 5}),
    ("student 48/6 (over the 0.5 GMAC budget)", "student", {"width": 48, "blocks": 6}),
    ("teacher network (Johnson et al. + CIN)", "teacher-net", {"width": 32, "blocks": 5}),
]
BARS = {"gmacs_256": 0.5, "shared_params": 200_000, "per_style_params": 4_000}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--styles", type=int, default=6, help="styles in each model (default 6)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    rows = []
    for label, arch, cfg in FAMILY:
        model = build_model(arch, {**cfg, "styles": args.styles})
        costs = {f"{h}x{w}": model_cost(model, h, w) for h, w in SIZES}
        c = costs["256x256"]
        rows.append({"model": label, "arch": arch, "config": cfg, "params": c.params, "shared_params": c.shared_params,
                     "per_style_params": c.per_style_params, **{f"gmacs_{k}": round(v.gmacs, 4) for k, v in costs.items()}})
    default = rows[0]
    checks = {
        "gmacs_256": default["gmacs_256x256"] <= BARS["gmacs_256"],
        "shared_params": default["shared_params"] <= BARS["shared_params"],
        "per_style_params": default["per_style_params"] <= BARS["per_style_params"],
    }
    teacher = rows[-1]
    args.out.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/macs.py" + (f" --styles {args.styles}" if args.styles != 6 else "")
    (args.out / "macs.json").write_text(json.dumps({"command": command, "styles": args.styles, "rows": rows,
                                                   "bars": BARS, "passed": checks}, indent=2))
    lines = [f"# Model cost ({args.styles} styles)", "", f"Measured with `{command}` (torch FlopCounterMode, 1 MAC = 2 FLOPs).", "",
             "| model | config | GMAC 256x256 | GMAC 512x512 | GMAC 720x1280 | params | shared | per style | vs teacher |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = teacher["gmacs_256x256"] / r["gmacs_256x256"]
        lines.append(f"| {r['model']} | {r['config']} | {r['gmacs_256x256']:.3f} | {r['gmacs_512x512']:.3f} | "
                     f"{r['gmacs_720x1280']:.3f} | {r['params']:,} | {r['shared_params']:,} | {r['per_style_params']:,} | "
                     f"{ratio:.0f}x fewer MACs |")
    lines += ["", "Bars for the default student: " + ", ".join(
        f"{k} <= {v:,} ({'pass' if checks[k] else 'FAIL'})" for k, v in BARS.items()), ""]
    (args.out / "macs.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
