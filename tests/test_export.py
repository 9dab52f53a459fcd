"""ExecuTorch export, manifest and verify: a tiny student exported, run in the runtime, checked.

The export folder is built once per module (fp32 + int8 .pte at two small sizes, plus Core ML)
so each test only reads it or copies it to break something.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from conftest import tiny_trained_like_student

from edgenst.cli.main import main
from edgenst.errors import InputError
from edgenst.export.app_model import Size, parse_sizes
from edgenst.export.bundle import ExportConfig, export_bundle
from edgenst.export.executorch import export_pte
from edgenst.export.manifest import read_manifest
from edgenst.export.verify import Tolerances, verify_export
from edgenst.models.serialization import ModelInfo, save_model
from edgenst.perceptual import LossConfig, PerceptualLoss
from edgenst.quantize import QuantConfig, calibration_inputs, quantize_int8
from edgenst.runtime import PteModel
from edgenst.samples import texture
from edgenst.teacher import TeacherConfig, build_teacher

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STYLES = ["swirl", "mosaic"]  # texture names, so verify finds the "paintings" offline
SIZES = (Size(32, 32), Size(32, 48))


def _student() -> torch.nn.Module:
    return tiny_trained_like_student()


def _photos(n: int = 3) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    base = torch.nn.functional.interpolate(torch.rand(n, 3, 6, 6, generator=g), size=(48, 64), mode="bilinear")
    return [b.unsqueeze(0) for b in base]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("export")
    config = ExportConfig(sizes=SIZES, quant=QuantConfig(calibration_size=32))
    export_bundle(_student(), ModelInfo("student", {"styles": 2, "width": 8, "blocks": 1}, STYLES), out, config,
                  _photos(), source_name="tiny")
    return out


def _tiny_loss() -> PerceptualLoss:
    lcfg = LossConfig(style_weight=1.0, content_weight=1.0, tv_weight=0.0)
    return PerceptualLoss(build_teacher(TeacherConfig(source="random", width=8), lcfg.all_layers), lcfg)


def _find(name: str) -> torch.Tensor:
    return texture(name, size=64)


def test_manifest_describes_the_folder(bundle: Path):
    m = read_manifest(bundle)
    assert [s["name"] for s in m["styles"]] == STYLES and [s["index"] for s in m["styles"]] == [0, 1]
    assert [i["name"] for i in m["inputs"]] == ["image", "style_weights", "strength"]
    assert m["inputs"][1]["shape"] == [1, 2]
    files = {a["file"]: a for a in m["artifacts"]}
    assert set(files) == {"student-fp32.pte", "student-int8.pte", "student.mlpackage"}
    for name in ("student-fp32.pte", "student-int8.pte"):
        a = files[name]
        assert a["methods"] == {"32x32": "forward_32x32", "32x48": "forward_32x48"}
        assert a["ops_outside_delegate"] == 0 and a["delegate_calls"] == 2
        assert a["bytes"] == (bundle / name).stat().st_size
    assert files["student-int8.pte"]["quantization"]["weights"] == "int8 per-channel"
    assert files["student.mlpackage"]["compression"] == "int8"
    assert m["source_model"]["name"] == "tiny" and m["edgenst_version"]


def test_runtime_matches_eager_and_checks_its_inputs(bundle: Path):
    model = _student()
    pte = PteModel(bundle / "student-fp32.pte")
    assert pte.styles == 2 and sorted(pte.sizes) == [(32, 32), (32, 48)]
    x, w, s = _photos(1)[0][..., :32, :48], torch.tensor([[0.3, 0.7]]), torch.full((1, 1), 0.8)
    assert (pte.run(x, w, s) - model(x, w, s)).abs().max().item() <= 1e-4
    with pytest.raises(InputError, match="exported sizes: 32x32, 32x48"):
        pte.run(torch.rand(1, 3, 64, 64), w, s)
    with pytest.raises(InputError, match="style_weights must be 1 x 2"):
        pte.run(x, torch.ones(1, 3), s)


def test_verify_passes_and_measures_int8(bundle: Path):
    report = verify_export(bundle, _photos(2), _tiny_loss(), _find)
    assert report.ok, report.lines()
    by_file = {a.file: a for a in report.artifacts}
    assert by_file["student-fp32.pte"].max_abs <= 1e-4
    int8 = by_file["student-int8.pte"]
    assert int8.psnr_mean >= 32 and [c.style for c in int8.losses] == STYLES
    assert all(c.style_fp32 > 0 and c.content_fp32 > 0 for c in int8.losses)
    assert not int8.skipped
    assert by_file["student.mlpackage"].failures == []


def test_verify_can_fail(bundle: Path):
    strict = Tolerances(fp32_max_abs=0.0, int8_min_psnr=200.0, int8_loss_rel=0.0)
    report = verify_export(bundle, _photos(1), _tiny_loss(), _find, strict)
    assert not report.ok
    fails = {a.file: a.failures for a in report.artifacts}
    assert any("PSNR" in f for f in fails["student-int8.pte"])


def test_int8_is_quantized_and_close(bundle: Path):
    """The int8 program really is int8 (it differs from fp32), yet stays within the PSNR bar."""
    x, w, s = _photos(1)[0][..., :32, :32], torch.tensor([[1.0, 0.0]]), torch.ones(1, 1)
    y8 = PteModel(bundle / "student-int8.pte").run(x, w, s)
    y32 = PteModel(bundle / "student-fp32.pte").run(x, w, s)
    diff = (y8 - y32).abs().max().item()
    assert 0 < diff < 0.1


def _copy(bundle: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(bundle, dst)
    return dst


def test_truncated_pte_gives_exit_2_and_one_line(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    d = _copy(bundle, tmp_path)
    data = (d / "student-int8.pte").read_bytes()
    (d / "student-int8.pte").write_bytes(data[: len(data) // 2])
    assert main(["verify", str(d), "--no-loss-check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "student-int8.pte" in err[0] and "truncated" in err[0]


def test_corrupt_pte_is_refused_by_the_runtime_wrapper(bundle: Path, tmp_path: Path):
    bad = tmp_path / "bad.pte"
    bad.write_bytes(b"\0" * 64)
    with pytest.raises(InputError, match="not an ExecuTorch program"):
        PteModel(bad)
    data = bytearray((bundle / "student-fp32.pte").read_bytes())
    cut = tmp_path / "cut.pte"
    cut.write_bytes(bytes(data[: len(data) // 3]))
    with pytest.raises(InputError, match="could not be loaded|failed to load"):
        m = PteModel(cut)
        m.run(torch.rand(1, 3, 32, 32), torch.tensor([[1.0, 0.0]]), torch.ones(1, 1))


@pytest.mark.parametrize("breakage", ["sha", "missing-manifest", "newer-format", "bad-json", "styles"])
def test_manifest_mismatch_gives_exit_2(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture, breakage: str):
    d = _copy(bundle, tmp_path)
    path = d / "manifest.json"
    m = json.loads(path.read_text())
    if breakage == "sha":
        m["artifacts"][0]["sha256"] = "0" * 64
    elif breakage == "newer-format":
        m["format_version"] = 99
    elif breakage == "styles":
        m["styles"] = [{"index": 0, "name": "swirl"}, {"index": 1, "name": "other"}]
    path.write_text(json.dumps(m))
    if breakage == "missing-manifest":
        path.unlink()
    elif breakage == "bad-json":
        path.write_text("{not json")
    assert main(["verify", str(d), "--no-loss-check"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["quality", "fast"])
def test_shipped_student_is_fully_delegated_in_fp32_and_int8(tmp_path: Path, name: str):
    from edgenst.pretrained import resolve_model

    torch.set_num_threads(1)
    model, info = resolve_model(name)
    calib = calibration_inputs(_photos(1), len(info.styles), 32)
    for precision in ("fp32", "int8"):
        report = export_pte(model, tmp_path / f"{precision}.pte", [Size(32, 32)], precision, calib)
        assert report.outside_total == 0 and report.delegate_calls == 1, report.summary()


@pytest.mark.parametrize("frozen", [False, True])  # the CLI exports the frozen inference copy
def test_qat_option_runs_and_lowers(frozen: bool):
    model = _student().frozen_copy() if frozen else _student()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    calib = calibration_inputs(_photos(2), 2, 32)
    q = quantize_int8(model, calib, QuantConfig(calibration_size=32, qat_steps=3, qat_lr=0.01))
    out = q(*calib[0])
    assert out.shape == (1, 3, 32, 32) and torch.isfinite(out).all()
    for k, v in model.state_dict().items():  # the fp32 reference QAT learns from stays as it was
        torch.testing.assert_close(v, before[k], rtol=0, atol=0, msg=k)


def test_export_cli_and_bad_values(tmp_path: Path, capsys: pytest.CaptureFixture):
    model_file = tmp_path / "tiny.safetensors"
    save_model(model_file, _student(), STYLES)
    out = tmp_path / "out"
    args = ["--threads", "1", "export", "--model", str(model_file), "-o", str(out), "--sizes", "32x32",
            "--formats", "pte-fp32", "--teacher", "random", "--photo-count", "1"]
    assert main(args) == 0
    assert (out / "student-fp32.pte").is_file() and (out / "verification.json").is_file()
    assert json.loads((out / "verification.json").read_text())["ok"] is True
    for bad in (["--sizes", "33x32"], ["--sizes", "big"], ["--formats", "onnx"], ["--calib-count", "0"],
                ["--qat-steps", "-1"]):
        capsys.readouterr()
        assert main(args[:-6] + ["--formats", "pte-int8", "--no-verify"] + bad) == 2, bad
        assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_size_parsing():
    assert parse_sizes("720x1280, 256X256") == (Size(720, 1280), Size(256, 256))
    for bad in ("", "720", "720x1281", "8x8", "256x256,256x256"):
        with pytest.raises(InputError):
            parse_sizes(bad)


def test_verify_offline_without_vgg_weights_still_checks_parity(bundle: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture):
    """The default teacher (torchvision VGG-19) cannot load offline: the loss check is skipped, said so."""
    d = _copy(bundle, tmp_path)
    assert main(["--threads", "1", "verify", str(d), "--photo-count", "1"]) == 0
    out = capsys.readouterr().out
    assert "VGG loss check skipped" in out and "student-int8.pte: ok" in out
