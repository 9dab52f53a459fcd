"""Arguments shared by several subcommands, and their translation into library configs."""

from __future__ import annotations

import argparse

from edgenst.errors import InputError
from edgenst.io import DEFAULT_MAX_PIXELS
from edgenst.perceptual import DEFAULT_CONTENT_LAYERS, DEFAULT_STYLE_LAYERS, LossConfig
from edgenst.teacher import TEACHER_SOURCES, TeacherConfig


def add_teacher_args(p: argparse.ArgumentParser) -> None:
    """The VGG loss network's flags. It is named the *loss network* (``--loss-net``), so that
    "teacher" means only the teacher network students learn from (``--teacher-net``); the old
    ``--teacher`` / ``--teacher-weights`` spellings stay as aliases, and ``args.teacher`` /
    ``args.teacher_weights`` keep their names for the code that reads them."""
    g = p.add_argument_group("loss network (VGG)")
    g.add_argument("--loss-net", "--teacher", dest="teacher", default="vgg19", choices=TEACHER_SOURCES,
                   help="weights of the loss network (default: torchvision's ImageNet VGG-19); "
                   "--teacher is the older spelling")
    g.add_argument("--loss-net-weights", "--teacher-weights", dest="teacher_weights", metavar="PATH",
                   help="local weights file (torchvision VGG .pth, or the normalised VGG-19 .pth); "
                   "--teacher-weights is the older spelling")
    g.add_argument("--pyramid-levels", type=int, default=3, metavar="N",
                   help="also apply the loss network to 1/2, 1/4 ... scale copies (default: 3 levels)")
    g.add_argument("--no-download", action="store_true", help="never try to download loss network weights")


def add_loss_args(p: argparse.ArgumentParser, *, style_weight: float | None = None) -> None:
    defaults = LossConfig()
    g = p.add_argument_group("loss weights (each term starts near 1, so weights read as ratios)")
    g.add_argument("--content-weight", type=float, default=defaults.content_weight)
    g.add_argument("--style-weight", type=float, default=style_weight or defaults.style_weight)
    g.add_argument("--tv-weight", type=float, default=defaults.tv_weight)
    g.add_argument("--content-layers", default=",".join(DEFAULT_CONTENT_LAYERS), metavar="L1,L2")
    g.add_argument("--style-layers", default=",".join(DEFAULT_STYLE_LAYERS), metavar="L1,L2")
    g.add_argument("--style-layer-weights", default=None, metavar="W1,W2|gram",
                   help="one weight per style layer (default: equal; normalised to sum to 1), or 'gram': each "
                   "layer and pyramid level counts by its share of the painting's Gram mean square (the plain "
                   "Gram MSE of Gatys et al., made scale-free; no weights to guess)")


def add_image_args(p: argparse.ArgumentParser, *, max_side: int | None = 512) -> None:
    g = p.add_argument_group("images")
    default = f"default {max_side}" if max_side else "default: 512 for optimize, the photo's size for a student"
    g.add_argument("--max-side", type=int, default=max_side, help=f"downsize so the long side is at most this ({default})")
    g.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, help="refuse larger images (decompression bombs)")


def teacher_config(args: argparse.Namespace) -> TeacherConfig:
    return TeacherConfig(
        source=args.teacher,
        weights=args.teacher_weights,
        pyramid_levels=args.pyramid_levels,
        allow_download=not args.no_download,
    )


def loss_config(args: argparse.Namespace) -> LossConfig:
    slw = getattr(args, "style_layer_weights", None)
    return LossConfig(
        content_layers=_layers(args.content_layers),
        style_layers=_layers(args.style_layers),
        style_layer_weights=_numbers(slw) if slw and slw != "gram" else None,
        layer_weighting="gram" if slw == "gram" else "equal",
        content_weight=args.content_weight,
        style_weight=args.style_weight,
        tv_weight=args.tv_weight,
    )


def _layers(text: str) -> tuple[str, ...]:
    layers = tuple(t.strip() for t in text.split(",") if t.strip())
    if not layers:
        raise InputError(f"no layer names in {text!r}")
    return layers


def _numbers(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise InputError(f"expected comma-separated numbers, got {text!r}") from None
    if not values or any(not (0 <= v < float("inf")) for v in values):
        raise InputError(f"expected comma-separated finite numbers >= 0, got {text!r}")
    return values


def parse_weighted(spec: str) -> tuple[str, float]:
    """``NAME_OR_PATH[=WEIGHT]`` -> (name, weight); a path containing '=' still works."""
    head, sep, tail = spec.rpartition("=")
    if sep:
        try:
            return head, float(tail)
        except ValueError:
            pass
    return spec, 1.0
