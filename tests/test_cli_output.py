"""Quiet by default: a command shows the project's own progress and results, and the dependencies'
chatter (coremltools' per-op INFO lines, its version warnings, tqdm bars of internal passes,
ExecuTorch's cpuinfo probes on fd 2, torch's deprecation notice) only with -v / -vv."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from edgenst.cli.logs import VerbosityFilter


def _record(name: str, level: int) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, "m", None, None)


def test_filter_thresholds_by_source():
    f = VerbosityFilter(logging.INFO, logging.WARNING, logging.ERROR)
    assert f.filter(_record("edgenst.export.executorch", logging.INFO))
    assert not f.filter(_record("urllib3", logging.INFO)) and f.filter(_record("urllib3", logging.WARNING))
    assert not f.filter(_record("coremltools", logging.WARNING)) and f.filter(_record("coremltools.x", logging.ERROR))
    assert not f.filter(_record("edgenstx", logging.INFO))  # a prefix is not the package


def _export(tmp_path: Path, *verbosity: str) -> subprocess.CompletedProcess:
    # The smallest export that still runs every stage: one size, one calibration and one verification photo.
    argv = [sys.executable, "-m", "edgenst", *verbosity, "--threads", "1", "export", "-o", str(tmp_path / "exp"),
            "--sizes", "32x32", "--calib-count", "1", "--photo-count", "1", "--calib-size", "32"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1", "EDGENST_OFFLINE": "1"})


@pytest.mark.slow
def test_export_is_quiet_by_default(tmp_path):
    proc = _export(tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    err = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(err) <= 25, "\n".join(err)
    for noise in ("Removing op", "coremltools", "cpuinfo", "Converting", "is an Enum subclass", "scikit-learn"):
        assert noise not in proc.stderr, noise
    every = [ln.strip() for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    repeated = {ln for ln in every if every.count(ln) > 1}
    assert not repeated, repeated
    # The project's own results are still there.
    assert "student-int8.pte" in proc.stdout and "verified: every check passed" in proc.stdout
    assert "XNNPACK delegate" in proc.stderr  # its progress lines


def test_styles_prints_a_readable_table(capsys):
    from edgenst.cli.main import main

    assert main(["styles"]) == 0
    out = capsys.readouterr().out
    assert "{" not in out and "'" not in out, out  # no raw Python dict
    lines = out.splitlines()
    assert lines[0].startswith("default (QUALITY_V3): student, width 40, 6 blocks, 112,772 parameters, 6 styles"), lines[0]
    assert lines[1].split() == ["index", "style", "thumbnail"]
    assert lines[2].split()[:2] == ["0", "starry_night"] and len(lines) == 2 + 6


@pytest.mark.parametrize("command", ["verify", "export"])
def test_missing_teacher_weights_file_is_an_error(tmp_path, capsys, command):
    """A path given explicitly that does not exist is bad input (exit 2, one line), not a skipped check."""
    from edgenst.cli.main import main

    missing = tmp_path / "vgg_normalised_conv3_1.pth"
    target = [str(tmp_path)] if command == "verify" else ["-o", str(tmp_path / "exp")]
    rc = main([command, *target, "--teacher", "vgg19-normalised", "--teacher-weights", str(missing)])
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert rc == 2 and len(err) == 1 and str(missing) in err[0], err
    assert not (tmp_path / "exp").exists()  # refused before minutes of exporting
