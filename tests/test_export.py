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
from edgenst.export.executorch import export_pte, lower_to_executorch
from edgenst.export.manifest import read_manifest
from edgenst.export.pte_inspect import inspect_pte
from edgenst.export.verify import INT8_MIN_PSNR_DB, Tolerances, verify_export
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
    assert int8.psnr_mean >= INT8_MIN_PSNR_DB and [c.style for c in int8.losses] == STYLES
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
    with pytest.raises(InputError, match="truncated|could not be loaded|failed to load"):
        m = PteModel(cut)
        m.run(torch.rand(1, 3, 32, 32), torch.tensor([[1.0, 0.0]]), torch.ones(1, 1))


MALFORMED = {
    "artifacts-ints": lambda m: m.update(artifacts=[1, 2]),
    "styles-string": lambda m: m.update(styles="abc"),
    "style-without-name": lambda m: m.update(styles=[{"index": 0}, {"index": 1, "name": "mosaic"}]),
    "style-name-number": lambda m: m["styles"][1].update(name=7),
    "artifact-file-number": lambda m: m["artifacts"][0].update(file=3),
    "artifact-bytes-string": lambda m: m["artifacts"][0].update(bytes="many"),
    "source-not-object": lambda m: m.update(source_model=["student.safetensors"]),
    "version-string": lambda m: m.update(format_version="one"),
    "precision-unknown": lambda m: m["artifacts"][0].update(precision="int4"),
    "methods-list": lambda m: m["artifacts"][0].update(methods=["forward_32x32"]),
    "not-an-object": lambda m: m.clear(),
}


@pytest.mark.parametrize("breakage", sorted(MALFORMED))
def test_malformed_manifest_gives_exit_2_and_one_line(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                                      breakage: str):
    d = _copy(bundle, tmp_path)
    m = json.loads((d / "manifest.json").read_text())
    MALFORMED[breakage](m)
    (d / "manifest.json").write_text(json.dumps(m if m else [1, 2]))
    assert main(["verify", str(d), "--no-loss-check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "manifest.json" in err[0] and "internal" not in err[0], err
    with pytest.raises(InputError, match="manifest.json"):  # a .pte beside it is not loaded unchecked
        PteModel(d / "student-fp32.pte")


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
        assert inspect_pte(tmp_path / f"{precision}.pte").precision == precision


# the CLI exports the frozen inference copy; lowering it too takes about 30 s
@pytest.mark.parametrize("frozen", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_qat_option_runs_and_lowers(frozen: bool, tmp_path: Path):
    model = _student().frozen_copy() if frozen else _student()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    calib = calibration_inputs(_photos(2), 2, 32)
    quant = QuantConfig(calibration_size=32, qat_steps=3, qat_lr=0.01)
    q = quantize_int8(model, calib, quant)
    out = q(*calib[0])
    assert out.shape == (1, 3, 32, 32) and torch.isfinite(out).all()
    for k, v in model.state_dict().items():  # the fp32 reference QAT learns from stays as it was
        torch.testing.assert_close(v, before[k], rtol=0, atol=0, msg=k)
    if not frozen:
        return  # lowering is checked once, on what the CLI lowers (the frozen copy)
    # ... and the QAT model lowers: every operator inside one XNNPACK delegate, which holds int8 values
    with torch.no_grad():
        program, calls, outside = lower_to_executorch({"forward_32x32": torch.export.export(q, calib[0])})
    assert calls == 1 and outside == {}, outside
    (tmp_path / "qat.pte").write_bytes(program.buffer)
    contents = inspect_pte(tmp_path / "qat.pte")
    assert contents.precision == "int8" and contents.quantized_values > 0, contents.summary()
    y = PteModel(tmp_path / "qat.pte").run(*calib[0])
    assert y.shape == (1, 3, 32, 32) and (y - out).abs().max().item() < 0.05


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


# --- integrity of a .pte: the manifest beside it, its header, one line on fd 2 -------------------------


def _make_clip(path: Path) -> Path:
    from test_video import make_clip

    make_clip(path, frames=2, h=32, w=32, audio=False)
    return path


def _rehash(folder: Path, file: str) -> None:
    """Update a manifest entry after replacing its file (what someone passing a file off as another does)."""
    from edgenst.export.manifest import artifact_bytes, artifact_sha256

    m = json.loads((folder / "manifest.json").read_text())
    for a in m["artifacts"]:
        if a["file"] == file:
            a["bytes"], a["sha256"] = artifact_bytes(folder / file), artifact_sha256(folder / file)
    (folder / "manifest.json").write_text(json.dumps(m))


def test_pte_with_a_flipped_byte_is_refused_by_the_manifest_beside_it(bundle: Path, tmp_path: Path,
                                                                      capfd: pytest.CaptureFixture):
    d = _copy(bundle, tmp_path)
    data = bytearray((d / "student-fp32.pte").read_bytes())
    data[-100] ^= 0x40  # a weight byte near the end: the runtime itself would not notice
    (d / "student-fp32.pte").write_bytes(bytes(data))
    with pytest.raises(InputError, match="sha256 in the manifest"):
        PteModel(d / "student-fp32.pte")
    clip, out = _make_clip(tmp_path / "clip.mp4"), tmp_path / "styled.mp4"
    capfd.readouterr()
    rc = main(["-q", "stylize", str(clip), "--model", str(d / "student.safetensors"), "--style", "swirl",
               "--pte", str(d / "student-fp32.pte"), "-o", str(out)])
    err = capfd.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "student-fp32.pte" in err[0] and "sha256" in err[0], err
    assert not out.exists()
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(bundle / "student-fp32.pte", bare / "student-fp32.pte")  # no manifest: loads unchecked
    assert PteModel(bare / "student-fp32.pte").styles == 2


def _bare(tmp_path: Path, bundle: Path, name: str, edit) -> Path:
    out = tmp_path / "bare"
    out.mkdir(exist_ok=True)
    path = out / name
    path.write_bytes(bytes(edit(bytearray((bundle / "student-fp32.pte").read_bytes()))))
    return path


def test_truncated_pte_is_found_from_its_header_without_native_logs(bundle: Path, tmp_path: Path,
                                                                    capfd: pytest.CaptureFixture):
    cut = _bare(tmp_path, bundle, "cut.pte", lambda b: b[: len(b) // 2])
    capfd.readouterr()
    with pytest.raises(InputError, match="truncated") as exc:
        PteModel(cut)
    assert "\n" not in str(exc.value)
    assert capfd.readouterr().err == ""  # ExecuTorch's [program.cpp] lines did not reach fd 2
    clip, out = _make_clip(tmp_path / "clip.mp4"), tmp_path / "styled.mp4"
    rc = main(["-q", "stylize", str(clip), "--model", str(bundle / "student.safetensors"), "--style", "swirl",
               "--pte", str(cut), "-o", str(out)])
    err = capfd.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "truncated" in err[0], err


def _flip_delegate(b: bytearray) -> bytearray:
    """Damage the root offset of the first XNNPACK delegate's flatbuffer: C++ fails to verify it, and logs why."""
    start = b.find(b"XH00") - 4  # the payload's header: 4 zero bytes, magic, length u16, flatbuffer offset u32
    b[start + int.from_bytes(b[start + 10 : start + 14], "little")] ^= 0xFF
    return b


def test_corrupt_delegate_fails_with_one_line_and_native_logs_only_when_asked(bundle: Path, tmp_path: Path,
                                                                              capfd: pytest.CaptureFixture,
                                                                              caplog: pytest.LogCaptureFixture):
    import logging

    def load_and_run(path: Path) -> None:
        m = PteModel(path)
        for h, w in m.sizes:  # the flipped byte may sit in either method's delegate
            m.run(torch.rand(1, 3, h, w), torch.tensor([[1.0, 0.0]]), torch.ones(1, 1))

    bad = _bare(tmp_path, bundle, "bad.pte", _flip_delegate)
    capfd.readouterr()
    with pytest.raises(InputError, match="bad.pte.*failed to load.*verification failed") as exc:
        load_and_run(bad)
    assert "\n" not in str(exc.value)
    assert capfd.readouterr().err == ""
    native = [r for r in caplog.records if r.name == "executorch.native"]  # the CLI shows these with -v
    assert native and "[XNNCompiler" in native[0].getMessage()
    logger = logging.getLogger("edgenst")
    level = logger.level
    logger.setLevel(logging.DEBUG)  # -vv: ExecuTorch's own lines are kept for whoever debugs
    try:
        with pytest.raises(InputError):
            load_and_run(bad)
    finally:
        logger.setLevel(level)
    assert "XNNCompiler" in capfd.readouterr().err


@pytest.mark.slow
def test_broken_pte_in_a_fresh_process_prints_exactly_one_line(bundle: Path, tmp_path: Path):
    """The real console: importing ExecuTorch logs a torch deprecation warning and its loader logs natively;
    neither shows by default or with -q, and -v shows the native lines (about 30 s: three processes)."""
    import os
    import subprocess
    import sys

    cut = _bare(tmp_path, bundle, "cut.pte", lambda b: b[: len(b) // 2])
    bad = _bare(tmp_path, bundle, "bad.pte", _flip_delegate)
    clip = _make_clip(tmp_path / "clip.mp4")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "EDGENST_OFFLINE": "1"}

    def stylize(*flags: str, pte: Path) -> tuple[int, list[str]]:
        p = subprocess.run([sys.executable, "-m", "edgenst", *flags, "stylize", str(clip), "--model",
                            str(bundle / "student.safetensors"), "--style", "swirl", "--pte", str(pte),
                            "-o", str(tmp_path / "o.mp4")], capture_output=True, text=True, env=env, timeout=120)
        return p.returncode, p.stderr.strip().splitlines()

    rc, err = stylize("-q", pte=cut)
    assert rc == 2 and len(err) == 1 and "truncated" in err[0], err
    rc, err = stylize(pte=bad)
    assert rc == 2 and len(err) == 1 and "verification failed" in err[0], err
    rc, err = stylize("-v", pte=bad)
    assert rc == 2 and any("[XNNCompiler" in line for line in err) and "verification failed" in err[-1], err
    assert not (tmp_path / "o.mp4").exists()


def test_inspect_pte_reads_the_precision_inside_the_delegate(bundle: Path):
    fp32, int8 = inspect_pte(bundle / "student-fp32.pte"), inspect_pte(bundle / "student-int8.pte")
    assert fp32.precision == "fp32" and fp32.quantized_values == 0 and fp32.delegates == 2
    assert int8.precision == "int8" and int8.quantized_values > 0 and int8.delegates == 2


@pytest.mark.parametrize("swap", [("student-fp32.pte", "student-int8.pte"), ("student-int8.pte", "student-fp32.pte")])
def test_verify_refuses_a_program_of_another_precision(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                                        swap: tuple[str, str]):
    d = _copy(bundle, tmp_path)
    src, dst = swap
    shutil.copy(d / src, d / dst)
    _rehash(d, dst)
    assert main(["verify", str(d), "--no-loss-check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    claimed, actual = dst.split("-")[1][:4], src.split("-")[1][:4]
    assert len(err) == 1 and dst in err[0] and claimed in err[0] and actual in err[0], err
