"""The teacher network's instance-norm spike penalty (the blobs of issue 20): measure, hook, train."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from edgenst.cli.main import main
from edgenst.distill import DistillWeights, distill
from edgenst.distill.norm_spikes import NormSpikes, max_deviation, spike_penalty
from edgenst.errors import InputError
from edgenst.models.johnson import TeacherNet, TeacherNetConfig


def _spiky(seed: int = 0) -> torch.Tensor:
    x = torch.randn(2, 4, 32, 32, generator=torch.Generator().manual_seed(seed))
    x[0, :, 5, 7] = 200.0  # one position far outside every channel's spread: a droplet
    return x


def test_the_penalty_ignores_ordinary_activations_and_grows_with_a_spike() -> None:
    calm = torch.randn(2, 4, 32, 32, generator=torch.Generator().manual_seed(1)).clamp(-4, 4)
    assert float(spike_penalty(calm)) == 0.0
    assert float(spike_penalty(_spiky())) > 0.1  # 4 channels at 1 of 2048 positions, ~31 deviations out
    big = _spiky()
    big[0, :, 5, 7] = 2000.0  # deviations saturate near sqrt(H*W) = 32 per position
    assert float(spike_penalty(big)) >= float(spike_penalty(_spiky()))


def test_hooks_collect_one_term_per_instance_norm_and_forget_after_pop() -> None:
    torch.manual_seed(0)
    net = TeacherNet(TeacherNetConfig(styles=2, width=4, blocks=1))
    hooks = NormSpikes(net)
    assert hooks.pop() is None
    x, w = torch.rand(1, 3, 32, 32), torch.tensor([[1.0, 0.0]])
    net(x, w)
    assert len(hooks._terms) == 3 + 2 + 2  # stem and down1/2, the block's two, up1/2
    first = hooks.pop()
    assert first is not None and first.dim() == 0 and hooks.pop() is None
    hooks.remove()
    net(x, w)
    assert hooks.pop() is None
    with pytest.raises(ValueError, match="no instance norm"):
        NormSpikes(torch.nn.Conv2d(3, 3, 1))


def test_its_gradient_lowers_a_spike_the_network_makes() -> None:
    torch.manual_seed(0)
    net = TeacherNet(TeacherNetConfig(styles=1, width=4, blocks=1))
    x, w = torch.rand(1, 3, 32, 32) * 0.1, torch.ones(1, 1)
    x[0, :, 10, 10] = 1.0  # a bright dot: the stem's outputs there are far outside the rest
    hooks = NormSpikes(net)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    worst = max(max_deviation(net, x, w).values())
    assert worst > 6  # the dot is a spike for the hooks to see (beyond the 6-deviation threshold)
    penalties = []
    for _ in range(5):
        opt.zero_grad()
        net(x, w)
        penalty = hooks.pop()
        penalty.backward()
        opt.step()
        penalties.append(float(penalty.detach()))
    assert penalties[0] > 0 and penalties[-1] < 0.5 * penalties[0], penalties


def test_distill_records_the_spike_term_and_weight_zero_adds_no_hook(tmp_path: Path) -> None:
    from test_distill import tiny_config

    base = tiny_config(arch="teacher-net", model={"width": 4, "blocks": 1}, steps=2, photo_mode=0.0,
                       checkpoint_every=2, log_every=1)
    off = distill(base, tmp_path / "off", progress=False)
    assert all("spike" not in h for h in off.history)
    on = distill(replace(base, weights=DistillWeights(spike=10.0)), tmp_path / "on", progress=False)
    assert all(h["spike"] >= 0 for h in on.history) and on.history[0]["total"] != off.history[0]["total"]
    record = json.loads(sorted((tmp_path / "on").glob("ckpt-*.json"))[-1].read_text())
    assert record["config"]["weights"]["spike"] == 10.0


def test_the_student_refuses_a_spike_weight_in_one_line(capsys) -> None:
    from test_distill import tiny_config

    with pytest.raises(InputError, match="teacher network"):
        tiny_config(weights=DistillWeights(spike=1.0))
    code = main(["distill", "--style", "texture:swirl", "--photos", "sample:chelsea", "--spike-weight", "1",
                 "--steps", "1", "--out", "unused"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "teacher network" in err
