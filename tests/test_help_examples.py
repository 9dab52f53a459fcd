"""Every ``edgenst COMMAND --help`` example is real: each one parses with the real parser, and the
cheap ones (stylize, styles, evaluate) run on tiny stand-in files and exit 0.

The examples are read from the parsers' epilogs, so a new or edited example is covered without
touching this file. An example that needs something this machine cannot make (VGG weights, an
exported .pte, a Flower deployment) is only parsed.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from edgenst.cli.main import build_parser, main
from edgenst.pretrained import StudentWeights

#: Options that make a run cheap without changing what the example checks (its options parse and validate).
CHEAP = ["--max-side", "48", "--steps", "1", "--pyramid-levels", "1"]
#: Tokens that name files a test cannot make here: such examples are parsed, not run.
NOT_HERE = ("--pte", "--teacher-weights", ".pth", "exports/")
RUN_COMMANDS = ("stylize", "styles", "evaluate")


def _subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return parser, action.choices


def examples() -> list[tuple[str, list[str]]]:
    """(command, argv without the leading 'edgenst') for every example line of every subcommand."""
    out = []
    _, commands = _subparsers()
    for name, sub in commands.items():
        text = (sub.epilog or "").replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split(" #", 1)[0].strip()
            tokens = shlex.split(line) if line and not line.startswith("#") else []
            while tokens and re.fullmatch(r"[A-Z_]+=\S*", tokens[0]):  # ENV=VALUE prefixes
                tokens.pop(0)
            if tokens[:1] == ["edgenst"]:
                out.append((name, tokens[1:]))
    return out


EXAMPLES = examples()


def test_every_command_has_examples():
    _, commands = _subparsers()
    have = {name for name, _ in EXAMPLES}
    assert set(commands) <= have, f"no examples in --help of: {sorted(set(commands) - have)}"


@pytest.mark.parametrize("command, argv", EXAMPLES, ids=[" ".join(a)[:70] for _, a in EXAMPLES])
def test_example_parses(command, argv):
    args = build_parser().parse_args(argv)
    assert args.command == command
    assert "..." not in argv, "a placeholder, not a command a user can paste"


def test_help_texts_render_without_format_escapes(capsys):
    _, commands = _subparsers()
    for name, sub in commands.items():
        text = sub.format_help()
        assert "%%" not in text, name


def _image(path: Path, size: int = 40, seed: int = 0, mode: str = "RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
    Image.fromarray(pixels).convert(mode).save(path)


def _video(path: Path, frames: int = 3) -> None:
    av = pytest.importorskip("av")
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), 40 * i, dtype=np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """The files the examples name, tiny."""
    for name in ("photo.jpg", "a.jpg", "b.jpg", "starry_night.jpg", "sky.jpg", "ground.jpg", "painting.jpg"):
        _image(tmp_path / name, seed=len(name))
    for name in ("sky_mask.png", "ground_mask.png"):
        _image(tmp_path / name, mode="L")
    for i in range(2):
        _image(tmp_path / "photos" / f"p{i}.jpg", seed=i)
        _image(tmp_path / "outputs" / f"p{i}.png", seed=10 + i)
        _image(tmp_path / "frames" / f"f{i}.png", seed=20 + i)
        _image(tmp_path / "styled_frames" / f"f{i}.png", seed=30 + i)
    _video(tmp_path / "clip.mp4")
    _video(tmp_path / "styled.mp4")
    model = tmp_path / "runs" / "student" / "model.safetensors"
    model.parent.mkdir(parents=True)
    shutil.copy(StudentWeights.FAST_V1.value.path, model)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EDGENST_OFFLINE", "1")
    return tmp_path


RUNNABLE = [(c, a) for c, a in EXAMPLES if c in RUN_COMMANDS and not any(t in " ".join(a) for t in NOT_HERE)]


@pytest.mark.slow
@pytest.mark.parametrize("command, argv", RUNNABLE, ids=[" ".join(a)[:70] for _, a in RUNNABLE])
def test_cheap_example_runs(workdir, command, argv):
    extra = []
    if command in ("stylize", "evaluate"):
        extra = CHEAP if command == "stylize" else ["--max-side", "48", "--pyramid-levels", "1"]
        if "--teacher" not in argv:
            extra = [*extra, "--teacher", "random"]  # offline: no VGG download
    assert main([*argv, *extra]) == 0, argv
