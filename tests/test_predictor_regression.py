"""benchmarks/predictor_regression.py (``train_style_predictor.py --targets``, issue 22): the head
regressed onto fitted vectors from cached statistics moves its predictions towards them, the
written file loads with ``load_predictor`` and predicts what was trained, and fitted vectors that
match no cached painting are refused in one line. Tiny student and predictor, 4 fake paintings'
statistics: well under a second."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from conftest import tiny_trained_like_student
from edgenst.errors import InputError
from edgenst.style_predictor import PredictorConfig, StylePredictor, load_predictor, save_predictor
from edgenst.styles import StyleSpace, StyleVector

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import predictor_regression as PR  # noqa: E402

TINY_CFG = PR.RegressConfig(steps=60, lrs=(1e-2,), weight_decays=(0.0,), val_every=4, eval_every=5)


def _setup() -> tuple[torch.nn.Module, StylePredictor, torch.Tensor, list[str], dict[str, StyleVector]]:
    """A tiny student, its fresh predictor, 4 paintings' cached stats (3 views) and fitted vectors that
    share one offset from the mean style (what the head can learn from 3 paintings) plus a little noise."""
    student = tiny_trained_like_student(2)
    torch.manual_seed(3)
    predictor = StylePredictor(PredictorConfig(dim=StyleSpace.of(student).dim, widths=(4, 4, 8, 8), hidden=8))
    predictor.anchor(student)
    stats = torch.rand(4, 3, predictor.config.stats)
    flat = stats.reshape(-1, stats.shape[-1])
    predictor.stat_mean.copy_(flat.mean(0))
    predictor.stat_std.copy_(flat.std(0).clamp_min(1e-3))
    names = [f"p{i}.jpg" for i in range(4)]
    shared = torch.randn(predictor.config.dim)
    targets = {f"p{i}": StyleVector(predictor.base + predictor.spread * (shared + 0.1 * torch.randn_like(shared)))
               for i in range(4)}
    return student, predictor.eval(), stats, names, targets


def test_regression_moves_the_head_to_the_fitted_vectors_and_the_file_loads(tmp_path: Path) -> None:
    student, predictor, stats, names, targets = _setup()
    vectors = torch.stack([targets[n[:-4]].values for n in names])
    before = PR.regression_error(predictor, stats[:, 0], vectors)
    report = PR.regress(predictor, stats, names, targets, TINY_CFG, say=lambda s: None)
    after = PR.regression_error(predictor, stats[:, 0], vectors)
    assert report["held_out_stems"] == ["p3"] and report["chosen"]["steps"] > 0
    assert report["chosen"]["held_out_error"] < report["baseline"]["start"]
    assert after < 0.5 * before, (before, after)

    path = save_predictor(tmp_path / "regressed.safetensors", predictor, student, {"student": "tiny"})
    loaded = load_predictor(student, path)
    with torch.no_grad():
        got = loaded.from_stats(stats[:, 0])
    assert PR.regression_error(loaded, stats[:, 0], vectors) < 0.5 * before
    assert torch.allclose(got, predictor.from_stats(stats[:, 0]), atol=0.05 * float(predictor.spread.max()))


def test_fitted_vectors_that_match_no_cached_painting_are_refused() -> None:
    _, predictor, stats, names, targets = _setup()
    with pytest.raises(InputError, match="no fitted vector matches"):
        PR.regress(predictor, stats, names, {f"other_{k}": v for k, v in targets.items()}, TINY_CFG, say=lambda s: None)
    stems, rows, _ = PR.match_targets(names, {"p2": targets["p2"], "p0": targets["p0"], "nope": targets["p1"]})
    assert stems == ["p0", "p2"] and rows.tolist() == [0, 2]
