"""The same VGG layers applied to 1/2 and 1/4 scale copies of an image.

Only relu1_1..relu3_1 of the exact VGG-19 can be had offline; their receptive fields (at most 40
pixels) see brush texture but not strokes. Downscaled copies let those shallow layers see 2x and
4x larger structures, which is what relu4_x/relu5_x would otherwise contribute.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from edgenst.errors import InputError
from edgenst.teacher.vgg import VGGFeatures

#: Smallest side a pyramid level may have; below it VGG features say little.
MIN_LEVEL_SIDE = 16


class PyramidFeatures(nn.Module):
    """Features of ``trunk`` at ``levels`` scales: a list of {layer: activation}, finest first."""

    def __init__(self, trunk: VGGFeatures, levels: int = 1) -> None:
        super().__init__()
        if levels < 1:
            raise InputError(f"pyramid levels must be >= 1, got {levels}")
        self.trunk = trunk
        self.levels = levels

    def forward(self, x: torch.Tensor, layers: Sequence[str], levels: int | None = None) -> list[dict[str, torch.Tensor]]:
        n = self.levels if levels is None else levels
        out = []
        for level in range(n):
            if level > 0:
                x = F.avg_pool2d(x, 2)
                if min(x.shape[-2:]) < MIN_LEVEL_SIDE:
                    raise InputError(
                        f"image too small for {n} pyramid levels: level {level} would be "
                        f"{x.shape[-2]}x{x.shape[-1]} (< {MIN_LEVEL_SIDE} px); use a larger image or fewer levels"
                    )
            out.append(self.trunk(x, layers))
        return out
