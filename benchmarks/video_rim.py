"""How much of a model's warping error sits at the frame's rim (a probe for issue 7).

    python benchmarks/video_rim.py default /work/runs/t2-w100-sw12/model.safetensors --styles udnie,starry_night
    python benchmarks/video_rim.py default fast --frames 16 --border 0 16 32 64   # the margin's effect
    # prints, per model and style: the warping error, the same without an 8-px rim, and the
    # per-column error of the outermost 4 columns on each side relative to the mean column

Same clip, flow and mask as ``benchmarks/video.py`` (mountain_2, DIS, forward-backward mask).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import video as V  # noqa: E402  (the clip loader and the stylization loop of the video benchmark)

from edgenst.inference import StyleChoice, model_border  # noqa: E402
from edgenst.pretrained import resolve_model  # noqa: E402
from edgenst.temporal_metrics import input_flows, warp_back  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", help="model files or shipped names")
    ap.add_argument("--styles", default="udnie,starry_night")
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--rim", type=int, default=8)
    ap.add_argument("--border", type=int, nargs="+", default=[None],
                    help="mirrored margin(s) around each frame (default: the model's own, inference.model_border)")
    args = ap.parse_args()
    frames = V.load_clip(args.frames)
    flows = input_flows(frames)
    models = {spec: resolve_model(spec) for spec in args.models}
    for spec, border, style in ((m, b, s) for m in args.models for b in args.border for s in args.styles.split(",")):
        model, info = models[spec]
        border = model_border(model) if border is None else border
        out = V.stylize_frames(model, frames, StyleChoice({style: 1.0}).vector(info.styles), border)
        full, inner, columns = [], [], np.zeros(frames[0].shape[1])
        for i in range(1, len(frames)):
            backward, mask = flows[i - 1]
            err = ((out[i].astype(np.float32) / 255 - warp_back(out[i - 1].astype(np.float32) / 255, backward)) ** 2).mean(-1)
            full.append(err[mask].mean())
            core = mask.copy()
            r = args.rim
            core[:, :r] = core[:, -r:] = core[:r] = core[-r:] = False
            inner.append(err[core].mean())
            columns += np.where(mask, err, 0).sum(0)
        rel = columns / columns.mean()
        print(f"{spec} border {border} {style}: warping error {np.mean(full):.6f}, without a {args.rim}-px rim {np.mean(inner):.6f} "
              f"({1 - np.mean(inner) / np.mean(full):.0%} lower); outer columns x mean: left {rel[:4].round(1)}, "
              f"right {rel[-4:].round(1)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
