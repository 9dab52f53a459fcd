"""Model cost: multiply-accumulates and parameter counts, measured by running the model.

MACs come from torch's FlopCounterMode (which counts 2 FLOPs per MAC), so what is counted is the
graph that runs, not a formula that can drift from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from edgenst.models.style_params import num_styles, style_axes


@dataclass(frozen=True)
class ModelCost:
    gmacs: float
    params: int
    shared_params: int
    per_style_params: int


def count_gmacs(model: nn.Module, height: int = 256, width: int = 256) -> float:
    s = num_styles(model)
    x = torch.rand(1, 3, height, width)
    w = torch.full((1, s), 1.0 / s)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model.eval()(x, w, torch.ones(1, 1))
    return counter.get_total_flops() / 2e9


def model_cost(model: nn.Module, height: int = 256, width: int = 256) -> ModelCost:
    axes = style_axes(model)
    s = num_styles(model)
    params = dict(model.named_parameters())
    per_style = sum(params[n].numel() for n in axes) // s
    total = sum(p.numel() for p in params.values())
    return ModelCost(count_gmacs(model, height, width), total, total - per_style * s, per_style)
