"""Reading every kind of picture into 1x3xHxW float32 in [0, 1], refusing bad files, writing safely."""

from __future__ import annotations

import os
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import ExifTags, Image, ImageFile

from edgenst.errors import ImageReadError, InputError
from edgenst.io import (
    DEFAULT_MAX_PIXELS,
    list_images,
    load_image,
    pil_to_tensor,
    resize_max_side,
    save_image,
    tensor_to_pil,
)
from edgenst.samples import resolve_image


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGENST_OFFLINE", "1")


# --------------------------------------------------------------------------------------------------
# helpers


def _noise_rgb(h: int = 24, w: int = 32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _write_png16_rgb(path: Path, rgb16: np.ndarray) -> None:
    """A 48-bit (16 bits per channel) RGB PNG, written by hand: Pillow cannot write this mode."""
    h, w, _ = rgb16.shape
    rows = b"".join(b"\x00" + rgb16[y].astype(">u2").tobytes() for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def _write_png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG that claims huge dimensions but carries almost no data (a decompression-bomb header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def _assert_rgb_tensor(t: torch.Tensor, h: int, w: int) -> None:
    assert t.dtype == torch.float32
    assert tuple(t.shape) == (1, 3, h, w)
    # Contiguous, not a channels-last view of the numpy array: optimisers call .view(-1) on it.
    assert t.is_contiguous()
    assert float(t.min()) >= 0.0 and float(t.max()) <= 1.0
    assert torch.isfinite(t).all()


def _assert_one_line_naming(exc: BaseException, path: Path) -> None:
    msg = str(exc)
    assert msg.strip(), "empty error message"
    assert "\n" not in msg and "\r" not in msg, f"message is not one line: {msg!r}"
    assert str(path) in msg, f"message does not name {path}: {msg!r}"


# --------------------------------------------------------------------------------------------------
# formats and modes


@pytest.mark.parametrize(
    "ext, fmt, kwargs, tol",
    [
        (".png", "PNG", {}, 0.0),
        (".jpg", "JPEG", {"quality": 95}, 0.25),
        (".webp", "WEBP", {"lossless": True}, 0.0),
        (".bmp", "BMP", {}, 0.0),
        (".tif", "TIFF", {}, 0.0),
        (".tiff", "TIFF", {"compression": "tiff_lzw"}, 0.0),
    ],
)
def test_load_rgb_formats(tmp_path: Path, ext: str, fmt: str, kwargs: dict, tol: float) -> None:
    arr = _noise_rgb()
    # Smooth the JPEG case so lossy compression stays close to the source.
    if fmt == "JPEG":
        arr = np.broadcast_to(np.linspace(0, 255, 32, dtype=np.uint8)[None, :, None], (24, 32, 3)).copy()
        arr[..., 1] = 128
    path = tmp_path / f"img{ext}"
    Image.fromarray(arr, "RGB").save(path, fmt, **kwargs)
    loaded = load_image(path)
    _assert_rgb_tensor(loaded.tensor, 24, 32)
    assert loaded.alpha is None
    assert loaded.size == (24, 32)
    assert loaded.path == path
    expected = torch.from_numpy(arr.astype(np.float32) / 255.0).permute(2, 0, 1)[None]
    err = float((loaded.tensor - expected).abs().max())
    if tol == 0.0:
        assert err < 1e-6
    else:
        assert err < tol and float((loaded.tensor - expected).abs().mean()) < 0.03


def test_load_16bit_grey_png_scales_by_65535(tmp_path: Path) -> None:
    values = np.array([[0, 32768, 65535, 255]], dtype=np.uint16).repeat(3, axis=0)
    path = tmp_path / "grey16.png"
    Image.fromarray(values).save(path)
    with Image.open(path) as check:
        assert check.mode.startswith("I")  # really stored as 16-bit
    loaded = load_image(path)
    _assert_rgb_tensor(loaded.tensor, 3, 4)
    row = loaded.tensor[0, :, 0, :]
    # Every channel is the same grey, scaled by the 16-bit depth (not 255 and not clipped).
    assert torch.allclose(row[0], row[1]) and torch.allclose(row[0], row[2])
    assert row[0, 0].item() == pytest.approx(0.0, abs=1e-6)
    assert row[0, 1].item() == pytest.approx(0.5, abs=1e-3)
    assert row[0, 2].item() == pytest.approx(1.0, abs=1e-6)
    # 255 in 16 bits is nearly black: a /255 scaling would make it white.
    assert row[0, 3].item() == pytest.approx(255 / 65535, abs=1e-4)


def test_load_dark_16bit_grey_png_is_not_mistaken_for_8bit(tmp_path: Path) -> None:
    path = tmp_path / "dark16.png"
    Image.fromarray(np.full((4, 4), 200, dtype=np.uint16)).save(path)
    t = load_image(path).tensor
    assert float(t.max()) == pytest.approx(200 / 65535, abs=1e-4)


def test_load_16bit_rgb_png(tmp_path: Path) -> None:
    rgb16 = np.zeros((4, 6, 3), dtype=np.uint16)
    rgb16[..., 0] = 32768
    rgb16[..., 1] = 65535
    rgb16[..., 2] = 0
    path = tmp_path / "rgb16.png"
    _write_png16_rgb(path, rgb16)
    loaded = load_image(path)
    _assert_rgb_tensor(loaded.tensor, 4, 6)
    px = loaded.tensor[0, :, 2, 3]
    assert px[0].item() == pytest.approx(0.5, abs=0.01)
    assert px[1].item() == pytest.approx(1.0, abs=1e-3)
    assert px[2].item() == pytest.approx(0.0, abs=1e-3)


def test_load_greyscale_L(tmp_path: Path) -> None:
    arr = np.tile(np.array([0, 51, 102, 255], dtype=np.uint8), (5, 1))
    path = tmp_path / "grey.png"
    Image.fromarray(arr, "L").save(path)
    t = load_image(path).tensor
    _assert_rgb_tensor(t, 5, 4)
    assert torch.allclose(t[0, 0], t[0, 1]) and torch.allclose(t[0, 1], t[0, 2])
    assert t[0, 0, 0].tolist() == pytest.approx([0.0, 0.2, 0.4, 1.0], abs=1e-6)


def test_load_palette_P(tmp_path: Path) -> None:
    img = Image.new("P", (6, 4))
    img.putpalette([255, 0, 0, 0, 0, 255] + [0] * (254 * 3))
    img.paste(1, (3, 0, 6, 4))
    path = tmp_path / "pal.png"
    img.save(path)
    t = load_image(path).tensor
    _assert_rgb_tensor(t, 4, 6)
    assert t[0, :, 0, 0].tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert t[0, :, 0, 5].tolist() == pytest.approx([0.0, 0.0, 1.0])


def test_load_palette_with_transparency(tmp_path: Path) -> None:
    img = Image.new("P", (6, 4))
    img.putpalette([255, 0, 0, 0, 0, 0] + [0] * (254 * 3))
    img.paste(1, (3, 0, 6, 4))  # right half uses index 1 (black) ...
    path = tmp_path / "pal_t.png"
    img.save(path, transparency=1)  # ... which is fully transparent
    white = load_image(path)
    _assert_rgb_tensor(white.tensor, 4, 6)
    assert white.tensor[0, :, 0, 0].tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert white.tensor[0, :, :, 3:].min().item() == pytest.approx(1.0)  # black but transparent -> white
    kept = load_image(path, alpha="keep")
    assert kept.alpha is not None and tuple(kept.alpha.shape) == (1, 1, 4, 6)
    assert kept.alpha[0, 0, 0, 0].item() == pytest.approx(1.0)
    assert kept.alpha[0, 0, 0, 5].item() == pytest.approx(0.0)


@pytest.mark.parametrize("mode, colour, key", [("RGB", (0, 0, 0), (0, 0, 0)), ("L", 0, 0)])
def test_load_colour_key_transparency(tmp_path: Path, mode: str, colour, key) -> None:  # noqa: ANN001
    # PNG's tRNS chunk on RGB/L images: one colour is transparent (no alpha channel in the file).
    img = Image.new(mode, (4, 2), colour)
    img.paste(255 if mode == "L" else (255, 0, 0), (2, 0, 4, 2))
    path = tmp_path / f"key_{mode}.png"
    img.save(path, transparency=key)
    t = load_image(path).tensor
    _assert_rgb_tensor(t, 2, 4)
    assert t[0, :, 0, 0].tolist() == pytest.approx([1.0, 1.0, 1.0])  # the keyed colour -> white
    expected = [1.0, 1.0, 1.0] if mode == "L" else [1.0, 0.0, 0.0]
    assert t[0, :, 0, 3].tolist() == pytest.approx(expected)
    kept = load_image(path, alpha="keep")
    assert kept.alpha is not None
    assert kept.alpha[0, 0, 0].tolist() == pytest.approx([0.0, 0.0, 1.0, 1.0])


def test_load_rgba_composites_on_white_by_default(tmp_path: Path) -> None:
    arr = np.zeros((4, 4, 4), dtype=np.uint8)
    arr[..., 0] = 255  # red
    arr[0, 0, 3] = 0  # fully transparent
    arr[0, 1, 3] = 255  # opaque
    arr[0, 2, 3] = 128  # half
    path = tmp_path / "rgba.png"
    Image.fromarray(arr, "RGBA").save(path)
    loaded = load_image(path)
    _assert_rgb_tensor(loaded.tensor, 4, 4)
    assert loaded.alpha is None
    assert loaded.source_mode == "RGBA"
    assert loaded.tensor[0, :, 0, 0].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert loaded.tensor[0, :, 0, 1].tolist() == pytest.approx([1.0, 0.0, 0.0])
    a = 128 / 255
    assert loaded.tensor[0, :, 0, 2].tolist() == pytest.approx([1.0, 1 - a, 1 - a], abs=1e-5)


def test_rgba_keep_alpha_round_trips_through_png(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    arr = rng.integers(0, 256, (6, 8, 4), dtype=np.uint8)
    arr[0, :4, 3] = [0, 1, 128, 255]
    src = tmp_path / "in.png"
    Image.fromarray(arr, "RGBA").save(src)
    loaded = load_image(src, alpha="keep")
    _assert_rgb_tensor(loaded.tensor, 6, 8)
    assert loaded.alpha is not None
    assert loaded.alpha.dtype == torch.float32 and tuple(loaded.alpha.shape) == (1, 1, 6, 8)
    assert loaded.alpha.is_contiguous()
    # Not composited: the colour under a transparent pixel is what the file holds.
    assert loaded.tensor[0, :, 0, 0].tolist() == pytest.approx((arr[0, 0, :3] / 255.0).tolist(), abs=1e-6)
    out = save_image(loaded.tensor, tmp_path / "out.png", alpha=loaded.alpha)
    with Image.open(out) as back:
        assert back.mode == "RGBA"
        back_arr = np.asarray(back)
    np.testing.assert_array_equal(back_arr[..., 3], arr[..., 3])
    np.testing.assert_array_equal(back_arr[..., :3], arr[..., :3])


def test_load_LA(tmp_path: Path) -> None:
    arr = np.zeros((3, 4, 2), dtype=np.uint8)
    arr[..., 0] = 0  # black
    arr[..., 1] = 255
    arr[1, 2, 1] = 0  # one transparent pixel
    path = tmp_path / "la.png"
    Image.fromarray(arr, "LA").save(path)
    t = load_image(path).tensor
    _assert_rgb_tensor(t, 3, 4)
    assert t[0, :, 0, 0].tolist() == pytest.approx([0.0, 0.0, 0.0])
    assert t[0, :, 1, 2].tolist() == pytest.approx([1.0, 1.0, 1.0])
    kept = load_image(path, alpha="keep")
    assert kept.alpha is not None and kept.alpha[0, 0, 1, 2].item() == 0.0 and kept.alpha[0, 0, 0, 0].item() == 1.0


@pytest.mark.parametrize("ext, kwargs", [(".tif", {}), (".jpg", {"quality": 95})])
def test_load_cmyk_cyan_becomes_rgb_cyan(tmp_path: Path, ext: str, kwargs: dict) -> None:
    path = tmp_path / f"cmyk{ext}"
    Image.new("CMYK", (8, 8), (255, 0, 0, 0)).save(path, **kwargs)
    loaded = load_image(path)
    assert loaded.source_mode == "CMYK"
    _assert_rgb_tensor(loaded.tensor, 8, 8)
    assert loaded.tensor[0, :, 4, 4].tolist() == pytest.approx([0.0, 1.0, 1.0], abs=0.03)


def test_load_bilevel_1(tmp_path: Path) -> None:
    img = Image.new("1", (8, 4), 0)
    img.paste(1, (4, 0, 8, 4))
    path = tmp_path / "bw.png"
    img.save(path)
    t = load_image(path).tensor
    _assert_rgb_tensor(t, 4, 8)
    assert float(t[..., :4].max()) == 0.0
    assert float(t[..., 4:].min()) == 1.0


def test_pil_to_tensor_float_mode_F() -> None:
    img = Image.fromarray(np.array([[0.0, 0.25], [0.5, 1.0]], dtype=np.float32), "F")
    t, a = pil_to_tensor(img)
    assert a is None
    _assert_rgb_tensor(t, 2, 2)
    assert t[0, 1, 1, 0].item() == pytest.approx(0.5)


@pytest.mark.parametrize("orientation", [6, 8, 3])
def test_exif_orientation_is_applied(tmp_path: Path, orientation: int) -> None:
    # Stored 48 wide x 32 high, blue, with a red block in the stored top-left corner.
    img = Image.new("RGB", (48, 32), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 12, 12))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    assert ExifTags.Base.Orientation == 0x0112
    path = tmp_path / f"o{orientation}.jpg"
    img.save(path, exif=exif, quality=95)
    t = load_image(path).tensor
    if orientation in (6, 8):
        _assert_rgb_tensor(t, 48, 32)  # portrait now
    else:
        _assert_rgb_tensor(t, 32, 48)
    red = t[0, 0] > 0.5
    corners = {
        "top-left": bool(red[2, 2]),
        "top-right": bool(red[2, -3]),
        "bottom-left": bool(red[-3, 2]),
        "bottom-right": bool(red[-3, -3]),
    }
    # 6: rotate 90 degrees clockwise to view; 8: counter-clockwise; 3: 180.
    expected = {6: "top-right", 8: "bottom-left", 3: "bottom-right"}[orientation]
    assert corners == {k: k == expected for k in corners}


def test_exif_orientation_applied_to_rgba_alpha_too(tmp_path: Path) -> None:
    arr = np.zeros((4, 8, 4), dtype=np.uint8)
    arr[..., 3] = 255
    arr[0, 0, 3] = 0  # transparent stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rot.png"
    Image.fromarray(arr, "RGBA").save(path, exif=exif)
    loaded = load_image(path, alpha="keep")
    assert tuple(loaded.tensor.shape) == (1, 3, 8, 4)
    assert loaded.alpha is not None and tuple(loaded.alpha.shape) == (1, 1, 8, 4)
    assert loaded.alpha[0, 0, 0, -1].item() == 0.0  # moved to the top-right
    assert float(loaded.alpha.sum()) == 31.0


def test_load_gif_and_list_images(tmp_path: Path) -> None:
    Image.fromarray(_noise_rgb(8, 8)).save(tmp_path / "b.gif")
    Image.fromarray(_noise_rgb(8, 8)).save(tmp_path / "A.PNG")
    Image.fromarray(_noise_rgb(8, 8)).save(tmp_path / "c.jpeg")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "sub.png").mkdir()
    found = list_images(tmp_path)
    assert [p.name for p in found] == ["A.PNG", "b.gif", "c.jpeg"]
    for p in found:
        _assert_rgb_tensor(load_image(p).tensor, 8, 8)
    with pytest.raises(InputError):
        list_images(tmp_path / "notes.txt")
    with pytest.raises(InputError):
        list_images(tmp_path / "nope")


# --------------------------------------------------------------------------------------------------
# refusals


def _refused(path: Path, **kwargs) -> ImageReadError:
    with pytest.raises(ImageReadError) as info:
        load_image(path, **kwargs)
    assert isinstance(info.value, InputError)
    _assert_one_line_naming(info.value, path)
    return info.value


def test_image_read_error_is_an_input_error() -> None:
    assert issubclass(ImageReadError, InputError)


def test_refuses_missing_file(tmp_path: Path) -> None:
    _refused(tmp_path / "missing.jpg")


def test_refuses_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.png"
    p.write_bytes(b"")
    _refused(p)


def test_refuses_folder(tmp_path: Path) -> None:
    d = tmp_path / "photos.jpg"
    d.mkdir()
    _refused(d)


@pytest.mark.parametrize("fmt, ext", [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp")])
def test_refuses_truncated_image(tmp_path: Path, fmt: str, ext: str) -> None:
    full = tmp_path / f"full{ext}"
    Image.fromarray(_noise_rgb(48, 64)).save(full, fmt)
    load_image(full)  # the intact file is fine
    data = full.read_bytes()
    cut = tmp_path / f"cut{ext}"
    cut.write_bytes(data[: len(data) // 2])
    _refused(cut)


def test_refuses_text_file_named_jpg(tmp_path: Path) -> None:
    p = tmp_path / "notes.jpg"
    p.write_text("this is not a picture\nsecond line\n")
    _refused(p)


def test_refuses_more_pixels_than_max_pixels(tmp_path: Path) -> None:
    p = tmp_path / "small.png"
    Image.fromarray(_noise_rgb(10, 20)).save(p)
    assert load_image(p, max_pixels=200).size == (10, 20)  # exactly at the limit is fine
    exc = _refused(p, max_pixels=199)
    assert "megapixel" in str(exc) or "pixels" in str(exc)
    with pytest.raises(InputError):
        load_image(p, max_pixels=0)


def test_resolve_image_passes_max_pixels(tmp_path: Path) -> None:
    p = tmp_path / "small.png"
    Image.fromarray(_noise_rgb(10, 20)).save(p)
    with pytest.raises(ImageReadError):
        resolve_image(str(p), max_pixels=50)
    assert resolve_image(str(p)).size == (10, 20)


def test_refuses_big_dimension_png_without_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "huge.png"
    Image.new("1", (12000, 12000)).save(p)  # 144 megapixels, a few kB on disk
    assert p.stat().st_size < 100_000
    assert 12000 * 12000 > DEFAULT_MAX_PIXELS
    decoded: list[str] = []
    original = ImageFile.ImageFile.load

    def spy(self):  # noqa: ANN001
        decoded.append(self.format)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    exc = _refused(p)  # the default limit
    assert "12000x12000" in str(exc)
    assert decoded == [], "pixels were decoded before the size check"


def test_refuses_decompression_bomb_header(tmp_path: Path) -> None:
    # Beyond Pillow's own hard limit; Pillow refuses at open, and that still becomes one line.
    p = tmp_path / "bomb.png"
    _write_png_header_only(p, 30000, 30000)
    _refused(p)
    _refused(p, max_pixels=10**12)


def test_load_refuses_bad_alpha_mode(tmp_path: Path) -> None:
    p = tmp_path / "x.png"
    Image.fromarray(_noise_rgb(4, 4)).save(p)
    with pytest.raises(InputError):
        load_image(p, alpha="black")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# max_side


def test_resize_max_side_downsizes_keeping_aspect() -> None:
    t = torch.rand(1, 3, 40, 64)
    r = resize_max_side(t, 32)
    assert tuple(r.shape) == (1, 3, 20, 32)
    assert r.dtype == torch.float32
    tall = resize_max_side(torch.rand(1, 3, 64, 16), 32)
    assert tuple(tall.shape) == (1, 3, 32, 8)


def test_resize_max_side_never_upsizes() -> None:
    t = torch.rand(1, 3, 10, 20)
    assert torch.equal(resize_max_side(t, 64), t)
    assert torch.equal(resize_max_side(t, 20), t)
    with pytest.raises(InputError):
        resize_max_side(t, 0)


def test_load_image_max_side(tmp_path: Path) -> None:
    p = tmp_path / "x.png"
    arr = np.zeros((40, 64, 4), dtype=np.uint8)
    arr[..., 3] = 255
    Image.fromarray(arr, "RGBA").save(p)
    small = load_image(p, max_side=16, alpha="keep")
    _assert_rgb_tensor(small.tensor, 10, 16)
    assert small.alpha is not None and tuple(small.alpha.shape) == (1, 1, 10, 16)
    same = load_image(p, max_side=1000)
    _assert_rgb_tensor(same.tensor, 40, 64)


def test_resolve_builtin_images_obey_max_side() -> None:
    s = resolve_image("sample:chelsea", max_side=48)
    assert max(s.size) == 48 and s.tensor.dtype == torch.float32 and s.path is None
    t = resolve_image("texture:swirl", max_side=32)
    _assert_rgb_tensor(t.tensor, 32, 32)
    with pytest.raises(InputError):
        resolve_image("sample:nope")
    with pytest.raises(InputError):
        resolve_image("texture:nope")


# --------------------------------------------------------------------------------------------------
# saving


def _gradient(h: int = 16, w: int = 24) -> torch.Tensor:
    y = torch.linspace(0, 1, h)[:, None].expand(h, w)
    x = torch.linspace(0, 1, w)[None, :].expand(h, w)
    return torch.stack([x, y, 1 - x], dim=0)[None].contiguous()


@pytest.mark.parametrize(
    "name, fmt", [("o.png", "PNG"), ("o.jpg", "JPEG"), ("o.JPEG", "JPEG"), ("o.webp", "WEBP"), ("o.PNG", "PNG")]
)
def test_save_format_by_extension(tmp_path: Path, name: str, fmt: str) -> None:
    t = _gradient()
    out = save_image(t, tmp_path / name)
    assert out == tmp_path / name
    with Image.open(out) as img:
        assert img.format == fmt
        assert img.size == (24, 16) and img.mode == "RGB"
    back = load_image(out).tensor
    tol = 1e-6 + 0.5 / 255 if fmt == "PNG" else 0.1
    assert float((back - t).abs().max()) <= tol


@pytest.mark.parametrize("name", ["o.gif", "o.bmp", "o", "o.png.txt"])
def test_save_unknown_extension_is_input_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError) as info:
        save_image(_gradient(), tmp_path / name)
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_save_creates_parent_folders(tmp_path: Path) -> None:
    out = save_image(_gradient(), tmp_path / "a" / "b" / "o.png")
    assert out.is_file()


def test_save_refuses_to_overwrite_protected_file(tmp_path: Path) -> None:
    src = tmp_path / "photo.png"
    Image.fromarray(_noise_rgb(8, 8)).save(src)
    before = src.read_bytes()
    with pytest.raises(InputError) as info:
        save_image(_gradient(), src, protect=[None, str(src)])
    assert "\n" not in str(info.value) and "photo.png" in str(info.value)
    # The same file reached through another spelling is protected too.
    (tmp_path / "sub").mkdir()
    with pytest.raises(InputError):
        save_image(_gradient(), tmp_path / "sub" / ".." / "photo.png", protect=[src])
    if hasattr(os, "symlink"):
        link = tmp_path / "link.png"
        os.symlink(src, link)
        with pytest.raises(InputError):
            save_image(_gradient(), src, protect=[link])
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file() and not p.is_symlink()) == ["photo.png"]
    # An unprotected existing file is replaced.
    other = tmp_path / "other.png"
    other.write_bytes(b"old")
    save_image(_gradient(), other, protect=[src])
    assert other.read_bytes() != b"old" and load_image(other).size == (16, 24)


def test_save_leaves_no_temp_files_after_success(tmp_path: Path) -> None:
    save_image(_gradient(), tmp_path / "o.png")
    save_image(_gradient(), tmp_path / "o.png")  # and when replacing
    save_image(_gradient(), tmp_path / "o.webp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.png", "o.webp"]


def test_save_failure_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o.png"
    out.write_bytes(b"previous result")

    def broken_save(self, fp, *args, **kwargs):  # noqa: ANN001
        fp.write(b"\x89PNG half written")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_image(_gradient(), out)
    assert out.read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["o.png"]


def test_save_encoder_failure_leaves_no_temp(tmp_path: Path) -> None:
    # WebP cannot hold an image wider than 16383 pixels: the encoder fails mid-save.
    with pytest.raises(Exception):
        save_image(torch.zeros(1, 3, 1, 17000), tmp_path / "wide.webp")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_saved_file_has_normal_permissions(tmp_path: Path) -> None:
    # The atomic temp file must not leave the output private (0600): other users and web servers
    # should be able to read it exactly as if it had been written with open().
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"x")
    out = save_image(_gradient(), tmp_path / "o.png")
    assert (out.stat().st_mode & 0o777) == (plain.stat().st_mode & 0o777)


def test_save_jpeg_with_alpha_composites_on_white(tmp_path: Path) -> None:
    red = torch.zeros(1, 3, 16, 16)
    red[:, 0] = 1.0
    alpha = torch.ones(1, 1, 16, 16)
    alpha[..., :8] = 0.0
    out = save_image(red, tmp_path / "o.jpg", alpha=alpha)
    with Image.open(out) as img:
        assert img.mode == "RGB"
    back = load_image(out).tensor
    left = back[0, :, 4:12, 1:5].mean(dim=(1, 2))
    right = back[0, :, 4:12, 11:15].mean(dim=(1, 2))
    assert left.tolist() == pytest.approx([1.0, 1.0, 1.0], abs=0.05)
    assert right.tolist() == pytest.approx([1.0, 0.0, 0.0], abs=0.08)


def test_save_webp_keeps_alpha(tmp_path: Path) -> None:
    alpha = torch.ones(1, 1, 8, 8)
    alpha[..., :4] = 0.0
    out = save_image(_gradient(8, 8), tmp_path / "o.webp", alpha=alpha)
    kept = load_image(out, alpha="keep")
    assert kept.alpha is not None
    assert float(kept.alpha[..., :3].max()) < 0.05 and float(kept.alpha[..., 5:].min()) > 0.95


def test_save_quality_is_checked(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        save_image(_gradient(), tmp_path / "o.jpg", quality=0)
    assert list(tmp_path.iterdir()) == []


def test_tensor_to_pil_shapes() -> None:
    assert tensor_to_pil(_gradient(4, 6)).size == (6, 4)
    assert tensor_to_pil(_gradient(4, 6)[0]).mode == "RGB"
    img = tensor_to_pil(torch.full((1, 3, 2, 2), 2.0), alpha=torch.zeros(1, 1, 2, 2))
    assert img.mode == "RGBA" and np.asarray(img)[0, 0].tolist() == [255, 255, 255, 0]  # clamped
    with pytest.raises(InputError):
        tensor_to_pil(torch.zeros(2, 3, 4, 4))
    with pytest.raises(InputError):
        tensor_to_pil(torch.zeros(1, 1, 4, 4))


def _smooth(w: int, h: int) -> Image.Image:
    """A smooth colour picture (a noise-free gradient with soft bands): what shrinking must keep."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    arr = np.stack([127 + 100 * np.sin(x / 97.0), 127 + 100 * np.cos(y / 71.0), 255 * x / w], -1)
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")


@pytest.mark.parametrize("ext,mode", [(".jpg", "RGB"), (".png", "RGB"), (".png", "L")])
def test_shrink_on_decode_decodes_a_big_image_small_and_nearly_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ext: str, mode: str) -> None:
    import edgenst.io as io

    path = tmp_path / f"big{ext}"
    _smooth(2600, 1700).convert(mode).save(path, **({"quality": 95} if ext == ".jpg" else {}))
    decoded = []
    real = io._from_pil
    monkeypatch.setattr(io, "_from_pil", lambda img, p, **k: decoded.append(img.size) or real(img, p, **k))
    full = load_image(path, max_side=600).tensor
    small = load_image(path, max_side=600, shrink_on_decode=True).tensor
    assert decoded[0] == (2600, 1700) and max(decoded[1]) < 2 * 600 <= 2600  # the frame itself was small
    assert min(decoded[1]) >= 600 * 1700 // 2600  # never below what the resize needs
    assert small.shape == full.shape == (1, 3, 392, 600)
    assert (small - full).abs().mean() < 0.01 and (small - full).abs().max() < 0.15


def test_shrink_on_decode_leaves_images_under_twice_max_side_as_they_were(tmp_path: Path) -> None:
    path = tmp_path / "mid.jpg"
    _smooth(1100, 700).save(path, quality=95)
    assert torch.equal(load_image(path, max_side=600, shrink_on_decode=True).tensor,
                       load_image(path, max_side=600).tensor)
