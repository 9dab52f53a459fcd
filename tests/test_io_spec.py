"""edgenst.io_spec: one interface object for the manifest, the .pte, the runtime and the demo.

Programs and manifests "made the old way" are built here exactly as edgenst wrote them before
``IOSpec``: the program lowered without constant methods, the manifest's fields written literally.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch
from conftest import tiny_trained_like_student

from edgenst.errors import InputError
from edgenst.export.app_model import AppModel, Size, example_inputs
from edgenst.export.executorch import export_pte, lower_to_executorch, method_name
from edgenst.export.manifest import artifact_entry, build_manifest, manifest_spec, read_manifest, write_manifest
from edgenst.io_spec import IOSpec
from edgenst.runtime import PteModel

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NAMES = ["swirl", "mosaic"]
SIZE = Size(32, 32)

#: The interface fields of a manifest as edgenst 0.x wrote them before IOSpec (export/manifest.py io_spec).
OLD_FIELDS = {
    "styles": [{"index": 0, "name": "swirl"}, {"index": 1, "name": "mosaic"}],
    "inputs": [
        {"name": "image", "dtype": "float32", "shape": [1, 3, "H", "W"], "layout": "NCHW", "color": "RGB",
         "range": [0.0, 1.0], "coreml": "RGB image, 0-255"},
        {"name": "style_weights", "dtype": "float32", "shape": [1, 2], "range": [0.0, 1.0],
         "note": "one weight per style (see styles[].index); rows sum to 1 to blend"},
        {"name": "strength", "dtype": "float32", "shape": [1, 1], "range": [0.0, 1.0],
         "note": "0 returns the photo, 1 the full style"},
    ],
    "outputs": [
        {"name": "stylized", "dtype": "float32", "shape": [1, 3, "H", "W"], "layout": "NCHW", "color": "RGB",
         "range": [0.0, 1.0], "coreml": "RGB image, 0-255"},
    ],
}


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same tiny student as a new program (names inside), a count-only one, and an old-way one."""
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("pte")
    student = tiny_trained_like_student(2)
    export_pte(student, out / "named.pte", [SIZE], style_names=NAMES)
    export_pte(student, out / "counted.pte", [SIZE])
    app = AppModel(student).eval()
    with torch.no_grad():
        old = {method_name(SIZE): torch.export.export(app, example_inputs(2, SIZE))}
    (out / "old.pte").write_bytes(lower_to_executorch(old)[0].buffer)  # how export_pte lowered before IOSpec
    return {p.stem: p for p in out.glob("*.pte")}


def _folder(tmp_path: Path, pte: Path, fields: dict | None = None) -> Path:
    """An export folder holding ``pte`` and a manifest; ``fields``: write them literally (the old way)."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "student-int8.pte").write_bytes(pte.read_bytes())
    (folder / "student.safetensors").write_bytes(b"source")
    source = artifact_entry(folder, "student.safetensors", arch="student", config={}, name="tiny")
    artifact = artifact_entry(folder, "student-int8.pte", format="executorch", backend="xnnpack", precision="int8",
                              methods={str(SIZE): method_name(SIZE)})
    if fields is None:
        manifest = build_manifest(NAMES, source, [artifact])
    else:
        manifest = {"format": "edgenst-export", "format_version": 1, "edgenst_version": "0.1.0",
                    "source_model": source, **fields, "artifacts": [artifact]}
    write_manifest(folder, manifest)
    return folder


def test_spec_writes_the_manifest_fields_edgenst_always_wrote():
    spec = IOSpec(tuple(NAMES))
    assert spec.to_manifest() == OLD_FIELDS
    assert json.dumps(spec.to_manifest()) == json.dumps(OLD_FIELDS)  # key order too: byte-identical manifests
    assert IOSpec.from_manifest(OLD_FIELDS) == spec
    assert spec.constant_methods() == {"style_count": 2, "style_names": NAMES}
    for bad in (dict(OLD_FIELDS, styles=OLD_FIELDS["styles"][:1]),
                dict(OLD_FIELDS, inputs=[dict(OLD_FIELDS["inputs"][0], name="photo"), *OLD_FIELDS["inputs"][1:]])):
        with pytest.raises(InputError):
            IOSpec.from_manifest(bad)
    for names in ((), ("a", "a"), ("a", "")):
        with pytest.raises(InputError):
            IOSpec(names)


def test_program_names_its_styles_itself(programs: dict[str, Path], caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO, logger="edgenst.runtime"):
        pte = PteModel(programs["named"])  # no manifest beside it
    assert pte.styles == 2 and pte.style_names == tuple(NAMES) and pte.spec == IOSpec(tuple(NAMES))
    assert "names no styles" not in caplog.text
    counted = PteModel(programs["counted"])
    assert counted.styles == 2 and counted.style_names is None
    with pytest.raises(InputError, match="2 style names for a model with 3 styles"):
        export_pte(tiny_trained_like_student(3), programs["named"].parent / "x.pte", [SIZE], style_names=NAMES)


def test_constant_methods_leave_the_pictures_bit_identical(programs: dict[str, Path]):
    x = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    w, s = torch.tensor([[0.3, 0.7]]), torch.full((1, 1), 0.8)
    new, old = PteModel(programs["named"]).run(x, w, s), PteModel(programs["old"]).run(x, w, s)
    assert torch.equal(new, old)
    with torch.no_grad():
        torch.testing.assert_close(new, tiny_trained_like_student(2)(x, w, s), rtol=1e-4, atol=1e-4)


def test_old_program_takes_its_names_from_the_manifest_with_an_info_line(programs: dict[str, Path], tmp_path: Path,
                                                                        caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO, logger="edgenst.runtime"):
        bare = PteModel(programs["old"])
    assert bare.styles == 2 and bare.style_names is None and bare.spec is None  # count from the input's shape
    assert "has no manifest beside it" in caplog.text
    caplog.clear()
    folder = _folder(tmp_path, programs["old"], OLD_FIELDS)
    with caplog.at_level(logging.INFO, logger="edgenst.runtime"):
        pte = PteModel(folder / "student-int8.pte")
    assert pte.styles == 2 and pte.style_names == tuple(NAMES)
    assert "using the 2 names in the manifest beside it" in caplog.text


def test_old_manifest_reads_into_the_spec_and_the_demo(programs: dict[str, Path], tmp_path: Path):
    from edgenst.demo_app.artifact import open_export
    from edgenst.demo_app.engine import Engine
    from edgenst.demo_app.settings import StyleSettings

    folder = _folder(tmp_path, programs["old"], OLD_FIELDS)
    assert manifest_spec(read_manifest(folder)) == IOSpec(tuple(NAMES))
    artifact = open_export(folder)
    assert artifact.styles == tuple(NAMES) and artifact.sizes == ((32, 32),)
    engine = Engine(artifact)
    try:
        engine.open(1)
        png = _png(32, 32)
        result = engine.process_sync(png, StyleSettings("mosaic", "swirl", 0.25, size=(32, 32)), "PNG")
        assert result.data.startswith(b"\x89PNG") and 0 < result.width <= 32 and 0 < result.height <= 32
    finally:
        engine.close()


def test_demo_refuses_a_program_whose_names_disagree_with_its_manifest(programs: dict[str, Path], tmp_path: Path):
    from edgenst.demo_app.artifact import open_export
    from edgenst.demo_app.engine import Engine

    fields = json.loads(json.dumps(OLD_FIELDS))
    fields["styles"] = [{"index": 0, "name": "mosaic"}, {"index": 1, "name": "swirl"}]  # swapped
    engine = Engine(open_export(_folder(tmp_path, programs["named"], fields)))
    try:
        with pytest.raises(InputError, match="names its styles swirl, mosaic"):
            engine.open(1)
    finally:
        engine.close()


def _png(h: int, w: int) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (w, h), (120, 60, 200)).save(buf, "PNG")
    return buf.getvalue()


def test_verify_refuses_a_program_whose_names_disagree_with_its_manifest(programs: dict[str, Path], tmp_path: Path):
    """verify compares the program's own style names with the manifest's, not only their count."""
    from types import SimpleNamespace

    from edgenst.export.checks import check_pte_parity

    folder = _folder(tmp_path, programs["named"])
    entry = {**read_manifest(folder)["artifacts"][0], "precision": "fp32"}  # the fixture program is fp32
    job = SimpleNamespace(folder=folder, model=tiny_trained_like_student(2), photos=[torch.rand(1, 3, 32, 32)],
                          styles=list(NAMES))
    check, _ = check_pte_parity(job, entry)
    assert check.images > 0
    with pytest.raises(InputError, match="names its styles"):
        check_pte_parity(SimpleNamespace(**{**vars(job), "styles": NAMES[::-1]}), entry)
