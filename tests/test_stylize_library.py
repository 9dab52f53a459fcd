"""The library functions (edgenst.stylize, edgenst.reference_images, pretrained.model_file) behind ``edgenst stylize`` / ``evaluate`` / ``export``, called directly as a
notebook would: method choice, output names, the run record, photo sets, style paintings, and the
model path-or-name rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from conftest import tiny_trained_like_student
from edgenst.errors import InputError
from edgenst.inference import StyleChoice, stylize_u8
from edgenst.io import load_image, save_image, to_u8
from edgenst.models.serialization import save_model
from edgenst.pretrained import model_file
from edgenst.reference_images import DEFAULT_PHOTOS, load_photos, style_finder
from edgenst.samples import resolve_image
from edgenst.stylize.paths import expand_inputs, is_batch, is_video_job, output_paths, protected_files
from edgenst.stylize.photos import PhotoResult, check_strength, choose_method, stylize_photos
from edgenst.stylize.run_record import RUN_RECORD, read_run_times, write_run_record


@pytest.fixture
def student_file(tmp_path: Path) -> Path:
    return save_model(tmp_path / "student.safetensors", tiny_trained_like_student(2), ["ink", "sea"])


# ---------------------------------------------------------------------------------------------
# choose_method


def test_choose_method_student_when_it_knows_every_style(student_file: Path) -> None:
    choice = choose_method(["ink", "sea"], model=str(student_file))
    assert choice.method == "student" and choice.info is not None and list(choice.info.styles) == ["ink", "sea"]


def test_choose_method_optimize_for_images_without_loading_a_model(tmp_path: Path) -> None:
    choice = choose_method(["texture:swirl"], model=str(tmp_path / "no-such-model.safetensors"))
    assert choice.method == "optimize" and choice.model is None  # the missing model file was never opened


def test_choose_method_falls_back_to_optimize_for_a_style_image(tmp_path: Path, student_file: Path) -> None:
    painting = tmp_path / "painting.png"
    save_image(torch.rand(1, 3, 16, 16), painting)
    assert choose_method(["ink", str(painting)], model=str(student_file)).method == "optimize"
    with pytest.raises(InputError, match="unknown style"):  # the student was asked for explicitly
        choose_method(["ink", str(painting)], method="student", model=str(student_file))


def test_choose_method_unknown_name_lists_the_models_styles(student_file: Path) -> None:
    with pytest.raises(InputError, match=r"unknown style 'fire'; the model has: ink, sea"):
        choose_method(["fire"], model=str(student_file))
    with pytest.raises(InputError, match="method must be one of"):
        choose_method(["ink"], method="fastest", model=str(student_file))


# ---------------------------------------------------------------------------------------------
# stylize_photos: the notebook's one call


def test_stylize_photos_with_the_student_matches_stylize_u8(tmp_path: Path, student_file: Path) -> None:
    photo = tmp_path / "p.png"
    save_image(torch.rand(1, 3, 24, 40), photo)
    out = tmp_path / "out" / "p.png"
    out.parent.mkdir()
    method, results = stylize_photos([str(photo)], [out], [("ink", 1.0), ("sea", 0.5)], model=str(student_file),
                                     strength=0.7)
    assert method == "student" and not out.exists()  # nothing painted until the results are consumed
    (result,) = list(results)
    assert result.output == out and result.size == (24, 40) and result.loss is None and result.seconds > 0

    choice = choose_method(["ink", "sea"], model=str(student_file))
    vector = StyleChoice({"ink": 1.0, "sea": 0.5}, 0.7).vector(choice.info.styles)
    expected = stylize_u8(choice.model, to_u8(load_image(photo).tensor), vector, 0.7)
    assert torch.equal(to_u8(load_image(out).tensor), expected)


def test_stylize_photos_checks_before_painting(tmp_path: Path, student_file: Path) -> None:
    out = [tmp_path / "o.png"]
    with pytest.raises(InputError, match="strength"):
        stylize_photos(["sample:coffee"], out, [("ink", 1.0)], model=str(student_file), strength=1.5)
    with pytest.raises(InputError, match="masks"):
        stylize_photos(["sample:coffee"], out, [("ink", 1.0)], model=str(student_file), masks=["m.png"])
    with pytest.raises(InputError, match="one mask per style"):
        stylize_photos(["sample:coffee"], out, [("texture:swirl", 1.0)], masks=["a.png", "b.png"])
    assert not out[0].exists()


def test_record_entries_round_like_the_command() -> None:
    student = PhotoResult("a.jpg", Path("o/a.png"), 0.123456, "student", (4, 4))
    assert student.record_entry() == {"input": "a.jpg", "seconds": 0.1235, "method": "student"}
    gatys = PhotoResult("a.jpg", Path("o/a.png"), 2.34567, "optimize", (4, 4),
                        loss={"step": 3.0, "total": 1.23456789, "style": 0.5})
    assert gatys.record_entry() == {"input": "a.jpg", "seconds": 2.346, "method": "optimize",
                                    "loss": {"total": 1.234568, "style": 0.5}}


# ---------------------------------------------------------------------------------------------
# stylize_paths


def test_expand_inputs_and_output_names(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("b.jpg", "a.png"):
        save_image(torch.rand(1, 3, 8, 8), folder / name)
    inputs = expand_inputs([str(folder), "sample:chelsea"])
    assert [Path(i).name for i in inputs] == ["a.png", "b.jpg", "sample:chelsea"]
    assert output_paths(inputs, "out", multi=True) == [Path("out/a.png"), Path("out/b.png"), Path("out/chelsea.png")]
    assert output_paths(["x.jpg"], "y.webp", multi=False) == [Path("y.webp")]
    with pytest.raises(InputError, match="output folder"):
        output_paths(inputs, "out.png", multi=True)
    with pytest.raises(InputError, match="share a file name"):
        output_paths(["a/x.jpg", "b/x.png"], "out", multi=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no images"):
        expand_inputs([str(tmp_path / "empty")])


def test_batch_and_protected_files(tmp_path: Path) -> None:
    assert not is_batch(["a.jpg"], ["a.jpg"])
    assert is_batch(["a.jpg", "b.jpg"], ["a.jpg", "b.jpg"])
    assert is_batch([str(tmp_path)], [str(tmp_path / "only.png")])  # a folder of one photo is still a folder
    assert protected_files(["a.jpg", "sample:coffee"], ["s.png", "texture:swirl"], ["m.png"], "default") == [
        "a.jpg", "s.png", "texture:swirl", "m.png", "default"]
    check_strength(10.0)
    with pytest.raises(InputError, match="up to 10"):
        check_strength(-0.1)


def test_is_video_job(tmp_path: Path) -> None:
    assert is_video_job(["clip.mp4"], "out.mp4")
    assert is_video_job([str(tmp_path)], "styled.mov")  # a folder of frames into a video
    assert not is_video_job([str(tmp_path)], "outputs/")
    assert not is_video_job(["a.jpg", "b.jpg"], "out/")
    with pytest.raises(InputError, match="one video at a time"):
        is_video_job(["a.mp4", "b.jpg"], "out/")


# ---------------------------------------------------------------------------------------------
# run_record


def test_run_record_round_trip_and_format(tmp_path: Path) -> None:
    path = write_run_record(tmp_path, styles=["ink=0.5"], method="student", loss_net="vgg19", model="default",
                            outputs={"a.png": {"input": "a.jpg", "seconds": 0.25, "method": "student"}})
    assert path == tmp_path / RUN_RECORD
    data = json.loads(path.read_text())
    assert data["teacher"] == "vgg19" and data["styles"] == ["ink=0.5"]  # the key older folders have
    assert read_run_times(tmp_path) == {"a.png": 0.25}


def test_run_record_missing_or_unreadable_gives_no_times(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert read_run_times(tmp_path) == {}
    (tmp_path / RUN_RECORD).write_text('{"outputs": {"a.png": {"seconds": "soon"}}}')
    assert read_run_times(tmp_path) == {}
    assert "unreadable" in caplog.text


# ---------------------------------------------------------------------------------------------
# photo_sets, style_paintings


def test_load_photos_spreads_over_the_sources(tmp_path: Path) -> None:
    for i in range(5):
        save_image(torch.full((1, 3, 8, 8 + i), i / 4), tmp_path / f"{i}.png")
    photos = load_photos([str(tmp_path)], 3)
    assert [p.shape[-1] for p in photos] == [8, 10, 12]  # first, middle, last; not the first three
    assert len(load_photos(None, 32)) == len(DEFAULT_PHOTOS)
    with pytest.raises(InputError, match=">= 1"):
        load_photos(None, 0)


def test_load_photos_skips_unreadable_ones(tmp_path: Path) -> None:
    (tmp_path / "bad.png").write_bytes(b"not a png")
    save_image(torch.rand(1, 3, 8, 8), tmp_path / "good.png")
    assert len(load_photos([str(tmp_path)], 8)) == 1
    (tmp_path / "good.png").unlink()
    with pytest.raises(InputError, match="none of the photos"):
        load_photos([str(tmp_path)], 8)


def test_style_finder_textures_folder_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_image(torch.rand(1, 3, 64, 1024), tmp_path / "udnie.jpg")
    monkeypatch.delenv("EDGENST_STYLE_DIR", raising=False)
    assert style_finder(None)("udnie") is None
    assert style_finder(None)("swirl").shape[-1] == 512  # built-in textures need no folder
    assert style_finder(str(tmp_path))("udnie").shape[-2:] == (32, 512)  # long side 512
    assert style_finder(str(tmp_path))("starry_night") is None
    monkeypatch.setenv("EDGENST_STYLE_DIR", str(tmp_path))
    assert style_finder(None)("udnie") is not None


# ---------------------------------------------------------------------------------------------
# the model path-or-name rule


def test_model_file_tells_paths_from_shipped_names(tmp_path: Path) -> None:
    assert model_file("default") is None and model_file("fast") is None
    assert model_file("runs/x/model.safetensors") == Path("runs/x/model.safetensors")  # need not exist yet
    assert model_file("model.safetensors") == Path("model.safetensors")
    plain = tmp_path / "weights"
    plain.write_bytes(b"")
    assert model_file(str(plain)) == plain  # an existing file, whatever its name


def test_the_demo_hashes_the_same_model_the_rule_names(tmp_path: Path, student_file: Path) -> None:
    import hashlib

    from edgenst.demo_app.artifact import _weights_sha256
    from edgenst.pretrained import get_weights

    assert _weights_sha256(str(student_file)) == hashlib.sha256(student_file.read_bytes()).hexdigest()
    assert _weights_sha256("fast") == get_weights("fast").value.sha256
    with pytest.raises(InputError, match="no model file"):
        _weights_sha256(str(tmp_path / "missing.safetensors"))


def test_samples_are_the_default_photos() -> None:
    assert torch.equal(load_photos(None, 1)[0], resolve_image(DEFAULT_PHOTOS[0], max_side=1280).tensor)
