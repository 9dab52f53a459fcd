"""The training .pte (issue 23, item 1): one style's vectors learn inside the ExecuTorch runtime.

One artifact is exported per module (about 10 s on 2 cores) from a tiny student and the random
loss network, then run in the runtime's training module and compared with eager PyTorch.
"""

from __future__ import annotations

import json

import pytest
import torch

from edgenst.errors import InputError
from edgenst.models.style_params import style_axes
from edgenst.teacher import TeacherConfig
from tests.conftest import tiny_trained_like_student

pytest.importorskip("executorch.extension.training")

from edgenst.export import training as T  # noqa: E402

STYLE = 1
CONFIG = T.TrainingExportConfig(
    style=STYLE, size=32, batch=2, lr=0.05,
    teacher=TeacherConfig(source="random", width=8, pyramid_levels=2),
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory):
    torch.manual_seed(0)
    student = tiny_trained_like_student(styles=2)
    path = tmp_path_factory.mktemp("training") / "style1.pte"
    manifest = T.export_training_pte(student, CONFIG, path)
    return student, path, manifest


def _inputs(seed: int = 1) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    gen = torch.Generator().manual_seed(seed)
    photos = torch.rand(CONFIG.batch, 3, CONFIG.size, CONFIG.size, generator=gen)
    painting = torch.rand(1, 3, CONFIG.size, CONFIG.size, generator=gen)
    return photos, T.build_loss(CONFIG).style_grams(painting)


@pytest.mark.slow
def test_loss_gradients_and_one_sgd_step_match_eager(exported) -> None:
    student, path, _ = exported
    photos, grams = _inputs()
    report = T.verify_training_pte(path, student, CONFIG, photos, grams)
    diffs = report["relative_max_abs_diff"]
    assert report["ok"], diffs
    assert diffs["grads"] <= T.DEFAULT_RTOL and diffs["sgd_params"] <= T.DEFAULT_RTOL
    assert diffs["loss_after_step"] <= T.DEFAULT_RTOL and diffs["sgd_update"] <= T.UPDATE_RTOL
    # the step did something: the loss moved by far more than the tolerance
    loss = report["loss"]
    assert abs(loss["runtime_after_step"] - loss["runtime"]) > 100 * T.DEFAULT_RTOL * abs(loss["runtime"])


@pytest.mark.slow
def test_gradients_are_those_of_the_style_slice(exported) -> None:
    """Runtime gradients equal eager's for the style's column and are not all zero."""
    student, path, _ = exported
    photos, grams = _inputs(seed=2)
    module = T.load_training_pte(path)
    module.forward_backward(T.METHOD, (photos, *(grams[k] for k in T.gram_keys(CONFIG))))
    ref = T.eager_step(student, T.build_loss(CONFIG), CONFIG, photos, grams)
    grads = module.named_gradients()
    for name, g in ref["grads"].items():
        assert float(g.abs().max()) > 0, name
        torch.testing.assert_close(grads[name], g, rtol=1e-4, atol=1e-4 * float(g.abs().max()))


@pytest.mark.slow
def test_only_the_one_styles_vectors_are_trained(exported) -> None:
    student, path, manifest = exported
    module = T.load_training_pte(path)
    names = T.runtime_trainable_names(module)
    tables = sorted(style_axes(student))  # every StyleAffine scale/shift of the student
    assert len(names) == len(tables) == 10
    assert sorted(t["student_tensor"] for t in manifest["trainable"]) == tables
    assert names == [t["name"] for t in manifest["trainable"]]
    params = dict(student.named_parameters())
    for entry in manifest["trainable"]:
        assert entry["style_index"] == STYLE
        assert entry["shape"] == [params[entry["student_tensor"]].shape[0], 1, 1, 1]
    photos, grams = _inputs()
    module.forward_backward(T.METHOD, (photos, *(grams[k] for k in T.gram_keys(CONFIG))))
    assert list(module.named_gradients()) == names
    n_trained = sum(p.numel() for p in module.named_parameters().values())
    assert n_trained == student.per_style_parameters() < sum(p.numel() for p in student.parameters()) // 10


@pytest.mark.slow
def test_manifest_says_inputs_loss_network_and_optimizer(exported) -> None:
    _, path, manifest = exported
    assert json.loads(T.manifest_path(path).read_text()) == manifest
    assert manifest["inputs"][0]["shape"] == [2, 3, 32, 32]
    assert [i["name"] for i in manifest["inputs"][1:]] == [f"gram:{k}" for k in T.gram_keys(CONFIG)]
    assert manifest["loss_network"]["source"] == "random" and manifest["loss_network"]["pyramid_levels"] == 2
    assert manifest["optimizer"] == {"kind": "sgd", "runtime": "executorch.extension.training.get_sgd_optimizer", "lr": 0.05}
    assert manifest["backend"].startswith("portable")


def test_trained_vectors_go_back_into_the_student() -> None:
    student = tiny_trained_like_student(styles=2)
    value = torch.full((8, 1, 1, 1), 3.0)
    T.load_trained(student, STYLE, {"style.stem_affine.scale": value})
    assert torch.equal(student.stem_affine.scale[:, STYLE : STYLE + 1], value)
    assert not torch.equal(student.stem_affine.scale[:, 0:1], value)
    with pytest.raises(InputError):
        T.load_trained(student, STYLE, {"stem.weight": value})
    with pytest.raises(InputError):
        T.load_trained(student, STYLE, {"style.stem_affine.scale": torch.ones(4, 1, 1, 1)})


def test_bad_input_is_an_input_error(tmp_path) -> None:
    student = tiny_trained_like_student(styles=2)
    with pytest.raises(InputError):
        T.TrainingExportConfig(size=30)
    with pytest.raises(InputError):
        T.TrainingExportConfig(lr=0.0)
    with pytest.raises(InputError):
        T.export_training_pte(student, T.TrainingExportConfig(style=2), tmp_path / "x.pte")
    with pytest.raises(InputError):
        T.export_training_pte(student.frozen_copy(), CONFIG, tmp_path / "x.pte")
    with pytest.raises(InputError):
        T.load_training_pte(tmp_path / "missing.pte")
    (tmp_path / "junk.pte").write_bytes(b"not a program at all")
    with pytest.raises(InputError):
        T.load_training_pte(tmp_path / "junk.pte")


def test_window_max_equals_max_pool() -> None:
    x = torch.randn(2, 3, 9, 10)
    torch.testing.assert_close(T.WindowMax2d()(x), torch.nn.functional.max_pool2d(x, 2), rtol=0, atol=0)
