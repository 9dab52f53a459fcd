"""``edgenst stylize``: apply a style to photos, or to a video (file or folder of frames)."""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
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
from edgenst.inference import StyleChoice, stylize_u8
from edgenst.io import LoadedImage, check_output_path, list_images, load_image_u8, save_image, to_u8
from edgenst.optimize import INITS, OPTIMIZERS, OptimizeConfig, StyleSpec, stylize_optimize
from edgenst.color import COLOR_MODES
from edgenst.perceptual import PerceptualLoss
from edgenst.pretrained import resolve_model
from edgenst.samples import resolve_image
from edgenst.teacher import build_teacher
from edgenst.video import VIDEO_EXTENSIONS, is_video_file

log = logging.getLogger(__name__)

#: Written into an output folder so ``edgenst evaluate`` can report time per image.
RUN_RECORD = "edgenst-run.json"
#: The optimiser's default long side (it is slow); the student keeps the photo's size.
OPTIMIZE_MAX_SIDE = 512

EXAMPLES = """examples:
  edgenst stylize photo.jpg --style starry_night -o out.png            # the shipped student
  edgenst stylize photo.jpg --style starry_night --style the_scream=0.5 --strength 0.7 -o out.png
  edgenst stylize photos/ --style udnie --model runs/student/model.safetensors -o outputs/
  edgenst stylize clip.mp4 --style starry_night -o styled.mp4         # video: audio, size, fps kept
  edgenst stylize frames/ --style udnie --fps 24 -o styled.mp4        # a folder of frames -> video
  edgenst stylize clip.mov --style udnie --pte exports/student-int8.pte -o styled.mp4   # ExecuTorch int8
  edgenst stylize sample:chelsea --style texture:swirl --teacher random -o cat.png   # Gatys (optimize)
  edgenst stylize photo.jpg --style starry_night.jpg --teacher vgg19-normalised \\
      --teacher-weights vgg_normalised_conv3_1.pth -o out.png
  edgenst stylize photos/ --style a.jpg=0.7 --style b.jpg=0.3 --strength 2 -o outputs/   # optimize: strength up to 10
  edgenst stylize photo.jpg --style sky.jpg --mask sky_mask.png --style ground.jpg --mask ground_mask.png -o out.png
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stylize",
        help="stylize photos",
        description="Stylize one photo, several, or a folder. With style names (see 'edgenst styles') a "
        "trained student runs (fast, any size); with style images the Gatys et al. optimisation runs "
        "(slow, the quality reference). --method picks explicitly.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help=f"image file, folder of images, sample:NAME, or a video ({' '.join(sorted(VIDEO_EXTENSIONS))})")
    p.add_argument("-o", "--output", required=True,
                   help="output file (one input) or folder; a video file name makes a folder of frames a video")
    p.add_argument("--method", default="auto", choices=["auto", "student", "optimize"],
                   help="auto (default): the student when every --style is one of its styles, else optimize")
    p.add_argument("--style", action="append", required=True, metavar="STYLE[=WEIGHT]",
                   help="style name of the model, or (optimize) a style image / texture:NAME; repeatable, "
                   "weights blend styles")
    p.add_argument("--mask", action="append", metavar="IMAGE",
                   help="(optimize) region mask (white = paint here) for the style at the same position")
    p.add_argument("--strength", type=float, default=1.0,
                   help="style strength: 0 = the photo, 1 = full style (default); optimize accepts up to 10")
    p.add_argument("--model", default=None, metavar="NAME_OR_FILE",
                   help="(student) a shipped model name or a model file from 'edgenst distill' (default: 'default' "
                   "for photos, 'stable', trained for temporal stability, for videos)")
    p.add_argument("--tile", type=int, default=1024, help="(student) tile side for large photos; bounds memory")
    p.add_argument("--keep-alpha", action="store_true", help="re-attach the input's alpha channel to the output")
    v = p.add_argument_group("video")
    v.add_argument("--pte", metavar="FILE", help="run frames with this ExecuTorch program ('edgenst export'; int8 is "
                   "fastest) instead of eager PyTorch; other frame sizes are scaled to fit an exported size")
    v.add_argument("--fps", type=float, default=24.0, help="frame rate of a folder of frames (default 24)")
    v.add_argument("--crf", type=int, default=20, help="encoder quality, lower is better (default 20)")
    g = p.add_argument_group("optimisation")
    g.add_argument("--steps", type=int, default=200)
    g.add_argument("--optimizer", default="lbfgs", choices=OPTIMIZERS)
    g.add_argument("--lr", type=float, default=None, help="learning rate (default 1 for L-BFGS, 0.02 for Adam)")
    g.add_argument("--init", default="content", choices=INITS)
    g.add_argument("--color", default="none", choices=COLOR_MODES, help="colour preservation")
    g.add_argument("--style-scale", type=float, default=1.0,
                   help="style image long side as a multiple of the photo's (smaller = finer strokes)")
    g.add_argument("--seed", type=int, default=0)
    add_image_args(p, max_side=None)
    add_teacher_args(p)
    add_loss_args(p)
    p.set_defaults(run=run, fast_exit=True)  # done when run returns: see cli.main.entry


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


def _is_video_job(args: argparse.Namespace) -> bool:
    """One video file in, or one folder of frames with a video file out."""
    if len(args.inputs) != 1:
        if any(is_video_file(i) for i in args.inputs):
            raise InputError("stylize one video at a time")
        return False
    src = args.inputs[0]
    return is_video_file(src) or (Path(src).is_dir() and is_video_file(args.output))


def run(args: argparse.Namespace) -> int:
    video = _is_video_job(args)
    if args.model is None:
        args.model = "stable" if video else "default"
    if video:
        return _run_video(args)
    if args.pte:
        raise InputError("--pte runs videos; for photos use --model")
    inputs = _expand_inputs(args.inputs)
    multi = len(inputs) > 1 or any(Path(i).is_dir() for i in args.inputs)
    outputs = _output_paths(inputs, args.output, multi=multi)
    protect = [i for i in inputs if not i.startswith(("sample:", "texture:"))]
    protect += [parse_weighted(s)[0] for s in args.style] + list(args.mask or []) + [args.model]
    for dst in outputs:
        check_output_path(dst, protect)
    if not 0.0 <= args.strength <= 10.0:
        raise InputError(f"strength must be in [0, 1] (optimize: up to 10), got {args.strength}")

    method, model = _choose_method(args)
    if method == "student":
        record = _run_student(args, model, inputs, outputs, protect)
    else:
        record = _run_optimize(args, inputs, outputs, protect)
    if multi:
        meta = {"styles": args.style, "method": method, "teacher": args.teacher, "model": args.model, "outputs": record}
        (Path(args.output) / RUN_RECORD).write_text(json.dumps(meta, indent=2))
    return 0


def _choose_method(args: argparse.Namespace) -> tuple[str, tuple | None]:
    names = [parse_weighted(s)[0] for s in args.style]
    is_image = [n.startswith("texture:") or Path(n).is_file() for n in names]
    if args.method == "optimize" or (args.method == "auto" and all(is_image)):
        return "optimize", None
    model, info = resolve_model(args.model)
    missing = [n for n in names if n not in info.styles]
    if not missing:
        return "student", (model, info)
    if args.method == "student" or not all(is_image[names.index(n)] for n in missing):
        raise InputError(f"unknown style {missing[0]!r}; the model has: {', '.join(info.styles)} "
                         "('edgenst styles' lists them; --method optimize takes image files)")
    log.info("%s is not one of the model's styles: using the Gatys optimiser (slow)", missing[0])
    return "optimize", None


def _run_student(args: argparse.Namespace, model_info: tuple, inputs: list[str], outputs: list[Path], protect: list[str]) -> dict:
    if args.mask:
        raise InputError("--mask works with --method optimize only")
    if args.strength > 1.0:
        raise InputError(f"a student's strength is in [0, 1], got {args.strength}")
    model, info = model_info
    choice = StyleChoice(weights=dict(parse_weighted(s) for s in args.style), strength=args.strength)
    vector = choice.vector(info.styles)
    record: dict[str, dict] = {}
    for n, (src, dst) in enumerate(zip(inputs, outputs), start=1):
        loaded = _load_8bit(src, args)  # 8-bit frames, tiles streamed: memory bounded for big photos
        t0 = time.perf_counter()
        # In place: the photo's rows become the picture's as tiles finish (one 8-bit frame held).
        image = stylize_u8(model, loaded.tensor, vector, choice.strength, tile=args.tile, out=loaded.tensor)
        seconds = time.perf_counter() - t0
        alpha, size = loaded.alpha, loaded.size
        del loaded
        save_image(image, dst, alpha=alpha, protect=protect)
        record[dst.name] = {"input": src, "seconds": round(seconds, 4), "method": "student"}
        log.info("[%d/%d] %s (%dx%d) -> %s", n, len(inputs), src, size[1], size[0], dst)
        print(f"{dst}  ({seconds:.2f} s)")
    return record


def _load_8bit(src: str, args: argparse.Namespace) -> LoadedImage:
    """A photo as uint8 (``load_image_u8``); the built-in samples are small and arrive as float."""
    alpha = "keep" if args.keep_alpha else "white"
    if src.startswith(("sample:", "texture:")):
        loaded = resolve_image(src, max_pixels=args.max_pixels, max_side=args.max_side, alpha=alpha)
        return replace(loaded, tensor=to_u8(loaded.tensor))
    return load_image_u8(src, max_pixels=args.max_pixels, max_side=args.max_side, alpha=alpha)


def _run_optimize(args: argparse.Namespace, inputs: list[str], outputs: list[Path], protect: list[str]) -> dict:
    if args.mask and len(args.mask) != len(args.style):
        raise InputError(f"{len(args.mask)} masks for {len(args.style)} styles; give one mask per style")
    opt_config = OptimizeConfig(
        steps=args.steps, optimizer=args.optimizer, lr=args.lr, init=args.init, strength=100.0 * args.strength,
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
        loaded = resolve_image(src, max_pixels=args.max_pixels, max_side=OPTIMIZE_MAX_SIDE if args.max_side is None else args.max_side,
                               alpha="keep" if args.keep_alpha else "white")
        log.info("[%d/%d] %s (%dx%d) -> %s", n, len(inputs), src, loaded.size[1], loaded.size[0], dst)
        result = stylize_optimize(loaded.tensor, styles, loss, opt_config, progress=not args.quiet)
        save_image(result.image, dst, alpha=loaded.alpha, protect=protect)
        final = result.history[-1]
        record[dst.name] = {"input": src, "seconds": round(result.seconds, 3), "method": "optimize",
                            "loss": {k: round(v, 6) for k, v in final.items() if k != "step"}}
        print(f"{dst}  ({result.seconds:.1f} s, loss {final['total']:.4g})")
    return record


def _run_video(args: argparse.Namespace) -> int:
    from edgenst.video_stylize import EagerStylizer, PteStylizer, stylize_video

    src, out = args.inputs[0], Path(args.output)
    if out.suffix and not is_video_file(out):
        raise InputError(f"{out}: a video goes to {', '.join(sorted(VIDEO_EXTENSIONS))}, or frames into a folder")
    if args.strength > 1.0 or args.strength < 0:
        raise InputError(f"a student's strength is in [0, 1], got {args.strength}")
    method, model_info = _choose_method(args)
    if method != "student":
        raise InputError("video runs a trained student: choose its styles ('edgenst styles'), not style images")
    model, info = model_info
    choice = StyleChoice(weights=dict(parse_weighted(s) for s in args.style), strength=args.strength)
    vector = choice.vector(info.styles)
    if args.pte:
        from edgenst.runtime import PteModel, set_threads

        if args.threads:
            set_threads(args.threads)  # before the program opens (see runtime.set_threads)
        stylizer = PteStylizer(PteModel(args.pte), vector, choice.strength)
    else:
        stylizer = EagerStylizer(model, vector, choice.strength, tile=args.tile)
    protect = (src, args.model, *(args.pte and [args.pte] or []))
    result = stylize_video(src, out, stylizer, fps=args.fps, crf=args.crf, max_pixels=args.max_pixels,
                           progress=not args.quiet, protect=protect)
    print(f"{result.output}  ({result.frames} frames, {result.size[1]}x{result.size[0]}, {result.fps:.3g} fps"
          f"{', audio kept' if result.audio else ''}; {result.seconds:.1f} s, {result.throughput:.1f} frames/s)")
    return 0
