"""The install is split into a lean core and extras: the core imports none of the heavy stacks, and a
command whose stack is missing ends with one line naming the extra (exit code 2).

A missing package is simulated in a fresh interpreter by ``sys.modules[name] = None`` (Python's own
way to make ``import name`` fail), so these tests run in the full dev install.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from edgenst.extras import STACKS, MissingExtraError, require

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("flwr", "ray", "coremltools", "av", "cv2", "starlette", "uvicorn", "websockets", "sklearn")


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=240,
                          env={**_env(), "OMP_NUM_THREADS": "1"})


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def _cli_without(blocked: list[str], argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    code = (f"import sys\nfor m in {blocked!r}: sys.modules[m] = None\n"
            f"from edgenst.cli.main import main\nsys.exit(main({argv!r}))\n")
    return _run(code, tmp_path)


def _one_line(proc: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1, (proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_require_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(MissingExtraError) as info:
        require("av", "reading videos")
    msg = str(info.value)
    assert "pip install 'edgenst[video]'" in msg and "\n" not in msg and "reading videos" in msg
    assert isinstance(info.value, ValueError)  # an InputError: exit code 2 in the CLI


def test_require_submodule_and_present_module(monkeypatch):
    assert require("cv2", "flow").__name__ == "cv2"
    monkeypatch.setitem(sys.modules, "coremltools", None)
    with pytest.raises(MissingExtraError, match=r"edgenst\[coreml\]"):
        require("coremltools.optimize.coreml", "Core ML")


def test_extras_in_pyproject_cover_the_stacks():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = meta["optional-dependencies"]
    core = " ".join(meta["dependencies"])
    for module, (dist, extra) in STACKS.items():
        if module == "ray":  # comes with flwr[simulation]
            assert any(d.startswith("flwr[simulation]") for d in extras[extra])
            continue
        assert any(d.startswith(dist) for d in extras[extra]), (module, extra)
        assert dist not in core, f"{dist} is in the core dependencies"
    assert set(extras["all"][0].split("[")[1].rstrip("]").split(",")) == {"coreml", "video", "demo", "federated"}
    assert "edgenst[all]" in extras["dev"] and any(d.startswith("pytest") for d in extras["dev"])
    assert "executorch" in core and "torch" in core  # the core exports to ExecuTorch


def test_stylize_imports_no_heavy_stack(tmp_path):
    code = (
        "import sys, json\nimport edgenst\nafter_import = sorted(sys.modules)\n"
        "from edgenst.cli.main import main\n"
        "rc = main(['stylize', 'sample:chelsea', '--style', 'starry_night', '--max-side', '64', '-o', 'o.png'])\n"
        "print(json.dumps({'rc': rc, 'import': after_import, 'stylize': sorted(sys.modules)}))\n"
    )
    proc = _run(code, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["rc"] == 0 and (tmp_path / "o.png").is_file()
    for phase in ("import", "stylize"):
        loaded = {m.partition(".")[0] for m in result[phase]}
        assert not loaded & set(HEAVY), (phase, sorted(loaded & set(HEAVY)))


@pytest.mark.parametrize(
    "blocked, argv, extra",
    [
        (["av"], ["stylize", "clip.mp4", "--style", "udnie", "-o", "out.mp4"], "video"),
        (["cv2"], ["evaluate", "styled.mp4", "--video", "clip.mp4"], "video"),
        (["flwr", "ray"], ["federate", "--clients", "1", "--rounds", "1", "--out", "fed"], "federated"),
        (["starlette", "uvicorn"], ["demo", "--port", "0"], "demo"),
        (["coremltools"], ["export", "-o", "exp", "--formats", "coreml", "--sizes", "32x32"], "coreml"),
    ],
    ids=["video-stylize", "video-evaluate", "federate", "demo", "coreml-export"],
)
def test_missing_stack_is_one_line_naming_the_extra(tmp_path, blocked, argv, extra):
    for name in ("clip.mp4", "styled.mp4"):
        (tmp_path / name).write_bytes(b"\x00" * 64)
    line = _one_line(_cli_without(blocked, argv, tmp_path))
    assert f"pip install 'edgenst[{extra}]'" in line, line
    assert line.startswith(f"edgenst {argv[0]}: error:"), line


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_saved_model_file_mode_follows_umask(tmp_path, umask, mode):
    """The atomic write (a temporary file, then a rename) used to leave model files at 0600 while the
    other files of an export folder were 0644: now a model file gets the mode any new file gets."""
    from edgenst.models.serialization import save_model

    from conftest import tiny_trained_like_student

    model, styles = tiny_trained_like_student(2), ["a", "b"]
    previous = os.umask(umask)
    try:
        path = save_model(tmp_path / "student.safetensors", model, styles)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_federate_deploy_finds_its_script_from_an_installed_package(tmp_path, monkeypatch):
    """deploy.sh is package data (edgenst.federated): found through the package, not the repository's
    layout, which a wheel in site-packages does not have."""
    import edgenst.cli.federate as federate
    from edgenst.cli.main import build_parser

    fake = tmp_path / "site-packages" / "edgenst" / "cli" / "federate.py"  # where a wheel puts the module
    monkeypatch.setattr(federate, "__file__", str(fake))
    calls = []
    monkeypatch.setattr(federate.subprocess, "call", lambda argv, **kw: calls.append(argv) or 0)
    args = build_parser().parse_args(["federate", "--deploy", "--clients", "2", "--rounds", "1",
                                      "--out", str(tmp_path / "run")])
    assert args.run(args) == 0
    script = Path(calls[0][-1])
    assert script.name == "deploy.sh" and script.is_file()
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = meta["tool"]["setuptools"]["package-data"]["edgenst.federated"]
    sourced = {line.split("/")[-1].strip('"') for line in script.read_text().splitlines()
               if line.startswith(". ")}  # files deploy.sh sources must ship with it
    assert "deploy.sh" in shipped and sourced and sourced <= set(shipped)
