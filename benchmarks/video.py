"""Video: temporal stability with and without the temporal term, its quality cost, and end-to-end fps.

    python benchmarks/video.py --model shipped=default \\
        --model temporal=RUNS/temporal/model.safetensors --model "extra steps=RUNS/extra/model.safetensors"
    python benchmarks/video.py --parts fps          # only the fps part; the other parts' results are kept
    # -> benchmarks/results/video.md, video.json, video_frames.jpg

Parts (``--parts``, default all):
- warp: every model on ../shared/data/video/mountain_2 (50 frames, 1024x436) in every style, eager
  fp32, frames kept lossless in memory: warping error (DIS flow of the input, forward-backward
  occlusion mask, ``edgenst.temporal_metrics``) and flicker, averaged over styles.
- loss: VGG-19 content and style loss (as ``benchmarks/quality.py``: relative terms, 3-level
  pyramid, paintings at 1.5x the photo's long side) on held-out photos (bsds500/test, mcmaster,
  classic; --photos-per-set each) at 256 px, every style.
- fps: the first model's int8 .pte (720x1280 only) on a 720x1280 H.264 clip made from
  mountain_2 (scaled and centre-cropped, played forth and back): decode + stylize + encode through
  ``edgenst.video_stylize.stylize_video`` at --threads, plus each stage alone. Machine load
  (``uptime``) is recorded beside the numbers: other jobs slow them down.
Bars (issue 7): the temporal term lowers the warping error by >= 30% with <= 5% higher style loss;
720x1280 int8 .pte video at >= 15 fps on 2 cores end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from edgenst.inference import StyleChoice, model_border, run_model
from edgenst.io import list_images, load_image, resize_max_side, save_image
from edgenst.metrics import measure, metric_loss
from edgenst.optimize import scale_style
from edgenst.perceptual import LossConfig, PerceptualLoss
from edgenst.pretrained import resolve_model
from edgenst.teacher import TeacherConfig, build_teacher
from edgenst.temporal_metrics import input_flows, measure_temporal, warp_back
from edgenst.video import frame_to_tensor, open_frames, tensor_to_frame

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DATA = ROOT.parent / "shared" / "data"
CLIP = DATA / "video" / "mountain_2"
HELD_OUT = ("bsds500/test", "mcmaster", "classic")
STYLE_SCALE = 1.5
BARS = {"warp_reduction": 0.30, "style_increase": 0.05, "fps_720x1280_int8": 15.0}
PARTS = ("warp", "loss", "fps")


#: How eager inference pads each frame (``inference.model_border``); before it, a fixed 16 px.
MARGIN = "mirrored, as wide as the model's receptive field"


def model_sha256(spec: str) -> str:
    """Of the model file behind a spec (a path, or a shipped name): reused rows must be of this file."""
    import hashlib

    from edgenst.pretrained import get_weights

    path = Path(spec) if spec.endswith(".safetensors") or "/" in spec else get_weights(spec).value.path
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_clip(limit: int | None) -> list[np.ndarray]:
    frames = [f.rgb for f in open_frames(CLIP)]
    return frames[:limit] if limit else frames


def stylize_frames(model, frames: list[np.ndarray], vector: torch.Tensor, border: int | None = None) -> list[np.ndarray]:
    """``border``: run_model's mirrored margin (default: the model's own, ``inference.model_border``)."""
    border = model_border(model) if border is None else border
    with torch.no_grad():
        return [tensor_to_frame(run_model(model, frame_to_tensor(f), vector, 1.0, border=border)) for f in frames]


def warp_part(models: dict, frames: list[np.ndarray], out: dict, reuse: set[str]) -> None:
    t0 = time.time()
    flows = input_flows(frames)
    print(f"flows of {len(frames)} frames: {time.time() - t0:.0f} s", flush=True)
    styles = next(iter(models.values()))[1].styles
    old = out.get("warp", {})
    same = old.get("frames") == len(frames)
    rows = [r for r in old.get("rows", []) if same and r["model"] in reuse and r["model"] in models]
    for label, (model, info) in models.items():
        if any(r["model"] == label for r in rows):
            print(f"{label}: reusing the previous run's rows (same model file)", flush=True)
            continue
        for style in styles:
            styled = stylize_frames(model, frames, StyleChoice({style: 1.0}).vector(info.styles))
            m = measure_temporal(frames, styled, flows=flows)
            rows.append({"model": label, "style": style, "warping_error": m.warping_error, "reference": m.reference,
                         "flicker": m.flicker, "valid_fraction": m.valid_fraction})
            print(f"{label:<22} {style:<24} warp {m.warping_error:.6f} flicker {m.flicker:+.5f}", flush=True)
    summary = {}
    for label in models:
        mine = [r for r in rows if r["model"] == label]
        summary[label] = {k: float(np.mean([r[k] for r in mine])) for k in ("warping_error", "flicker", "reference", "valid_fraction")}
    out["warp"] = {"frames": len(frames), "size": list(frames[0].shape[:2]), "flow": "DIS medium, fwd-bwd mask",
                   "summary": summary, "rows": rows, "seconds": round(time.time() - t0)}


def loss_part(models: dict, per_set: int, side: int, out: dict, reuse: set[str]) -> None:
    t0 = time.time()
    styles = next(iter(models.values()))[1].styles
    lcfg = LossConfig(style_weight=10.0)
    vgg = build_teacher(TeacherConfig(source="vgg19-normalised", pyramid_levels=3,
                                      weights=str(DATA / "teachers" / "vgg19_normalised" / "vgg_normalised_conv3_1.pth")),
                        lcfg.all_layers)
    meter = metric_loss(PerceptualLoss(vgg, lcfg))
    paintings = {s: load_image(DATA / "styles" / f"{s}.jpg").tensor for s in styles}
    photos = [p for name in HELD_OUT for p in list_images(DATA / "content" / name)[:per_set]]
    old = out.get("loss", {})
    same = old.get("photos") == len(photos) and old.get("side") == side
    rows = [r for r in old.get("rows", []) if same and r["model"] in reuse and r["model"] in models]
    todo = {k: v for k, v in models.items() if not any(r["model"] == k for r in rows)}
    borders = {label: model_border(model) for label, (model, _) in todo.items()}  # once per model
    with torch.no_grad():
        for path in photos if todo else []:
            photo = resize_max_side(load_image(path).tensor, side)
            for si, style in enumerate(styles):
                target = meter.blend_style_targets([scale_style(paintings[style], tuple(photo.shape[-2:]), STYLE_SCALE)], [1.0])
                for label, (model, info) in todo.items():
                    img = run_model(model, photo, StyleChoice({style: 1.0}).vector(info.styles), 1.0,
                                    border=borders[label])
                    m = measure(img, photo, target, meter, path.name)
                    rows.append({"model": label, "photo": path.name, "style": style, "content": m.content_loss,
                                 "style_loss": m.style_loss})
            print(f"loss: {path.name} ({time.time() - t0:.0f} s)", flush=True)
    summary = {}
    for label in models:
        mine = [r for r in rows if r["model"] == label]
        c, s = float(np.mean([r["content"] for r in mine])), float(np.mean([r["style_loss"] for r in mine]))
        summary[label] = {"content": c, "style": s, "total": c + lcfg.style_weight * s}
    out["loss"] = {"photos": len(photos), "side": side, "style_weight": lcfg.style_weight, "summary": summary,
                   "rows": rows, "seconds": round(time.time() - t0)}


def make_720p_clip(path: Path, frames: list[np.ndarray], repeats: int) -> int:
    """mountain_2 scaled to 720 px high, centre-cropped to 1280 wide, played forth and back."""
    import av

    seq = (frames + frames[::-1]) * repeats
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=24)
        v.width, v.height, v.pix_fmt = 1280, 720, "yuv420p"
        v.options = {"crf": "18", "preset": "medium"}
        for i, f in enumerate(seq):
            t = frame_to_tensor(f)
            t = F.interpolate(t, size=(720, round(t.shape[-1] * 720 / t.shape[-2])), mode="bilinear", antialias=True,
                              align_corners=False)
            left = (t.shape[-1] - 1280) // 2
            frame = av.VideoFrame.from_ndarray(tensor_to_frame(t[..., left : left + 1280]), format="rgb24")
            frame.pts = i
            c.mux(v.encode(frame))
        c.mux(v.encode(None))
    return len(seq)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def fps_part(label: str, model, info, frames: list[np.ndarray], threads: int, repeats: int, export_dir: Path | None,
             work: Path, out: dict, preset: str) -> None:
    from edgenst.export.app_model import Size
    from edgenst.export.bundle import ExportConfig, export_bundle
    from edgenst.runtime import PteModel, set_threads
    from edgenst.video import FrameWriter, probe
    from edgenst.video_stylize import PteStylizer, stylize_video

    torch.set_num_threads(threads)
    set_threads(threads)  # before any program opens
    pte_dir = export_dir or work / "export"
    pte_path = pte_dir / "student-int8.pte"
    if not pte_path.is_file():
        calib = [resize_max_side(load_image(p).tensor, 720) for p in list_images(DATA / "content" / "bsds500" / "val")[:16]]
        export_bundle(model, info, pte_dir, ExportConfig(sizes=(Size(720, 1280),), formats=("pte-int8",)), calib)
    src = work / "mountain_2_720x1280.mp4"
    make_720p_clip(src, frames, repeats)
    stylizer = PteStylizer(PteModel(pte_path), StyleChoice({info.styles[0]: 1.0}).vector(info.styles), 1.0)
    stylizer(torch.rand(1, 3, 720, 1280))  # load the method once, outside the timing
    load_before = load()
    res = stylize_video(src, work / "styled.mp4", stylizer, preset=preset, progress=False)
    load_after = load()
    # Each stage alone, for the breakdown.
    t0 = time.perf_counter()
    decoded = [f.rgb for f in open_frames(src)]
    decode_s = (time.perf_counter() - t0) / len(decoded)
    decoded = decoded[:48]
    t0 = time.perf_counter()
    for f in decoded:
        tensor_to_frame(stylizer(frame_to_tensor(f)))
    stylize_s = (time.perf_counter() - t0) / len(decoded)
    info_src = probe(src)
    t0 = time.perf_counter()
    with FrameWriter(work / "encode_only.mp4", info_src, preset=preset) as w:
        for i, f in enumerate(decoded):
            w.write(f, i)
    encode_s = (time.perf_counter() - t0) / len(decoded)
    out["fps"] = {"model": label, "frames": res.frames, "size": "720x1280", "threads": threads, "encoder": f"libx264 {preset} crf 20",
                  "end_to_end_fps": res.throughput, "seconds": res.seconds, "stylize_share": res.stylize_seconds / res.seconds,
                  "ms_per_frame": {"decode": 1000 * decode_s, "stylize_pte_int8_incl_conversion": 1000 * stylize_s,
                                   "encode": 1000 * encode_s},
                  "load_avg_before": load_before, "load_avg_after": load_after, "cpus": os.cpu_count()}
    print(json.dumps(out["fps"], indent=1), flush=True)


def verdicts(report: dict, base: str, treated: list[str], fair: str | None) -> dict:
    v: dict = {}
    warp = report.get("warp", {}).get("summary", {})
    loss = report.get("loss", {}).get("summary", {})
    for t in treated:
        for ref in [base] + ([fair] if fair else []):
            if t in warp and ref in warp:
                red = 1 - warp[t]["warping_error"] / warp[ref]["warping_error"]
                v[f"{t}: warp_reduction_vs_{ref}"] = {"value": red, "bar": BARS["warp_reduction"], "ok": red >= BARS["warp_reduction"]}
            if t in loss and ref in loss:
                inc = loss[t]["style"] / loss[ref]["style"] - 1
                v[f"{t}: style_increase_vs_{ref}"] = {"value": inc, "bar": BARS["style_increase"], "ok": inc <= BARS["style_increase"]}
    if "fps" in report:
        f = report["fps"]["end_to_end_fps"]
        v["fps_720x1280_int8"] = {"value": f, "bar": BARS["fps_720x1280_int8"], "ok": f >= BARS["fps_720x1280_int8"]}
    return v


def markdown(report: dict) -> str:
    m = report["meta"]
    lines = ["# Video: temporal stability, its cost, and end-to-end speed", "",
             "Made by `benchmarks/video.py` (each part below names the command that measured it; rows of "
             "unchanged model files, by sha256, carry over between runs).", "",
             "Models: " + ", ".join(f"**{k}** = `{v}`" for k, v in m["models"].items()), ""]
    if "warp" in report:
        w = report["warp"]
        lines += [f"## Warping error on mountain_2 ({w['frames']} frames, {w['size'][1]}x{w['size'][0]}; eager fp32, "
                  f"lossless frames; mean of the 6 styles)", "",
                  "Masked MSE of each stylized frame against the previous one moved by the input's optical flow "
                  "(pixels in [0, 1]; DIS flow, occlusions masked by forward-backward consistency). "
                  f"The input itself scores {next(iter(w['summary'].values()))['reference']:.6f} (the flow's own error). "
                  "Flicker: mean |frame change| of the stylized video minus the input's. "
                  f"Frames padded: {report.get('meta', {}).get('margin', 'mirrored 16 px')}.", "",
                  f"Command: `{w.get('command', '?')}`", "",
                  "| model | warping error | flicker | pixels kept |", "|---|---|---|---|"]
        for label, s in w["summary"].items():
            lines.append(f"| {label} | {s['warping_error']:.6f} | {s['flicker']:+.5f} | {s['valid_fraction']:.1%} |")
        styles = sorted({r["style"] for r in w["rows"]})
        labels = list(w["summary"])
        lines += ["", "Per style (warping error):", "", "| style | " + " | ".join(labels) + " |",
                  "|---|" + "---|" * len(labels)]
        for s in styles:
            vals = {r["model"]: r["warping_error"] for r in w["rows"] if r["style"] == s}
            lines.append(f"| {s} | " + " | ".join(f"{vals[l]:.6f}" for l in labels) + " |")
        lines.append("")
    if "loss" in report:
        lo = report["loss"]
        lines += [f"## Quality cost: VGG-19 losses on {lo['photos']} held-out photos x 6 styles at {lo['side']} px", "",
                  f"As `benchmarks/quality.py` (relative terms; total = content + {lo['style_weight']:g} x style).", "",
                  f"Command: `{lo.get('command', '?')}`", "",
                  "| model | content | style | total |", "|---|---|---|---|"]
        for label, s in lo["summary"].items():
            lines.append(f"| {label} | {s['content']:.4f} | {s['style']:.4f} | {s['total']:.3f} |")
        lines.append("")
    if "fps" in report:
        f = report["fps"]
        ms = f["ms_per_frame"]
        lines += [f"## End to end: 720x1280 video, int8 .pte, {f['threads']} threads", "",
                  f"{f['frames']} frames of H.264 720x1280 (mountain_2 scaled, cropped, forth and back) -> decode -> "
                  f"{f['model']} int8 .pte (XNNPACK) -> encode ({f['encoder']}), through `stylize_video`:", "",
                  f"Command: `{f.get('command', '?')}`", "",
                  f"- **{f['end_to_end_fps']:.1f} frames/s** end to end ({f['seconds']:.1f} s; the network "
                  f"{f['stylize_share']:.0%} of it)",
                  f"- each stage alone, ms per frame: decode {ms['decode']:.1f}, stylize (incl. uint8/float conversion) "
                  f"{ms['stylize_pte_int8_incl_conversion']:.1f}, encode {ms['encode']:.1f}",
                  f"- machine load (`uptime` 1/5/15 min) before {f['load_avg_before']}, after {f['load_avg_after']} "
                  f"on {f['cpus']} cores: other jobs were running, so these are lower bounds of what the machine can do", ""]
    if report.get("verdicts"):
        lines += ["## Bars", "", "| bar | measured | needed | met |", "|---|---|---|---|"]
        for k, v in report["verdicts"].items():
            fmt = (lambda x: f"{x:.1f}") if k.startswith("fps") else (lambda x: f"{x:+.1%}")
            need = f">= {v['bar']:g}" if k.startswith("fps") else (f">= {v['bar']:.0%}" if "reduction" in k else f"<= +{v['bar']:.0%}")
            lines.append(f"| {k} | {fmt(v['value'])} | {need} | {'yes' if v['ok'] else '**no**'} |")
        lines.append("")
    lines += ["![frames](video_frames.jpg)", "",
              "Top: input frame 26, then each model's output (udnie, eager) in the order of the models above; "
              "bottom: |S_t - warp(S_t-1)| x 4 on the pixels the flow keeps (bright = flicker).", ""]
    if report.get("notes"):
        lines += ["## Notes", "", report["notes"], ""]
    return "\n".join(lines)


def save_frames(models: dict, frames: list[np.ndarray], style: str, index: int, path: Path) -> None:
    """Input frame, each model's output, and |S_t - warp(S_t-1)| (x4) under each: flicker shows bright."""
    from edgenst.temporal_metrics import pair_flow

    backward, mask = pair_flow(frames[index - 1], frames[index])
    tiles = [[frame_to_tensor(frames[index]), torch.zeros_like(frame_to_tensor(frames[index]))]]
    for model, info in models.values():
        prev, cur = stylize_frames(model, frames[index - 1 : index + 1], StyleChoice({style: 1.0}).vector(info.styles))
        diff = np.abs(cur.astype(np.float32) - warp_back(prev.astype(np.float32), backward)) * mask[..., None] * 4
        tiles.append([frame_to_tensor(cur), frame_to_tensor(np.clip(diff, 0, 255).astype(np.uint8))])
    grid = torch.cat([torch.cat(col, dim=-2) for col in tiles], dim=-1)
    save_image(F.interpolate(grid, scale_factor=0.5, mode="bilinear", antialias=True, align_corners=False), path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", metavar="LABEL=MODEL", help="first: the shipped student (baseline)")
    ap.add_argument("--treated", default="temporal", help="labels (comma-separated) of models trained with the temporal term")
    ap.add_argument("--fair", default=None, help="label of the same extra steps without the temporal term")
    ap.add_argument("--parts", default=",".join(PARTS))
    ap.add_argument("--fps-model", default=None, metavar="LABEL",
                    help="the model the fps part exports and times (default: the first --model)")
    ap.add_argument("--frames", type=int, default=0, help="first N frames of the clip (0 = all 50)")
    ap.add_argument("--photos-per-set", type=int, default=4)
    ap.add_argument("--side", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2, help="fps clip: forth-and-back plays of the 50 frames")
    ap.add_argument("--preset", default="veryfast", help="libx264 preset for the fps part")
    ap.add_argument("--export-dir", type=Path, help="reuse (or write) the int8 export here")
    ap.add_argument("--frame-style", default="udnie")
    ap.add_argument("--notes", type=Path, help="a markdown file whose text goes under Notes")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--fresh", action="store_true", help="measure every model again (default: reuse rows of the "
                    "same label and model file from the previous video.json)")
    args = ap.parse_args(argv)
    if not CLIP.is_dir():
        raise SystemExit(f"needs {CLIP}")
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    specs = dict(s.split("=", 1) for s in (args.model or ["shipped=default"]))
    models = {label: resolve_model(spec) for label, spec in specs.items()}
    for m, _ in models.values():
        m.eval()
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    json_path = args.out / "video.json"
    report = json.loads(json_path.read_text()) if json_path.is_file() else {}
    digests = {label: model_sha256(spec) for label, spec in specs.items()}
    before = report.get("meta", {}).get("sha256", {})
    same_margin = report.get("meta", {}).get("margin") == MARGIN  # rows made with another margin are stale
    reuse = set() if args.fresh or not same_margin else {k for k, v in digests.items() if before.get(k) == v}
    report["meta"] = {"command": "python benchmarks/video.py " + " ".join(argv if argv is not None else sys.argv[1:]),
                      "models": specs, "sha256": digests, "margin": MARGIN}
    frames = load_clip(args.frames or None)
    command = report["meta"]["command"]
    if "warp" in parts:
        warp_part(models, frames, report, reuse)
        report["warp"]["command"] = command
        save_frames(models, frames, args.frame_style, min(25, len(frames) - 1), args.out / "video_frames.jpg")
    if "loss" in parts:
        loss_part(models, args.photos_per_set, args.side, report, reuse)
        report["loss"]["command"] = command
    if "fps" in parts:
        label = args.fps_model or next(iter(models))
        if label not in models:
            raise SystemExit(f"--fps-model {label!r} is not one of the --model labels {list(models)}")
        with tempfile.TemporaryDirectory() as tmp:
            fps_part(label, *models[label], frames, args.threads, args.repeats, args.export_dir, Path(tmp), report, args.preset)
        report["fps"]["command"] = command
    base = next(iter(models))
    report["verdicts"] = verdicts(report, base, [t.strip() for t in args.treated.split(",")], args.fair)
    if args.notes:
        report["notes"] = args.notes.read_text().strip()
    args.out.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=1))
    md = markdown(report)
    (args.out / "video.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
