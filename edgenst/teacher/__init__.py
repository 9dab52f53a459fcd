"""The teacher's loss network: a named-layer VGG trunk, its weight sources, and the image pyramid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from edgenst.errors import InputError
from edgenst.teacher.pyramid import PyramidFeatures
from edgenst.teacher.vgg import VGGFeatures, layer_names
from edgenst.teacher.weights import load_normalised_vgg19, load_torchvision_vgg, random_vgg

#: Teacher sources accepted by ``TeacherConfig.source``.
TEACHER_SOURCES = ("vgg19", "vgg16", "vgg16-features", "vgg19-normalised", "random")


@dataclass(frozen=True)
class TeacherConfig:
    """Which VGG to look through and how.

    ``source``: ``vgg19``/``vgg16`` (torchvision ImageNet), ``vgg16-features`` (torchvision's port
    of the original Caffe VGG16), ``vgg19-normalised`` (needs ``weights``), ``random`` (seeded).
    """

    source: str = "vgg19"
    weights: str | None = None
    pyramid_levels: int = 1
    allow_download: bool = True
    seed: int = 0
    width: int = 1  # channel divisor, only for "random" (tiny test teachers)

    def __post_init__(self) -> None:
        if self.source not in TEACHER_SOURCES:
            raise InputError(f"unknown teacher {self.source!r}; choose one of {', '.join(TEACHER_SOURCES)}")
        if self.source == "vgg19-normalised" and not self.weights:
            raise InputError("teacher vgg19-normalised needs a weights path (--teacher-weights)")
        if self.pyramid_levels < 1:
            raise InputError(f"pyramid levels must be >= 1, got {self.pyramid_levels}")
        if self.width < 1:
            raise InputError(f"width must be >= 1, got {self.width}")

    @property
    def arch(self) -> str:
        return "vgg16" if self.source.startswith("vgg16") else "vgg19"


def deepest(arch: str, layers: Iterable[str]) -> str:
    """The layer among ``layers`` that comes last in ``arch``."""
    names = layer_names(arch)
    layers = list(layers)
    if not layers:
        raise InputError("no teacher layers requested")
    for layer in layers:
        if layer not in names:
            raise InputError(f"{arch} has no layer {layer!r}; layers are {names[0]} ... {names[-1]}")
    return max(layers, key=names.index)


def build_teacher(config: TeacherConfig, layers: Iterable[str]) -> PyramidFeatures:
    """A frozen, eval-mode pyramid teacher holding exactly the layers needed for ``layers``."""
    last = deepest(config.arch, layers)
    if config.source == "vgg19-normalised":
        trunk = load_normalised_vgg19(config.weights, last_layer=last)
    elif config.source == "random":
        trunk = random_vgg(config.arch, last_layer=last, seed=config.seed, width=config.width)
    else:
        tag = "IMAGENET1K_FEATURES" if config.source == "vgg16-features" else "IMAGENET1K_V1"
        trunk = load_torchvision_vgg(
            config.arch, last_layer=last, path=config.weights, tag=tag, allow_download=config.allow_download
        )
    return PyramidFeatures(trunk, levels=config.pyramid_levels).eval().requires_grad_(False)


__all__ = [
    "TEACHER_SOURCES",
    "PyramidFeatures",
    "TeacherConfig",
    "VGGFeatures",
    "build_teacher",
    "deepest",
    "layer_names",
]
