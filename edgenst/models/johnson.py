"""The teacher network: Johnson et al. (2016) made multi-style with conditional instance norm.

The architecture of the paper (9x9 stem, two stride-2 convs, five residual blocks at 1/4
resolution, two upsampling stages, 9x9 head; about 1.7M parameters, 10.1 GMAC at 256x256), with
two well-known changes: upsample + conv instead of transposed conv (no checkerboards, as in
pytorch/examples fast_neural_style), and every instance norm conditional on the style
(Dumoulin et al. 2017): one (gamma, beta) pair per style and channel, blended by the style weights.
It is what the student distils from, not what runs on a phone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from edgenst.errors import InputError


@dataclass(frozen=True)
class TeacherNetConfig:
    styles: int = 1
    width: int = 32  # channels of the stem; 2x and 4x deeper in
    blocks: int = 5

    def __post_init__(self) -> None:
        if self.styles < 1:
            raise InputError(f"a teacher network needs at least one style, got {self.styles}")
        if not 1 <= self.width <= 256:
            raise InputError(f"width must be in [1, 256], got {self.width}")
        if not 0 <= self.blocks <= 16:
            raise InputError(f"blocks must be in [0, 16], got {self.blocks}")

    def to_dict(self) -> dict:
        return asdict(self)


class ConditionalInstanceNorm(nn.Module):
    """Instance norm whose affine parameters are a style-weighted mix of per-style vectors."""

    #: The style tensors this module owns, and the axis of each that indexes styles.
    STYLE_TENSORS = {"gamma": 0, "beta": 0}

    def __init__(self, styles: int, channels: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(styles, channels))
        self.beta = nn.Parameter(torch.zeros(styles, channels))

    def forward(self, x: torch.Tensor, style_weights: torch.Tensor) -> torch.Tensor:
        n, c = x.shape[:2]
        gamma = (style_weights @ self.gamma).reshape(n, c, 1, 1)
        beta = (style_weights @ self.beta).reshape(n, c, 1, 1)
        return F.instance_norm(x) * gamma + beta


class ConvCIN(nn.Module):
    """Reflection-padded conv, conditional instance norm, optional ReLU."""

    def __init__(self, styles: int, cin: int, cout: int, kernel: int, stride: int = 1, relu: bool = True) -> None:
        super().__init__()
        self.pad = nn.ReflectionPad2d(kernel // 2)
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride)
        self.norm = ConditionalInstanceNorm(styles, cout)
        self.relu = relu

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        h = self.norm(self.conv(self.pad(x)), w)
        return F.relu(h) if self.relu else h


class ResidualCIN(nn.Module):
    def __init__(self, styles: int, channels: int) -> None:
        super().__init__()
        self.a = ConvCIN(styles, channels, channels, 3)
        self.b = ConvCIN(styles, channels, channels, 3, relu=False)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return x + self.b(self.a(x, w), w)


class TeacherNet(nn.Module):
    """RGB in [0, 1] (any size; multiples of 4 keep it exact) -> stylized RGB in [0, 1]."""

    def __init__(self, config: TeacherNetConfig = TeacherNetConfig()) -> None:
        super().__init__()
        self.config = config
        s, c = config.styles, config.width
        self.stem = ConvCIN(s, 3, c, 9)
        self.down1 = ConvCIN(s, c, 2 * c, 3, stride=2)
        self.down2 = ConvCIN(s, 2 * c, 4 * c, 3, stride=2)
        self.blocks = nn.ModuleList(ResidualCIN(s, 4 * c) for _ in range(config.blocks))
        self.up1 = ConvCIN(s, 4 * c, 2 * c, 3)
        self.up2 = ConvCIN(s, 2 * c, c, 3)
        self.head = nn.Sequential(nn.ReflectionPad2d(4), nn.Conv2d(c, 3, 9))

    def style_axes(self) -> dict[str, int]:
        """Style tensor name -> the axis that indexes styles (see ``Student.style_axes``)."""
        return {f"{path}.{name}": axis for path, m in self.named_modules()
                if isinstance(m, ConditionalInstanceNorm) for name, axis in m.STYLE_TENSORS.items()}

    def head_prefixes(self) -> tuple[str, ...]:
        """The last layers, which the ``style+head`` train mode also trains."""
        return ("up2.", "head.")

    def forward(self, x: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor | None = None) -> torch.Tensor:
        """``strength`` is accepted for interface parity with the student and must be None or 1."""
        if strength is not None and not bool(torch.all(strength == 1)):
            raise InputError("the teacher network has no strength control; blend outputs instead")
        size = x.shape[-2:]
        h = self.down2(self.down1(self.stem(x, style_weights), style_weights), style_weights)
        for block in self.blocks:
            h = block(h, style_weights)
        h = self.up1(F.interpolate(h, scale_factor=2.0, mode="nearest"), style_weights)
        h = self.up2(F.interpolate(h, scale_factor=2.0, mode="nearest"), style_weights)
        h = self.head(h)
        if h.shape[-2:] != size:  # odd sizes: stride-2 rounding, brought back to the input size
            h = F.interpolate(h, size=size, mode="bilinear", align_corners=False)
        return torch.sigmoid(h)
