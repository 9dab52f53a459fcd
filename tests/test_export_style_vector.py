"""The student's exports with a style vector beside the table (``edgenst export --style-vector``).

One tiny folder per session, shared with the demo's painting tests (fp32 + int8 ``.pte`` at one size): the manifest says how to feed the
vector, the runtime runs it, a table column fed as a vector paints what the column paints, the
int8 program stays fully delegated, and verify checks the vector methods against PyTorch.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import tiny_trained_like_student
from demo_support import tiny_vector_export

from edgenst.errors import InputError
from edgenst.export.manifest import manifest_spec, read_manifest
from edgenst.export.verify import INT8_MIN_PSNR_DB, verify_export
from edgenst.io_spec import INPUT_NAMES, VECTOR_INPUT_NAMES
from edgenst.runtime import PteModel
from edgenst.styles import StyleSpace

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _photos(n: int = 3) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    base = torch.nn.functional.interpolate(torch.rand(n, 3, 6, 6, generator=g), size=(40, 48), mode="bilinear")
    return [b.unsqueeze(0) for b in base]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    return tiny_vector_export(tmp_path_factory.getbasetemp())  # shared with test_demo_paintings


def test_manifest_says_how_to_feed_the_vector(folder: Path):
    m = read_manifest(folder)
    student = tiny_trained_like_student()
    space = StyleSpace.of(student)
    assert [i["name"] for i in m["inputs"]] == list(INPUT_NAMES)  # old apps read the same inputs
    vec = m["style_vector"]
    assert vec["length"] == space.dim == student.style_vector_dim
    assert [e["tensor"] for e in vec["layout"]] == list(space.tensors)
    assert [e["offset"] for e in vec["layout"]] == [sum(e["length"] for e in vec["layout"][:i])
                                                    for i in range(len(vec["layout"]))]
    assert [i["name"] for i in vec["inputs"]] == list(VECTOR_INPUT_NAMES)
    assert vec["inputs"][3]["shape"] == [1, space.dim]
    reach = torch.stack([v.values for v in space.reach(student)])
    assert vec["range"] == [pytest.approx(float(reach.min())), pytest.approx(float(reach.max()))]
    assert manifest_spec(m).vector is not None and manifest_spec(m).vector.dim == space.dim
    for a in m["artifacts"]:
        assert a["methods"] == {"32x32": "forward_32x32"} and a["vector_methods"] == {"32x32": "vector_32x32"}
        assert a["ops_outside_delegate"] == 0, a["outside_ops"]  # the int8 vector path stays in XNNPACK


def test_a_column_fed_as_a_vector_paints_what_the_column_paints(folder: Path):
    student = tiny_trained_like_student()
    space = StyleSpace.of(student)
    pte = PteModel(folder / "student-fp32.pte")
    assert pte.vector_dim == space.dim and list(pte.sizes.values()) == ["forward_32x32"]
    x = torch.nn.functional.interpolate(_photos(1)[0], size=(32, 32))
    for i in range(2):
        table = pte.run(x, torch.eye(2)[i : i + 1], torch.full((1, 1), 0.8))
        vec = pte.run_vector(x, torch.full((1, 2), 0.5), torch.full((1, 1), 0.8),
                             space.column(student, i).values.unsqueeze(0), torch.ones(1, 1))
        assert (vec - table).abs().max() < 1e-4
    # vector_weight 0: the table alone, whatever the vector says
    off = pte.run_vector(x, torch.eye(2)[:1], torch.ones(1, 1), torch.full((1, space.dim), 3.0), torch.zeros(1, 1))
    assert (off - pte.run(x, torch.eye(2)[:1], torch.ones(1, 1))).abs().max() < 1e-4
    # a vector the table does not hold paints something else, as eager does
    far = space.reach(student)[2].values.unsqueeze(0)
    y = pte.run_vector(x, torch.eye(2)[:1], torch.ones(1, 1), far, torch.ones(1, 1))
    with torch.no_grad():
        ref = student.forward_vector(x, torch.eye(2)[:1], torch.ones(1, 1), far, torch.ones(1, 1))
    assert (y - ref).abs().max() < 1e-4 and (y - table).abs().max() > 1e-3


def test_runtime_refuses_bad_vectors(folder: Path, tmp_path: Path):
    pte = PteModel(folder / "student-int8.pte")
    x = torch.rand(1, 3, 32, 32)
    with pytest.raises(InputError, match="style_vector must be 1 x"):
        pte.run_vector(x, torch.eye(2)[:1], torch.ones(1, 1), torch.ones(1, 5), torch.ones(1, 1))
    with pytest.raises(InputError, match="vector_weight must be 1 x 1"):
        pte.run_vector(x, torch.eye(2)[:1], torch.ones(1, 1), torch.ones(1, pte.vector_dim), torch.ones(1, 2))
    with pytest.raises(InputError, match="no vector method for 64x64"):
        pte.run_vector(torch.rand(1, 3, 64, 64), torch.eye(2)[:1], torch.ones(1, 1), torch.ones(1, pte.vector_dim),
                       torch.ones(1, 1))


def test_verify_checks_the_vector_methods(folder: Path, monkeypatch: pytest.MonkeyPatch):
    report = verify_export(folder, _photos())
    assert report.ok, report.lines()
    by_file = {a.file: a for a in report.artifacts}
    fp32, int8 = by_file["student-fp32.pte"], by_file["student-int8.pte"]
    assert fp32.vector_images == int8.vector_images == 3 * 3  # photos x (2 columns + 1 blend)
    assert fp32.vector_max_abs < 1e-4
    # int8 through the vector passes the same gate as through the table, and stays close to it (the
    # vector settings include a point beyond the table, so they are not the same images)
    assert int8.vector_psnr_mean >= max(INT8_MIN_PSNR_DB, int8.psnr_mean - 3.0), (int8.vector_psnr_mean, int8.psnr_mean)
    assert "vector_psnr_mean" in report.to_dict()["artifacts"][0]

    from edgenst.models.student import Student

    real = Student.forward_vector
    monkeypatch.setattr(Student, "forward_vector", lambda self, *a: real(self, *a) * 0.9)
    broken = verify_export(folder, _photos(1))
    assert not broken.ok and any("style vector" in f for a in broken.artifacts for f in a.failures)


def test_eager_forward_vector_is_the_table_for_a_column_and_refuses_a_wrong_length():
    student = tiny_trained_like_student(3)
    space = StyleSpace.of(student)
    assert student.style_vector_dim == space.dim
    x = torch.rand(1, 3, 32, 32)
    even = torch.full((1, 3), 1 / 3)
    with torch.no_grad():
        for i in range(3):
            column = space.column(student, i).values.unsqueeze(0)
            table = student(x, torch.eye(3)[i : i + 1], torch.full((1, 1), 0.6))
            assert (student.forward_vector(x, even, torch.full((1, 1), 0.6), column, torch.ones(1, 1)) - table
                    ).abs().max() < 1e-6
        # a blend of two columns as a vector is the table's blend of them
        mixed = 0.3 * space.column(student, 0).values + 0.7 * space.column(student, 2).values
        blend = student(x, torch.tensor([[0.3, 0.0, 0.7]]), torch.ones(1, 1))
        assert (student.forward_vector(x, even, torch.ones(1, 1), mixed.unsqueeze(0), torch.ones(1, 1)) - blend
                ).abs().max() < 1e-5
    with pytest.raises(InputError, match=f"style_vector must be N x {space.dim}"):
        student.forward_vector(x, even, torch.ones(1, 1), torch.ones(1, space.dim + 1), torch.ones(1, 1))
