"""``edgenst export`` and ``edgenst verify``: the export folder a phone app loads, and its check."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
from pathlib import Path
from typing import Iterator

from edgenst.cli.common import add_teacher_args, teacher_config
from edgenst.errors import EdgenstError, InputError
from edgenst.extras import require
from edgenst.reference_images import load_photos, style_finder

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    from edgenst.export.app_model import DEFAULT_SIZES
    from edgenst.export.bundle import COREML_COMPRESS, FORMATS
    from edgenst.export.recipes import recipe_names

    sizes = ",".join(f"{h}x{w}" for h, w in DEFAULT_SIZES)
    p = sub.add_parser(
        "export", help="export a student to ExecuTorch (.pte, fp32/int8) and Core ML, then verify",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write an export folder: the source model, <name>-fp32.pte and <name>-int8.pte (XNNPACK), "
        "<name>.mlpackage (Core ML, iOS 17+) and manifest.json, then check the .pte files against PyTorch.",
        epilog="examples:\n  edgenst export -o exports/\n"
        "  edgenst export --model run/model.safetensors --sizes 256x256,720x1280 --formats pte-int8 "
        "--calib-photos photos/ -o out/",
    )
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="export folder (created if needed)")
    p.add_argument("--model", default="fast", metavar="NAME_OR_FILE",
                   help="shipped model name or model file (default: fast, the real-time member; "
                   "'quality' paints more texture at a third of the speed; its int8 .pte misses the 32 dB PSNR gate, see README)")
    p.add_argument("--sizes", default=sizes, metavar="HxW,...", help=f"one method per size, HEIGHTxWIDTH (default {sizes})")
    p.add_argument("--formats", default=",".join(FORMATS), metavar="F,...", help=f"subset of {','.join(recipe_names())}")
    p.add_argument("--name", default="student", help="file name stem of the artifacts")
    p.add_argument("--calib-photos", action="append", metavar="DIR_OR_FILE",
                   help="photos to calibrate int8 on (default: the built-in sample photos)")
    p.add_argument("--calib-count", type=int, default=32, metavar="N", help="use at most N calibration photos")
    p.add_argument("--calib-size", type=int, default=256, metavar="PX", help="calibration crop side")
    p.add_argument("--qat-steps", type=int, default=0, metavar="N",
                   help="quantization-aware fine-tuning steps after calibration (0: post-training only)")
    p.add_argument("--fp32-layers", default="auto", metavar="auto|none|L,...",
                   help="int8: layers kept in fp32 inside the XNNPACK delegate (auto: the early layers of the "
                   "quality students, none for fast; none: every layer int8; or names such as stem,down)")
    p.add_argument("--equalize", default="auto", metavar="auto|off|ALPHA",
                   help="int8: cross-layer equalization before quantizing, exact in fp32 (auto: the library's "
                   "default alpha; off; or an alpha in [0, 1])")
    p.add_argument("--style-vector", action="store_true",
                   help="the .pte files also take a style vector beside the style weights (vector_HxW methods; "
                   "manifest.json's style_vector says how to feed it), and the Core ML package gains the same two "
                   "inputs, optional (its manifest entry's vector_inputs): for predicted or fitted paintings")
    p.add_argument("--predictor", metavar="FILE",
                   help="style predictor weights for the predictor-* formats (default: the shipped one)")
    p.add_argument("--coreml-compress", default="int8", choices=COREML_COMPRESS, help="Core ML weight compression")
    p.add_argument("--no-verify", action="store_true", help="skip the parity check after exporting")
    _add_verify_args(p)
    p.set_defaults(run=run_export, quiet_dependencies=True)  # coremltools, ExecuTorch: see cli.logs

    v = sub.add_parser(
        "verify", help="check an export folder: sha256s, then .pte outputs against eager PyTorch",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Load each .pte in the ExecuTorch runtime and compare with the source model on photos:\n"
        "fp32 max abs difference <= 1e-4; int8 PSNR >= 32 dB and VGG content/style loss within 5% of fp32.\n"
        "Exit 0 when every check passes, 1 when one fails, 2 for a missing, corrupt or mismatched file.",
        epilog="examples:\n  edgenst verify exports/                   # sample photos; VGG loss check if VGG-19 is cached\n"
        "  edgenst verify exports/ --photos photos/ --photo-count 16 --teacher vgg19-normalised \\\n"
        "      --teacher-weights vgg_normalised_conv3_1.pth --style-dir paintings/\n"
        "  edgenst verify exports/ --no-loss-check --report check.json",
    )
    v.add_argument("folder", metavar="DIR")
    _add_verify_args(v)
    v.set_defaults(run=run_verify, quiet_dependencies=True)


def _add_verify_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("verification")
    g.add_argument("--photos", action="append", metavar="DIR_OR_FILE",
                   help="photos to verify on (default: the built-in sample photos)")
    g.add_argument("--photo-count", type=int, default=8, metavar="N", help="use at most N photos")
    g.add_argument("--style-dir", metavar="DIR", help="folder with the style paintings, by style name "
                   "(default: $EDGENST_STYLE_DIR); without it the style-loss check is skipped")
    g.add_argument("--no-loss-check", action="store_true", help="skip the VGG content/style loss comparison")
    g.add_argument("--report", metavar="JSON", help="write the verification report here (default: DIR/verification.json)")
    add_teacher_args(p)


def _verify(folder: str, args: argparse.Namespace) -> int:
    from edgenst.export.verify import verify_export
    from edgenst.perceptual import LossConfig, PerceptualLoss
    from edgenst.teacher import build_teacher

    if any(Path(folder).glob("*.mlpackage")):
        require("coremltools", "checking the Core ML package")
    photos = load_photos(args.photos, args.photo_count)
    loss = None
    if not args.no_loss_check:
        lcfg = LossConfig(style_weight=1.0, content_weight=1.0, tv_weight=0.0)
        try:
            loss = PerceptualLoss(build_teacher(teacher_config(args), lcfg.all_layers), lcfg)
        except InputError as exc:  # e.g. offline without VGG weights: the parity checks still run
            print(f"VGG loss check skipped: {exc}")
    with _progress_only_when_verbose("edgenst.export.verify", args.verbose):  # the full report follows
        report = verify_export(folder, photos, loss, style_finder(args.style_dir))
    for line in report.lines():
        print(line)
    out = Path(args.report or Path(folder) / "verification.json")
    out.write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    if not report.ok:
        raise EdgenstError(f"verification failed (details above and in {out})")
    print(f"verified: every check passed ({out})")
    return 0


@contextlib.contextmanager
def _progress_only_when_verbose(logger: str, verbose: int) -> Iterator[None]:
    """Hide a library's per-item INFO lines that the command prints again in its summary (-v keeps them)."""
    target = logging.getLogger(logger)
    previous = target.level
    if verbose < 1:
        target.setLevel(logging.WARNING)
    try:
        yield
    finally:
        target.setLevel(previous)


def run_export(args: argparse.Namespace) -> int:
    from edgenst.export.app_model import parse_sizes
    from edgenst.export.bundle import ExportConfig, export_bundle
    from edgenst.export.recipes import get_recipe
    from edgenst.pretrained import resolve_model
    from edgenst.quantize import QuantConfig

    if not args.no_verify:
        _check_teacher_weights(args)  # before minutes of exporting, not after
    config = ExportConfig(
        sizes=parse_sizes(args.sizes),
        formats=tuple(f.strip() for f in args.formats.split(",") if f.strip()),
        quant=QuantConfig(calibration_size=args.calib_size, qat_steps=args.qat_steps,
                          fp32_layers=_fp32_layers(args.fp32_layers), **_equalize(args.equalize)),
        coreml_compress=args.coreml_compress,
        name=args.name,
        style_vector=args.style_vector,
        predictor_path=args.predictor,
    )
    recipes = [get_recipe(f) for f in config.formats]
    for recipe in recipes:
        recipe.require()  # e.g. coremltools for the Core ML recipe: one line before any work
    model, info = resolve_model(args.model)
    needs_calib = any(r.needs_calibration for r in recipes)
    calib = load_photos(args.calib_photos, args.calib_count) if needs_calib else []
    manifest = export_bundle(model, info, args.out, config, calib, source_name=args.model)
    for a in manifest["artifacts"]:
        extra = f", {a['ops_outside_delegate']} ops outside the delegate" if a.get("format") == "executorch" else ""
        print(f"{Path(args.out) / a['file']}: {a['bytes'] / 1024:.1f} KiB{extra}")
    print(f"{Path(args.out) / 'manifest.json'}")
    if args.no_verify or not any(a.get("format") == "executorch" for a in manifest["artifacts"]):
        return 0
    return _verify(args.out, args)


def _fp32_layers(text: str) -> tuple[str, ...] | None:
    """``auto`` -> None (the library picks per student), ``none`` -> (), else the names."""
    if text.strip() == "auto":
        return None
    return () if text.strip() == "none" else tuple(n.strip() for n in text.split(",") if n.strip())


def _equalize(text: str) -> dict:
    """``auto`` -> the QuantConfig default, ``off`` -> None, else the alpha (checked by QuantConfig)."""
    text = text.strip()
    if text == "auto":
        return {}
    if text == "off":
        return {"equalize_alpha": None}
    try:
        return {"equalize_alpha": float(text)}
    except ValueError:
        raise InputError(f"--equalize must be auto, off or a number in [0, 1], got {text!r}") from None


def run_verify(args: argparse.Namespace) -> int:
    _check_teacher_weights(args)
    return _verify(args.folder, args)


def _check_teacher_weights(args: argparse.Namespace) -> None:
    """A weights file named on the command line must exist: a typo is an error, not a skipped check."""
    path = getattr(args, "teacher_weights", None)
    if path and not args.no_loss_check and not Path(path).is_file():
        raise InputError(f"--teacher-weights {path}: no such file")
