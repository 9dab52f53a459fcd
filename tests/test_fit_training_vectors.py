"""benchmarks/fit_training_vectors.py (issue 22, fitted vectors as the predictor's targets): one
record per painting with what made it, a resumed run that fits nothing twice, a broken painting
reported in one line and skipped, and the --shard/--limit selection. Tiny student, tiny predictor,
random loss network, 2 fit steps: about a second."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import tiny_trained_like_student
from edgenst.errors import InputError
from edgenst.style_fit import FitConfig
from edgenst.style_predictor import PredictorConfig, StylePredictor
from edgenst.styles import StyleSpace
from edgenst.teacher import TeacherConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import fit_training_vectors as FTV  # noqa: E402

TINY_FIT = FitConfig(steps=2, photos=("sample:chelsea",), crop=32, batch=1, style_size=64, eval_crops=1,
                     loss_net=TeacherConfig(source="random", width=8, pyramid_levels=1))
PROV = FTV.Provenance(model="tiny.safetensors", model_sha256="m" * 64, predictor="p.safetensors",
                      predictor_sha256="p" * 64, steps=TINY_FIT.steps)


def _painting(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    small = rng.random((6, 8, 3)) * rng.random(3)
    Image.fromarray((255 * small).astype(np.uint8), "RGB").resize((64, 48), Image.NEAREST).save(path)
    return path


@pytest.fixture
def setup(tmp_path: Path):
    student = tiny_trained_like_student(2)
    torch.manual_seed(1)
    predictor = StylePredictor(PredictorConfig(dim=StyleSpace.of(student).dim, widths=(4, 4, 8, 8), hidden=8))
    predictor.anchor(student)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image at all")
    paintings = [_painting(tmp_path / "a.png", 0), broken, _painting(tmp_path / "b.png", 3)]
    return student, predictor.eval(), paintings, tmp_path / "work"


def test_writes_a_record_per_painting_and_skips_a_broken_one_in_one_line(setup) -> None:
    student, predictor, paintings, work = setup
    lines: list[str] = []
    result = FTV.fit_all(paintings, student, predictor, TINY_FIT, work, PROV, say=lines.append)
    assert result == {"fitted": ["a", "b"], "skipped": [], "failed": ["broken"]}
    assert sorted(p.name for p in (work / "vectors").iterdir()) == ["a.pt", "b.pt"]  # no temp files left
    rec = torch.load(work / "vectors" / "a.pt", weights_only=True)  # loads without pickled classes
    assert rec["painting"] == str(paintings[0].resolve())
    assert rec["painting_sha256"] == FTV.sha256(paintings[0]) and rec["model_sha256"] == "m" * 64
    assert rec["steps"] == 2 and json.loads(rec["fit"])["steps"] == 2 and rec["seconds"] > 0
    dim = StyleSpace.of(student).dim
    assert rec["vector"].shape == rec["predicted"].shape == (dim,)
    assert not torch.equal(rec["vector"], rec["predicted"])  # the fit moved it
    assert rec["style_loss_after"] < rec["style_loss_before"]
    loaded = FTV.load_vectors(work)  # what the predictor's next training reads
    assert sorted(loaded) == ["a", "b"] and torch.equal(loaded["a"].values, rec["vector"])
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and "broken" in errors[0] and "\n" not in errors[0]
    assert list(json.loads((work / "failed.json").read_text())) == [str(paintings[1])]
    assert lines[-1].startswith("done: 2 fitted, 0 already there, 1 failed")


def test_a_second_run_resumes_without_fitting_again(setup, monkeypatch: pytest.MonkeyPatch) -> None:
    student, predictor, paintings, work = setup
    FTV.fit_all(paintings[:1], student, predictor, TINY_FIT, work, PROV, say=lambda s: None)
    before = (work / "vectors" / "a.pt").read_bytes()
    fitted: list[str] = []
    real_fit = FTV.fit_one
    monkeypatch.setattr(FTV, "fit_one", lambda m, p, painting, c: fitted.append(painting.stem) or real_fit(m, p, painting, c))
    lines: list[str] = []
    result = FTV.fit_all(paintings, student, predictor, TINY_FIT, work, PROV, say=lines.append)
    assert fitted == ["broken", "b"] and result["skipped"] == ["a"]  # "a" was done: never fitted again
    assert (work / "vectors" / "a.pt").read_bytes() == before
    assert "[1/3] a: already fitted, skipped" in lines
    # a record made with other settings (here: steps) is not reused
    fitted.clear()
    FTV.fit_all(paintings[:1], student, predictor, TINY_FIT, work, FTV.Provenance(**{**PROV.__dict__, "steps": 3}),
                say=lambda s: None)
    assert fitted == ["a"]
    # nor one made with another seed (the fit's crop draws), and a record from before seeds were kept counts as 0
    fitted.clear()
    FTV.fit_all(paintings[:1], student, predictor, TINY_FIT, work, FTV.Provenance(**{**PROV.__dict__, "seed": 1}),
                say=lambda s: None)
    assert fitted == ["a"]
    rec = torch.load(work / "vectors" / "a.pt", weights_only=True)
    assert rec["seed"] == 1
    del rec["seed"]
    torch.save(rec, work / "vectors" / "a.pt")
    assert FTV.is_done(work / "vectors" / "a.pt", rec["painting_sha256"], PROV)
    assert not FTV.is_done(work / "vectors" / "a.pt", rec["painting_sha256"], FTV.Provenance(**{**PROV.__dict__, "seed": 1}))
    # nor one fitted at another style weight (older records: the default weight)
    assert not FTV.is_done(work / "vectors" / "a.pt", rec["painting_sha256"],
                           FTV.Provenance(**{**PROV.__dict__, "style_weight": 2 * PROV.style_weight}))


def test_shard_and_limit_pick_the_paintings() -> None:
    items = [Path(f"p{i}.jpg") for i in range(7)]
    assert FTV.select(items, None, (1, 3)) == [Path("p1.jpg"), Path("p4.jpg")]
    assert FTV.select(items, 2, (0, 2)) == [Path("p0.jpg"), Path("p2.jpg")]
    assert FTV.parse_shard("1/4") == (1, 4)
    for bad in ("4/4", "x", "1/0"):
        with pytest.raises(InputError, match="--shard"):
            FTV.parse_shard(bad)


def test_mean_vectors_averages_each_painting_over_the_runs_that_fitted_it(tmp_path: Path) -> None:
    for run, vecs in (("s0", {"a": [1.0, 2.0], "b": [0.0, 0.0]}), ("s1", {"a": [3.0, 4.0]})):
        (tmp_path / run / "vectors").mkdir(parents=True)
        for stem, v in vecs.items():
            torch.save({"vector": torch.tensor(v)}, tmp_path / run / "vectors" / f"{stem}.pt")
    got = FTV.mean_vectors([tmp_path / "s0", tmp_path / "s1"])
    assert sorted(got) == ["a", "b"]
    assert got["a"].values.tolist() == [2.0, 3.0] and got["b"].values.tolist() == [0.0, 0.0]
    with pytest.raises(InputError, match="no vectors/ folder"):
        FTV.mean_vectors([tmp_path / "s0", tmp_path / "nothing"])
