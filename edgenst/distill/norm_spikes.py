"""A penalty on instance-norm outliers: what stops a teacher network painting "droplet" blobs.

The teacher network normalises every layer per image (``ConditionalInstanceNorm``). A network
trained that way can learn to put one huge, local activation into many channels to move a layer's
mean and variance and so turn the rest of the picture down. The spike itself survives to the output
as a blob. Measured on teacher-v4 (step 2700) on bsds500/test 100007 at 256x256: a black blob in the
snow at the same place in every style, where from ``blocks.1.b`` on up to 98 of 128 channels sit
more than 8 standard deviations from their mean, peaking at 25-28 in the last layers (elsewhere
activations stay within about 5). Clamping the normalised values at inference did not remove it
(the network's later layers are built around the spike), so training has to stop it forming.

``NormSpikes`` hooks the trained model's instance norms and measures, per forward, the mean over
layers of ``mean(relu(|z| - threshold)^2)`` where ``z`` is a layer's input in units of its own
per-image, per-channel standard deviation: zero for activations within ``threshold`` deviations,
growing fast for a droplet. The distillation objective adds ``weights.spike`` times it; at weight 0
no hook is registered and nothing changes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

#: Deviations an activation may reach before it costs anything: content keeps its peaks (edges,
#: highlights stay within ~5 on the measured teacher), droplets (15-28) pay quadratically.
SPIKE_THRESHOLD = 6.0


class NormSpikes:
    """Collects the outlier penalty of every instance norm of ``model`` during its forward."""

    def __init__(self, model: nn.Module, threshold: float = SPIKE_THRESHOLD) -> None:
        from edgenst.models.johnson import ConditionalInstanceNorm

        self.threshold = threshold
        self._terms: list[torch.Tensor] = []
        self._handles = [m.register_forward_hook(self._hook) for m in model.modules()
                         if isinstance(m, ConditionalInstanceNorm)]
        if not self._handles:
            raise ValueError(f"{type(model).__name__} has no instance norm to keep free of spikes")

    def _hook(self, module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        self._terms.append(spike_penalty(inputs[0], self.threshold))

    def pop(self) -> torch.Tensor | None:
        """The penalty of the forwards since the last call (None if there was none), then forget them."""
        if not self._terms:
            return None
        total = torch.stack(self._terms).mean()
        self._terms = []
        return total

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []


def spike_penalty(x: torch.Tensor, threshold: float = SPIKE_THRESHOLD) -> torch.Tensor:
    """``mean(relu(|z| - threshold)^2)`` of N x C x H x W activations, ``z`` per image and channel."""
    z = F.instance_norm(x, eps=1e-5)
    return F.relu(z.abs() - threshold).pow(2).mean()


def max_deviation(model: nn.Module, *args: torch.Tensor) -> dict[str, float]:
    """Per instance norm of ``model``, the largest |z| of its input in one forward (a diagnosis)."""
    from edgenst.models.johnson import ConditionalInstanceNorm

    found: dict[str, float] = {}
    handles = []
    for name, m in model.named_modules():
        if isinstance(m, ConditionalInstanceNorm):
            def hook(mod, inputs, output, name=name):
                found[name] = float(F.instance_norm(inputs[0].detach(), eps=1e-5).abs().max())
            handles.append(m.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(*args)
    finally:
        for h in handles:
            h.remove()
    return found
