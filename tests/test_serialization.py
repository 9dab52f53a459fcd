"""Model files: round trip, and clear errors for every way a file can be wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from edgenst.errors import InputError
from edgenst.models import build_model
from edgenst.models.serialization import FORMAT_VERSION, load_model, read_model_file, save_model


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
    if tensor_change:
        tensor_change(tensors)
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
