"""Fitting a painting's style vector in the training artifact (issue 23, item 3): ``phone_fit``.

One fit in the runtime (one export: ~10 s on 2 idle cores, minutes on busy ones) of a tiny student
with the random loss network at 32 px, checked against the same SGD in eager PyTorch on the same
batches, through ``fit_style_on_phone`` (what ``edgenst styles add --runtime executorch`` runs).
"""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("executorch.extension.training")

from edgenst import phone_fit  # noqa: E402
from edgenst.export import training as T  # noqa: E402
from edgenst.models.serialization import save_model  # noqa: E402
from edgenst.perceptual import LossConfig  # noqa: E402
from edgenst.style_fit import FitConfig  # noqa: E402
from edgenst.teacher import TeacherConfig  # noqa: E402
from tests.conftest import tiny_trained_like_student  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

CONFIG = FitConfig(steps=3, photos=("sample:astronaut",), crop=32, batch=1, lr=0.05, style_size=64,
                   loss=LossConfig(), loss_net=TeacherConfig(source="random", width=8), eval_crops=1, log_every=100)


def test_phone_fit_matches_the_eager_fit_on_the_same_seeds(tmp_path) -> None:
    base = tiny_trained_like_student(styles=2)
    path = save_model(tmp_path / "tiny.safetensors", base, ["a", "b"])
    model, info = phone_fit.fit_style_on_phone(str(path), "texture:swirl", "swirl", CONFIG)
    assert info.model.styles == ["a", "b", "swirl"] and info.index == 2
    assert info.model.meta["added_styles"][-1]["runtime"] == "executorch"
    assert info.after["style"] < info.before["style"]  # the fit fits

    grown = phone_fit.grow_for_fit(base)
    eager = phone_fit.fit_vectors_eager(grown, "texture:swirl", CONFIG)
    on_phone = {n: v.clone() for n, v in eager.vectors.items()}
    affines = dict(T._affines(model))
    slots = {T._slot(n): n for n in affines}
    start = dict(T._affines(grown))
    moved = diff = 0.0
    for name, want in eager.vectors.items():
        _, slot, attr = name.split(".")
        got = getattr(affines[slots[slot]], attr)[:, 2:3]
        on_phone[name] = got
        moved = max(moved, float((want - getattr(start[slots[slot]], attr)[:, 2:3]).abs().max()))
        diff = max(diff, float((got - want).abs().max()))
    assert moved > 1e-3 and diff < 1e-3 * moved  # equal to eager SGD, and the fit moved far more
    # the other styles and every other weight are the base model's, bit for bit
    base_state, new_state = base.state_dict(), model.state_dict()
    for k, v in base_state.items():
        if k.endswith((".scale", ".shift")) and new_state[k].shape != v.shape:
            assert torch.equal(new_state[k][:, :2], v)
        else:
            assert torch.equal(new_state[k], v), k


def test_styles_add_takes_the_runtime_flag() -> None:
    from edgenst.cli.main import build_parser

    parser = build_parser()
    args = parser.parse_args(["styles", "add", "x", "p.jpg", "--runtime", "executorch"])
    assert args.runtime == "executorch"
    assert parser.parse_args(["styles", "add", "x", "p.jpg"]).runtime == "pytorch"
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["styles", "add", "x", "p.jpg", "--runtime", "coreml"])
    assert exc.value.code == 2
