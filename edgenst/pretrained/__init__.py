"""Students shipped inside the package, in the shape of torchvision's ``Weights`` enums.

Each member names its file (next to this module), the sha256 the file must have, and ``meta``:
styles, size, cost, how it was trained and how it measured. ``StudentWeights.DEFAULT`` is what
``edgenst stylize`` uses when no model is given; ``get_weights("fast")`` looks a member up by name.
The thumbnails in ``thumbnails/`` are the student's own output on a sample photo.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any

from torch import nn

from edgenst.errors import EdgenstError, InputError
from edgenst.models.serialization import ModelInfo, load_model


@dataclass(frozen=True)
class ShippedModel:
    file: str
    sha256: str
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def path(self) -> Path:
        return Path(str(resources.files(__name__).joinpath(self.file)))


_SIX_STYLES = ["starry_night", "the_scream", "great_wave", "composition_vii", "udnie", "woman-with-hat-matisse"]
_TEACHER = "vgg19-normalised to relu3_1, 3-level pyramid; distilled from teacher-v1 (Johnson + CIN, 2500 steps)"

#: What the shipped 24/4 six-style students share (the versions differ in training length).
_SIX_STYLES_24_4: dict[str, Any] = {
    "styles": _SIX_STYLES,
    "arch": "student",
    "config": {"width": 24, "blocks": 4},
    "gmacs_256": 0.140,  # benchmarks/results/macs.md
    "params": 33_684,
    "teacher": _TEACHER,
}


class StudentWeights(Enum):
    """Shipped multi-style students (see ``meta`` for the training recipe and measured quality)."""

    QUALITY_V1 = ShippedModel(
        file="student-quality-v1.safetensors",
        sha256="59107b1545df641a8e260627748c6b20275142d3a6923e0ad04cd6a4d80b0fa2",
        meta={
            **_SIX_STYLES_24_4,
            "steps": 1500,
            "quality": "benchmarks/results/quality_v1.md (total 3.41, 1.96x the teacher network)",
            "recipe": "README 'Training', step 2 (the --width 24 --blocks 4 command)",
        },
    )
    QUALITY_V2 = ShippedModel(
        file="student-quality-v2.safetensors",
        sha256="8d6defea787fcf85f1e2cb2b896e80109adcaa27e484ac2cdf5421ef4f6cf4da",
        meta={
            **_SIX_STYLES_24_4,
            "steps": 4500,
            "quality": "benchmarks/results/quality_vgg_loss.md (total 2.43, 1.34x the retrained teacher network; 1.40x the first, quality_teacher1.md)",
            "recipe": "QUALITY_V1 plus 3000 steps of the same recipe (README 'Training', step 2, with "
                      "--init-from student-quality-v1.safetensors --steps 3000)",
        },
    )
    FAST_V1 = ShippedModel(
        file="student-fast-v1.safetensors",
        sha256="36dc39d749f7b81e4a0f6ad02af046045e48295a7a35684db2c3ac13884027c7",
        meta={
            "styles": _SIX_STYLES,
            "arch": "student",
            "config": {"width": 16, "blocks": 3, "half_res_affine": False, "center_input": True},
            "gmacs_256": 0.061,  # benchmarks/results/macs.md
            "params": 13_756,
            "teacher": _TEACHER,
            "steps": 3500,
            "quality": "benchmarks/results/video.md, loss part (content/style beside QUALITY_V2); benchmarks/results/grid.md (grid_score 12.7, QUALITY_V2 4.1)",
            "latency": "benchmarks/results/latency.md (the real-time member of the family)",
            "recipe": "1500 steps with a pixel-shuffle decoder (which printed a grid), then its weights "
                      "transplanted into the bilinear decoder (only the decoder conv fresh) and 2000 more steps; "
                      "README 'Training', step 4",
        },
    )
    STABLE_V1 = ShippedModel(
        file="student-stable-v1.safetensors",
        sha256="57d3ababc32ab736e6470d2646795a9b56bef6bac3366b16db2a5c3c1d5532e5",
        meta={
            **_SIX_STYLES_24_4,
            "steps": 4900,
            "quality": "benchmarks/results/video.md (warping error 30% below QUALITY_V2's, style loss +3%)",
            "use": "eager video: 'edgenst stylize VIDEO' by default",
            "recipe": "QUALITY_V2 plus 400 steps with the temporal term (--temporal 60 --motion-mirror 44 "
                      "--motion-margin 0) from the retrained teacher network; README 'Video'",
        },
    )
    QUALITY_V3 = ShippedModel(
        file="student-quality-v3.safetensors",
        sha256="c096a9563061ec2cb307d7311a500b325bcb7212708608b7c424bd0bacf57aa6",
        meta={
            "styles": _SIX_STYLES,
            "arch": "student",
            "config": {"width": 40, "blocks": 6},
            "gmacs_256": 0.460,  # benchmarks/results/macs.md
            "params": 112_772,
            "teacher": "vgg19-normalised to relu3_1, 3-level pyramid; distilled from the retrained teacher network "
                       "(benchmarks/models/teacher-net-v2.fp16.safetensors)",
            "steps": 7500,
            "quality": "benchmarks/results/quality_vgg_loss.md (total 2.07, 1.14x the teacher network)",
            "recipe": "README 'Training', step 5: 4500 steps of the student recipe at --width 40 --blocks 6, "
                      "then 3000 more with --init-from",
        },
    )
    DEFAULT = QUALITY_V3

    def load(self) -> tuple[nn.Module, ModelInfo]:
        """The model in eval mode, after checking the file is the one that shipped."""
        entry: ShippedModel = self.value
        path = entry.path
        if not path.is_file():
            raise EdgenstError(f"shipped model {path.name} is missing from the installed package; reinstall edgenst")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if entry.sha256 and digest != entry.sha256:
            raise EdgenstError(f"shipped model {path.name} is damaged (sha256 {digest[:12]}... != {entry.sha256[:12]}...)")
        return load_model(path, file_verified=True)  # the sha256 above covers every byte

    @property
    def styles(self) -> list[str]:
        return list(self.value.meta.get("styles", []))


def get_weights(name: str) -> StudentWeights:
    """``"quality"`` (the newest version), ``"QUALITY_V1"``, ``"default"`` ... -> the enum member."""
    key = name.strip().upper().replace("-", "_")
    if key in StudentWeights.__members__:
        return StudentWeights.__members__[key]
    versions = [m for n, m in StudentWeights.__members__.items() if n.rsplit("_V", 1)[0] == key]
    if versions:
        return versions[-1]
    choices = ", ".join(n.lower() for n in StudentWeights.__members__)
    raise InputError(f"no shipped model {name!r}; choose one of {choices}")


def model_file(spec: str) -> Path | None:
    """The model file ``spec`` names, or None when it names a shipped model (``default``, ``fast`` ...).

    The one rule for "path or name", shared by every command that takes ``--model`` and by the
    demo's export cache: a ``.safetensors`` suffix, a ``/``, or an existing file make a path (which
    need not exist yet: loading it then says so); anything else is a shipped name.
    """
    if spec.endswith(".safetensors") or "/" in spec or Path(spec).is_file():
        return Path(spec)
    return None


def resolve_model(spec: str) -> tuple[nn.Module, ModelInfo]:
    """A model file path, or the name of a shipped model (``default``, ``fast`` ...): see :func:`model_file`."""
    path = model_file(spec)
    if path is not None:
        return load_model(spec)
    return get_weights(spec).load()


def thumbnail(style: str) -> Path | None:
    path = Path(str(resources.files(__name__).joinpath("thumbnails", f"{style}.jpg")))
    return path if path.is_file() else None


__all__ = ["ShippedModel", "StudentWeights", "get_weights", "model_file", "resolve_model", "thumbnail"]
