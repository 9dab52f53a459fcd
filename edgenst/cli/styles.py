"""``edgenst styles``: the styles a model holds, with their thumbnails; ``styles add`` fits a new one."""

from __future__ import annotations

import argparse
import json
from typing import Any

from edgenst.errors import InputError
from edgenst.pretrained import StudentWeights, get_weights, resolve_model, thumbnail

EXAMPLES = """examples:
  edgenst styles                                   # the default shipped student
  edgenst styles --model fast                      # another shipped member (fast, quality_v2, stable, ...)
  edgenst styles --model runs/student/model.safetensors --json   # your own student, as JSON
  edgenst styles add monet painting.jpg -o with-monet.safetensors \\
      --loss-net-weights vgg_normalised_conv3_1.pth               # fit a painting as a new style
"""

ADD_EXAMPLES = """examples:
  edgenst styles add monet painting.jpg --loss-net-weights vgg_normalised_conv3_1.pth
      # -> monet.safetensors: the default student plus a style 'monet'
  edgenst stylize photo.jpg --model monet.safetensors --style monet=0.5 --style udnie=0.5
  edgenst styles add monet painting.jpg --model fast -o fast-monet.safetensors --steps 400 --photos my_photos/
  edgenst styles add monet painting.jpg --work-dir runs/fit-monet   # interrupted? the same command resumes
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
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=False)
    _register_add(actions)


def _register_add(actions: argparse._SubParsersAction) -> None:
    from edgenst.style_fit import FitConfig, LOSS_NET_ENV
    from edgenst.teacher import TEACHER_SOURCES

    d = FitConfig()
    a = actions.add_parser("add", help="fit a painting as a new style of a model (a copy with one more style)",
                           description="Train only a new style's scale/shift vectors of a student for a painting "
                           "(perceptual loss on a few photos; every other weight stays bit for bit the same) "
                           "and write a copy of the model with that style under NAME. The input model is "
                           "never changed.", epilog=ADD_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("name", metavar="NAME", help="the new style's name (letters, digits, _ - .)")
    a.add_argument("painting", metavar="PAINTING", help="the painting's image file")
    a.add_argument("--model", dest="add_model", default=None, metavar="NAME_OR_FILE",
                   help="shipped model name or .safetensors file (default: the default student)")
    a.add_argument("-o", "--out", metavar="OUT.safetensors", help="the new model file (default: NAME.safetensors)")
    a.add_argument("--force", action="store_true", help="replace OUT if it exists (never the input model)")
    a.add_argument("--steps", default=str(d.steps), metavar="N", help=f"training steps (default {d.steps})")
    a.add_argument("--photos", action="append", metavar="DIR_OR_FILE",
                   help="training photos, repeatable (default: the built-in samples)")
    a.add_argument("--crop", type=int, default=d.crop, help=f"training crop side (default {d.crop})")
    a.add_argument("--batch", type=int, default=d.batch, help=f"photos per step (default {d.batch})")
    a.add_argument("--lr", type=float, default=d.lr, help=f"learning rate (default {d.lr})")
    a.add_argument("--style-weight", type=float, default=d.loss.style_weight,
                   help=f"style weight (default {d.loss.style_weight}, the network training default)")
    a.add_argument("--style-layer-weights", default="gram", metavar="W1,W2|gram|equal",
                   help="per style layer weights, or 'gram' (default: each layer by its share of the painting's "
                   "Gram mean square), or 'equal'")
    a.add_argument("--loss-net", "--teacher", dest="loss_net", choices=TEACHER_SOURCES, default=None,
                   help="loss network (default: vgg19-normalised when weights are found, else torchvision's VGG-19)")
    a.add_argument("--loss-net-weights", "--teacher-weights", dest="loss_net_weights", metavar="PATH",
                   help=f"loss network weights file (default: ${LOSS_NET_ENV} if set)")
    a.add_argument("--pyramid-levels", type=int, default=3, metavar="N",
                   help="loss network on 1, 1/2, 1/4 ... scale copies (default 3, as the shipped students)")
    a.add_argument("--work-dir", metavar="DIR", help="keep checkpoints here; the same command again resumes")
    a.add_argument("--seed", type=int, default=d.seed)
    a.add_argument("--runtime", choices=("pytorch", "executorch"), default="pytorch",
                   help="where the fit runs: pytorch (Adam, default) or executorch (the training .pte with the "
                   "runtime's SGD, as on a phone; portable kernels, far slower)")
    a.add_argument("--json", action="store_true", help="print the result as JSON")
    a.set_defaults(run=run_add, fast_exit=False)


def run_add(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from edgenst.cli.common import _numbers
    from edgenst.style_fit import FitConfig, add_style, default_loss_net
    from edgenst.teacher import TeacherConfig

    steps = _whole_number("--steps", args.steps)
    slw = args.style_layer_weights
    d = FitConfig()
    loss = replace(d.loss, style_weight=args.style_weight, layer_weighting="gram" if slw == "gram" else "equal",
                   style_layer_weights=None if slw in ("gram", "equal") else _numbers(slw))
    if args.loss_net is None or (args.loss_net == "vgg19-normalised" and not args.loss_net_weights):
        loss_net = replace(default_loss_net(args.loss_net_weights), pyramid_levels=args.pyramid_levels)
    else:
        loss_net = TeacherConfig(source=args.loss_net, weights=args.loss_net_weights, pyramid_levels=args.pyramid_levels)
    config = FitConfig(steps=steps, photos=tuple(args.photos) if args.photos else d.photos, crop=args.crop,
                       batch=args.batch, lr=args.lr, loss=loss, loss_net=loss_net, seed=args.seed,
                       work_dir=args.work_dir)
    out = args.out or f"{args.name}.safetensors"
    model = args.add_model or args.model  # 'styles --model M add ...' works too
    if args.runtime == "executorch":
        from edgenst.phone_fit import add_style_on_phone

        info = add_style_on_phone(model, args.painting, args.name, out, config, force=args.force)
    else:
        info = add_style(model, args.painting, args.name, out, config, force=args.force)
    if args.json:
        print(json.dumps({"model": str(out), "style": info.name, "index": info.index, "styles": info.model.styles,
                          "before": info.before, "after": info.after, "seconds": round(info.seconds, 1)}, indent=2))
        return 0
    print(f"{out}: style {info.name!r} (index {info.index}) added; style loss {info.before['style']:.4f} -> "
          f"{info.after['style']:.4f} in {info.seconds:.0f} s")
    print(f"use it: edgenst stylize photo.jpg --model {out} --style {info.name}")
    return 0


def _whole_number(flag: str, text: str) -> int:
    """Parsed here, not by argparse, so a bad count is one line (argparse adds its usage)."""
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{flag} must be a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise InputError(f"{flag} must be a whole number >= 1, got {value}")
    return value


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
