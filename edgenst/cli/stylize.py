"""``edgenst stylize``: apply a style to photos."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import torch

from edgenst.cli.common import (
    add_image_args,
    add_loss_args,
    add_teacher_args,
    loss_config,
    parse_weighted,
    teacher_config,
)
from edgenst.errors import InputError
from edgenst.io import check_output_path, list_images, save_image
from edgenst.optimize import INITS, OPTIMIZERS, OptimizeConfig, StyleSpec, stylize_optimize
from edgenst.color import COLOR_MODES
from edgenst.perceptual import PerceptualLoss
from edgenst.samples import resolve_image
from edgenst.teacher import build_teacher

log = logging.getLogger(__name__)

#: Written into an output folder so ``edgenst evaluate`` can report time per image.
RUN_RECORD = "edgenst-run.json"

EXAMPLES = """examples:
  edgenst stylize sample:chelsea --style texture:swirl --teacher random -o cat.png
  edgenst stylize photo.jpg --style starry_night.jpg --teacher vgg19-normalised \\
      --teacher-weights vgg_normalised_conv3_1.pth -o out.png
  edgenst stylize photos/ --style a.jpg=0.7 --style b.jpg=0.3 --strength 60 -o outputs/
  edgenst stylize photo.jpg --style sky.jpg --mask sky_mask.png --style ground.jpg --mask ground_mask.png -o out.png
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stylize",
        help="stylize photos",
        description="Stylize one photo, several, or a folder. --method optimize runs the Gatys et al. "
        "optimisation (slow, the quality reference).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image file, folder of images, or sample:NAME")
    p.add_argument("-o", "--output", required=True, help="output file (one input) or folder")
    p.add_argument("--method", default="optimize", choices=["optimize"], help="stylization method")
    p.add_argument("--style", action="append", required=True, metavar="IMAGE[=WEIGHT]",
                   help="style image (file or texture:NAME), repeatable; weights blend styles")
    p.add_argument("--mask", action="append", metavar="IMAGE",
                   help="region mask (white = paint here) for the style at the same position")
    p.add_argument("--strength", type=float, default=100.0, help="style strength in percent (default 100)")
    p.add_argument("--keep-alpha", action="store_true", help="re-attach the input's alpha channel to the output")
    g = p.add_argument_group("optimisation")
    g.add_argument("--steps", type=int, default=200)
    g.add_argument("--optimizer", default="lbfgs", choices=OPTIMIZERS)
    g.add_argument("--lr", type=float, default=None, help="learning rate (default 1 for L-BFGS, 0.02 for Adam)")
    g.add_argument("--init", default="content", choices=INITS)
    g.add_argument("--color", default="none", choices=COLOR_MODES, help="colour preservation")
    g.add_argument("--style-scale", type=float, default=1.0,
                   help="style image long side as a multiple of the photo's (smaller = finer strokes)")
    g.add_argument("--seed", type=int, default=0)
    add_image_args(p)
    add_teacher_args(p)
    add_loss_args(p)
    p.set_defaults(run=run)


def _expand_inputs(inputs: list[str]) -> list[str]:
    out: list[str] = []
    for item in inputs:
        path = Path(item)
        if not item.startswith(("sample:", "texture:")) and path.is_dir():
            found = list_images(path)
            if not found:
                raise InputError(f"{path}: no images in this folder")
            out += [str(f) for f in found]
        else:
            out.append(item)
    return out


def _output_paths(inputs: list[str], output: str, *, multi: bool) -> list[Path]:
    out = Path(output)
    if not multi and out.suffix:
        return [out]
    if out.suffix and out.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp"):
        raise InputError(f"{out}: several inputs need an output folder, not a file name")
    names = [Path(i.split(":", 1)[1]).stem if i.startswith(("sample:", "texture:")) else Path(i).stem for i in inputs]
    if len(set(names)) != len(names):
        raise InputError("two inputs share a file name; stylize them into separate folders")
    return [out / f"{n}.png" for n in names]


def run(args: argparse.Namespace) -> int:
    inputs = _expand_inputs(args.inputs)
    multi = len(inputs) > 1 or any(Path(i).is_dir() for i in args.inputs)
    outputs = _output_paths(inputs, args.output, multi=multi)
    protect = [i for i in inputs if not i.startswith(("sample:", "texture:"))]
    protect += [parse_weighted(s)[0] for s in args.style] + list(args.mask or [])
    for dst in outputs:
        check_output_path(dst, protect)
    if args.mask and len(args.mask) != len(args.style):
        raise InputError(f"{len(args.mask)} masks for {len(args.style)} styles; give one mask per style")

    opt_config = OptimizeConfig(
        steps=args.steps, optimizer=args.optimizer, lr=args.lr, init=args.init, strength=args.strength,
        color=args.color, style_scale=args.style_scale, seed=args.seed,
    )
    lcfg = loss_config(args)
    styles = []
    for i, spec in enumerate(args.style):
        name, weight = parse_weighted(spec)
        image = resolve_image(name, max_pixels=args.max_pixels, max_side=2048).tensor
        mask = None
        if args.mask:
            mask = resolve_image(args.mask[i], max_pixels=args.max_pixels).tensor.mean(dim=1, keepdim=True)
        styles.append(StyleSpec(image=image, weight=weight, mask=mask))
    loss = PerceptualLoss(build_teacher(teacher_config(args), lcfg.all_layers), lcfg)

    record: dict[str, dict] = {}
    torch.manual_seed(args.seed)
    for n, (src, dst) in enumerate(zip(inputs, outputs), start=1):
        loaded = resolve_image(src, max_pixels=args.max_pixels, max_side=args.max_side,
                               alpha="keep" if args.keep_alpha else "white")
        log.info("[%d/%d] %s (%dx%d) -> %s", n, len(inputs), src, loaded.size[1], loaded.size[0], dst)
        result = stylize_optimize(loaded.tensor, styles, loss, opt_config, progress=not args.quiet)
        save_image(result.image, dst, alpha=loaded.alpha, protect=protect)
        final = result.history[-1]
        record[dst.name] = {"input": src, "seconds": round(result.seconds, 3), "method": args.method,
                            "loss": {k: round(v, 6) for k, v in final.items() if k != "step"}}
        print(f"{dst}  ({result.seconds:.1f} s, loss {final['total']:.4g})")
    if multi:
        meta = {"styles": args.style, "teacher": args.teacher, "outputs": record}
        (Path(args.output) / RUN_RECORD).write_text(json.dumps(meta, indent=2))
    return 0
