"""Fitting a painting's style vector in the training artifact (issue 23, item 3): ``phone_fit``.

One fit in the runtime (one export, ~10-30 s on 2 busy cores) of a tiny student with the random
loss network at 32 px, checked against the same SGD in eager PyTorch on the same batches.
"""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("executorch.extension.training")

from edgenst import phone_fit  # noqa: E402
from edgenst.perceptual import LossConfig  # noqa: E402
from edgenst.style_fit import FitConfig  # noqa: E402
from edgenst.teacher import TeacherConfig  # noqa: E402
from tests.conftest import tiny_trained_like_student  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

CONFIG = FitConfig(steps=3, photos=("sample:astronaut",), crop=32, batch=1, lr=0.05, style_size=64,
                   loss=LossConfig(), loss_net=TeacherConfig(source="random", width=8), log_every=100)


def test_phone_fit_matches_the_eager_fit_on_the_same_seeds(tmp_path) -> None:
    grown = phone_fit.grow_for_fit(tiny_trained_like_student(styles=2))
    start = {n: v.clone() for n, v in grown.state_dict().items()}
    on_phone = phone_fit.fit_vectors_executorch(grown, "texture:swirl", CONFIG, work_dir=tmp_path)
    eager = phone_fit.fit_vectors_eager(grown, "texture:swirl", CONFIG)
    assert all(torch.equal(start[n], v) for n, v in grown.state_dict().items())  # the input model is untouched
    assert on_phone.style == eager.style == 2 and len(on_phone.vectors) == 10
    # the fit moved the vectors far more than the runtime and eager differ
    moved = max(float((eager.vectors[n] - grown.get_submodule(_affine(n)).__getattr__(n.split(".")[2])[:, 2:3]).abs().max())
                for n in eager.vectors)
    diff = max(float((on_phone.vectors[n] - eager.vectors[n]).abs().max()) for n in eager.vectors)
    assert moved > 1e-3 and diff < 1e-3 * moved
    assert phone_fit.compare(on_phone, eager) < 1e-4
    torch.testing.assert_close(torch.tensor(on_phone.losses), torch.tensor(eager.losses), rtol=1e-4, atol=0)
    assert on_phone.losses[-1] < on_phone.losses[0]  # and it fits: the loss falls


def _affine(name: str) -> str:
    """``style.blocks_0_affine1.scale`` -> ``blocks.0.affine1`` (the student's module)."""
    return {"stem_affine": "stem_affine", "down_affine": "down_affine", "up_affine": "up_affine",
            "blocks_0_affine1": "blocks.0.affine1", "blocks_0_affine2": "blocks.0.affine2"}[name.split(".")[1]]
