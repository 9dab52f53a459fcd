"""Running a trained network on photos: any size, tiles, style choice, the CLI's student path."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from edgenst.cli.main import main
from edgenst.errors import InputError
from edgenst.inference import BORDER, MAX_BORDER, StyleChoice, model_border, receptive_radius, run_model, stylize
from edgenst.io import load_image, save_image
from edgenst.models import build_model
from edgenst.models.serialization import save_model


def trained_like_student(styles: int = 3) -> torch.nn.Module:
    """A tiny student whose styles differ (random per-style vectors), as after training."""
    torch.manual_seed(1)
    model = build_model("student", {"width": 8, "blocks": 1, "styles": styles})
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith((".scale", ".shift")):
                p.add_(torch.randn_like(p))
    return model.eval()


@pytest.mark.parametrize("size", [(37, 53), (64, 64), (1, 9), (130, 3)])
def test_any_size_gives_the_exact_size_back(size: tuple[int, int]) -> None:
    model = trained_like_student()
    out = run_model(model, torch.rand(1, 3, *size), torch.tensor([[1.0, 0, 0]]), 1.0)
    assert out.shape == (1, 3, *size) and 0 <= out.min() and out.max() <= 1


def test_tiles_match_the_whole_image_away_from_seams() -> None:
    model = trained_like_student()
    x = torch.rand(1, 3, 200, 300)
    w = torch.tensor([[0.2, 0.8, 0.0]])
    whole = run_model(model, x, w, 1.0)
    tiled = stylize(model, x, w, 1.0, tile=128, overlap=32)
    assert tiled.shape == whole.shape
    # The student's receptive field is small; with overlap the blended tiles equal the full pass
    # except near tile borders, where zero padding differs.
    assert (tiled - whole).abs().mean() < 0.01
    assert (tiled - whole).abs().max() < 0.25


class _Convs(torch.nn.Module):
    """Three 3x3 convs (sees 3 px each way), or with a global mean added (sees everything)."""

    def __init__(self, global_mean: bool = False) -> None:
        super().__init__()
        self.config = type("C", (), {"styles": 2})()
        self.convs = torch.nn.Sequential(*(torch.nn.Conv2d(3, 3, 3, padding=1) for _ in range(3)))
        self.global_mean = global_mean

    def forward(self, x, style_weights, strength):
        y = self.convs(x)
        return y + y.mean((-2, -1), keepdim=True) if self.global_mean else y


def test_receptive_radius_is_measured_and_sets_the_default_margin() -> None:
    assert receptive_radius(_Convs()) == 3 and model_border(_Convs()) == BORDER  # never below the old 16
    assert receptive_radius(_Convs(global_mean=True)) == MAX_BORDER
    student = trained_like_student()
    r = receptive_radius(student)
    assert BORDER < r + 4 and model_border(student) % 4 == 0 and model_border(student) >= r
    # With the margin as wide as the model sees, the kept pixels never see the zero padding:
    # a wider margin changes nothing; a narrower one (none) does.
    x, w = torch.rand(1, 3, 72, 100), torch.tensor([[0.2, 0.8, 0.0]])
    default = run_model(student, x, w, 1.0)
    torch.testing.assert_close(default, run_model(student, x, w, 1.0, border=model_border(student) + 24), rtol=0, atol=1e-6)
    assert (default - run_model(student, x, w, 1.0, border=0)).abs().max() > 1e-3


def test_style_choice_blends_and_validates() -> None:
    names = ["a", "b", "c"]
    torch.testing.assert_close(StyleChoice({"a": 1, "c": 3}).vector(names), torch.tensor([[0.25, 0, 0.75]]))
    for bad, match in [({"z": 1}, "unknown style 'z'"), ({"a": -1}, "finite and >= 0"), ({"a": 0}, "positive sum"),
                       ({}, "at least one style")]:
        with pytest.raises(InputError, match=match):
            StyleChoice(bad).vector(names)
    with pytest.raises(InputError, match="strength"):
        StyleChoice({"a": 1}, strength=1.5).vector(names)


def test_strength_and_style_change_the_output() -> None:
    model = trained_like_student()
    x = torch.rand(1, 3, 32, 32)
    a = run_model(model, x, torch.tensor([[1.0, 0, 0]]), 1.0)
    b = run_model(model, x, torch.tensor([[0, 1.0, 0]]), 1.0)
    zero_a = run_model(model, x, torch.tensor([[1.0, 0, 0]]), 0.0)
    zero_b = run_model(model, x, torch.tensor([[0, 1.0, 0]]), 0.0)
    assert (a - b).abs().mean() > 0.01
    torch.testing.assert_close(zero_a, zero_b)  # strength 0 ignores the style choice


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    return save_model(tmp_path / "student.safetensors", trained_like_student(), ["ink", "fire", "sea"])


def test_cli_stylize_with_a_model_file(tmp_path: Path, model_file: Path, capsys) -> None:
    photo = tmp_path / "odd.png"
    save_image(torch.rand(1, 3, 45, 67), photo)
    out = tmp_path / "out.png"
    rc = main(["-q", "stylize", str(photo), "--style", "ink", "--style", "sea=0.5", "--strength", "0.7",
               "--model", str(model_file), "-o", str(out)])
    assert rc == 0
    assert load_image(out).tensor.shape == (1, 3, 45, 67)


def test_cli_stylize_unknown_style_and_bad_strength_exit_2(tmp_path: Path, model_file: Path, capsys) -> None:
    out = tmp_path / "o.png"
    base = ["-q", "stylize", "sample:coffee", "--model", str(model_file), "-o", str(out)]
    assert main(base + ["--style", "nonexistent"]) == 2
    assert "unknown style 'nonexistent'" in capsys.readouterr().err
    assert main(base + ["--style", "ink", "--strength", "1.5"]) == 2
    assert "strength is in [0, 1]" in capsys.readouterr().err
    assert main(base + ["--style", "ink", "--mask", "m.png"]) == 2
    assert not out.exists()


def test_cli_styles_lists_a_model_file(model_file: Path, capsys) -> None:
    assert main(["styles", "--model", str(model_file)]) == 0
    out = capsys.readouterr().out
    assert "ink" in out and "fire" in out and "sea" in out


@pytest.mark.parametrize("case", ["negative", "zero-sum", "nan", "corrupt-model", "mismatched-model"])
def test_cli_student_bad_input_exits_2_with_one_line(tmp_path: Path, model_file: Path, capsys, case: str) -> None:
    from safetensors.torch import save_file

    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(model_file.read_bytes()[:200])
    mismatched = tmp_path / "mismatched.safetensors"
    from edgenst.models.serialization import read_model_file

    header, tensors = read_model_file(model_file)
    tensors["stem.weight"] = torch.zeros(4, 3, 3, 3)
    save_file(tensors, str(mismatched), metadata=header)
    args = {
        "negative": ["--style", "ink=-1", "--model", str(model_file)],
        "zero-sum": ["--style", "ink=0", "--style", "sea=0", "--model", str(model_file)],
        "nan": ["--style", "ink=nan", "--model", str(model_file)],
        "corrupt-model": ["--style", "ink", "--model", str(corrupt)],
        "mismatched-model": ["--style", "ink", "--model", str(mismatched)],
    }[case]
    out = tmp_path / "o.png"
    rc = main(["-q", "stylize", "sample:coffee", *args, "-o", str(out)])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert rc == 2 and len(err) == 1 and err[0].startswith("edgenst stylize: error:"), err
    assert not out.exists()
