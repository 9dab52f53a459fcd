"""``edgenst distill``: train the teacher network, distil a student, add a style, resume."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

from edgenst.cli.common import add_loss_args, add_teacher_args, loss_config, teacher_config
from edgenst.distill import DistillConfig, DistillWeights, distill
from edgenst.distill.config import NETWORK_STYLE_WEIGHT
from edgenst.distill.checkpoint import find_checkpoints
from edgenst.distill.data import style_name
from edgenst.distill.temporal import MotionConfig
from edgenst.distill.trainer import run_style_names
from edgenst.errors import InputError
from edgenst.models.serialization import load_model
from edgenst.models.style_params import TRAIN_MODES

EXAMPLES = """examples:
  # 1. the teacher network (Johnson et al. + conditional instance norm), several styles
  edgenst distill --arch teacher-net --style starry_night.jpg --style the_scream.jpg \\
      --photos photos/ --teacher vgg19-normalised --teacher-weights vgg_normalised_conv3_1.pth \\
      --steps 3000 --out runs/teacher
  # 2. the student, distilled from it (same styles, same order)
  edgenst distill --arch student --teacher-net runs/teacher/model.safetensors \\
      --style starry_night.jpg --style the_scream.jpg --photos photos/ --out runs/student
  # continue after an interruption (settings are read back from the run folder)
  edgenst distill --resume --out runs/student
  # add a style to an existing student: trains only the new style's parameters
  edgenst distill --init-from runs/student/model.safetensors --style shipwreck.jpg --train style \\
      --steps 300 --out runs/add-shipwreck
  # retrain one style of an existing student (the others and the shared layers stay as they are)
  edgenst distill --init-from runs/student/model.safetensors --style starry_night.jpg --style the_scream.jpg \\
      --photos photos/ --train style --train-style the_scream \\
      --steps 600 --out runs/scream
  # fine-tune for video: temporally stable outputs (see 'edgenst evaluate --video')
  edgenst distill --init-from runs/student/model.safetensors --temporal 100 \\
      --style starry_night.jpg --style the_scream.jpg --photos photos/ --steps 500 --out runs/stable
  # two processes, data parallel (gloo on CPU, NCCL on GPU)
  torchrun --nproc-per-node 2 -m edgenst distill ...
Style names without a path are looked up in $EDGENST_STYLE_DIR.
"""


def register(sub: argparse._SubParsersAction) -> None:
    d = DistillConfig()
    p = sub.add_parser("distill", help="train a teacher network or distil a student",
                       description="Train a transformation network with the VGG perceptual loss, optionally "
                       "distilling from a teacher network. Checkpoints every N steps; --resume continues.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder (checkpoints, model.safetensors)")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from its last checkpoint")
    p.add_argument("--arch", default=None, choices=["student", "teacher-net"], help="network to train (default student)")
    p.add_argument("--width", type=int, default=None, help="network width (student default 24, teacher 32)")
    p.add_argument("--blocks", type=int, default=None, help="residual blocks (student default 4, teacher 5)")
    p.add_argument("--center-input", action="store_true", help="student: subtract 0.5 from the input (fewer border artifacts)")
    p.add_argument("--decoder", choices=["bilinear", "shuffle"], default=None,
                   help="student: 1/4 -> 1/2 resolution by bilinear + conv (default) or 1x1 conv + pixel shuffle (fast)")
    p.add_argument("--no-half-res-affine", action="store_true",
                   help="student: no per-style scale/shift at 1/2 resolution (the fast family)")
    p.add_argument("--style", action="append", metavar="IMAGE", help="style image, name or texture:NAME (repeatable)")
    p.add_argument("--photos", action="append", metavar="DIR", help="training photos: folder, file or sample:NAME")
    p.add_argument("--teacher-net", metavar="MODEL", help="teacher network model file to distil from")
    p.add_argument("--init-from", metavar="MODEL", help="start from this model (more --style entries add styles)")
    p.add_argument("--train", choices=TRAIN_MODES, default=d.train, help="which parameters learn")
    p.add_argument("--train-style", action="append", metavar="NAME",
                   help="only this style's vector learns and is drawn (repeatable; default: all, or the added ones)")
    g = p.add_argument_group("schedule")
    g.add_argument("--steps", type=int, default=None, help=f"total steps (default {d.steps})")
    g.add_argument("--batch", type=int, default=d.batch, help="global batch size")
    g.add_argument("--crop", type=int, default=d.crop, help="training crop side in pixels")
    g.add_argument("--style-size", type=int, default=d.style_size, help="style image long side")
    g.add_argument("--style-balance", action="append", metavar="NAME=W",
                   help="multiply one style's style term by W (repeatable; others 1): paint a weak style as "
                   "strongly as the rest")
    g.add_argument("--lr", type=float, default=d.lr)
    g.add_argument("--photo-mode", type=float, default=d.photo_mode, help="fraction of strength-0 steps (student)")
    g.add_argument("--pixel-weight", type=float, default=d.weights.pixel)
    g.add_argument("--match-weight", type=float, default=d.weights.match)
    g.add_argument("--photo-weight", type=float, default=d.weights.photo, help="L1 to the photo at strength 0")
    g.add_argument("--temporal", type=float, default=d.weights.temporal, metavar="W",
                   help="temporal stability weight: a moved, noisy view's output must match the moved output "
                   "(video; 0 = off)")
    m = d.motion
    g.add_argument("--motion-shift", type=float, default=m.shift, metavar="PX", help="temporal: max shift of the second view")
    g.add_argument("--motion-rotate", type=float, default=m.rotate, metavar="DEG", help="temporal: max rotation")
    g.add_argument("--motion-zoom", type=float, default=m.zoom, help="temporal: max relative zoom")
    g.add_argument("--motion-noise", type=float, default=m.noise, metavar="STD",
                   help="temporal: noise on the second view (0 = motion only, for clean footage)")
    g.add_argument("--motion-margin", type=int, default=m.margin, metavar="PX",
                   help="temporal: pixels at the crop's edges left out of the term")
    g.add_argument("--motion-mirror", type=int, default=m.mirror, metavar="PX",
                   help="temporal: mirror-pad both views as inference pads frames (the model's receptive "
                   "radius rounded up to 4: 44 for a 24/4 student), so the frame's rim is trained too "
                   "(use with --motion-margin 0)")
    g.add_argument("--checkpoint-every", type=int, default=d.checkpoint_every, metavar="STEPS")
    g.add_argument("--log-every", type=int, default=d.log_every, metavar="STEPS")
    g.add_argument("--seed", type=int, default=d.seed)
    add_teacher_args(p)
    add_loss_args(p, style_weight=NETWORK_STYLE_WEIGHT)
    p.set_defaults(run=run)


def config_from_args(args: argparse.Namespace) -> DistillConfig:
    if not args.style:
        raise InputError("give at least one --style")
    if not args.photos:
        raise InputError("give training photos with --photos")
    arch = args.arch or "student"
    model = {k: v for k, v in (("width", args.width), ("blocks", args.blocks)) if v is not None}
    student_only = {  # flag -> (config key, value when given)
        "--decoder": ("decoder", args.decoder),
        "--no-half-res-affine": ("half_res_affine", False if args.no_half_res_affine else None),
        "--center-input": ("center_input", True if args.center_input else None),
    }
    for flag, (key, value) in student_only.items():
        if value is not None:
            if arch != "student":
                raise InputError(f"{flag} applies to the student only")
            model[key] = value
    return DistillConfig(
        arch=arch, model=model, styles=tuple(args.style), photos=tuple(args.photos), crop=args.crop,
        batch=args.batch, steps=args.steps or DistillConfig().steps, lr=args.lr, style_size=args.style_size,
        photo_mode=args.photo_mode, teacher_net=args.teacher_net, init_from=args.init_from, train=args.train,
        train_styles=_train_style_indices(args), style_balance=_style_balance(args),
        weights=DistillWeights(pixel=args.pixel_weight, match=args.match_weight, photo=args.photo_weight,
                               temporal=args.temporal),
        motion=MotionConfig(shift=args.motion_shift, rotate=args.motion_rotate, zoom=args.motion_zoom,
                            noise=args.motion_noise, margin=args.motion_margin, mirror=args.motion_mirror),
        loss=loss_config(args), teacher=teacher_config(args), seed=args.seed,
        checkpoint_every=args.checkpoint_every, log_every=args.log_every,
    )


def _style_balance(args: argparse.Namespace) -> tuple[float, ...]:
    """``--style-balance NAME=W`` entries as one weight per --style, in order (1 where not given)."""
    if not args.style_balance:
        return ()
    names = [style_name(s) for s in args.style]
    given: dict[str, float] = {}
    for item in args.style_balance:
        name, sep, value = item.rpartition("=")
        try:
            weight = float(value) if sep else float("nan")
        except ValueError:
            weight = float("nan")
        if not sep or not weight > 0 or weight == float("inf"):
            raise InputError(f"--style-balance {item!r}: expected NAME=W with W a number > 0")
        if name not in names:
            raise InputError(f"--style-balance {name}: not a --style of this run; known: {', '.join(names)}")
        given[name] = weight
    return tuple(given.get(n, 1.0) for n in names)


def _train_style_indices(args: argparse.Namespace) -> tuple[int, ...] | None:
    """``--train-style`` names as indices into the trained model's styles (the --init-from model's, then the added)."""
    if not args.train_style:
        return None
    names = [style_name(s) for s in args.style]
    if args.init_from:
        names = run_style_names(load_model(args.init_from)[1].styles, names)
    unknown = [n for n in args.train_style if n not in names]
    if unknown:
        raise InputError(f"--train-style {', '.join(unknown)}: not a style of this run; known: {', '.join(names)}")
    return tuple(sorted({names.index(n) for n in args.train_style}))


def saved_config(run_dir: str) -> DistillConfig:
    from pathlib import Path

    found = find_checkpoints(Path(run_dir))
    if not found:
        raise InputError(f"{run_dir}: no checkpoint to resume; give the run's settings (--style, --photos ...)")
    return DistillConfig.from_dict(json.loads(found[0].read_text())["config"])


def run(args: argparse.Namespace) -> int:
    if args.resume and not args.style:
        config = saved_config(args.out)
        if args.steps:
            config = replace(config, steps=args.steps)
    else:
        config = config_from_args(args)
    result = distill(config, args.out, resume=args.resume, progress=not args.quiet)
    if result.model_path is not None:
        last = result.history[-1] if result.history else {}
        print(f"{result.model_path}  ({result.steps} steps, {result.seconds:.0f} s, loss {last.get('total', float('nan')):.4g})")
    return 0
