"""``edgenst styles``: the styles a model holds, with their thumbnails."""

from __future__ import annotations

import argparse
import json

from edgenst.pretrained import resolve_model, thumbnail


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("styles", help="list the styles of the shipped (or a given) model",
                       description="List a model's styles: index, name and a thumbnail (the student's own "
                       "output on a sample photo) for shipped models.")
    p.add_argument("--model", default="default", metavar="NAME_OR_FILE", help="shipped model name or model file")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=run, fast_exit=True)  # done when run returns: see cli.main.entry


def run(args: argparse.Namespace) -> int:
    model, info = resolve_model(args.model)
    rows = [{"index": i, "name": name, "thumbnail": str(thumbnail(name) or "")} for i, name in enumerate(info.styles)]
    if args.json:
        print(json.dumps({"model": args.model, "arch": info.arch, "config": info.config, "styles": rows}, indent=2))
        return 0
    params = sum(p.numel() for p in model.parameters())
    print(f"{args.model}: {info.arch} {info.config}, {params:,} parameters")
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['index']:>3}  {r['name']:<{width}}  {r['thumbnail'] or '-'}")
    return 0
