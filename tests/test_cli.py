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
    """Each style paints only its masked region, and --color luminance keeps the photo's colours."""
    from edgenst.gatys.color import rgb_to_yiq

    mask_left = torch.zeros(1, 3, 32, 48)
    mask_left[..., :24] = 1.0
    save_image(mask_left, tmp_path / "left.png")
    save_image(1 - mask_left, tmp_path / "right.png")
    masks = ["--style", "texture:swirl", "--mask", str(tmp_path / "left.png"),
             "--style", "texture:mosaic", "--mask", str(tmp_path / "right.png")]

    def run(name: str, *args: str) -> torch.Tensor:
        out = tmp_path / f"{name}.png"
        assert main(["-q", "stylize", "sample:chelsea", *args, "-o", str(out), *FAST]) == 0
        return load_image(out).tensor

    masked = run("masked", *masks)
    swirl, mosaic = run("swirl", "--style", "texture:swirl"), run("mosaic", "--style", "texture:mosaic")
    left, right = (..., slice(0, 20)), (..., slice(28, 48))  # away from the mask edge

    def dist(a: torch.Tensor, b: torch.Tensor, region: tuple) -> float:
        return float((a[region] - b[region]).abs().mean())

    # Left of the edge the picture is the swirl style's alone, right of it the mosaic's.
    assert dist(masked, swirl, left) < 0.3 * dist(masked, mosaic, left)
    assert dist(masked, mosaic, right) < 0.3 * dist(masked, swirl, right)
    # Colour preservation on top: the chroma (YIQ's I and Q) is the photo's, the luminance stylized;
    # without it the styles' colours come through.
    kept = run("kept", *masks, "--color", "luminance")
    assert kept.shape == (1, 3, 32, 48)
    photo = torch.nn.functional.interpolate(sample_photo("chelsea"), size=(32, 48), mode="bilinear", antialias=True)
    yiq, photo_yiq = rgb_to_yiq(kept), rgb_to_yiq(photo)
    assert (yiq[:, 1:] - photo_yiq[:, 1:]).abs().mean() < 0.004
    assert (rgb_to_yiq(masked)[:, 1:] - photo_yiq[:, 1:]).abs().mean() > 0.012
    assert (yiq[:, :1] - photo_yiq[:, :1]).abs().mean() > 0.004


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
