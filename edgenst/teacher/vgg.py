"""The VGG feature extractor that the style and content losses look through.

Layers carry the names of the papers (``conv1_1``, ``relu1_1``, ``pool1`` ... ``relu5_4``) so loss
configs read like Gatys et al. The module holds only the layers up to the deepest one its weights
contain; asking for a deeper one is an ``InputError`` rather than silently random features.
Input is always RGB in [0, 1]: each weight source brings its own input transform (ImageNet
mean/std for torchvision, the fixed 1x1 "Caffe BGR" conv for the normalised VGG-19).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterable, Literal, Sequence

import torch
from torch import nn

from edgenst.errors import InputError

#: Channel plan per block, as in torchvision's ``cfgs`` ("D" = VGG16, "E" = VGG19).
VGG_BLOCKS: dict[str, tuple[tuple[int, ...], ...]] = {
    "vgg16": ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512)),
    "vgg19": ((64, 64), (128, 128), (256, 256, 256, 256), (512, 512, 512, 512), (512, 512, 512, 512)),
}

Padding = Literal["zeros", "reflect"]


def layer_names(arch: str) -> list[str]:
    """All layer names of ``arch`` in forward order: conv, relu per conv, pool per block."""
    return [name for name, _, _ in layer_plan(arch)]


def conv_names(arch: str) -> list[str]:
    """Names of the conv layers of ``arch`` in forward order."""
    return [n for n in layer_names(arch) if n.startswith("conv")]


def layer_plan(arch: str, width: int = 1) -> list[tuple[str, int, int]]:
    """(name, in_channels, out_channels) for every layer of ``arch`` in forward order."""
    plan: list[tuple[str, int, int]] = []
    ch = 3
    for b, block in enumerate(_blocks(arch), start=1):
        for i, out_ch in enumerate(block, start=1):
            out_ch = max(1, out_ch // width)
            plan += [(f"conv{b}_{i}", ch, out_ch), (f"relu{b}_{i}", out_ch, out_ch)]
            ch = out_ch
        plan.append((f"pool{b}", ch, ch))
    return plan


def _blocks(arch: str) -> tuple[tuple[int, ...], ...]:
    try:
        return VGG_BLOCKS[arch]
    except KeyError:
        raise InputError(f"unknown VGG architecture {arch!r}; choose one of {sorted(VGG_BLOCKS)}") from None


class MeanStdInput(nn.Module):
    """RGB in [0, 1] -> (x - mean) / std, the torchvision convention."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class VGGFeatures(nn.Module):
    """VGG16/19 convolutional trunk truncated at ``last_layer``, returning named activations.

    ``width`` divides every channel count; tests use ``width=16`` for a tiny stand-in teacher.
    """

    def __init__(
        self,
        arch: str = "vgg19",
        *,
        last_layer: str = "relu5_4",
        input_transform: nn.Module | None = None,
        padding: Padding = "zeros",
        width: int = 1,
    ) -> None:
        super().__init__()
        names = layer_names(arch)
        if last_layer not in names:
            raise InputError(f"{arch} has no layer {last_layer!r}; layers are {names[0]} ... {names[-1]}")
        if padding not in ("zeros", "reflect"):
            raise InputError(f"padding must be 'zeros' or 'reflect', got {padding!r}")
        if width < 1:
            raise InputError(f"width divisor must be >= 1, got {width}")
        self.arch = arch
        self.padding = padding
        self.last_layer = last_layer
        self.input_transform = input_transform if input_transform is not None else nn.Identity()
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        for name, in_ch, out_ch in layer_plan(arch, width):
            if name.startswith("conv"):
                layers[name] = nn.Conv2d(in_ch, out_ch, 3, padding=1, padding_mode=padding)
            elif name.startswith("relu"):
                layers[name] = nn.ReLU(inplace=False)
            else:
                layers[name] = nn.MaxPool2d(2, 2)
            if name == last_layer:
                break
        self.layers = nn.ModuleDict(layers)
        self.requires_grad_(False)
        self.eval()

    def check_layers(self, wanted: Iterable[str]) -> None:
        """Raise a clear ``InputError`` for any layer this trunk does not hold."""
        have = set(self.layers.keys())
        all_names = layer_names(self.arch)
        for name in wanted:
            if name not in all_names:
                raise InputError(f"{self.arch} has no layer {name!r}; layers are {all_names[0]} ... {all_names[-1]}")
            if name not in have:
                raise InputError(
                    f"layer {name} is deeper than these teacher weights hold (they stop at {self.last_layer}); "
                    f"choose layers up to {self.last_layer} or load weights that reach {name}"
                )

    def forward(self, x: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
        """Run up to the deepest of ``layers`` and return those activations by name."""
        if x.dim() != 4 or x.shape[1] != 3:
            raise InputError(f"teacher expects Nx3xHxW RGB images, got shape {tuple(x.shape)}")
        wanted = set(layers)
        self.check_layers(wanted)
        out: dict[str, torch.Tensor] = {}
        h = self.input_transform(x)
        for name, layer in self.layers.items():
            h = layer(h)
            if name in wanted:
                out[name] = h
                if len(out) == len(wanted):
                    break
        return out
