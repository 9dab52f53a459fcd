"""The style predictor (issue 22, "predict") and ``edgenst stylize --style painting.jpg`` on the student:
shape and determinism, the vector path through the student, picking the predictor that fits, the
CLI's painting paths (predict, blend, strength, --fit) and paintings that are no use as styles.
Tiny random students and predictors only: every test here runs in about a second."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import tiny_trained_like_student
from edgenst.cli.main import main
from edgenst.errors import ImageReadError, InputError
from edgenst.io import load_image
from edgenst.models.serialization import save_model
from edgenst.style_predictor import (NoPredictorError, PredictorConfig, StylePredictor, forward_with_vectors,
                                     load_predictor, predict_style, read_predictor, save_predictor)
from edgenst.style_fit import FitConfig
from edgenst.styles import StyleSpace, StyleVector
from edgenst.stylize.photos import choose_method
from edgenst.teacher import TeacherConfig

TINY = dict(widths=(4, 4, 8, 8), hidden=8)
ERROR_PREFIX = "edgenst stylize: error:"


def _tiny_predictor(model: torch.nn.Module, seed: int = 1) -> StylePredictor:
    """A predictor for ``model`` with a random head (an untrained one would predict only the mean style)."""
    torch.manual_seed(seed)
    p = StylePredictor(PredictorConfig(dim=StyleSpace.of(model).dim, **TINY))
    p.anchor(model)
    with torch.no_grad():
        for param in p.head.parameters():
            param.normal_(0, 0.5)
    return p.eval()


def _painting(path: Path, seed: int = 0, size: tuple[int, int] = (48, 64)) -> Path:
    """Blocky noise with a per-seed palette (plain noise would give every seed the same statistics)."""
    rng = np.random.default_rng(seed)
    small = rng.random((max(2, size[0] // 8), max(2, size[1] // 8), 3)) * rng.random(3)
    img = Image.fromarray((255 * small).astype(np.uint8), "RGB").resize(size[::-1], Image.NEAREST)
    img.save(path, quality=95) if path.suffix == ".jpg" else img.save(path)
    return path


@pytest.fixture
def student() -> torch.nn.Module:
    return tiny_trained_like_student(2)


@pytest.fixture
def files(tmp_path: Path, student: torch.nn.Module) -> dict[str, Path]:
    model = save_model(tmp_path / "student.safetensors", student, ["ink", "sea"])
    pred = save_predictor(tmp_path / "pred.safetensors", _tiny_predictor(student), student, {"student": "tiny"},
                          compact=False)
    photo = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(9).integers(0, 256, (32, 40, 3), dtype=np.uint8), "RGB").save(photo)
    return {"model": model, "pred": pred, "photo": photo, "painting": _painting(tmp_path / "painting.png"),
            "painting2": _painting(tmp_path / "painting2.png", seed=5)}


# ---------------------------------------------------------------------------------------------
# the predictor


def test_predictor_maps_a_painting_to_one_vector_of_the_students_space(student: torch.nn.Module) -> None:
    p = _tiny_predictor(student)
    x = torch.rand(2, 3, 40, 56)
    out = p(x)
    assert out.shape == (2, StyleSpace.of(student).dim)
    assert torch.equal(out, p(x))  # deterministic
    assert not torch.allclose(out[0], out[1])  # and it reads the painting


def test_untrained_head_predicts_the_mean_of_the_students_styles(student: torch.nn.Module) -> None:
    p = StylePredictor(PredictorConfig(dim=StyleSpace.of(student).dim, **TINY))
    p.anchor(student)
    space = StyleSpace.of(student)
    mean = space.mean(student, [0, 1]).values
    assert torch.allclose(p(torch.rand(1, 3, 32, 32))[0], mean)


def test_vectors_paint_like_the_columns_they_came_from(student: torch.nn.Module) -> None:
    space = StyleSpace.of(student)
    photos = torch.rand(2, 3, 32, 32)
    vectors = torch.stack([space.column(student, 1).values, space.column(student, 0).values])
    with torch.no_grad():
        got = forward_with_vectors(student, photos, vectors, 0.6)
        want = student(photos, torch.tensor([[0.0, 1.0], [1.0, 0.0]]), torch.full((2, 1), 0.6))
    assert torch.allclose(got, want, atol=1e-6)
    with pytest.raises(InputError, match="style vectors must be"):
        forward_with_vectors(student, photos, vectors[:1])


def test_predictor_file_round_trips_and_only_loads_for_its_students_shape(
        tmp_path: Path, student: torch.nn.Module, files: dict[str, Path]) -> None:
    back, header = read_predictor(files["pred"])
    x = torch.rand(1, 3, 32, 32)
    assert torch.equal(back(x), _tiny_predictor(student)(x))
    assert header["meta"]["student"] == "tiny"
    assert torch.equal(load_predictor(student, files["pred"])(x), back(x))
    grown = StyleSpace.of(student).append(student, [StyleSpace.of(student).column(student, 0)])
    load_predictor(grown, files["pred"])  # a model grown by 'styles add' keeps the shape: it fits
    other = tiny_trained_like_student(2)
    other_wider = type(other)(type(other.config)(**{**other.config.to_dict(), "width": 12}))
    with pytest.raises(InputError, match="made for another student"):
        load_predictor(other_wider, files["pred"])
    with pytest.raises(NoPredictorError, match="no shipped style predictor fits"):
        load_predictor(other_wider)
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    with pytest.raises(InputError, match="not a readable style predictor"):
        read_predictor(tmp_path / "junk.safetensors")


def test_compact_file_is_int8_and_predicts_nearly_the_same(tmp_path: Path, student: torch.nn.Module) -> None:
    p = _tiny_predictor(student)
    exact = save_predictor(tmp_path / "exact.safetensors", p, student, compact=False)
    small = save_predictor(tmp_path / "small.safetensors", p, student)
    assert small.stat().st_size < 0.5 * exact.stat().st_size
    x = torch.rand(2, 3, 48, 48)
    want, got = p(x), read_predictor(small)[0](x)
    assert not torch.equal(want, got)  # it really was rounded
    assert (got - want).abs().max() <= 0.05 * (want - p.base).abs().max()


def test_predict_style_takes_a_file_or_a_pil_image(student: torch.nn.Module, files: dict[str, Path]) -> None:
    p = load_predictor(student, files["pred"])
    from_file = predict_style(student, files["painting"], p)
    from_pil = predict_style(student, Image.open(files["painting"]), p)
    assert isinstance(from_file, StyleVector) and from_file.values.shape == (StyleSpace.of(student).dim,)
    assert torch.allclose(from_file.values, from_pil.values)


# ---------------------------------------------------------------------------------------------
# paintings that are no use as styles


def _huge_png_header(path: Path, w: int = 9000, h: int = 8000) -> Path:
    """A PNG that claims 72 megapixels (only its header: the reader must refuse before decoding)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)))
    return path


def test_bad_paintings_get_a_clear_error(tmp_path: Path, student: torch.nn.Module, files: dict[str, Path]) -> None:
    p = load_predictor(student, files["pred"])
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    with pytest.raises(ImageReadError, match="not an image"):
        predict_style(student, text, p)
    flat = tmp_path / "flat.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(flat)
    with pytest.raises(InputError, match="one flat colour"):
        predict_style(student, flat, p)
    with pytest.raises(ImageReadError, match="megapixels"):
        predict_style(student, _huge_png_header(tmp_path / "huge.png"), p)
    with pytest.raises(InputError, match="too small"):
        predict_style(student, _painting(tmp_path / "tiny.png", size=(8, 8)), p)


def _odd_painting(tmp: Path, case: str) -> Path:
    """Paintings a user may well upload that are no use as styles (each must be refused in one line)."""
    if case == "truncated":
        whole = _painting(tmp / "whole.jpg", size=(96, 128)).read_bytes()
        (tmp / "truncated.jpg").write_bytes(whole[: len(whole) // 2])
        return tmp / "truncated.jpg"
    if case == "empty":
        (tmp / "empty.png").write_bytes(b"")
        return tmp / "empty.png"
    if case == "one pixel":
        Image.new("RGB", (1, 1), (200, 10, 10)).save(tmp / "one.png")
        return tmp / "one.png"
    if case == "strip":  # long enough to pass a check on the long side only
        return _painting(tmp / "strip.png", size=(3, 400))
    if case == "transparent":  # RGBA with alpha 0 everywhere: white once composited, as a viewer shows it
        rgba = np.dstack([np.asarray(Image.open(_painting(tmp / "rgb.png"))), np.zeros((48, 64), np.uint8)])
        Image.fromarray(rgba, "RGBA").save(tmp / "transparent.png")
        return tmp / "transparent.png"
    if case == "folder":
        (tmp / "folder.png").mkdir()
        return tmp / "folder.png"
    raise AssertionError(case)


ODD = ["truncated", "empty", "one pixel", "strip", "transparent"]


@pytest.mark.parametrize("case", ODD)
def test_odd_paintings_are_refused_by_the_api(tmp_path: Path, student: torch.nn.Module, files: dict[str, Path],
                                             case: str) -> None:
    with pytest.raises(InputError) as err:
        predict_style(student, _odd_painting(tmp_path, case), load_predictor(student, files["pred"]))
    assert "\n" not in str(err.value) and str(tmp_path) in str(err.value)


def _same_picture_as(tmp: Path, mode: str) -> tuple[Path, Path]:
    """(an 8-bit RGB painting, the same picture stored another way) for the formats a reader must convert."""
    rgb = _painting(tmp / "rgb.png", seed=3)
    img = Image.open(rgb)
    if mode == "gray 16-bit":
        gray8 = img.convert("L")
        gray8.save(tmp / "gray8.png")
        Image.fromarray(np.asarray(gray8).astype(np.uint16) * 257).save(tmp / "gray16.png")  # 0..65535
        return tmp / "gray8.png", tmp / "gray16.png"
    if mode == "rgb 16-bit":  # Pillow cannot write it: a PNG by hand, 16 bits per channel (big-endian)
        arr = np.asarray(img).astype(">u2") * 257
        h, w = arr.shape[:2]
        raw = b"".join(b"\0" + arr[i].tobytes() for i in range(h))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        (tmp / "rgb16.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
                                        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
        return rgb, tmp / "rgb16.png"
    if mode == "opaque alpha":
        img.convert("RGBA").save(tmp / "rgba.png")
        return rgb, tmp / "rgba.png"
    if mode == "palette":  # the blocky painting has few colours: a palette holds them exactly
        img.quantize(256, method=Image.Quantize.MAXCOVERAGE).convert("RGB").save(tmp / "rgb_q.png")
        Image.open(tmp / "rgb_q.png").convert("P", palette=Image.Palette.ADAPTIVE).save(tmp / "palette.png")
        return tmp / "rgb_q.png", tmp / "palette.png"
    if mode == "cmyk":  # CMYK JPEGs (print scans) are common; Pillow's conversion is not exact, so compare loosely
        img.save(tmp / "rgb.jpg", quality=95)
        img.convert("CMYK").save(tmp / "cmyk.jpg", quality=95)
        return tmp / "rgb.jpg", tmp / "cmyk.jpg"
    raise AssertionError(mode)


@pytest.mark.parametrize("mode", ["gray 16-bit", "rgb 16-bit", "opaque alpha", "palette", "cmyk"])
def test_other_pixel_formats_predict_what_the_same_picture_in_8_bit_rgb_does(
        tmp_path: Path, student: torch.nn.Module, files: dict[str, Path], mode: str) -> None:
    p = load_predictor(student, files["pred"])
    plain, other = _same_picture_as(tmp_path, mode)
    want, got = predict_style(student, plain, p).values, predict_style(student, other, p).values
    mean = StyleSpace.of(student).mean(student, [0, 1]).values
    tol = 0.15 if mode == "cmyk" else 1e-3
    assert torch.isfinite(got).all()
    assert (got - want).norm() <= tol * (want - mean).norm(), mode  # read as the same picture, not mangled


def test_a_large_painting_is_read_small(tmp_path: Path, student: torch.nn.Module, files: dict[str, Path]) -> None:
    big = _painting(tmp_path / "big.jpg", size=(1500, 2000))
    v = predict_style(student, big, load_predictor(student, files["pred"]))
    assert torch.isfinite(v.values).all()


# ---------------------------------------------------------------------------------------------
# choose_method and the CLI


def test_choose_method_predicts_a_painting_into_the_students_table(files: dict[str, Path]) -> None:
    painting = str(files["painting"])
    choice = choose_method(["ink", painting], model=str(files["model"]), predictor=str(files["pred"]))
    assert choice.method == "student" and choice.info is not None
    assert list(choice.info.styles) == ["ink", "sea", painting]
    assert choose_method([painting], method="optimize", model=str(files["model"])).method == "optimize"
    assert choose_method([painting], model=str(files["model"]), paintings=False).method == "optimize"


def _stylize(capsys: pytest.CaptureFixture[str], files: dict[str, Path], out: Path, *styles: str,
             extra: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    argv = ["-q", "stylize", str(files["photo"]), "--model", str(files["model"]), "--predictor", str(files["pred"]),
            *[a for s in styles for a in ("--style", s)], *extra, "-o", str(out)]
    rc = main(argv)
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    return rc, err


def test_cli_paints_a_painting_with_the_student(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  files: dict[str, Path]) -> None:
    painting, painting2 = str(files["painting"]), str(files["painting2"])
    outs = {k: tmp_path / f"{k}.png" for k in ("p", "p2", "blend", "half", "zero", "ink0")}
    assert _stylize(capsys, files, outs["p"], painting)[0] == 0
    assert _stylize(capsys, files, outs["p2"], painting2)[0] == 0
    assert _stylize(capsys, files, outs["blend"], f"{painting}=0.5", "ink=0.5")[0] == 0
    assert _stylize(capsys, files, outs["half"], painting, extra=("--strength", "0.5"))[0] == 0
    assert _stylize(capsys, files, outs["zero"], painting, extra=("--strength", "0"))[0] == 0
    assert _stylize(capsys, files, outs["ink0"], "ink", extra=("--strength", "0"))[0] == 0
    img = {k: load_image(v).tensor for k, v in outs.items()}
    assert img["p"].shape[-2:] == (32, 40)
    assert not torch.equal(img["p"], img["p2"])  # each painting its own style
    assert not torch.equal(img["p"], img["blend"]) and not torch.equal(img["p"], img["half"])
    assert torch.equal(img["zero"], img["ink0"])  # strength 0 is the photo vector, whatever the style


def test_cli_fit_refines_the_predicted_vector(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import edgenst.cli.stylize as cli_stylize

    tiny = FitConfig(steps=2, photos=("sample:chelsea",), crop=32, batch=1, lr=5e-2, style_size=64, eval_crops=1,
                     loss_net=TeacherConfig(source="random", width=8, pyramid_levels=1))
    seen = []
    real = cli_stylize._fit_config
    monkeypatch.setattr(cli_stylize, "_fit_config", lambda a: seen.append(real(a)) or (tiny if a.fit else None))
    painting = str(files["painting"])
    fast_fit = ("--fit", "--steps", "7")
    assert _stylize(capsys, files, tmp_path / "pred.png", painting)[0] == 0
    assert _stylize(capsys, files, tmp_path / "fit.png", painting, extra=fast_fit)[0] == 0
    assert not torch.equal(load_image(tmp_path / "pred.png").tensor, load_image(tmp_path / "fit.png").tensor)
    assert seen[0] is None and seen[1] is not None and seen[1].steps == 7  # what --fit and --steps make


@pytest.mark.parametrize("case", ["text", "flat", "huge", *ODD])
def test_cli_bad_painting_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                files: dict[str, Path], case: str) -> None:
    if case == "text":
        bad = tmp_path / "notes.jpg"
        bad.write_text("not a picture")
    elif case == "flat":
        bad = tmp_path / "flat.png"
        Image.new("RGB", (64, 48), (10, 120, 200)).save(bad)
    elif case == "huge":
        bad = _huge_png_header(tmp_path / "huge.png")
    else:
        bad = _odd_painting(tmp_path, case)
    out = tmp_path / "out.png"
    rc, err = _stylize(capsys, files, out, str(bad))
    assert rc == 2 and len(err) == 1 and err[0].startswith(ERROR_PREFIX), err
    assert str(bad) in err[0] and not out.exists()


@pytest.mark.parametrize("case", ["missing", "folder"])
def test_cli_a_painting_path_that_is_no_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    files: dict[str, Path], case: str) -> None:
    """A typo in a painting's path is not "an unknown style": the line says the file is not there."""
    bad = tmp_path / "no_such_painting.jpg" if case == "missing" else _odd_painting(tmp_path, "folder")
    rc, err = _stylize(capsys, files, tmp_path / "out.png", str(bad))
    assert rc == 2 and len(err) == 1 and err[0].startswith(ERROR_PREFIX), err
    assert str(bad) in err[0]
    assert ("no such file" if case == "missing" else "a folder") in err[0], err[0]
    assert _stylize(capsys, files, tmp_path / "out.png", "no_such_style")[1][0].count("unknown style") == 1


@pytest.mark.parametrize("case", ["one pixel", "strip", "transparent"])
def test_refine_vector_refuses_a_painting_without_a_style(tmp_path: Path, student: torch.nn.Module, case: str) -> None:
    from edgenst.style_predictor import refine_vector

    tiny = FitConfig(steps=1, photos=("sample:chelsea",), crop=32, batch=1, style_size=64, eval_crops=1,
                     loss_net=TeacherConfig(source="random", width=8, pyramid_levels=1))
    start = StyleSpace.of(student).column(student, 0)
    with pytest.raises(InputError, match="too small|one flat colour"):
        refine_vector(student, _odd_painting(tmp_path, case), start, tiny)
