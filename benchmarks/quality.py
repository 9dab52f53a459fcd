"""Quality of the shipped styles: Gatys vs the teacher network vs the distilled and scratch students.

    python benchmarks/quality.py --teacher-net RUNS/teacher/model.safetensors \\
        --scratch RUNS/scratch/model.safetensors [--student default] [--gatys-photos 2]
    # rows of a model file that is gone (or of the slow Gatys method) can come from an earlier run:
    python benchmarks/quality.py --reuse-from OLD/quality_vgg_loss.json --reuse 'teacher network' --reuse Gatys \\
        --scratch RUNS/scratch/model.safetensors --student RUNS/new/model.safetensors
    # -> benchmarks/results/quality_vgg_loss.md, quality_vgg_loss.json, quality_grid_*.png

Held-out photos: bsds500/test, mcmaster, classic (never trained on). Metric: the exact VGG-19
(normalised weights), relu1_1..relu3_1 style with a 3-level pyramid, relu3_1 content; each term
relative (unweighted), and the total as in training: content + style_weight x style. Style targets
are the paintings at long side 1.5x the photo's (384 px for 256 px photos), the training scale.
Needs ../shared/data (the real teacher weights and photos).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from edgenst.distill.trainer import total_training_steps
from edgenst.inference import model_border, run_model
from edgenst.io import list_images, load_image, resize_max_side, tensor_to_pil
from edgenst.metrics import measure, metric_loss
from edgenst.optimize import OptimizeConfig, StyleSpec, scale_style, stylize_optimize
from edgenst.perceptual import LossConfig, PerceptualLoss
from edgenst.pretrained import resolve_model
from edgenst.teacher import TeacherConfig, build_teacher

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DATA = ROOT.parent / "shared" / "data"
HELD_OUT = ("bsds500/test", "mcmaster", "classic")
STYLE_SCALE = 1.5
BAR_RATIO = 1.15
#: The files it writes: quality.md is issue 20's report now (``quality_report.py``), a gain/content
#: measure this one predates; its last run lives on under this name.
REPORT = "quality_vgg_loss"


def photos(per_set: int | None) -> list[Path]:
    out = []
    for name in HELD_OUT:
        found = list_images(DATA / "content" / name)
        out += found if per_set is None else found[:per_set]
    return out


def one_hot(i: int, n: int) -> torch.Tensor:
    w = torch.zeros(1, n)
    w[0, i] = 1.0
    return w


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--student", default="default", help="distilled student: shipped name or model file")
    ap.add_argument("--teacher-net", help="teacher network model file (required unless --resummarise)")
    ap.add_argument("--scratch", help="the same student trained without the teacher network (required unless --resummarise)")
    ap.add_argument("--also", action="append", default=[], metavar="LABEL=MODEL",
                    help="more students to measure beside the bars (e.g. 'fast student=runs/fast/model.safetensors')")
    ap.add_argument("--photos-per-set", type=int, default=0, help="held-out photos per set (0 = all)")
    ap.add_argument("--gatys-photos", type=int, default=2, help="photos per set for the (slow) Gatys method")
    ap.add_argument("--gatys-steps", type=int, default=100)
    ap.add_argument("--side", type=int, default=256, help="long side of the evaluated photos")
    ap.add_argument("--style-weight", type=float, default=None, help="default: the student's training weight")
    ap.add_argument("--grid-photos", default="classic/tubingen.jpg", help="comma list of SET/NAME photos for the picture grid")
    ap.add_argument("--grid-side", type=int, default=176, help="long side of each picture in the grid")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--reuse-from", type=Path, metavar="QUALITY_JSON",
                    help="an earlier run's quality_vgg_loss.json (quality.json before) whose rows --reuse takes "
                         "(same photos, side and styles)")
    ap.add_argument("--reuse", action="append", default=[], metavar="LABEL",
                    help="take this method's rows from --reuse-from instead of running it (a model file that is "
                         "gone, or the slow Gatys rows); e.g. --reuse 'teacher network' --reuse Gatys")
    ap.add_argument("--resummarise", type=Path, metavar="QUALITY_JSON",
                    help="recompute the tables and bars from the rows of an earlier run (e.g. with --style-weight)")
    args = ap.parse_args(argv)
    torch.set_grad_enabled(False)
    if args.resummarise:
        return resummarise(args, argv)
    reused = set(args.reuse)
    if args.reuse and not args.reuse_from:
        ap.error("--reuse needs --reuse-from")
    if not (args.teacher_net or "teacher network" in reused) or not args.scratch:
        ap.error("--scratch and --teacher-net (or --reuse 'teacher network') are required")

    nets = {"distilled student": resolve_model(args.student), "scratch student": resolve_model(args.scratch)}
    if "teacher network" not in reused:
        nets = {"teacher network": resolve_model(args.teacher_net), **nets}
    for spec in args.also:
        label, _, path = spec.partition("=")
        nets[label] = resolve_model(path)
    styles = nets["distilled student"][1].styles
    for label, (_, info) in nets.items():
        if info.styles != styles:
            raise SystemExit(f"{label} has styles {info.styles}, the student {styles}")
    style_weight = args.style_weight or training_style_weight(nets["distilled student"][1].meta)
    teacher_weights = DATA / "teachers" / "vgg19_normalised" / "vgg_normalised_conv3_1.pth"
    lcfg = LossConfig(style_weight=style_weight)
    vgg = build_teacher(TeacherConfig(source="vgg19-normalised", weights=str(teacher_weights), pyramid_levels=3), lcfg.all_layers)
    loss = PerceptualLoss(vgg, lcfg)
    meter = metric_loss(loss)
    paintings = {s: load_image(DATA / "styles" / f"{s}.jpg").tensor for s in styles}

    all_photos = photos(args.photos_per_set or None)
    grid_names = [g.strip() for g in args.grid_photos.split(",") if g.strip()]
    missing = [g for g in grid_names if not (DATA / "content" / g).is_file()]
    if missing:  # found before the long loop, not after it
        print(f"--grid-photos: no photo {missing[0]!r} under {DATA / 'content'} (give SET/NAME, e.g. classic/tubingen.jpg)",
              file=sys.stderr)
        return 2
    gatys_set: set[Path] = set()
    if "Gatys" not in reused:
        gatys_set = set(photos(args.gatys_photos)) if args.gatys_photos > 0 else set()
        gatys_set |= {DATA / "content" / g for g in grid_names}  # the grid shows Gatys too
    all_photos += [p for p in sorted(gatys_set) if p not in all_photos]
    rows: list[dict] = []
    in_subset = set(gatys_set)  # photos of the Gatys subset table
    if reused:
        rows, reuse_meta = earlier_rows(args.reuse_from, reused, all_photos, args.side, styles)
        in_subset |= {DATA / "content" / r["photo"] for r in rows if r["gatys_subset"]}
    grid: dict[tuple[str, str, str], torch.Tensor] = {}
    t_start = time.time()
    borders = {label: model_border(model) for label, (model, _) in nets.items()}  # once per model
    for pi, path in enumerate(all_photos):
        photo = resize_max_side(load_image(path).tensor, args.side)
        rel = str(path.relative_to(DATA / "content"))
        for si, style in enumerate(styles):
            target_img = scale_style(paintings[style], tuple(photo.shape[-2:]), STYLE_SCALE)
            target = meter.blend_style_targets([target_img], [1.0])
            outputs: dict[str, tuple[torch.Tensor, float]] = {}
            for label, (model, _) in nets.items():
                t0 = time.perf_counter()
                out = run_model(model, photo, one_hot(si, len(styles)), 1.0, border=borders[label])
                outputs[label] = (out, time.perf_counter() - t0)
            if path in gatys_set:
                with torch.enable_grad():
                    res = stylize_optimize(photo, [StyleSpec(paintings[style])], loss,
                                           OptimizeConfig(steps=args.gatys_steps, style_scale=STYLE_SCALE), progress=False)
                outputs["Gatys"] = (res.image, res.seconds)
            for label, (img, secs) in outputs.items():
                m = measure(img, photo, target, meter, rel, secs)
                rows.append({"photo": rel, "style": style, "method": label, "content": m.content_loss,
                             "style_loss": m.style_loss, "total": m.content_loss + style_weight * m.style_loss,
                             "ssim": m.ssim, "seconds": secs, "gatys_subset": path in in_subset})
                if rel in grid_names:
                    grid[(rel, style, label)] = img
        print(f"[{pi + 1}/{len(all_photos)}] {rel}  ({time.time() - t_start:.0f} s)", flush=True)

    for r in rows:  # reused rows: the total at this run's style weight
        r["total"] = r["content"] + style_weight * r["style_loss"]
    others = [m for m in dict.fromkeys([*(r["method"] for r in rows), *nets]) if m != "Gatys"]
    methods = ["Gatys", *sorted(others, key=lambda m: m != "teacher network")]  # summarise: Gatys, then the nets
    report = summarise(rows, styles, style_weight, methods)
    steps = {label: total_training_steps(info.meta) for label, (_, info) in nets.items()}
    report["bars"]["steps"] = [steps.get("distilled student"), steps.get("scratch student")]
    report["bars"]["same_steps"] = None not in report["bars"]["steps"] and len(set(report["bars"]["steps"])) == 1
    report["bars"]["distilled_beats_scratch"] = report["bars"]["distilled_beats_scratch"] and report["bars"]["same_steps"]
    report["meta"] = {
        "command": "python benchmarks/quality.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "photos": len(all_photos), "gatys_photos": len(in_subset), "side": args.side, "style_weight": style_weight,
        "styles": styles, "student_meta": nets["distilled student"][1].meta.get("config"),
        "training_steps": {label: total_training_steps(info.meta) for label, (_, info) in nets.items()},
        "seconds": round(time.time() - t_start),
        **({"reused": {"methods": sorted(reused), "from": reuse_meta["command"]}} if reused else {}),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{REPORT}.json").write_text(json.dumps({**report, "rows": rows}, indent=1))
    for rel in grid_names:
        if any(k[0] == rel for k in grid):
            photo = resize_max_side(load_image(DATA / "content" / rel).tensor, args.side)
            save_grid(args.out / f"quality_grid_{Path(rel).stem}.png", photo, grid, rel, styles, args.grid_side)
    md = markdown(report)
    (args.out / f"{REPORT}.md").write_text(md)
    print(md)
    return 0 if report["bars"]["student_vs_teacher_ok"] and report["bars"]["distilled_beats_scratch"] else 1


def earlier_rows(path: Path, methods: set[str], all_photos: list[Path], side: int,
                 styles: list[str]) -> tuple[list[dict], dict]:
    """Rows of ``methods`` from an earlier run, checked to cover exactly this run's photos and styles."""
    data = json.loads(path.read_text())
    meta = data["meta"]
    if meta["side"] != side or meta["styles"] != styles:
        raise SystemExit(f"{path} measured side {meta['side']} and styles {meta['styles']}; this run {side} and {styles}")
    wanted = {str(p.relative_to(DATA / "content")) for p in all_photos}
    rows = [dict(r) for r in data["rows"] if r["method"] in methods and r["photo"] in wanted]
    for m in methods:
        have = {(r["photo"], r["style"]) for r in rows if r["method"] == m}
        need = {(p, s) for p in wanted for s in styles}
        if m == "Gatys":
            need = {(r["photo"], r["style"]) for r in data["rows"] if r["method"] == m and r["photo"] in wanted}
        if not have or have != need:
            raise SystemExit(f"{path} has {len(have)} of the {len(need)} (photo, style) rows of {m!r} this run needs")
    return rows, meta


def training_style_weight(meta: dict) -> float:
    """The style weight the student trained with (run files keep the config, shipped files the loss)."""
    loss = meta.get("loss") or meta.get("config", {}).get("loss")
    if not loss:
        raise SystemExit("the student's file does not say its training loss; pass --style-weight")
    return float(loss["style_weight"])


def resummarise(args: argparse.Namespace, argv: list[str] | None) -> int:
    data = json.loads(args.resummarise.read_text())
    rows, meta = data["rows"], data["meta"]
    weight = args.style_weight or meta["style_weight"]
    for r in rows:
        r["total"] = r["content"] + weight * r["style_loss"]
    methods = list(dict.fromkeys(r["method"] for r in rows))
    methods.sort(key=lambda m: m != "Gatys")
    report = summarise(rows, meta["styles"], weight, methods)
    report["bars"]["steps"] = data.get("bars", {}).get("steps", [None, None])
    report["bars"]["same_steps"] = None not in report["bars"]["steps"] and len(set(report["bars"]["steps"])) == 1
    report["bars"]["distilled_beats_scratch"] = report["bars"]["distilled_beats_scratch"] and report["bars"]["same_steps"]
    again = "python benchmarks/quality.py " + " ".join(argv if argv is not None else sys.argv[1:])
    report["meta"] = {**meta, "style_weight": weight, "recomputed": again}
    (args.out / f"{REPORT}.json").write_text(json.dumps({**report, "rows": rows}, indent=1))
    md = markdown(report)
    (args.out / f"{REPORT}.md").write_text(md)
    print(md)
    return 0 if report["bars"]["student_vs_teacher_ok"] and report["bars"]["distilled_beats_scratch"] else 1


def summarise(rows: list[dict], styles: list[str], style_weight: float, methods: list[str]) -> dict:
    def mean(method: str, key: str, style: str | None = None, gatys_only: bool = False) -> float:
        xs = [r[key] for r in rows if r["method"] == method and (style is None or r["style"] == style)
              and (not gatys_only or r["gatys_subset"])]
        return float(np.mean(xs)) if xs else float("nan")

    def photos(method: str, gatys_only: bool = False) -> int:
        return len({r["photo"] for r in rows if r["method"] == method and (not gatys_only or r["gatys_subset"])})

    keys = ("content", "style_loss", "total", "ssim", "seconds")
    table = {m: {**{k: mean(m, k) for k in keys}, "photos": photos(m)} for m in methods}
    subset = {m: {**{k: mean(m, k, gatys_only=True) for k in keys}, "photos": photos(m, True)} for m in methods}
    per_style = {s: {m: mean(m, "total", s) for m in methods[1:]} for s in styles}
    ratios = {s: per_style[s]["distilled student"] / per_style[s]["teacher network"] for s in styles}
    avg_ratio = float(np.mean(list(ratios.values())))
    return {
        "all_photos": table, "gatys_subset": subset, "per_style_total": per_style,
        "student_over_teacher": ratios,
        "bars": {
            "student_over_teacher_mean": avg_ratio, "limit": BAR_RATIO, "student_vs_teacher_ok": avg_ratio <= BAR_RATIO,
            "distilled_total": table["distilled student"]["total"], "scratch_total": table["scratch student"]["total"],
            "distilled_beats_scratch": table["distilled student"]["total"] < table["scratch student"]["total"],
        },
    }


def _steps_bar(bars: dict) -> str:
    """The distilled-vs-scratch line says "at the same step count" only when the files say so."""
    head = f"- distilled {bars['distilled_total']:.3f} vs scratch {bars['scratch_total']:.3f}"
    verdict = "pass" if bars["distilled_beats_scratch"] else "FAIL"
    steps = bars.get("steps") or [None, None]
    if bars.get("same_steps"):
        return f"{head} at the same step count ({steps[0]} steps each, from the model files): {verdict}"
    shown = ", ".join("not recorded" if n is None else f"{n} steps" for n in steps)
    return f"{head}; training steps {shown} (model metadata): not a same-steps comparison, no verdict"


def markdown(report: dict) -> str:
    meta, bars = report["meta"], report["bars"]
    lines = ["# Quality of the shipped styles", "", f"Measured with `{meta['command']}` on {meta['photos']} held-out photos "
             f"({', '.join(HELD_OUT)}) at long side {meta['side']} px, {len(meta['styles'])} styles "
             f"({', '.join(meta['styles'])}); Gatys on a subset of {meta['gatys_photos']} photos. {meta['seconds']} s in all."
             + (f" Tables recomputed from the same rows with `{meta['recomputed']}`." if meta.get("recomputed") else "")
             + (f" Rows of {', '.join(meta['reused']['methods'])} reused from the earlier run `{meta['reused']['from']}` "
                "(same photos, side, styles and loss network; they are not in the picture grid)." if meta.get("reused") else ""), "",
             "Losses: exact VGG-19 (normalised), relative terms; total = content + "
             f"{meta['style_weight']:g} x style (the training weights). SSIM is to the photo (higher keeps more structure).", ""]

    def table(title: str, t: dict) -> None:
        # Each row says how many photos its means are over: Gatys runs on a subset only.
        lines.extend([f"## {title}", "", "| method | photos | total | content | style | SSIM | seconds/image |",
                      "|---|---|---|---|---|---|---|"])
        for m, v in t.items():
            if np.isnan(v["total"]):
                continue
            n = v.get("photos", "?")
            lines.append(f"| {m} | {n} | {v['total']:.3f} | {v['content']:.3f} | {v['style_loss']:.4f} | {v['ssim']:.3f} | {v['seconds']:.3f} |")
        lines.append("")

    table(f"All held-out photos ({meta['photos']})", report["all_photos"])
    table(f"Gatys subset ({meta['gatys_photos']} photos)", report["gatys_subset"])
    nets = list(next(iter(report["per_style_total"].values())))
    lines.extend(["## Per style (total loss)", "", "| style | " + " | ".join(nets) + " | distilled student / teacher |",
                  "|---" * (len(nets) + 2) + "|"])
    for s, v in report["per_style_total"].items():
        lines.append(f"| {s} | " + " | ".join(f"{v[n]:.3f}" for n in nets) + f" | {report['student_over_teacher'][s]:.3f} |")
    lines.extend(["", "## Bars", "",
                  f"- student total / teacher network total, mean over styles: **{bars['student_over_teacher_mean']:.3f}** "
                  f"(bar <= {bars['limit']}): {'pass' if bars['student_vs_teacher_ok'] else 'FAIL'}",
                  _steps_bar(bars), ""])
    return "\n".join(lines)


def save_grid(path: Path, photo: torch.Tensor, grid: dict, rel: str, styles: list[str], side: int) -> None:
    methods = list(dict.fromkeys(m for (r, _, m) in grid if r == rel))
    methods.sort(key=lambda m: m != "Gatys")
    photo = resize_max_side(photo, side)
    h, w = photo.shape[-2:]
    label_w, head_h = 130, 20
    canvas = Image.new("RGB", (label_w + w * len(styles), head_h + h * (len(methods) + 1)), "white")
    draw = ImageDraw.Draw(canvas)
    for si, s in enumerate(styles):
        draw.text((label_w + si * w + 4, 4), s, fill="black")
    for ri, m in enumerate(["photo", *methods]):
        draw.text((4, head_h + ri * h + h // 2), m, fill="black")
        for si, s in enumerate(styles):
            img = photo if m == "photo" else resize_max_side(grid[(rel, s, m)], side)
            canvas.paste(tensor_to_pil(img.clamp(0, 1)), (label_w + si * w, head_h + ri * h))
    canvas.save(path, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
