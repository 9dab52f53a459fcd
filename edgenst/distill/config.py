"""Everything a training run depends on, as one dataclass that is saved in every checkpoint.

A resumed run must be the same run: ``DistillConfig.identity()`` is what ``--resume`` compares
(everything but the step budget and the logging/checkpoint cadence).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from edgenst.distill.temporal import MotionConfig
from edgenst.errors import InputError
from edgenst.models import ARCHS
from edgenst.models.style_params import TRAIN_MODES
from edgenst.perceptual import LossConfig
from edgenst.teacher import TeacherConfig


#: Style weight for training networks. The Gatys default (50) suits optimising one image from the
#: photo; a network trained from random weights at 50 gives up the photo's content for texture
#: (seen at step 100-300 of the teacher network: relative content error above 1.4, faces gone),
#: while 10 keeps faces and still paints. Measured on the teacher-v1 run, see the closing note.
NETWORK_STYLE_WEIGHT = 10.0


@dataclass(frozen=True)
class DistillWeights:
    """Weights of the distillation terms, added to the perceptual loss (whose terms start near 1)."""

    pixel: float = 10.0  # L1 to the teacher network's output
    match: float = 1.0  # relative distance of loss-network features to the teacher output's
    photo: float = 10.0  # L1 to the photo at strength 0 (what makes the strength input work)
    temporal: float = 0.0  # stability: output of a moved view vs the moved output (0 = off, nothing changes)

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not (v >= 0 and v < float("inf")):
                raise InputError(f"distillation weight {f.name} must be a finite number >= 0, got {v}")


@dataclass(frozen=True)
class DistillConfig:
    arch: str = "student"
    model: dict[str, Any] = field(default_factory=dict)  # StudentConfig / TeacherNetConfig fields except styles
    styles: tuple[str, ...] = ()  # style image paths, names or texture:NAME
    style_names: tuple[str, ...] = ()  # defaults to the style files' stems
    style_size: int = 384  # long side of style images (sets stroke size relative to crops)
    style_balance: tuple[float, ...] = ()  # per style, multiplies its style term (empty: all 1)
    photos: tuple[str, ...] = ()  # folders, files or sample:NAME
    crop: int = 160
    batch: int = 4  # global batch: split across torchrun processes
    steps: int = 2000
    lr: float = 1e-3
    decay_from: float = 0.75  # the LR falls linearly to 10% over the last quarter
    photo_mode: float = 0.1  # fraction of student steps at strength 0 (reconstruct the photo)
    teacher_net: str | None = None  # a teacher-network model file: distil from it
    weights: DistillWeights = DistillWeights()
    motion: MotionConfig = MotionConfig()  # the second view's motion, used when weights.temporal > 0
    loss: LossConfig = LossConfig(style_weight=NETWORK_STYLE_WEIGHT)
    teacher: TeacherConfig = TeacherConfig(source="vgg19", pyramid_levels=3)
    init_from: str | None = None  # start from this model file (add-a-style, fine-tuning)
    train: str = "all"  # all | style | style+head
    train_styles: tuple[int, ...] | None = None  # only these styles' slices learn (and are sampled)
    seed: int = 0
    checkpoint_every: int = 200
    log_every: int = 25
    keep_checkpoints: int = 2

    def __post_init__(self) -> None:
        if self.arch not in ARCHS:
            raise InputError(f"unknown architecture {self.arch!r}; choose one of {', '.join(ARCHS)}")
        if "styles" in self.model:
            raise InputError("the number of styles comes from the style list, not the model settings")
        if self.train not in TRAIN_MODES:
            raise InputError(f"unknown train mode {self.train!r}; choose one of {', '.join(TRAIN_MODES)}")
        if self.style_names and len(self.style_names) != len(self.styles):
            raise InputError(f"{len(self.style_names)} style names for {len(self.styles)} styles")
        if self.style_balance and len(self.style_balance) != len(self.styles):
            raise InputError(f"{len(self.style_balance)} style balance weights for {len(self.styles)} styles")
        if any(not (0 < b < float("inf")) for b in self.style_balance):
            raise InputError(f"style balance weights must be finite and > 0, got {list(self.style_balance)}")
        checks = {
            "crop": (self.crop >= 32 and self.crop % 4 == 0, "a multiple of 4, at least 32"),
            "batch": (self.batch >= 1, ">= 1"),
            "steps": (self.steps >= 1, ">= 1"),
            "lr": (0 < self.lr < 1, "in (0, 1)"),
            "decay_from": (0 <= self.decay_from <= 1, "in [0, 1]"),
            "photo_mode": (0 <= self.photo_mode < 1, "in [0, 1)"),
            "style_size": (self.style_size >= 64, ">= 64"),
            "checkpoint_every": (self.checkpoint_every >= 1, ">= 1"),
            "log_every": (self.log_every >= 1, ">= 1"),
            "keep_checkpoints": (self.keep_checkpoints >= 1, ">= 1"),
        }
        for name, (ok, what) in checks.items():
            if not ok:
                raise InputError(f"{name} must be {what}, got {getattr(self, name)}")
        if self.weights.temporal > 0 and 2 * self.motion.margin >= self.crop - 2:
            raise InputError(f"temporal margin {self.motion.margin} leaves nothing of a {self.crop} px crop")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def identity(self) -> dict[str, Any]:
        """JSON-normalised (tuples become lists), so it compares equal to the saved copy."""
        d = json.loads(json.dumps(self.to_dict()))
        for k in ("steps", "checkpoint_every", "log_every", "keep_checkpoints"):
            d.pop(k)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DistillConfig":
        d = dict(d)
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise InputError(f"unknown distill settings: {', '.join(sorted(unknown))}")
        for key, sub in (("weights", DistillWeights), ("loss", LossConfig), ("teacher", TeacherConfig),
                         ("motion", MotionConfig)):
            if isinstance(d.get(key), dict):
                d[key] = sub(**{k: tuple(v) if isinstance(v, list) else v for k, v in d[key].items()})
        for key in ("styles", "style_names", "photos", "train_styles", "style_balance"):
            if isinstance(d.get(key), list):
                d[key] = tuple(d[key])
        return cls(**d)
