"""``edgenst styles``: the styles a model holds, with their thumbnails."""

from __future__ import annotations

import argparse
import json
from typing import Any

from edgenst.pretrained import StudentWeights, get_weights, resolve_model, thumbnail

EXAMPLES = """examples:
  edgenst styles                                   # the default shipped student
  edgenst styles --model fast                      # another shipped member (fast, quality_v2, stable, ...)
  edgenst styles --model runs/student/model.safetensors --json   # your own student, as JSON
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("styles", help="list the styles of the shipped (or a given) model",
                       description="List a model's styles: index, name and a thumbnail (the student's own "
                       "output on a sample photo) for shipped models. The index is the position in "
                       "--style weight vectors and in an export's manifest.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    print(f"{_title(args.model)}: {info.arch}, {_shape(info.config)}, {params:,} parameters, {len(rows)} styles")
    width = max([len("style")] + [len(r["name"]) for r in rows])
    print(f"{'index':>5}  {'style':<{width}}  thumbnail")
    for r in rows:
        print(f"{r['index']:>5}  {r['name']:<{width}}  {r['thumbnail'] or '-'}")
    return 0


def _title(spec: str) -> str:
    """``default (QUALITY_V3)`` for a shipped name, the path itself for a file."""
    try:
        member: StudentWeights = get_weights(spec)
    except ValueError:
        return spec
    return spec if spec.upper() == member.name else f"{spec} ({member.name})"


def _shape(config: dict[str, Any]) -> str:
    """The architecture settings a reader compares (width, blocks), not the whole config dict."""
    parts = []
    if "width" in config:
        parts.append(f"width {config['width']}")
    if "blocks" in config:
        parts.append(f"{config['blocks']} blocks")
    return ", ".join(parts) or "default settings"
