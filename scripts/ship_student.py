"""Copy a trained student into the package as a shipped model, with thumbnails and its sha256.

    python scripts/ship_student.py RUNS/student/model.safetensors --name student-fast-v1 \\
        --recipe "bash /work/runs/student.sh ..."

Writes edgenst/pretrained/NAME.safetensors (weights + a short provenance header) and
edgenst/pretrained/thumbnails/STYLE.jpg (the student's own output on scikit-image's cat photo, so no
painting is copied into the repository), then prints the sha256 to put in ``StudentWeights``.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import torch

from edgenst.inference import StyleChoice, run_model
from edgenst.io import resize_max_side, save_image
from edgenst.models.serialization import load_model, save_model
from edgenst.samples import sample_photo

PRETRAINED = Path(__file__).resolve().parents[1] / "edgenst" / "pretrained"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--name", required=True)
    ap.add_argument("--recipe", default="", help="the command that trained it")
    ap.add_argument("--thumb-side", type=int, default=192)
    ap.add_argument("--no-thumbnails", action="store_true",
                    help="keep the existing thumbnails (they show the default student, not this one)")
    args = ap.parse_args()
    model, info = load_model(args.model)
    cfg = info.meta.get("config", {})
    meta = {
        "name": args.name,
        "steps": info.meta.get("steps"),
        "data_digest": info.meta.get("data_digest"),
        "loss": cfg.get("loss"),
        "distill_weights": cfg.get("weights"),
        "crop": cfg.get("crop"),
        "batch": cfg.get("batch"),
        "style_size": cfg.get("style_size"),
        "teacher": {k: cfg.get("teacher", {}).get(k) for k in ("source", "pyramid_levels")},
        "teacher_net": _teacher_name(cfg.get("teacher_net")),
        "motion": cfg.get("motion") if (cfg.get("weights") or {}).get("temporal") else None,
        "recipe": args.recipe,
    }
    dst = save_model(PRETRAINED / f"{args.name}.safetensors", model, info.styles, meta=meta)
    if not args.no_thumbnails:
        thumbs = PRETRAINED / "thumbnails"
        thumbs.mkdir(exist_ok=True)
        photo = resize_max_side(sample_photo("chelsea"), args.thumb_side)
        with torch.no_grad():
            for name in info.styles:
                out = run_model(model, photo, StyleChoice({name: 1.0}).vector(info.styles), 1.0)
                save_image(out, thumbs / f"{name}.jpg", quality=88)
    digest = hashlib.sha256(dst.read_bytes()).hexdigest()
    print(f"{dst} ({dst.stat().st_size / 1024:.0f} KB)\nsha256={digest}\nstyles={info.styles}")


def _teacher_name(path: str | None) -> str | None:
    """The run folder of a run's ``model.safetensors``, else the file's own name."""
    if not path:
        return None
    p = Path(path)
    return p.parent.name if p.name == "model.safetensors" else p.name


if __name__ == "__main__":
    main()
