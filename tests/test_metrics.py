"""Metrics: SSIM, PSNR, output/photo pairing, and ``edgenst evaluate`` end to end on a tiny teacher."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from edgenst.cli.main import main
from edgenst.io import save_image
from edgenst.errors import InputError
from edgenst.metrics import grid_score, match_outputs, psnr, ssim
from edgenst.samples import sample_photo


def test_ssim_is_one_for_identical_and_lower_for_noisy():
    img = torch.nn.functional.interpolate(sample_photo("coffee"), size=(40, 60))
    assert ssim(img, img) == pytest.approx(1.0)
    noisy = (img + 0.2 * torch.randn_like(img)).clamp(0, 1)
    assert ssim(img, noisy) < 0.8


def test_psnr_of_tensors_and_0_255_arrays_agree():
    a = torch.zeros(1, 3, 4, 4)
    assert psnr(a + 0.1, a) == pytest.approx(20.0)  # mse 0.01 at peak 1
    assert psnr(a, a) == math.inf
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(1, 3, 8, 8, generator=g), torch.rand(1, 3, 8, 8, generator=g)
    as_255 = psnr((255 * x).numpy().astype(np.float64), (255 * y).numpy().astype(np.float64), peak=255.0)
    assert as_255 == pytest.approx(psnr(x, y), abs=1e-6)  # x, y scaled to 0-255 in float32
    with pytest.raises(InputError, match="equal shapes"):
        psnr(x, y[..., :4])


def test_outputs_pair_with_photos_by_stem():
    outs = [Path("a.png"), Path("a_starry.png"), Path("ab-x.png"), Path("zzz.png")]
    photos = [Path("a.jpg"), Path("ab.jpg")]
    pairs = {o.name: c.name for o, c in match_outputs(outs, photos)}
    assert pairs == {"a.png": "a.jpg", "a_starry.png": "a.jpg", "ab-x.png": "ab.jpg"}


def test_evaluate_reports_losses_ssim_and_time(tmp_path: Path, capsys):
    photos = tmp_path / "photos"
    for name in ("chelsea", "coffee"):
        save_image(torch.nn.functional.interpolate(sample_photo(name), size=(48, 64)), photos / f"{name}.png")
    outs = tmp_path / "outs"
    common = ["--teacher", "random", "--pyramid-levels", "1", "--max-side", "64"]
    rc = main(["-q", "stylize", str(photos), "--style", "texture:mosaic", "--steps", "3", "-o", str(outs), *common])
    assert rc == 0
    record = json.loads((outs / "edgenst-run.json").read_text())
    assert set(record["outputs"]) == {"chelsea.png", "coffee.png"}

    rc = main(["-q", "evaluate", str(outs), "--content", str(photos), "--style", "texture:mosaic", *common])
    assert rc == 0
    table = capsys.readouterr().out
    assert "mean of 2" in table and "chelsea.png" in table
    report = json.loads((outs / "metrics.json").read_text())
    rows = {r["name"]: r for r in report["images"]}
    assert rows["chelsea.png"]["seconds"] == record["outputs"]["chelsea.png"]["seconds"]
    assert 0 < rows["coffee.png"]["ssim"] < 1
    assert rows["coffee.png"]["content_loss"] > 0 and rows["coffee.png"]["style_loss"] > 0

    # The photo itself has zero content loss and SSIM 1 against itself.
    same = tmp_path / "same"
    save_image(torch.nn.functional.interpolate(sample_photo("coffee"), size=(48, 64)), same / "coffee.png")
    rc = main(["-q", "evaluate", str(same), "--content", str(photos), "--style", "texture:mosaic",
               "--json", str(tmp_path / "m.json"), *common])
    assert rc == 0
    row = json.loads((tmp_path / "m.json").read_text())["images"][0]
    assert row["content_loss"] == pytest.approx(0.0, abs=1e-6) and row["ssim"] == pytest.approx(1.0, abs=1e-3)
    assert row["seconds"] is None


def test_grid_score_finds_a_faint_pixel_shuffle_grid():
    photo = sample_photo("chelsea")[..., :128, :160]
    clean = grid_score(photo)
    yy, xx = torch.meshgrid(torch.arange(128), torch.arange(160), indexing="ij")
    checker = ((yy + xx) % 2).float() * 0.03  # a 3% checkerboard: hard to see, easy to measure
    assert clean < 5
    assert grid_score((photo + checker).clamp(0, 1)) > 10 * clean
    period4 = ((yy // 2 + xx // 2) % 2).float() * 0.03
    assert grid_score((photo + period4).clamp(0, 1)) > 5 * clean
    assert grid_score(torch.full((1, 3, 32, 32), 0.5)) == 0.0
    with pytest.raises(InputError):
        grid_score(torch.rand(3, 32, 32))
