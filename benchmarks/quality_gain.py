"""Gain and content against Gatys references, with the project-independent measure in ../shared/quality.

    # references (once; ~30-60 s a pair): see ../shared/quality/README.md
    python ../shared/quality/gatys_ref.py REFS ../shared/data/styles/udnie.jpg ../shared/data/content/bsds500/test/100007.jpg ...
    python benchmarks/quality_gain.py --refs REFS --member default --member fast \\
        --member 'teacher network=benchmarks/models/teacher-net-v2.fp16.safetensors' --strengths 1,0.75
    # -> benchmarks/results/quality_gain.md, quality_gain.json, quality_gain_grid.png

Why in-process and not ``score.py``'s subprocess per case: a strength curve of several members on
24 cases would start Python 500 times. The numbers are score.py's to the letter: the same
``nstloss.Loss`` (imported from ../shared/quality, not edgenst's VGG code), the same 256 px centre
crop written to PNG and read back, the output read back from 8-bit, and

    gain    = log(S_photo / S_out) / log(S_photo / S_gatys)   (1: as stylized as Gatys)
    content = C_out / C_gatys                                  (below 1 keeps more structure)

A member is ``LABEL=MODEL`` (a shipped name or a model file) or just a shipped name; ``LABEL=FILE.pte``
runs an exported program in the ExecuTorch runtime (its 256x256 method). Each member runs on the
photo alone, as ``edgenst stylize`` does (mirror-padded as far as it sees).
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
QUALITY = ROOT.parent / "shared" / "quality"


def measure_module():
    """``nstloss`` from ../shared/quality: the judge's own code, kept apart from edgenst's."""
    if not (QUALITY / "nstloss.py").is_file():
        raise SystemExit(f"the quality measure is not at {QUALITY} (../shared/quality)")
    sys.path.insert(0, str(QUALITY))
    import nstloss  # noqa: E402

    return nstloss


def load_refs(refdir: Path) -> list[dict]:
    refs = []
    for path in sorted(glob.glob(str(refdir / "*.json"))):
        d = json.loads(Path(path).read_text())
        for k in ("photo", "style_image"):
            d[k] = str(refdir / d[k])
        d["gatys_png"] = path[: -len(".json")] + ".png"
        refs.append(d)
    if not refs:
        raise SystemExit(f"no references (*.json from gatys_ref.py) in {refdir}")
    return refs


class Member:
    """One stylizer: an eager model or a .pte, called on a 1x3x256x256 photo with a style index."""

    def __init__(self, label: str, spec: str) -> None:
        self.label, self.spec = label, spec
        if spec.endswith(".pte"):
            from edgenst.runtime import PteModel

            self.pte = PteModel(spec)
            self.model = None
            names = json.loads((Path(spec).parent / "manifest.json").read_text()).get("styles")
            self.styles = [s["name"] if isinstance(s, dict) else s for s in names]
        else:
            from edgenst.inference import model_border
            from edgenst.pretrained import resolve_model

            self.pte = None
            self.model, info = resolve_model(spec)
            self.styles = list(info.styles)
            self.border = model_border(self.model)
        self.is_teacher = self.model is not None and self.model.__class__.__name__ == "TeacherNet"

    def __call__(self, photo: torch.Tensor, style: str, strength: float) -> torch.Tensor:
        w = torch.zeros(1, len(self.styles))
        w[0, self.styles.index(style)] = 1.0
        if self.pte is not None:
            return self.pte.run(photo, w, torch.full((1, 1), float(strength))).clamp(0, 1)
        from edgenst.inference import run_model

        return run_model(self.model, photo, w, strength, border=self.border)


def to_u8_and_back(x: torch.Tensor) -> torch.Tensor:
    """What score.py sees: the output written as an 8-bit PNG and read back."""
    return (x.clamp(0, 1) * 255 + 0.5).floor().div(255)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--refs", type=Path, required=True, help="folder of Gatys references (gatys_ref.py)")
    ap.add_argument("--member", action="append", default=[], metavar="LABEL=MODEL", help="repeatable")
    ap.add_argument("--strengths", default="1", help="comma list; the teacher network runs at 1 only")
    ap.add_argument("--grid-photo", default=None, help="photo stem for the picture grid (default: the first)")
    ap.add_argument("--out", type=Path, default=RESULTS / "quality_gain.md")
    ap.add_argument("--note", default="", help="a paragraph for the report: what the rows are and why")
    args = ap.parse_args(argv)
    torch.set_grad_enabled(False)
    nst = measure_module()
    refs = load_refs(args.refs)
    strengths = [float(s) for s in args.strengths.split(",")]
    members = []
    for spec in args.member:
        label, sep, path = spec.partition("=")
        members.append(Member(label if sep else spec, path if sep else spec))
    grid_photo = args.grid_photo or refs[0]["content"]
    rows, grid = score_members(nst, refs, members, strengths, grid_photo)
    write_report(args, argv, rows, grid, refs)
    return 0


def score_members(nst, refs: list[dict], members: list[Member], strengths: list[float],
                  grid_photo: str) -> tuple[list[dict], dict[tuple[str, str], torch.Tensor]]:
    """Every member on every reference's photo: one row per (member, strength, reference), and the
    grid photo's pictures (photo, Gatys, each member at strength 1) keyed by (row label, style).

    The teacher network runs at strength 1 only. ``benchmarks/quality_report.py`` calls this too.
    """
    losses: dict[str, object] = {}
    rows: list[dict] = []
    grid: dict[tuple[str, str], np.ndarray] = {}
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for ref in refs:
            inp = os.path.join(tmp, ref["content"] + ".png")
            nst.save(nst.load(ref["photo"]), inp)
            photo = nst.load(inp)
            if ref["style"] not in losses:
                losses[ref["style"]] = nst.Loss(nst.load(ref["style_image"]))
            loss = losses[ref["style"]]
            cfeats = loss.content_feats(photo)
            s0 = ref["style_loss_of_content"]
            if ref["content"] == grid_photo:
                grid[("photo", ref["style"])] = photo
                grid[("Gatys", ref["style"])] = nst.load(ref["gatys_png"])
            for m in members:
                if ref["style"] not in m.styles:
                    continue
                for strength in ([1.0] if m.is_teacher else strengths):
                    t = time.perf_counter()
                    out = to_u8_and_back(m(photo, ref["style"], strength))
                    seconds = time.perf_counter() - t
                    cl, sl = loss(out, cfeats)
                    gain = math.log(s0 / float(sl)) / math.log(s0 / ref["style_loss"])
                    label = m.label if strength == 1.0 or m.is_teacher else f"{m.label} @{strength:g}"
                    rows.append({"member": label, "style": ref["style"], "photo": ref["content"], "gain": gain,
                                 "content": float(cl) / ref["content_loss"], "seconds": seconds})
                    if ref["content"] == grid_photo and strength == 1.0:
                        grid[(m.label, ref["style"])] = out
            print(f"{ref['style']} {ref['content']}: {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    return rows, grid


def summary(rows: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for label in dict.fromkeys(r["member"] for r in rows):
        mine = [r for r in rows if r["member"] == label]
        per_style = {}
        for style in dict.fromkeys(r["style"] for r in mine):
            rs = [r for r in mine if r["style"] == style]
            per_style[style] = {"gain": statistics.mean(r["gain"] for r in rs),
                                "content": statistics.mean(r["content"] for r in rs)}
        out[label] = {"gain": statistics.mean(r["gain"] for r in mine),
                      "content": statistics.mean(r["content"] for r in mine),
                      "min_style_gain": min(v["gain"] for v in per_style.values()),
                      "cases": len(mine), "per_style": per_style}
    return out


def write_report(args, argv, rows: list[dict], grid: dict, refs: list[dict]) -> None:
    summ = summary(rows)
    styles = list(dict.fromkeys(r["style"] for r in refs))
    photos = list(dict.fromkeys(r["content"] for r in refs))
    given = argv if argv is not None else sys.argv[1:]
    shown = [a for i, a in enumerate(given) if a != "--note" and (i == 0 or given[i - 1] != "--note")]
    cmd = "python benchmarks/quality_gain.py " + " ".join(f"'{a}'" if (" " in a or "=" in a) else a for a in shown)
    lines = [
        "# Gain and content against Gatys references (the shared quality measure)",
        "",
        f"Measured with `{cmd}` on {len(refs)} references: {len(styles)} styles x {len(photos)} held-out photos "
        f"({', '.join(photos)}), made by `../shared/quality/gatys_ref.py`. gain: share of Gatys' style-loss "
        "reduction reached (log scale, 1 = as stylized as Gatys); content: content loss over Gatys' "
        "(lower keeps more structure). Compare members at equal content.",
        "",
        *([args.note, ""] if args.note else []),
        "| member | gain | content | weakest style's gain | cases |",
        "|---|---|---|---|---|",
    ]
    for label, s in summ.items():
        lines.append(f"| {label} | {s['gain']:.3f} | x{s['content']:.3f} | {s['min_style_gain']:.3f} | {s['cases']} |")
    lines += ["", "## Per style (gain / content)", "",
              "| member | " + " | ".join(styles) + " |", "|---|" + "---|" * len(styles)]
    for label, s in summ.items():
        cells = [f"{s['per_style'][st]['gain']:.2f} / x{s['per_style'][st]['content']:.2f}" if st in s["per_style"] else "-"
                 for st in styles]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    grid_path = args.out.with_name(args.out.stem + "_grid.png")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if grid:
        save_grid(grid, styles, grid_path)
        lines += ["", f"![grid]({grid_path.name})", ""]
    args.out.write_text("\n".join(lines) + "\n")
    args.out.with_suffix(".json").write_text(json.dumps({"command": cmd, "summary": summ, "rows": rows}, indent=1))
    print("\n".join(lines))


def save_grid(grid: dict, styles: list[str], path: Path, side: int = 192, label_w: int = 150,
              label_chars: int = 24) -> None:
    """Rows of pictures keyed by (row label, style); a label is cut at ``label_chars`` (it may hold line breaks)."""
    rows = list(dict.fromkeys(k[0] for k in grid))
    canvas = Image.new("RGB", (label_w + side * len(styles), 16 + side * len(rows)), "white")
    draw = ImageDraw.Draw(canvas)
    for j, st in enumerate(styles):
        draw.text((label_w + j * side + 4, 2), st, fill="black")
    for i, r in enumerate(rows):
        draw.text((4, 16 + i * side + side // 2), r[:label_chars], fill="black")
        for j, st in enumerate(styles):
            if (r, st) in grid:
                a = (grid[(r, st)][0].clamp(0, 1).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
                canvas.paste(Image.fromarray(a).resize((side, side), Image.BICUBIC), (label_w + j * side, 16 + i * side))
    canvas.save(path)


if __name__ == "__main__":
    raise SystemExit(main())
