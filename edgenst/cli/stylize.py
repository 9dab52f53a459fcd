"""``edgenst stylize``: apply a style to photos, or to a video (file or folder of frames)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from edgenst.cli.common import (
    add_image_args,
    add_loss_args,
    add_teacher_args,
    loss_config,
    parse_weighted,
    teacher_config,
)
from edgenst.errors import InputError
from edgenst.gatys.color import COLOR_MODES
from edgenst.gatys.optimize import INITS, OPTIMIZERS, OptimizeConfig
from edgenst.io import check_output_path
from edgenst.style_fit import FitConfig
from edgenst.stylize.run_record import write_run_record
from edgenst.stylize.paths import expand_inputs, is_batch, is_video_job, output_paths, protected_files
from edgenst.stylize.photos import METHODS, check_strength, choose_method, stylize_with_optimizer, stylize_with_student
from edgenst.video.files import VIDEO_EXTENSIONS, is_video_file

log = logging.getLogger(__name__)

EXAMPLES = """examples:
  edgenst stylize photo.jpg --style starry_night -o out.png            # the shipped student
  edgenst stylize photo.jpg --style starry_night --style the_scream=0.5 --strength 0.7 -o out.png
  edgenst stylize photos/ --style udnie --model runs/student/model.safetensors -o outputs/
  edgenst stylize clip.mp4 --style starry_night -o styled.mp4         # video: audio, size, fps kept
  edgenst stylize frames/ --style udnie --fps 24 -o styled.mp4        # a folder of frames -> video
  edgenst stylize clip.mov --style udnie --pte exports/student-int8.pte -o styled.mp4   # ExecuTorch int8
  edgenst stylize photo.jpg --style painting.jpg -o out.png           # any painting: the student, predicted style
  edgenst stylize photo.jpg --style painting.jpg=0.5 --style udnie=0.5 --strength 0.8 -o out.png
  edgenst stylize photo.jpg --style painting.jpg --fit -o out.png     # refine the predicted style first (minutes)
  edgenst stylize sample:chelsea --style texture:swirl --teacher random -o cat.png   # Gatys (optimize)
  edgenst stylize photo.jpg --style starry_night.jpg --method optimize --teacher vgg19-normalised \\
      --teacher-weights vgg_normalised_conv3_1.pth -o out.png
  edgenst stylize photos/ --style a.jpg=0.7 --style b.jpg=0.3 --strength 2 -o outputs/   # optimize: strength up to 10
  edgenst stylize photo.jpg --style sky.jpg --mask sky_mask.png --style ground.jpg --mask ground_mask.png -o out.png
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stylize",
        help="stylize photos",
        description="Stylize one photo, several, or a folder. With style names (see 'edgenst styles') a "
        "trained student runs (fast, any size); a painting file is turned into the student's style by its "
        "style predictor (milliseconds; --fit refines it in minutes); texture: patterns, masks and "
        "--method optimize run the Gatys et al. optimisation (slow, the quality reference).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help=f"image file, folder of images, sample:NAME, or a video ({' '.join(sorted(VIDEO_EXTENSIONS))})")
    p.add_argument("-o", "--output", required=True,
                   help="output file (one input) or folder; a video file name makes a folder of frames a video")
    p.add_argument("--method", default="auto", choices=METHODS,
                   help="auto (default): the student when every --style is one of its styles or a painting its "
                   "style predictor can read, else optimize")
    p.add_argument("--style", action="append", required=True, metavar="STYLE[=WEIGHT]",
                   help="style name of the model, a painting (image file), or (optimize) texture:NAME; "
                   "repeatable, weights blend styles")
    p.add_argument("--mask", action="append", metavar="IMAGE",
                   help="(optimize) region mask (white = paint here) for the style at the same position")
    p.add_argument("--strength", type=float, default=1.0,
                   help="style strength: 0 = the photo, 1 = full style (default); optimize accepts up to 10")
    p.add_argument("--model", default=None, metavar="NAME_OR_FILE",
                   help="(student) a shipped model name or a model file from 'edgenst distill' (default: 'default' "
                   "for photos, 'stable', trained for temporal stability, for videos)")
    p.add_argument("--fit", action="store_true",
                   help="(student) refine each painting's predicted style by fitting it (as 'edgenst styles add', "
                   "minutes a painting; --steps and the loss network flags below apply)")
    p.add_argument("--predictor", metavar="FILE", default=None,
                   help="(student) a style predictor file (default: the one shipped for the model)")
    p.add_argument("--tile", type=int, default=1024, help="(student) tile side for large photos; bounds memory")
    p.add_argument("--keep-alpha", action="store_true", help="re-attach the input's alpha channel to the output")
    v = p.add_argument_group("video")
    v.add_argument("--pte", metavar="FILE", help="run frames with this ExecuTorch program ('edgenst export'; int8 is "
                   "fastest) instead of eager PyTorch; other frame sizes are scaled to fit an exported size")
    v.add_argument("--fps", type=float, default=24.0, help="frame rate of a folder of frames (default 24)")
    v.add_argument("--crf", type=int, default=20, help="encoder quality, lower is better (default 20)")
    g = p.add_argument_group("optimisation")
    g.add_argument("--steps", type=int, default=200, help="optimisation steps of the Gatys method, or of --fit "
                   "(default 200)")
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


def run(args: argparse.Namespace) -> int:
    video = is_video_job(args.inputs, args.output)
    if args.model is None:
        args.model = "stable" if video else "default"
    if video:
        return _run_video(args)
    if args.pte:
        raise InputError("--pte runs videos; for photos use --model")
    inputs = expand_inputs(args.inputs)
    multi = is_batch(args.inputs, inputs)
    outputs = output_paths(inputs, args.output, multi=multi)
    styles = [parse_weighted(s) for s in args.style]
    protect = protected_files(inputs, [name for name, _ in styles], args.mask or [], args.model)
    for dst in outputs:
        check_output_path(dst, protect)
    check_strength(args.strength)

    choice = choose_method([name for name, _ in styles], method=args.method, model=args.model,
                           paintings=not args.mask and args.strength <= 1.0, predictor=args.predictor,
                           fit=_fit_config(args), progress=not args.quiet)
    images = dict(keep_alpha=args.keep_alpha, max_pixels=args.max_pixels, max_side=args.max_side, protect=protect)
    if choice.model is not None and choice.info is not None:
        if args.mask:
            raise InputError("--mask works with --method optimize only")
        results = stylize_with_student(choice.model, choice.info, inputs, outputs, styles, strength=args.strength,
                                       tile=args.tile, **images)
    else:
        config = OptimizeConfig(steps=args.steps, optimizer=args.optimizer, lr=args.lr, init=args.init,
                                color=args.color, style_scale=args.style_scale, seed=args.seed)
        results = stylize_with_optimizer(inputs, outputs, styles, masks=args.mask or (), strength=args.strength,
                                         config=config, loss=loss_config(args), loss_net=teacher_config(args),
                                         progress=not args.quiet, **images)
    record: dict[str, dict] = {}
    for result in results:
        record[result.output.name] = result.record_entry()
        if result.loss is None:
            print(f"{result.output}  ({result.seconds:.2f} s)")
        else:
            print(f"{result.output}  ({result.seconds:.1f} s, loss {result.loss['total']:.4g})")
    if multi:
        write_run_record(args.output, styles=args.style, method=choice.method, loss_net=args.teacher, model=args.model,
                         outputs=record)
    return 0


def _run_video(args: argparse.Namespace) -> int:
    from edgenst.video.stylize import make_stylizer, stylize_video

    src, out = args.inputs[0], Path(args.output)
    if out.suffix and not is_video_file(out):
        raise InputError(f"{out}: a video goes to {', '.join(sorted(VIDEO_EXTENSIONS))}, or frames into a folder")
    if args.strength > 1.0 or args.strength < 0:
        raise InputError(f"a student's strength is in [0, 1], got {args.strength}")
    choice = choose_method([parse_weighted(s)[0] for s in args.style], method=args.method, model=args.model,
                           predictor=args.predictor, fit=_fit_config(args), progress=not args.quiet)
    if choice.model is None or choice.info is None:
        raise InputError("video runs a trained student: choose its styles ('edgenst styles'), not style images")
    stylizer = make_stylizer(choice.model, choice.info, [parse_weighted(s) for s in args.style], args.strength,
                             pte=args.pte, tile=args.tile, threads=args.threads)
    protect = (src, args.model, *(args.pte and [args.pte] or []))
    result = stylize_video(src, out, stylizer, fps=args.fps, crf=args.crf, max_pixels=args.max_pixels,
                           progress=not args.quiet, protect=protect)
    print(f"{result.output}  ({result.frames} frames, {result.size[1]}x{result.size[0]}, {result.fps:.3g} fps"
          f"{', audio kept' if result.audio else ''}; {result.seconds:.1f} s, {result.throughput:.1f} frames/s)")
    return 0


def _fit_config(args: argparse.Namespace) -> FitConfig | None:
    """``--fit``: ``edgenst styles add``'s settings; the loss network flags apply when given."""
    if not args.fit:
        return None
    explicit = args.teacher != "vgg19" or args.teacher_weights is not None
    return FitConfig(steps=args.steps, loss_net=teacher_config(args) if explicit else None, seed=args.seed)
