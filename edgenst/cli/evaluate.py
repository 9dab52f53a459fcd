"""``edgenst evaluate``: content loss, style loss, SSIM and time of a folder of stylized images; with
``--video``, the temporal stability (warping error, flicker) of a stylized video."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from edgenst.cli.common import add_image_args, add_teacher_args, loss_config, teacher_config
from edgenst.errors import InputError
from edgenst.extras import require
from edgenst.io import list_images
from edgenst.metrics import format_table, match_outputs, measure, metric_loss, summarize, write_json
from edgenst.gatys.optimize import scale_style
from edgenst.perceptual import DEFAULT_CONTENT_LAYERS, DEFAULT_STYLE_LAYERS, PerceptualLoss
from edgenst.stylize.run_record import read_run_times
from edgenst.samples import resolve_image
from edgenst.teacher import build_teacher

log = logging.getLogger(__name__)

EXAMPLES = """examples:
  edgenst evaluate outputs/ --content photos/ --style starry_night.jpg \\
      --teacher vgg19-normalised --teacher-weights vgg_normalised_conv3_1.pth
  edgenst evaluate outputs/ --content photos/ --style texture:swirl --teacher random --json m.json
  edgenst evaluate styled.mp4 --video clip.mp4            # warping error and flicker of a video
  edgenst evaluate styled_frames/ --video frames/ --flow farneback
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="measure stylized images",
        description="For each image in OUTPUTS, find its photo in --content (same file stem, or the stem "
        "followed by _ - or .) and report teacher content loss, style loss against --style, SSIM to the "
        "photo and, when the folder has an edgenst-run.json, the seconds it took.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("outputs", help="folder of stylized images (with --video: the stylized video or its frames)")
    p.add_argument("--content", help="folder of the original photos")
    p.add_argument("--style", help="the style image (file or texture:NAME)")
    p.add_argument("--video", metavar="INPUT", help="the input video (file or folder of frames) OUTPUTS was stylized "
                   "from: report warping error (optical flow of the input, occlusions masked) and flicker")
    p.add_argument("--flow", default="dis", choices=["dis", "farneback"], help="(--video) optical flow method")
    p.add_argument("--fps", type=float, default=24.0, help="(--video) frame rate of folders of frames")
    p.add_argument("--json", help="where to write the JSON report (default: OUTPUTS/metrics.json)")
    p.add_argument("--content-layers", default=",".join(DEFAULT_CONTENT_LAYERS), metavar="L1,L2")
    p.add_argument("--style-layers", default=",".join(DEFAULT_STYLE_LAYERS), metavar="L1,L2")
    add_image_args(p)
    add_teacher_args(p)
    p.set_defaults(run=run, content_weight=1.0, style_weight=1.0, tv_weight=0.0)


def run(args: argparse.Namespace) -> int:
    if args.video:
        return _run_video(args)
    if not args.content or not args.style:
        raise InputError("give --content PHOTOS and --style IMAGE (or --video INPUT for a stylized video)")
    out_dir = Path(args.outputs)
    outputs = list_images(out_dir)
    contents = list_images(Path(args.content))
    if not outputs:
        raise InputError(f"{out_dir}: no images to evaluate")
    pairs = match_outputs(outputs, contents)
    if not pairs:
        raise InputError(f"no image in {out_dir} matches a photo in {args.content} by file name")
    for o in sorted(set(outputs) - {o for o, _ in pairs}):
        log.warning("no photo for %s; skipped", o.name)
    times = read_run_times(out_dir)

    lcfg = loss_config(args)
    loss = metric_loss(PerceptualLoss(build_teacher(teacher_config(args), lcfg.all_layers), lcfg))
    style = resolve_image(args.style, max_pixels=args.max_pixels, max_side=2048).tensor
    rows = []
    for out_path, content_path in pairs:
        out = resolve_image(out_path, max_pixels=args.max_pixels, max_side=args.max_side).tensor
        content = resolve_image(content_path, max_pixels=args.max_pixels).tensor
        target = loss.blend_style_targets([scale_style(style, tuple(out.shape[-2:]), 1.0)], [1.0])
        rows.append(measure(out, content, target, loss, out_path.name, times.get(out_path.name)))
    summary = summarize(rows)
    json_path = Path(args.json) if args.json else out_dir / "metrics.json"
    meta = {"outputs": str(out_dir), "content": args.content, "style": args.style, "teacher": args.teacher,
            "style_layers": list(lcfg.style_layers), "content_layers": list(lcfg.content_layers),
            "pyramid_levels": args.pyramid_levels}
    write_json(json_path, rows, summary, meta)
    print(format_table(rows, summary))
    print(f"written {json_path}")
    return 0


def _run_video(args: argparse.Namespace) -> int:
    from edgenst.video.temporal_metrics import FlowConfig, measure_videos, write_temporal_json

    require("cv2", "edgenst evaluate --video (optical flow)")  # before minutes of decoding, not after
    stylized = Path(args.outputs)
    metrics = measure_videos(args.video, stylized, config=FlowConfig(method=args.flow), fps=args.fps)
    json_path = Path(args.json) if args.json else (stylized / "temporal.json" if stylized.is_dir()
                                                   else stylized.with_suffix(".temporal.json"))
    write_temporal_json(json_path, metrics, {"stylized": str(stylized), "input": args.video, "flow": args.flow})
    print(f"{'frames':<16}{metrics.frames}\n{'warping error':<16}{metrics.warping_error:.6f}  (masked MSE, [0, 1] pixels)\n"
          f"{'input itself':<16}{metrics.reference:.6f}  (the flow's own error: the floor)\n"
          f"{'flicker':<16}{metrics.flicker:+.5f}  (mean |frame change|, stylized minus input)\n"
          f"{'pixels kept':<16}{metrics.valid_fraction:.1%}  (occlusions masked)")
    print(f"written {json_path}")
    return 0
