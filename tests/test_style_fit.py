"""``edgenst styles add`` / ``fit_style``: one painting into a copy of a student as a new style.

A tiny random student and the random loss network keep these in seconds; no shared data needed.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from edgenst.cli.main import main
from edgenst.errors import InputError
from edgenst.models import build_model
from edgenst.models.serialization import load_model, save_model
from edgenst.perceptual import LossConfig
from edgenst.style_fit import FitConfig, add_style, fit_style
from edgenst.teacher import TeacherConfig

TINY_LOSS_NET = TeacherConfig(source="random", width=8, pyramid_levels=2)
FAST = FitConfig(steps=8, photos=("sample:chelsea", "sample:coffee"), crop=32, batch=2, lr=5e-2, style_size=64,
                 loss=LossConfig(style_weight=10.0, layer_weighting="gram"), loss_net=TINY_LOSS_NET, log_every=4,
                 checkpoint_every=4)
CLI_FAST = ["--steps", "4", "--teacher", "random", "--pyramid-levels", "1", "--crop", "32",
            "--photos", "sample:chelsea"]


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGENST_OFFLINE", "1")
    monkeypatch.delenv("EDGENST_LOSS_NET_WEIGHTS", raising=False)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A random 8-wide, 1-block student with two styles, saved as a file."""
    torch.manual_seed(0)
    model = build_model("student", {"width": 8, "blocks": 1, "styles": 2})
    with torch.no_grad():  # distinct style columns, so "the mean of the styles" is a real starting point
        for name, p in model.named_parameters():
            if name.endswith((".scale", ".shift")):
                p.add_(0.1 * torch.randn_like(p))
    return save_model(tmp_path / "tiny.safetensors", model, ["a", "b"], meta={"name": "tiny"})


def _painting(path: Path) -> Path:
    """Bold stripes: far from the tiny model's styles, so the fit has something to learn."""
    y, x = np.mgrid[0:96, 0:96]
    arr = np.stack([(np.sin(x / 3.0) > 0) * 230, (np.sin((x + y) / 5.0) > 0) * 200, np.full_like(x, 40)], -1)
    Image.fromarray(arr.astype(np.uint8), "RGB").save(path)
    return path


def test_fit_adds_one_style_and_leaves_every_other_tensor_bit_for_bit(tiny: Path, tmp_path: Path) -> None:
    painting = _painting(tmp_path / "stripes.png")
    out = tmp_path / "out.safetensors"
    before_bytes = tiny.read_bytes()
    info = add_style(str(tiny), str(painting), "stripes", out, FAST, progress=False)
    assert tiny.read_bytes() == before_bytes  # the input model is never touched
    old, old_info = load_model(tiny)
    new, new_info = load_model(out)
    assert new_info.styles == ["a", "b", "stripes"] and info.index == 2
    assert new_info.meta["added_styles"][-1]["name"] == "stripes"
    assert new_info.meta["added_styles"][-1]["painting_sha256"]
    old_sd, new_sd = old.state_dict(), new.state_dict()
    assert old_sd.keys() == new_sd.keys()
    learned = 0
    for name, value in old_sd.items():
        if name.endswith((".scale", ".shift")):
            assert torch.equal(new_sd[name][:, :2], value), name  # the old styles' columns
            start = value.mean(dim=1)  # where the new style starts (grow_styles)
            learned += int(not torch.equal(new_sd[name][:, 2], start))
        else:
            assert torch.equal(new_sd[name], value), name
    assert learned > 0, "the new style's vectors did not change"
    assert info.after["style"] < info.before["style"], (info.before, info.after)


def test_the_fitted_style_works_through_the_cli(tiny: Path, tmp_path: Path, capsys) -> None:
    painting = _painting(tmp_path / "stripes.png")
    out = tmp_path / "with-stripes.safetensors"
    assert main(["styles", "add", "stripes", str(painting), "--model", str(tiny), "-o", str(out), *CLI_FAST]) == 0
    printed = capsys.readouterr().out
    assert "'stripes' (index 2) added" in printed
    assert main(["styles", "--model", str(out)]) == 0
    assert "stripes" in capsys.readouterr().out
    photo_out = tmp_path / "cat.png"
    assert main(["stylize", "sample:chelsea", "--model", str(out), "--style", "stripes=0.5", "--style", "a=0.5",
                 "--max-side", "64", "-o", str(photo_out)]) == 0
    assert photo_out.is_file()
    photo_out.unlink()
    assert main(["stylize", "sample:chelsea", "--model", str(out), "--style", "stripes", "--max-side", "64",
                 "-o", str(photo_out)]) == 0
    assert photo_out.is_file()


def test_an_interrupted_fit_resumes_from_its_work_dir(tiny: Path, tmp_path: Path, monkeypatch, caplog) -> None:
    from edgenst.distill import trainer as trainer_mod

    painting = str(_painting(tmp_path / "stripes.png"))
    cfg = replace(FAST, work_dir=str(tmp_path / "work"))  # 8 steps, a checkpoint at step 4
    real_step, calls = trainer_mod.train_step, {"n": 0}

    def crashing_step(*a, **k):
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt
        return real_step(*a, **k)

    monkeypatch.setattr(trainer_mod, "train_step", crashing_step)
    with pytest.raises(KeyboardInterrupt):
        fit_style(str(tiny), painting, "stripes", cfg, progress=False)
    monkeypatch.setattr(trainer_mod, "train_step", real_step)
    with caplog.at_level("INFO"):
        resumed, _ = fit_style(str(tiny), painting, "stripes", cfg, progress=False)
    assert "resuming" in caplog.text and "at step 4 of 8" in caplog.text
    whole, _ = fit_style(str(tiny), painting, "stripes", replace(FAST), progress=False)
    for k, v in whole.state_dict().items():
        assert torch.equal(resumed.state_dict()[k], v), k


def _bad(tmp: Path, tiny: Path) -> dict[str, list[str]]:
    painting = _painting(tmp / "ok.png")
    broken = tmp / "broken.jpg"
    broken.write_bytes(b"not an image at all")
    pte = tmp / "model.pte"
    pte.write_bytes(b"\0" * 64)
    exists = tmp / "exists.safetensors"
    exists.write_bytes(b"x")
    base = ["styles", "add"]
    m = ["--model", str(tiny)]
    return {
        "missing painting": [*base, "new", str(tmp / "nope.jpg"), *m, "-o", str(tmp / "o1.safetensors"), *CLI_FAST],
        "broken painting": [*base, "new", str(broken), *m, "-o", str(tmp / "o2.safetensors"), *CLI_FAST],
        "name taken": [*base, "a", str(painting), *m, "-o", str(tmp / "o3.safetensors"), *CLI_FAST],
        "bad name": [*base, "a b/c", str(painting), *m, "-o", str(tmp / "o4.safetensors"), *CLI_FAST],
        "pte model": [*base, "new", str(painting), "--model", str(pte), "-o", str(tmp / "o5.safetensors"), *CLI_FAST],
        "steps zero": [*base, "new", str(painting), *m, "-o", str(tmp / "o6.safetensors"), *CLI_FAST, "--steps", "0"],
        "steps text": [*base, "new", str(painting), *m, "-o", str(tmp / "o7.safetensors"), *CLI_FAST, "--steps", "ten"],
        "steps negative": [*base, "new", str(painting), *m, "-o", str(tmp / "o8.safetensors"), *CLI_FAST, "--steps=-3"],
        "out exists": [*base, "new", str(painting), *m, "-o", str(exists), *CLI_FAST],
        "out is input": [*base, "new", str(painting), *m, "-o", str(tiny), "--force", *CLI_FAST],
        "huge painting": [*base, "new", str(_huge_png_header(tmp / "huge.png")), *m, "-o", str(tmp / "o9.safetensors"),
                          *CLI_FAST],
        **{f"{kind} painting": [*base, "new", str(path), *m, "-o", str(tmp / f"o-{kind}.safetensors"), *CLI_FAST]
           for kind, path in _unusable_paintings(tmp).items()},
    }


def _huge_png_header(path: Path, side: int = 20000) -> Path:
    """A PNG that claims side x side pixels (a decompression bomb's header: refused before decoding)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)))
    return path


def _unusable_paintings(tmp: Path) -> dict[str, Path]:
    """Pictures that hold no style: too small to read one from (a 1x1, a 3-pixel strip) or one flat
    colour (a solid fill, a fully transparent PNG, white once composited as a viewer shows it)."""
    Image.new("RGB", (1, 1), (200, 10, 10)).save(tmp / "one.png")
    Image.fromarray(np.asarray(Image.open(_painting(tmp / "s.png")))[:3], "RGB").save(tmp / "strip.png")
    Image.new("RGB", (96, 64), (30, 90, 160)).save(tmp / "solid.png")
    Image.new("RGBA", (96, 64), (30, 90, 160, 0)).save(tmp / "transparent.png")
    return {kind: tmp / f"{kind}.png" for kind in ("one", "strip", "solid", "transparent")}


@pytest.mark.parametrize("case", ["missing painting", "broken painting", "name taken", "bad name", "pte model",
                                  "steps zero", "steps text", "steps negative", "out exists", "out is input",
                                  "huge painting", "one painting", "strip painting", "solid painting",
                                  "transparent painting"])
def test_bad_input_is_one_line_and_exit_2(case: str, tiny: Path, tmp_path: Path, capsys) -> None:
    before = tiny.read_bytes()
    argv = _bad(tmp_path, tiny)[case]
    rc = main(argv)
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip() and not ln.startswith("INFO")]
    assert rc == 2, (case, err)
    assert len(err) == 1 and err[0].startswith("edgenst styles: error:"), err
    assert tiny.read_bytes() == before
    assert not list(tmp_path.glob("o*.safetensors"))  # nothing written


def test_force_replaces_an_existing_output(tiny: Path, tmp_path: Path) -> None:
    painting = _painting(tmp_path / "stripes.png")
    out = tmp_path / "out.safetensors"
    out.write_bytes(b"old")
    assert main(["styles", "add", "stripes", str(painting), "--model", str(tiny), "-o", str(out), "--force",
                 *CLI_FAST]) == 0
    assert load_model(out)[1].styles == ["a", "b", "stripes"]


def test_fit_config_refuses_bad_counts() -> None:
    for bad in (0, -1, 2.5, True):
        with pytest.raises(InputError):
            FitConfig(steps=bad)


def test_listing_styles_still_works(capsys) -> None:
    assert main(["styles"]) == 0
    assert "starry_night" in capsys.readouterr().out
    assert main(["styles", "--model", "fast", "--json"]) == 0
    assert '"starry_night"' in capsys.readouterr().out


def test_fit_style_refuses_a_painting_without_a_style(tiny: Path, tmp_path: Path) -> None:
    for kind, path in _unusable_paintings(tmp_path).items():
        with pytest.raises(InputError, match="too small|one flat colour"):
            fit_style(str(tiny), str(path), kind, FAST, progress=False)
