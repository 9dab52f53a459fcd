"""edgenst.styles: a style is a point in a model's style space (a column, a blend, an explicit vector)."""

from __future__ import annotations

import pytest
import torch
from conftest import tiny_trained_like_student

from edgenst.demo_app.settings import StyleSettings
from edgenst.errors import InputError
from edgenst.models import build_model
from edgenst.models.student import StyleAffine
from edgenst.quantize import calibration_inputs
from edgenst.styles import (Blend, Column, StyleChoice, StyleSpace, StyleVector, column_weights, head_prefixes,
                            style_axes, with_style)

NAMES = ["a", "b", "c"]


def _teacher_net() -> torch.nn.Module:
    torch.manual_seed(0)
    m = build_model("teacher-net", {"styles": 3, "width": 4, "blocks": 1})
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return m.eval()


def test_the_model_class_declares_its_style_tensors():
    student = tiny_trained_like_student(3)
    declared = style_axes(student)
    affines = [n for n, m in student.named_modules() if isinstance(m, StyleAffine)]
    assert list(declared) == [f"{a}.{t}" for a in affines for t in ("scale", "shift")]
    assert set(declared.values()) == {1}
    params = dict(student.named_parameters())
    assert all(params[n].shape[1] == 3 for n in declared)
    assert style_axes(student.frozen_copy()) == {}  # constants now: nothing left to train
    teacher = _teacher_net()
    assert style_axes(teacher) and all(n.endswith((".gamma", ".beta")) and a == 0 for n, a in style_axes(teacher).items())
    assert head_prefixes(student) == ("up.", "up_affine.", "head.") and head_prefixes(teacher) == ("up2.", "head.")
    with pytest.raises(InputError, match="not an edgenst model"):
        style_axes(torch.nn.Conv2d(3, 3, 1))


def test_columns_and_blends_give_the_weights_row():
    torch.testing.assert_close(Column("b").weights(NAMES), torch.tensor([[0.0, 1.0, 0.0]]), rtol=0, atol=0)
    torch.testing.assert_close(Blend.of({"a": 1, "c": 3}).weights(NAMES), torch.tensor([[0.25, 0, 0.75]]))
    torch.testing.assert_close(Blend.of([("a", 1), ("a", 1)]).weights(NAMES), torch.tensor([[1.0, 0, 0]]))
    for bad in ({}, {"z": 1.0}, {"a": -1.0}, {"a": 0.0}, {"a": float("nan")}):
        with pytest.raises(InputError):
            Blend.of(bad).weights(NAMES)
    assert StyleChoice({"a": 1, "c": 3}).point == Blend((("a", 1), ("c", 3)))
    assert [tuple(c.tolist()[0]) for c in column_weights(3)] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]


@pytest.mark.parametrize("blend", [i / 64 for i in range(65)] + [0.1, 0.3, 1 / 3, 0.7, 0.9])
@pytest.mark.parametrize("same", [False, True])
def test_demo_blend_is_bit_identical_to_its_old_formula(blend: float, same: bool):
    style2 = "a" if same else "c"
    old = torch.zeros(1, 3)  # demo_app/settings.py before edgenst.styles
    old[0, NAMES.index("a")] += 1.0 - blend
    old[0, NAMES.index(style2)] += blend
    new = StyleSettings("a", style2, blend).style_weights(NAMES)
    assert torch.equal(new, old)
    assert torch.equal(StyleSettings("a", None, blend).style_weights(NAMES), torch.tensor([[1.0, 0, 0]]))


def test_calibration_still_sees_every_column_then_a_blend_then_zero_strength():
    photos = [torch.rand(1, 3, 40, 40) for _ in range(2)]
    got = calibration_inputs(photos, 3, 32, seed=0)
    eye = torch.eye(3)
    assert len(got) == 2 * (3 + 2)
    for s in range(3):
        assert torch.equal(got[s][1], eye[s : s + 1]) and float(got[s][2]) == 1.0
    assert torch.equal(got[9][1], eye[1:2]) and float(got[9][2]) == 0.0


@pytest.mark.parametrize("arch", ["student", "teacher-net"])
def test_a_blend_written_as_a_new_column_paints_like_the_blend(arch: str):
    model = tiny_trained_like_student(3) if arch == "student" else _teacher_net()
    space = StyleSpace.of(model)
    assert space.count == 3 and space.dim == sum(model.state_dict()[n].numel() for n in space.axes) // 3
    w = Blend.of({"a": 0.2, "c": 0.8}).weights(NAMES)
    grown, names = with_style(model, NAMES, "fitted", space.blend(model, w))
    assert names == [*NAMES, "fitted"] and StyleSpace.of(grown).count == 4
    x, one = torch.rand(1, 3, 32, 32), torch.ones(1, 1)
    with torch.no_grad():
        want = model(x, w, one)
        got = grown(x, Column("fitted").weights(names), one)
        old_column = grown(x, Column("b").weights(names), one)
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(old_column, model(x, Column("b").weights(NAMES), one), rtol=0, atol=0)
        assert not torch.allclose(got, model(x, Column("a").weights(NAMES), one), atol=1e-4)
    # A column read out and written back is the same column, exactly.
    again = space.append(model, [space.column(model, 2)])
    for n, ax in space.axes.items():
        t = again.state_dict()[n]
        assert torch.equal(t.select(ax, 3), t.select(ax, 2))


def test_explicit_vectors_are_checked():
    model = tiny_trained_like_student(2)
    space = StyleSpace.of(model)
    with pytest.raises(InputError, match=f"has {space.dim} values"):
        space.append(model, [StyleVector(torch.zeros(space.dim + 1))])
    with pytest.raises(InputError, match="1-D float"):
        StyleVector(torch.zeros(2, 3))
    with pytest.raises(InputError, match="finite"):
        StyleVector(torch.full((space.dim,), float("nan")))
    with pytest.raises(InputError, match="add it first"):
        StyleVector(torch.zeros(space.dim)).weights(["a", "b"])
    with pytest.raises(InputError, match="already exists"):
        with_style(model, ["a", "b"], "b", space.column(model, 0))
    with pytest.raises(InputError, match="another model"):
        space.append(tiny_trained_like_student(3), [space.column(model, 0)])
    with pytest.raises(InputError, match="out of range"):
        space.mean(model, [2])
