"""Grid artifacts of students: ``edgenst.metrics.grid_score`` of their outputs on held-out photos.

    python benchmarks/grid.py fast=fast quality=quality "shuffle 1500=/work/runs/fast-v1b/ckpt-0001500.safetensors"

Each student stylizes the first 4 ``classic`` photos (192x256) with each of its styles at full
strength; the photos' own score is the floor. -> benchmarks/results/grid.md and grid.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from edgenst.io import list_images, load_image
from edgenst.metrics import grid_score
from edgenst.pretrained import resolve_model

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT.parent / "shared" / "data" / "content" / "classic"
RESULTS = ROOT / "benchmarks" / "results"


def main(argv: list[str]) -> int:
    if not PHOTOS.is_dir():
        print(f"needs the photos in {PHOTOS}", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    photos = [torch.nn.functional.interpolate(load_image(p, max_side=256).tensor, size=(192, 256), mode="bilinear",
                                              antialias=True) for p in list_images(PHOTOS)[:4]]
    rows = {"photos": sum(grid_score(x) for x in photos) / len(photos)}
    for spec in argv:
        label, _, model_spec = spec.partition("=")
        model, info = resolve_model(model_spec or label)
        scores = []
        with torch.no_grad():
            for x in photos:
                for s in range(len(info.styles)):
                    w = torch.zeros(1, len(info.styles))
                    w[0, s] = 1.0
                    scores.append(grid_score(model(x, w, torch.ones(1, 1))))
        rows[label] = sum(scores) / len(scores)
        print(f"{label}: {rows[label]:.2f}", flush=True)
    command = "python benchmarks/grid.py " + " ".join(f'"{a}"' if " " in a else a for a in argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "grid.json").write_text(json.dumps({"command": command, "grid_score": rows}, indent=1) + "\n")
    lines = ["# Grid artifacts (`edgenst.metrics.grid_score`, x 1e4; lower is cleaner)", "", f"Command: `{command}`", "",
             "4 classic photos at 192x256, every style at strength 1, eager fp32. A pixel-shuffle grid shows as a "
             "score many times the photos' own.", "", "| model | grid_score |", "|---|---|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in rows.items()]
    (RESULTS / "grid.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
