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


# -- big photos: 8-bit frames, streamed tiles (issue 18, item 7) -------------------------------------

def _photo_u8(h: int, w: int) -> torch.Tensor:
    """A smooth 8-bit photo-like image, 1x3xHxW uint8 (channels-last, as ``load_image_u8`` gives)."""
    g = torch.Generator().manual_seed(3)
    small = torch.rand(1, 3, max(2, h // 8), max(2, w // 8), generator=g)
    x = torch.nn.functional.interpolate(small, size=(h, w), mode="bicubic", align_corners=False).clamp(0, 1)
    return (x * 255 + 0.5).to(torch.uint8).contiguous(memory_format=torch.channels_last)


def _as_saved(image: torch.Tensor) -> torch.Tensor:
    """What ``save_image`` writes for a float image: its 8-bit pixels, as 1x3xHxW uint8."""
    import numpy as np

    from edgenst.io import tensor_to_pil

    return torch.from_numpy(np.array(tensor_to_pil(image))).permute(2, 0, 1).unsqueeze(0)


@pytest.mark.parametrize("size,tile,overlap", [((200, 300), 128, 32), ((100, 300), 128, 32), ((150, 197), 64, 0),
                                               ((90, 70), 1024, 64)])
def test_streamed_tiles_give_the_float_paths_picture(size: tuple[int, int], tile: int, overlap: int) -> None:
    from edgenst.inference import stylize_u8

    model = trained_like_student()
    x, w = _photo_u8(*size), torch.tensor([[0.2, 0.8, 0.0]])
    got = stylize_u8(model, x, w, 0.9, tile=tile, overlap=overlap)
    assert got.dtype == torch.uint8 and got.shape == x.shape and x.dtype == torch.uint8
    # The same blend in the same order of sums: identical to the float path's saved 8-bit picture.
    want = _as_saved(stylize(model, x.float() / 255, w, 0.9, tile=tile, overlap=overlap))
    assert torch.equal(got, want)
    in_place = x.clone()  # written over the photo: rows are overwritten only once no tile reads them
    assert stylize_u8(model, in_place, w, 0.9, tile=tile, overlap=overlap, out=in_place) is in_place
    assert torch.equal(in_place, want)


def test_streamed_tiles_match_the_untiled_picture() -> None:
    from edgenst.inference import stylize_u8

    model = trained_like_student()
    x, w = _photo_u8(200, 300), torch.tensor([[0.0, 0.3, 0.7]])
    whole = stylize_u8(model, x, w, 1.0, tile=1024).float()
    tiled = stylize_u8(model, x, w, 1.0, tile=128, overlap=32).float()
    assert (tiled - whole).abs().mean() < 0.01 * 255 and (tiled - whole).abs().max() < 0.25 * 255
    with pytest.raises(InputError, match="8-bit"):
        stylize_u8(model, x.float(), w, 1.0)


def test_8_bit_loading_keeps_the_pixels_upright_and_composited(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    from edgenst.io import load_image_u8

    arr = np.asarray(_photo_u8(30, 50)[0].permute(1, 2, 0))
    Image.fromarray(arr).save(tmp_path / "p.png")
    loaded = load_image_u8(tmp_path / "p.png")
    assert loaded.tensor.dtype == torch.uint8 and loaded.size == (30, 50)
    assert np.array_equal(loaded.tensor[0].permute(1, 2, 0).numpy(), arr)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    Image.fromarray(arr).save(tmp_path / "r.jpg", exif=exif.tobytes(), quality=95)
    rotated = load_image_u8(tmp_path / "r.jpg")
    assert rotated.size == (50, 30)
    assert torch.equal(rotated.tensor, _as_saved(load_image(tmp_path / "r.jpg").tensor))
    rgba = np.dstack([arr, np.full((30, 50), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    flat, kept = load_image_u8(tmp_path / "a.png"), load_image_u8(tmp_path / "a.png", alpha="keep")
    ref = load_image(tmp_path / "a.png")
    assert (flat.tensor.float() - ref.tensor * 255).abs().max() <= 0.5 + 1e-3
    assert kept.alpha is not None and kept.alpha.dtype == torch.uint8 and int(kept.alpha.max()) == 128


def test_cli_student_path_writes_the_same_picture_from_8_bit_frames(tmp_path: Path, model_file: Path) -> None:
    from edgenst.models.serialization import load_model

    photo, out = tmp_path / "p.jpg", tmp_path / "out.png"
    save_image(_photo_u8(200, 330).float() / 255, photo)
    assert main(["-q", "stylize", str(photo), "--style", "fire", "--model", str(model_file), "--tile", "160",
                 "-o", str(out)]) == 0
    model = load_model(model_file)[0]
    ref = stylize(model, load_image(photo).tensor, torch.tensor([[0.0, 1.0, 0.0]]), 1.0, tile=160)
    assert torch.equal((load_image(out).tensor * 255).round().to(torch.uint8), _as_saved(ref))


_PEAK_SCRIPT = """
import sys
from edgenst.cli.main import main

def kib(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])

main(["-q", "stylize", sys.argv[4], "--style", "fire", "--model", sys.argv[2], "-o", sys.argv[3] + ".warm.png"])
before = kib("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")  # restart the peak (VmHWM) from now
rc = main(["-q", "stylize", sys.argv[1], "--style", "fire", "--model", sys.argv[2], "--tile", "256", "-o", sys.argv[3]])
print(rc, kib("VmHWM:") - before)
"""


@pytest.mark.slow
def test_cli_big_photo_holds_no_float_copy_of_the_frame(tmp_path: Path, model_file: Path) -> None:
    """Peak memory above the process's resting size, for a 12-megapixel JPEG: far below one float frame
    per buffer (the float path held about five: input, output, weights, their quotient, the 8-bit copy)."""
    import os
    import subprocess
    import sys

    from PIL import Image

    if not os.path.exists("/proc/self/clear_refs"):
        pytest.skip("needs Linux /proc to measure peak memory")
    h, w = 3000, 4000
    Image.new("RGB", (64, 48), (120, 90, 60)).save(tmp_path / "small.jpg")
    x = _photo_u8(h, w)[0].permute(1, 2, 0).numpy()
    Image.fromarray(x).save(tmp_path / "big.jpg", quality=90)
    del x
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, str(tmp_path / "big.jpg"), str(model_file),
                          str(tmp_path / "out.png"), str(tmp_path / "small.jpg")], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    rc, peak_kib = map(int, run.stdout.split()[-2:])
    float_frame_kib = 3 * h * w * 4 / 1024
    assert rc == 0 and peak_kib < 1.5 * float_frame_kib, (peak_kib, float_frame_kib)
