"""The style predictor's own exports (``predictor-pte-int8``, ``predictor-coreml``) with a tiny stand-in.

The recipes are generic over any module mapping a 1 x 3 x S x S painting to the student's 1 x D
style vector, so a two-conv stand-in exercises them: the manifest says how an app calls the
predictor, the int8 program is fully delegated and runs in the runtime close to PyTorch, verify
checks it against the saved PyTorch reference and fails when it should.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from conftest import tiny_trained_like_student
from torch import nn

from edgenst.errors import InputError
from edgenst.export.app_model import Size
from edgenst.export.bundle import ExportConfig, export_bundle
from edgenst.export.manifest import read_manifest
from edgenst.export.recipes import default_formats, recipe_for_entry
from edgenst.export.verify import verify_export
from edgenst.models.serialization import ModelInfo
from edgenst.quantize import QuantConfig
from edgenst.runtime import PredictorProgram
from edgenst.styles import StyleSpace

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

INFO = ModelInfo("student", {"styles": 2, "width": 8, "blocks": 1}, ["swirl", "mosaic"])
SIDE = 32


class StandInPredictor(nn.Module):
    """Painting -> style vector with only ops XNNPACK delegates (keepdim mean, 1x1 conv as the MLP)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.head = nn.Conv2d(16, dim, 1)
        with torch.no_grad():
            self.head.bias.add_(1.0)  # vectors near the student's (scales near 1), not near 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        return self.head(h.mean(dim=(2, 3), keepdim=True)).flatten(1)


def _paintings(n: int = 3) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(2)
    return [torch.rand(1, 3, 40, 48, generator=g) for _ in range(n)]


def _config(predictor: nn.Module, formats: tuple[str, ...] = ("predictor-pte-int8", "predictor-coreml")) -> ExportConfig:
    return ExportConfig(sizes=(Size(32, 32),), formats=formats, predictor=predictor, predictor_size=SIDE,
                        quant=QuantConfig(calibration_size=32))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    student = tiny_trained_like_student()
    out = tmp_path_factory.mktemp("predictor")
    export_bundle(student, INFO, out, _config(StandInPredictor(student.style_vector_dim)), _paintings())
    return out


def test_manifest_says_how_to_call_the_predictor(folder: Path):
    m = read_manifest(folder)
    files = {a["file"]: a for a in m["artifacts"]}
    assert set(files) == {"student-predictor-int8.pte", "student-predictor.mlpackage"}
    dim = StyleSpace.of(tiny_trained_like_student()).dim
    for a in files.values():
        assert a["role"] == "style-predictor" and a["methods"] == {f"{SIDE}x{SIDE}": "forward"}
        assert a["inputs"][0]["shape"] == [1, 3, SIDE, SIDE] and a["outputs"][0]["shape"] == [1, dim]
        assert a["reference"]["file"] == "predictor.pt2" and (folder / "predictor.pt2").is_file()
        assert recipe_for_entry(a).name.startswith("predictor-")  # not claimed by the student's recipes
    int8 = files["student-predictor-int8.pte"]
    assert int8["precision"] == "int8" and int8["ops_outside_delegate"] == 0 and int8["delegate_calls"] >= 1
    assert not {"predictor-pte-int8", "predictor-coreml"} & set(default_formats())


def test_program_runs_close_to_pytorch(folder: Path):
    from edgenst.export.predictor import load_reference

    entry = next(a for a in read_manifest(folder)["artifacts"] if a["file"].endswith(".pte"))
    reference = load_reference(folder, entry)
    program = PredictorProgram(folder / "student-predictor-int8.pte")
    assert (program.size, program.dim) == (SIDE, StyleSpace.of(tiny_trained_like_student()).dim)
    painting = torch.rand(1, 3, 50, 70)  # any size: resized and centre-cropped like the export's check
    got = program.run(painting)
    with torch.no_grad():
        from edgenst.export.predictor import painting_batch

        ref = reference(painting_batch([painting], SIDE)[0])
    assert got.shape == ref.shape and float((got - ref).norm() / ref.norm()) < 0.05
    with pytest.raises(InputError, match="1 x 3 x H x W painting"):
        program.run(torch.rand(3, 8, 8))


def test_verify_passes_and_fails_when_it_should(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    report = verify_export(folder, _paintings())
    assert report.ok, report.lines()
    by_file = {a.file: a for a in report.artifacts}
    assert by_file["student-predictor-int8.pte"].images == 3 and by_file["student-predictor-int8.pte"].psnr_mean > 32
    assert any("macOS" in s for s in by_file["student-predictor.mlpackage"].skipped)

    import edgenst.export.recipes.predictor_pte_int8 as recipe

    monkeypatch.setattr(recipe, "PREDICTOR_INT8_REL", 0.0)  # any int8 rounding now fails the gate
    assert not verify_export(folder, _paintings(1)).ok
    monkeypatch.undo()

    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    data = bytearray((broken / "predictor.pt2").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (broken / "predictor.pt2").write_bytes(bytes(data))
    with pytest.raises(InputError, match="predictor.pt2 does not match its sha256"):
        verify_export(broken, _paintings(1))


def test_a_predictor_for_another_student_is_refused_before_any_work(tmp_path: Path):
    with pytest.raises(InputError, match="must map 1 x 3 x 32 x 32 to 1 x"):
        export_bundle(tiny_trained_like_student(), INFO, tmp_path / "x", _config(StandInPredictor(7), ("predictor-pte-int8",)),
                      _paintings())


def test_no_predictor_module_gives_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import sys

    monkeypatch.setitem(sys.modules, "edgenst.style_predictor", None)  # as in a tree without it
    config = ExportConfig(sizes=(Size(32, 32),), formats=("predictor-pte-int8",), predictor_size=SIDE)
    with pytest.raises(InputError, match="no style predictor"):
        export_bundle(tiny_trained_like_student(), INFO, tmp_path / "x", config, _paintings())
