"""Model files: round trip, and clear errors for every way a file can be wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from edgenst.errors import InputError
from edgenst.models import build_model
from edgenst.models.serialization import (
    CHECKSUM_KEY,
    FORMAT_VERSION,
    load_model,
    read_model_file,
    save_model,
    tensors_sha256,
)


def tiny(arch: str = "student", styles: int = 2):
    cfg = {"width": 8, "blocks": 1, "styles": styles} if arch == "student" else {"width": 4, "blocks": 1, "styles": styles}
    return build_model(arch, cfg)


@pytest.mark.parametrize("arch", ["student", "teacher-net"])
def test_round_trip_keeps_weights_styles_and_meta(tmp_path: Path, arch: str) -> None:
    model = tiny(arch)
    path = save_model(tmp_path / "m.safetensors", model, ["a", "b"], meta={"step": 7})
    loaded, info = load_model(path)
    assert info.arch == arch and info.styles == ["a", "b"] and info.meta == {"step": 7}
    for k, v in model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[k], v, rtol=0, atol=0)
    assert not loaded.training


def test_style_names_must_match_the_model(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="1 style names for a model with 2 styles"):
        save_model(tmp_path / "m.safetensors", tiny(), ["a"])


def test_missing_truncated_and_garbage_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such model file"):
        load_model(tmp_path / "nope.safetensors")
    path = save_model(tmp_path / "m.safetensors", tiny(), ["a", "b"])
    data = path.read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="not a readable safetensors model file"):
        load_model(tmp_path / "cut.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(InputError, match="not a readable"):
        load_model(tmp_path / "junk.safetensors")


def test_foreign_safetensors_is_refused(tmp_path: Path) -> None:
    save_file({"w": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(InputError, match="not an edgenst model"):
        load_model(tmp_path / "other.safetensors")


def _rewrite(path: Path, out: Path, header_change=None, tensor_change=None) -> Path:
    header, tensors = read_model_file(path)
    if header_change:
        header_change(header)
    if tensor_change:  # an edit by a tool that writes a valid file: the deeper checks are under test
        tensor_change(tensors)
        header[CHECKSUM_KEY] = tensors_sha256(tensors)
    save_file(tensors, str(out), metadata=header)
    return out


def test_newer_format_damaged_header_wrong_shapes_and_nan(tmp_path: Path) -> None:
    path = save_model(tmp_path / "m.safetensors", tiny(), ["a", "b"])
    newer = _rewrite(path, tmp_path / "newer.safetensors", lambda h: h.update(format_version=str(FORMAT_VERSION + 1)))
    with pytest.raises(InputError, match="newer edgenst"):
        load_model(newer)
    bad = _rewrite(path, tmp_path / "bad.safetensors", lambda h: h.update(config="{not json"))
    with pytest.raises(InputError, match="damaged model header"):
        load_model(bad)
    wider = _rewrite(path, tmp_path / "wider.safetensors", lambda h: h.update(config=json.dumps({"width": 12, "blocks": 1, "styles": 2})))
    with pytest.raises(InputError, match="shapes do not match"):
        load_model(wider)
    missing = _rewrite(path, tmp_path / "missing.safetensors", tensor_change=lambda t: t.pop("head.pointwise.bias"))
    with pytest.raises(InputError, match="missing"):
        load_model(missing)

    def poison(t):
        t["stem.weight"][0, 0, 0, 0] = float("nan")

    nan = _rewrite(path, tmp_path / "nan.safetensors", tensor_change=poison)
    with pytest.raises(InputError, match="NaN"):
        load_model(nan)


def test_unknown_arch_and_settings() -> None:
    with pytest.raises(InputError, match="unknown architecture"):
        build_model("resnet", {})
    with pytest.raises(InputError, match="unknown student settings: depth"):
        build_model("student", {"depth": 3})


# --- integrity: a checksum of the tensors in the header ----------------------------------------------


def _flip_exponent(path: Path, out: Path, tensor: str) -> Path:
    """Copy ``path`` with the top exponent bit of the first float of ``tensor`` flipped (a disk bit flip)."""
    data = bytearray(path.read_bytes())
    n = int.from_bytes(data[:8], "little")
    begin = json.loads(data[8 : 8 + n])[tensor]["data_offsets"][0]
    data[8 + n + begin + 3] ^= 0x40  # float32, little-endian: byte 3 holds the sign and the top exponent bits
    out.write_bytes(bytes(data))
    return out


def test_a_flipped_exponent_bit_is_refused_with_one_line(tmp_path: Path) -> None:
    path = save_model(tmp_path / "m.safetensors", tiny(), ["a", "b"])
    header, _ = read_model_file(path)
    assert len(header[CHECKSUM_KEY]) == 64
    flipped = _flip_exponent(path, tmp_path / "flipped.safetensors", "stem.weight")
    with pytest.raises(InputError, match="checksum") as exc:
        load_model(flipped)
    assert "\n" not in str(exc.value) and "flipped.safetensors" in str(exc.value)


def test_cli_refuses_a_flipped_model_file_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from edgenst.cli.main import main

    path = save_model(tmp_path / "m.safetensors", tiny(), ["a", "b"])
    flipped = _flip_exponent(path, tmp_path / "flipped.safetensors", "stem.weight")
    out = tmp_path / "out.png"
    assert main(["-q", "stylize", "sample:coffee", "--model", str(flipped), "--style", "a", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "checksum" in err[0], err
    assert not out.exists()


def test_checksum_covers_names_dtypes_shapes_and_bytes_in_a_fixed_order() -> None:
    a = {"x": torch.arange(6, dtype=torch.float32), "y": torch.ones(2, dtype=torch.float16)}
    assert tensors_sha256(a) == tensors_sha256(dict(reversed(list(a.items()))))  # key order does not matter
    assert tensors_sha256(a) != tensors_sha256({**a, "x": a["x"].reshape(2, 3)})  # same bytes, other shape
    assert tensors_sha256(a) != tensors_sha256({**a, "x": a["x"].view(torch.int32)})  # same bytes, other dtype
    assert tensors_sha256(a) != tensors_sha256({"z": a["x"], "y": a["y"]})  # same bytes, other name
    assert tensors_sha256({"s": torch.tensor(1.5)}) != tensors_sha256({"s": torch.tensor(2.5)})  # 0-d tensors


def test_a_file_without_checksum_loads_with_a_one_line_note(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = save_model(tmp_path / "m.safetensors", tiny(), ["a", "b"])
    old = _rewrite(path, tmp_path / "old.safetensors", lambda h: h.pop(CHECKSUM_KEY))
    with caplog.at_level("INFO", logger="edgenst"):
        model, info = load_model(old)
    notes = [r for r in caplog.records if "checksum" in r.getMessage()]
    assert len(notes) == 1 and "\n" not in notes[0].getMessage() and "old.safetensors" in notes[0].getMessage()
    assert info.styles == ["a", "b"]
    caplog.clear()
    with caplog.at_level("INFO", logger="edgenst"):
        load_model(path)  # a file with its checksum loads without a note
    assert not [r for r in caplog.records if "checksum" in r.getMessage()]


def test_shipped_models_load_without_a_note(caplog: pytest.LogCaptureFixture) -> None:
    """The shipped files predate the checksum; their whole-file sha256 is checked instead."""
    from edgenst.pretrained import StudentWeights

    with caplog.at_level("INFO", logger="edgenst"):
        StudentWeights.FAST_V1.load()
    assert not [r for r in caplog.records if "checksum" in r.getMessage()]
