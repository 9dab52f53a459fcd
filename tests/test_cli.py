"""The command line: help texts and the stylize options end to end on tiny settings."""

from pathlib import Path

import pytest
import torch

from edgenst.cli.main import main
from edgenst.io import load_image, save_image
from edgenst.samples import sample_photo

FAST = ["--teacher", "random", "--pyramid-levels", "1", "--max-side", "48", "--steps", "6"]


def test_help_lists_subcommands_and_each_has_examples(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "stylize" in text and "evaluate" in text
    for cmd in ("stylize", "evaluate"):
        with pytest.raises(SystemExit) as exc:
            main([cmd, "--help"])
        assert exc.value.code == 0
        assert "examples:" in capsys.readouterr().out


def test_two_styles_with_masks_and_colour_preservation(tmp_path: Path):
    mask_left = torch.zeros(1, 3, 32, 48)
    mask_left[..., :24] = 1.0
    save_image(mask_left, tmp_path / "left.png")
    save_image(1 - mask_left, tmp_path / "right.png")
    out = tmp_path / "out.png"
    rc = main(["-q", "stylize", "sample:chelsea", "--style", "texture:swirl", "--mask", str(tmp_path / "left.png"),
               "--style", "texture:mosaic", "--mask", str(tmp_path / "right.png"), "--color", "luminance",
               "-o", str(out), *FAST])
    assert rc == 0
    img = load_image(out).tensor
    assert img.shape == (1, 3, 32, 48)


def test_blend_weights_and_strength_change_the_result(tmp_path: Path):
    outs = {}
    for name, extra in {"a": ["--style", "texture:swirl=0.9", "--style", "texture:stripes=0.1"],
                        "b": ["--style", "texture:swirl=0.1", "--style", "texture:stripes=0.9"],
                        "weak": ["--style", "texture:swirl", "--strength", "0", "--tv-weight", "0", "--method", "optimize"]}.items():
        path = tmp_path / f"{name}.png"
        assert main(["-q", "stylize", "sample:coffee", *extra, "-o", str(path), *FAST]) == 0
        outs[name] = load_image(path).tensor
    assert (outs["a"] - outs["b"]).abs().mean() > 0.01
    photo = torch.nn.functional.interpolate(sample_photo("coffee"), size=outs["weak"].shape[-2:],
                                            mode="bilinear", antialias=True)
    assert (outs["weak"] - photo).abs().max() < 2 / 255 + 1e-6  # strength 0: the photo, up to 8-bit rounding


def test_keep_alpha_round_trips(tmp_path: Path):
    rgba = torch.rand(1, 3, 24, 24)
    alpha = torch.zeros(1, 1, 24, 24)
    alpha[..., 6:18, 6:18] = 1.0
    save_image(rgba, tmp_path / "in.png", alpha=alpha)
    out = tmp_path / "out.png"
    assert main(["-q", "stylize", str(tmp_path / "in.png"), "--style", "texture:mosaic", "--keep-alpha",
                 "-o", str(out), *FAST]) == 0
    loaded = load_image(out, alpha="keep")
    assert loaded.alpha is not None and torch.allclose(loaded.alpha, alpha, atol=1 / 255)
