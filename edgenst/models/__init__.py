"""Transformation networks: the compact multi-style student and the large teacher network.

``build_model(arch, config)`` is the one registry that checkpoints, shipped weights and exports
use, so a file names its architecture by a string and loads without the caller knowing the class.
"""

from __future__ import annotations

from typing import Any, Mapping

from torch import nn

from edgenst.errors import InputError
from edgenst.models.johnson import TeacherNet, TeacherNetConfig
from edgenst.models.student import Student, StudentConfig

#: arch name -> (module class, config class)
ARCHS: dict[str, tuple[type[nn.Module], type]] = {
    "student": (Student, StudentConfig),
    "teacher-net": (TeacherNet, TeacherNetConfig),
}


def build_model(arch: str, config: Mapping[str, Any] | None = None) -> nn.Module:
    if arch not in ARCHS:
        raise InputError(f"unknown architecture {arch!r}; known: {', '.join(ARCHS)}")
    cls, cfg_cls = ARCHS[arch]
    known = set(cfg_cls.__dataclass_fields__)
    extra = set(config or {}) - known
    if extra:
        raise InputError(f"unknown {arch} settings: {', '.join(sorted(extra))}")
    return cls(cfg_cls(**dict(config or {})))


def model_arch(model: nn.Module) -> str:
    for name, (cls, _) in ARCHS.items():
        if isinstance(model, cls):
            return name
    raise InputError(f"not an edgenst model: {type(model).__name__}")


__all__ = ["ARCHS", "Student", "StudentConfig", "TeacherNet", "TeacherNetConfig", "build_model", "model_arch"]
