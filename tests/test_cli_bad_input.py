"""The CLI turns bad input into exit code 2 and ONE line on stderr, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from PIL import Image

from edgenst.cli.main import main


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGENST_OFFLINE", "1")


FAST = ["--teacher", "random", "--steps", "1", "--max-side", "32", "--pyramid-levels", "1"]
ERROR_PREFIX = "edgenst stylize: error:"


def _lines(text: str) -> list[str]:
    """Non-empty lines, treating carriage returns (progress-bar redraws) as line breaks."""
    return [ln.strip() for ln in text.replace("\r", "\n").split("\n") if ln.strip()]


def _photo(path: Path, h: int = 24, w: int = 32, fmt: str | None = None) -> Path:
    arr = np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)
    Image.fromarray(arr, "RGB").save(path, fmt)
    return path


def _truncated(path: Path, fmt: str) -> Path:
    _photo(path, 48, 64, fmt)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, list[str]]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, _lines(err)


# --------------------------------------------------------------------------------------------------
# bad input files


def _missing(tmp: Path) -> Path:
    return tmp / "missing.jpg"


def _empty(tmp: Path) -> Path:
    p = tmp / "empty.png"
    p.write_bytes(b"")
    return p


def _trunc_jpeg(tmp: Path) -> Path:
    return _truncated(tmp / "cut.jpg", "JPEG")


def _trunc_png(tmp: Path) -> Path:
    return _truncated(tmp / "cut.png", "PNG")


def _text_as_jpg(tmp: Path) -> Path:
    p = tmp / "notes.jpg"
    p.write_text("not a picture\nreally not\n")
    return p


def _empty_folder(tmp: Path) -> Path:
    d = tmp / "nothing_here"
    d.mkdir()
    (d / "readme.txt").write_text("no images")
    return d


BAD_INPUTS: dict[str, Callable[[Path], Path]] = {
    "missing": _missing,
    "empty": _empty,
    "truncated-jpeg": _trunc_jpeg,
    "truncated-png": _trunc_png,
    "text-named-jpg": _text_as_jpg,
    "folder-without-images": _empty_folder,
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_stylize_bad_input_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    bad = BAD_INPUTS[case](tmp_path)
    out_png = tmp_path / "OUT.png"
    rc, out, lines = _run(capsys, ["-q", "stylize", str(bad), "--style", "texture:swirl", *FAST, "-o", str(out_png)])
    assert rc == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(ERROR_PREFIX), lines
    assert str(bad) in lines[0]
    assert "Traceback" not in lines[0]
    assert not out_png.exists()
    assert out == ""


def test_stylize_too_many_pixels_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = _photo(tmp_path / "photo.png", 40, 40)  # 1600 pixels
    out_png = tmp_path / "OUT.png"
    argv = ["-q", "stylize", str(photo), "--style", "texture:swirl", *FAST, "-o", str(out_png)]
    rc, _, lines = _run(capsys, [*argv, "--max-pixels", "1000"])
    assert rc == 2
    assert len(lines) == 1 and lines[0].startswith(ERROR_PREFIX), lines
    assert "photo.png" in lines[0]
    assert not out_png.exists()
    # The same command within the limit works, so the refusal really came from --max-pixels.
    rc, _, _ = _run(capsys, [*argv, "--max-pixels", "1600"])
    assert rc == 0 and out_png.is_file()


def test_stylize_bad_style_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    style = _trunc_png(tmp_path)
    rc, _, lines = _run(capsys, ["-q", "stylize", "sample:chelsea", "--style", str(style), *FAST,
                                 "-o", str(tmp_path / "o.png")])
    assert rc == 2
    assert len(lines) == 1 and lines[0].startswith(ERROR_PREFIX) and str(style) in lines[0], lines


# --------------------------------------------------------------------------------------------------
# bad configuration values


BAD_CONFIG = {
    "steps-0": (["sample:chelsea"], ["--style", "texture:swirl", *FAST, "--steps", "0"], "steps"),
    "strength-negative": (["sample:chelsea"], ["--style", "texture:swirl", *FAST, "--strength", "-5"], "strength"),
    "pyramid-levels-0": (["sample:chelsea"], ["--style", "texture:swirl", *FAST, "--pyramid-levels", "0"],
                         "pyramid"),
    "missing-teacher-weights": (
        ["sample:chelsea"],
        ["--style", "texture:swirl", "--steps", "1", "--max-side", "32", "--pyramid-levels", "1",
         "--teacher", "vgg19-normalised", "--teacher-weights", "/nonexistent.pth"],
        "/nonexistent.pth",
    ),
    "unknown-sample": (["sample:nope"], ["--style", "texture:swirl", *FAST], "nope"),
    "unknown-texture": (["sample:chelsea"], ["--style", "texture:nope", *FAST], "nope"),
    "max-side-0": (["sample:chelsea"], ["--style", "texture:swirl", *FAST, "--max-side", "0"], "max_side"),
    "more-masks-than-styles": (
        ["sample:chelsea"],
        ["--style", "texture:swirl", "--mask", "texture:stripes", "--mask", "texture:mosaic", *FAST],
        "mask",
    ),
    "fewer-masks-than-styles": (
        ["sample:chelsea"],
        ["--style", "texture:swirl", "--style", "texture:stripes", "--mask", "texture:mosaic", *FAST],
        "mask",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CONFIG))
def test_stylize_bad_config_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    inputs, options, mentioned = BAD_CONFIG[case]
    out_png = tmp_path / "OUT.png"
    rc, out, lines = _run(capsys, ["-q", "stylize", *inputs, *options, "-o", str(out_png)])
    assert rc == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(ERROR_PREFIX), lines
    assert mentioned in lines[0]
    assert not out_png.exists()
    assert out == ""


def test_bad_threads_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, lines = _run(capsys, ["-q", "--threads", "0", "stylize", "sample:chelsea", "--style", "texture:swirl",
                                 *FAST, "-o", str(tmp_path / "o.png")])
    assert rc == 2
    assert len(lines) == 1 and lines[0].startswith(ERROR_PREFIX) and "threads" in lines[0], lines


def _output_case(tmp_path: Path, case: str) -> tuple[Path, Path]:
    photo = _photo(tmp_path / "photo.png")
    return photo, (tmp_path / "OUT.gif" if case == "gif-output" else photo)


@pytest.mark.parametrize("case", ["gif-output", "output-is-input"])
def test_stylize_bad_output_exits_2_and_keeps_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    photo, output = _output_case(tmp_path, case)
    before = photo.read_bytes()
    rc, out, lines = _run(capsys, ["-q", "stylize", str(photo), "--style", "texture:swirl", *FAST,
                                   "-o", str(output)])
    assert rc == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(ERROR_PREFIX), lines
    assert str(output) in lines[0]
    assert photo.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]  # nothing written, no temp left
    assert out == ""


@pytest.mark.parametrize("case", ["gif-output", "output-is-input"])
def test_stylize_bad_output_is_refused_before_optimising(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    import edgenst.stylize.photos as stylize_photos

    calls: list[int] = []
    real = stylize_photos.stylize_optimize

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(stylize_photos, "stylize_optimize", spy)
    photo, output = _output_case(tmp_path, case)
    rc, _, lines = _run(capsys, ["-q", "stylize", str(photo), "--style", "texture:swirl", *FAST,
                                 "-o", str(output)])
    assert rc == 2 and lines and lines[0].startswith(ERROR_PREFIX), lines
    assert calls == [], "the optimisation ran before the output was checked"


# --------------------------------------------------------------------------------------------------
# evaluate


def test_evaluate_empty_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    content = tmp_path / "content"
    content.mkdir()
    _photo(content / "a.png")
    rc, out, lines = _run(capsys, ["-q", "evaluate", str(outputs), "--content", str(content),
                                   "--style", "texture:swirl", "--teacher", "random", "--pyramid-levels", "1"])
    assert rc == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("edgenst evaluate: error:") and str(outputs) in lines[0], lines
    assert not (outputs / "metrics.json").exists()
    assert out == ""


def test_evaluate_missing_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, lines = _run(capsys, ["-q", "evaluate", str(tmp_path / "nope"), "--content", str(tmp_path),
                                 "--style", "texture:swirl", "--teacher", "random"])
    assert rc == 2
    assert len(lines) == 1 and lines[0].startswith("edgenst evaluate: error:"), lines


# --------------------------------------------------------------------------------------------------
# a good run, and the real process


def test_stylize_good_run_writes_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_png = tmp_path / "out.png"
    rc = main(["stylize", "sample:chelsea", "--style", "texture:swirl", "--teacher", "random", "--steps", "2",
               "--max-side", "48", "--pyramid-levels", "1", "-o", str(out_png)])
    out, _ = capsys.readouterr()
    assert rc == 0
    assert str(out_png) in out
    with Image.open(out_png) as img:
        assert img.format == "PNG"
        assert img.size == (48, 32)  # chelsea is 451x300, long side 48
        arr = np.asarray(img.convert("RGB"), dtype=np.float32)
    assert arr.std() > 1.0  # a picture, not a flat fill
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_stylize_small_file_with_alpha_keeps_alpha(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A file already within --max-side is used as loaded (no resize): that tensor must optimise too.
    arr = np.random.default_rng(1).integers(0, 256, (24, 32, 4), dtype=np.uint8)
    arr[..., 3] = 255
    arr[:, :8, 3] = 0
    photo = tmp_path / "photo.png"
    Image.fromarray(arr, "RGBA").save(photo)
    before = photo.read_bytes()
    out_png = tmp_path / "out.png"
    rc = main(["-q", "stylize", str(photo), "--style", "texture:swirl", *FAST, "--keep-alpha", "-o", str(out_png)])
    _, err = capsys.readouterr()
    assert rc == 0, err
    with Image.open(out_png) as img:
        assert img.mode == "RGBA" and img.size == (32, 24)
        alpha = np.asarray(img)[..., 3]
    np.testing.assert_array_equal(alpha, arr[..., 3])
    assert photo.read_bytes() == before


def _subprocess(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, EDGENST_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "edgenst", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("case", ["missing", "truncated-png"])
def test_real_process_bad_input_exit_code_and_one_line(tmp_path: Path, case: str) -> None:
    bad = BAD_INPUTS[case](tmp_path)
    proc = _subprocess(["-q", "stylize", str(bad), "--style", "texture:swirl", *FAST, "-o", "OUT.png"], tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = _lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(ERROR_PREFIX) and str(bad) in lines[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "OUT.png").exists()


def test_real_process_fast_exit_loses_no_output(tmp_path: Path) -> None:
    # The console script ends stylize with os._exit: block-buffered stdout (a pipe, no
    # PYTHONUNBUFFERED), the log line and the PNG must all be complete when the process is gone.
    photo = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(2).integers(0, 256, (40, 56, 3), dtype=np.uint8)).save(photo)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["EDGENST_OFFLINE"] = "1"
    proc = subprocess.run([sys.executable, "-m", "edgenst", "--threads", "1", "stylize", str(photo), "--style",
                           "starry_night", "-o", "out.png"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "out.png" in proc.stdout
    assert "[1/1]" in proc.stderr  # the INFO line went through logging and was flushed
    with Image.open(tmp_path / "out.png") as img:
        img.load()
        assert img.size == (56, 40)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png", "photo.png"]


def test_real_process_usage_error_exits_2(tmp_path: Path) -> None:
    proc = _subprocess(["stylize", "sample:chelsea", "-o", "x.png"], tmp_path)  # --style is required
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--style" in proc.stderr


DISTILL_TINY = ["--width", "8", "--blocks", "1", "--teacher", "random", "--pyramid-levels", "1", "--crop", "32",
                "--batch", "1", "--steps", "1", "--style-size", "64"]


@pytest.mark.parametrize("case", ["missing-style", "empty-photos", "corrupt-teacher-net", "resume-nothing", "bad-crop",
                                  "no-style", "negative-motion-noise"])
def test_distill_bad_input_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    corrupt = tmp_path / "teacher.safetensors"
    corrupt.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not a header")
    out = tmp_path / "run"
    base = ["-q", "distill", "--out", str(out), *DISTILL_TINY]
    args = {
        "missing-style": ["--style", str(tmp_path / "nope.jpg"), "--photos", "sample:coffee"],
        "empty-photos": ["--style", "texture:swirl", "--photos", str(empty)],
        "corrupt-teacher-net": ["--style", "texture:swirl", "--photos", "sample:coffee", "--teacher-net", str(corrupt)],
        "resume-nothing": ["--resume"],
        "bad-crop": ["--style", "texture:swirl", "--photos", "sample:coffee", "--crop", "30"],
        "no-style": ["--photos", "sample:coffee"],
        "negative-motion-noise": ["--style", "texture:swirl", "--photos", "sample:coffee", "--motion-noise", "-0.1"],
    }[case]
    rc, _, lines = _run(capsys, base + args)
    assert rc == 2, lines
    assert len(lines) == 1 and lines[0].startswith("edgenst distill: error:"), lines
    assert not (out / "model.safetensors").exists()
