"""Export formats are recipes in a registry: bundle and verify pick a new one up with no other edit.

The toy recipe below writes the source model's output on one fixed input as JSON and verifies by
recomputing it: no backend, so these tests take a second. The training recipe runs through the
bundle once (a tiny student and the random loss network, about 10 s on 2 cores).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import tiny_trained_like_student

from edgenst.errors import InputError
from edgenst.export.app_model import Size
from edgenst.export.bundle import FORMATS, ExportConfig, export_bundle
from edgenst.export.checks import ArtifactCheck
from edgenst.export.manifest import artifact_bytes, artifact_entry, artifact_sha256, read_manifest, write_manifest
from edgenst.export.recipes import (
    ExportJob,
    Recipe,
    VerifyJob,
    default_formats,
    get_recipe,
    recipe_for_entry,
    recipe_names,
    register_recipe,
    unregister_recipe,
)
from edgenst.export.verify import verify_export
from edgenst.extras import MissingExtraError
from edgenst.models.serialization import ModelInfo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STYLES = ["swirl", "mosaic"]
INFO = ModelInfo("student", {"styles": 2, "width": 8, "blocks": 1}, STYLES)


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


def _photos(n: int = 2) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return [torch.rand(1, 3, 40, 56, generator=g) for _ in range(n)]


def _probe(model: torch.nn.Module) -> list[float]:
    g = torch.Generator().manual_seed(7)
    x = torch.rand(1, 3, 16, 16, generator=g)
    with torch.no_grad():
        y = model(x, torch.tensor([[0.5, 0.5]]), torch.ones(1, 1))
    return [round(float(v), 6) for v in y.flatten()[:8]]


class Toy(Recipe):
    """Writes the model's output on a fixed input; verify recomputes it from the source model."""

    name = "toy-json"

    def export(self, job: ExportJob) -> dict[str, Any]:
        file = f"{job.config.name}.toy.json"
        (job.out / file).write_text(json.dumps({"probe": _probe(job.model)}))
        return artifact_entry(job.out, file, format="toy", precision="fp32")

    def claims(self, entry: dict[str, Any]) -> bool:
        return entry.get("format") == "toy"

    def verify(self, job: VerifyJob, entry: dict[str, Any]) -> ArtifactCheck:
        stored = json.loads((job.folder / entry["file"]).read_text())["probe"]
        check = ArtifactCheck(entry["file"], "toy", images=1, headline="probe recomputed")
        if stored != _probe(job.model):
            check.failures.append("probe differs from the source model")
        return check


@pytest.fixture
def toy():
    register_recipe(Toy)
    yield get_recipe("toy-json")
    unregister_recipe("toy-json")


def test_a_new_recipe_is_exported_and_verified_without_other_edits(toy: Recipe, tmp_path: Path) -> None:
    out = tmp_path / "exp"
    manifest = export_bundle(tiny_trained_like_student(), INFO, out, ExportConfig(sizes=(Size(16, 16),), formats=("toy-json",)))
    assert [a["file"] for a in manifest["artifacts"]] == ["student.toy.json"]
    assert read_manifest(out)["artifacts"][0]["format"] == "toy"
    report = verify_export(out, _photos())
    assert report.ok and [a.precision for a in report.artifacts] == ["toy"]
    assert report.lines() == ["student.toy.json: ok: probe recomputed"]
    assert "headline" not in report.to_dict()["artifacts"][0]
    # the recipe's own check runs: a probe that no longer matches the source model fails it
    (out / "student.toy.json").write_text(json.dumps({"probe": [0.0] * 8}))
    m = read_manifest(out, check_files=False)
    m["artifacts"][0].update(bytes=artifact_bytes(out / "student.toy.json"), sha256=artifact_sha256(out / "student.toy.json"))
    write_manifest(out, m)
    failed = verify_export(out, _photos())
    assert not failed.ok and failed.artifacts[0].failures == ["probe differs from the source model"]


def test_without_its_recipe_a_format_is_unknown(tmp_path: Path) -> None:
    assert "toy-json" not in recipe_names()
    with pytest.raises(InputError, match="unknown export format.*choose from pte-fp32, pte-int8, coreml, pte-training"):
        ExportConfig(formats=("toy-json",))
    with pytest.raises(InputError, match="unknown export format 'toy-json'"):
        get_recipe("toy-json")


def test_registry_names_defaults_and_duplicates() -> None:
    assert recipe_names()[:4] == ("pte-fp32", "pte-int8", "coreml", "pte-training")
    assert default_formats() == FORMATS == ("pte-fp32", "pte-int8", "coreml")
    assert get_recipe("pte-int8").needs_calibration and not get_recipe("pte-fp32").needs_calibration

    class Clash(Toy):
        name = "pte-int8"

    with pytest.raises(ValueError, match="already registered"):
        register_recipe(Clash)

    class Nameless(Toy):
        name = ""

    with pytest.raises(ValueError, match="needs a name"):
        register_recipe(Nameless)
    assert type(get_recipe("pte-int8")).__name__ == "PteInt8"


@pytest.mark.parametrize(
    "entry, owner",
    [
        ({"format": "executorch", "backend": "xnnpack", "precision": "int8"}, "pte-int8"),
        ({"format": "executorch", "precision": "fp32"}, "pte-fp32"),  # no backend: an early folder, XNNPACK
        ({"format": "executorch"}, "pte-fp32"),
        ({"format": "executorch", "backend": "coreml", "precision": "fp32"}, None),  # a format not made yet
        ({"format": "coreml", "precision": "fp16"}, "coreml"),
        ({"format": "executorch-training", "precision": "fp32"}, "pte-training"),
        ({"file": "notes.txt"}, None),
    ],
)
def test_manifest_entries_find_their_recipe(entry: dict, owner: str | None) -> None:
    recipe = recipe_for_entry(entry)
    assert (recipe.name if recipe else None) == owner


def test_missing_coremltools_fails_only_the_core_ml_recipe(monkeypatch: pytest.MonkeyPatch, toy: Recipe,
                                                          tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "coremltools", None)
    with pytest.raises(MissingExtraError, match=r"edgenst\[coreml\]"):
        get_recipe("coreml").require()
    with pytest.raises(MissingExtraError):  # before any file is written
        export_bundle(tiny_trained_like_student(), INFO, tmp_path / "a", ExportConfig(formats=("toy-json", "coreml")))
    assert not (tmp_path / "a").exists()
    for name in ("pte-fp32", "pte-int8", "pte-training", "toy-json"):
        get_recipe(name).require()
    export_bundle(tiny_trained_like_student(), INFO, tmp_path / "b", ExportConfig(formats=("toy-json",)))
    assert verify_export(tmp_path / "b", _photos()).ok


def test_training_format_needs_its_config(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="needs ExportConfig.training"):
        export_bundle(tiny_trained_like_student(), INFO, tmp_path / "t", ExportConfig(formats=("pte-training",)))


def test_importing_the_recipes_loads_no_backend() -> None:
    code = ("import sys\nimport edgenst.export.bundle, edgenst.export.verify, edgenst.export.recipes\n"
            "print(sorted({m.partition('.')[0] for m in sys.modules} & {'coremltools', 'executorch'}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_training_pte_is_a_recipe_of_the_bundle(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("executorch.extension.training")
    from edgenst.export.training import TrainingExportConfig
    from edgenst.teacher import TeacherConfig

    training = TrainingExportConfig(style=1, size=32, batch=1, lr=0.05, teacher=TeacherConfig(source="random", width=8))
    out = tmp_path / "exp"
    with caplog.at_level("INFO", logger="edgenst.export.recipes"):
        manifest = export_bundle(tiny_trained_like_student(), INFO, out,
                                 ExportConfig(sizes=(Size(32, 32),), formats=("pte-training",), training=training))
    entry = manifest["artifacts"][0]
    assert entry["file"] == "student-training.pte" and entry["format"] == "executorch-training"
    assert entry["style"] == 1 and entry["training_config"]["teacher"]["width"] == 8
    # the delegation line: no delegate, every operator on the portable kernels
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("pte-training "))
    assert "0 delegate call(s)" in line and "kernel call(s) on portable kernels: aten::" in line
    report = verify_export(out, _photos())
    assert report.ok, report.lines()
    check = report.artifacts[0]
    assert check.precision == "training" and check.max_abs <= 1e-3
    assert report.lines()[0].startswith("student-training.pte: ok: one SGD step in the runtime vs eager")
