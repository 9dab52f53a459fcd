"""The VGG teacher: layer names, truncation, weight loading from each source, offline behaviour."""

from pathlib import Path

import pytest
import torch
from torch import nn

from edgenst.errors import InputError, WeightsNotFoundError
from edgenst.teacher import TeacherConfig, build_teacher, layer_names
from edgenst.teacher.pyramid import PyramidFeatures
from edgenst.teacher.vgg import VGGFeatures, conv_names
from edgenst.teacher.weights import (
    load_normalised_vgg19,
    load_torchvision_vgg,
    normalised_vgg19_indices,
    random_vgg,
)

from conftest import NORMALISED_VGG


def test_layer_names_follow_the_papers():
    v19 = layer_names("vgg19")
    assert len(conv_names("vgg19")) == 16 and len(conv_names("vgg16")) == 13
    assert v19[:5] == ["conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1"]
    assert "relu5_4" in v19 and "relu5_4" not in layer_names("vgg16")


def test_tiny_trunk_returns_requested_layers_only():
    t = random_vgg("vgg19", last_layer="relu3_1", width=16)
    feats = t(torch.rand(2, 3, 32, 32), ["relu1_1", "relu3_1"])
    assert set(feats) == {"relu1_1", "relu3_1"}
    assert feats["relu1_1"].shape == (2, 4, 32, 32)
    assert feats["relu3_1"].shape == (2, 16, 8, 8)
    assert "conv3_2" not in t.layers  # truncated at relu3_1


def test_deeper_layer_than_built_is_a_clear_error():
    t = random_vgg("vgg19", last_layer="relu2_1", width=16)
    with pytest.raises(InputError, match="deeper"):
        t(torch.rand(1, 3, 16, 16), ["relu3_1"])
    with pytest.raises(InputError, match="no layer"):
        t(torch.rand(1, 3, 16, 16), ["relu9_9"])
    with pytest.raises(InputError):
        t(torch.rand(1, 1, 16, 16), ["relu1_1"])


def _normalised_state(last_conv: str) -> dict[str, torch.Tensor]:
    """A state dict shaped like the normalised VGG-19 files, random weights, cut after last_conv."""
    gen = torch.Generator().manual_seed(1)
    state = {"0.weight": torch.randn(3, 3, 1, 1, generator=gen), "0.bias": torch.randn(3, generator=gen)}
    ref = VGGFeatures("vgg19", last_layer="relu" + last_conv[4:])
    idx = normalised_vgg19_indices()
    for name, m in ref.layers.items():
        if isinstance(m, nn.Conv2d):
            state[f"{idx[name]}.weight"] = torch.randn(m.weight.shape, generator=gen) * 0.05
            state[f"{idx[name]}.bias"] = torch.randn(m.bias.shape, generator=gen) * 0.05
    return state


def test_normalised_indices_match_the_shared_files_layout():
    idx = normalised_vgg19_indices()
    # From ../shared/data/teachers/README.md: conv1_1=2, conv1_2=5, conv2_1=9, conv2_2=12, conv3_1=16.
    assert [idx[n] for n in ("conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1")] == [2, 5, 9, 12, 16]
    assert idx["conv4_1"] == 29 and idx["conv5_1"] == 42


def test_load_normalised_vgg19_computes_what_the_sequential_would(tmp_path: Path):
    state = _normalised_state("conv2_1")
    path = tmp_path / "vgg_normalised_conv2_1.pth"
    torch.save(state, path)
    trunk = load_normalised_vgg19(path)
    assert trunk.last_layer == "relu2_1" and trunk.padding == "reflect"
    # The same network written as the original nn.Sequential.
    seq = nn.Sequential(
        nn.Conv2d(3, 3, 1), nn.ReflectionPad2d(1), nn.Conv2d(3, 64, 3), nn.ReLU(),
        nn.ReflectionPad2d(1), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.ReflectionPad2d(1), nn.Conv2d(64, 128, 3), nn.ReLU(),
    )
    seq.load_state_dict(state)
    x = torch.rand(1, 3, 24, 24)
    assert torch.allclose(trunk(x, ["relu2_1"])["relu2_1"], seq(x), atol=1e-5)
    with pytest.raises(InputError, match="stop at relu2_1"):
        load_normalised_vgg19(path, last_layer="relu3_1")


def test_bad_weight_files_are_input_errors(tmp_path: Path):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint at all")
    with pytest.raises(InputError, match="not a readable weights file"):
        load_normalised_vgg19(junk)
    truncated = tmp_path / "truncated.pth"
    torch.save(_normalised_state("conv1_2"), truncated)
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    with pytest.raises(InputError):
        load_normalised_vgg19(truncated)
    wrong = tmp_path / "wrong.pth"
    torch.save({"weight": torch.zeros(2)}, wrong)
    with pytest.raises(InputError, match="not a normalised VGG-19"):
        load_normalised_vgg19(wrong)
    with pytest.raises(WeightsNotFoundError):
        load_normalised_vgg19(tmp_path / "missing.pth")


@pytest.fixture(scope="module")
def torchvision_vgg16_features():
    import torchvision

    torch.manual_seed(3)
    return torchvision.models.vgg16(weights=None).features.eval()


def test_torchvision_weights_from_a_local_file(tmp_path: Path, torchvision_vgg16_features):
    feats = torchvision_vgg16_features
    path = tmp_path / "vgg16.pth"
    torch.save({f"features.{k}": v for k, v in feats.state_dict().items()}, path)
    trunk = load_torchvision_vgg("vgg16", last_layer="relu3_3", path=path)
    x = torch.rand(1, 3, 32, 32)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        expected = feats[:16]((x - mean) / std)  # features[15] is relu3_3 in VGG16
    assert torch.allclose(trunk(x, ["relu3_3"])["relu3_3"], expected, atol=1e-5)


def test_torchvision_weights_from_the_hub_cache(tmp_path: Path, monkeypatch, torchvision_vgg16_features):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    (tmp_path / "checkpoints").mkdir()
    # torchvision names the cached file after its URL; a full state dict as torchvision saves it.
    state = {f"features.{k}": v for k, v in torchvision_vgg16_features.state_dict().items()}
    torch.save(state, tmp_path / "checkpoints" / "vgg16-397923af.pth")
    trunk = load_torchvision_vgg("vgg16", last_layer="relu1_2")
    assert torch.equal(trunk.layers["conv1_2"].weight, torchvision_vgg16_features[2].weight)


def test_offline_without_weights_says_how_to_pass_a_path(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(WeightsNotFoundError, match="--teacher-weights"):
        build_teacher(TeacherConfig(source="vgg19"), ["relu2_1"])
    with pytest.raises(WeightsNotFoundError, match="downloads are off"):
        load_torchvision_vgg("vgg19", last_layer="relu1_1", allow_download=False)


def test_teacher_config_validation():
    with pytest.raises(InputError):
        TeacherConfig(source="resnet")
    with pytest.raises(InputError, match="weights path"):
        TeacherConfig(source="vgg19-normalised")
    with pytest.raises(InputError):
        TeacherConfig(source="random", pyramid_levels=0)


def test_pyramid_levels_halve_and_refuse_tiny_images():
    teacher = build_teacher(TeacherConfig(source="random", pyramid_levels=3, width=16), ["relu1_1"])
    assert isinstance(teacher, PyramidFeatures)
    levels = teacher(torch.rand(1, 3, 72, 64), ["relu1_1"])
    assert [tuple(lv["relu1_1"].shape[-2:]) for lv in levels] == [(72, 64), (36, 32), (18, 16)]
    with pytest.raises(InputError, match="too small"):
        teacher(torch.rand(1, 3, 40, 40), ["relu1_1"])
    assert not any(p.requires_grad for p in teacher.parameters())


@pytest.mark.shared_data
def test_real_normalised_vgg_loads_and_refuses_deeper_layers():
    trunk = load_normalised_vgg19(NORMALISED_VGG)
    assert trunk.last_layer == "relu3_1"
    feats = trunk(torch.rand(1, 3, 64, 64), ["relu1_1", "relu3_1"])
    # "normalised" weights: mean activations are of order one on images.
    assert 0.05 < feats["relu1_1"].mean().item() < 20
    with pytest.raises(InputError, match="deeper"):
        load_normalised_vgg19(NORMALISED_VGG, last_layer="relu4_1")
