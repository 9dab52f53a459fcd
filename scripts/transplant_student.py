"""Warm-start a student of another config from a trained one: copy every tensor whose name and
shape match, initialise the rest fresh (seeded), and save a model file for ``--init-from``.

    python scripts/transplant_student.py runs/fast-shuffle/ckpt-0001500.safetensors runs/fast-init.safetensors \\
        --set decoder=bilinear

Why: changing one layer (here the decoder) should not throw away what the rest has learned.
"""

from __future__ import annotations

import argparse
import json

import torch

from edgenst.models import build_model
from edgenst.models.serialization import load_model, save_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source")
    ap.add_argument("out")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON", help="config change, e.g. decoder=\"bilinear\"")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    src, info = load_model(args.source)
    config = src.config.to_dict()
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            config[key] = json.loads(value)
        except json.JSONDecodeError:
            config[key] = value  # a bare word: a string
    torch.manual_seed(args.seed)
    dst = build_model(info.arch, config)
    state, source = dst.state_dict(), src.state_dict()
    fresh = [k for k, v in state.items() if k not in source or source[k].shape != v.shape]
    state.update({k: source[k].clone() for k in state if k not in fresh})
    dst.load_state_dict(state)
    save_model(args.out, dst, info.styles, meta={"transplanted_from": args.source, "fresh": fresh})
    print(f"{args.out}: config {config}; {len(state) - len(fresh)} tensors copied, fresh: {fresh}")


if __name__ == "__main__":
    main()
