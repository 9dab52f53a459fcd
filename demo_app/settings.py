"""What a client asks for (style, blend, strength, size, device profile), checked against the artifact.

Clients send these as JSON (WebSocket ``config`` messages) or query parameters (photo uploads);
both go through ``parse_settings`` so every bad value gets the same one-line ``InputError``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import torch

from edgenst.demo_app.config import DEFAULT_PROFILE, PROFILES
from edgenst.errors import InputError
from edgenst.styles import Blend

FIELDS = ("style", "style2", "blend", "strength", "size", "profile", "painting", "painting_weight")


@dataclass(frozen=True)
class StyleSettings:
    style: str
    style2: str | None = None  # the second style of a blend (None: no blend)
    blend: float = 0.0  # weight of style2, in [0, 1]
    strength: float = 1.0
    size: tuple[int, int] = (256, 256)  # an exported size, (height, width)
    profile: str = DEFAULT_PROFILE
    #: An uploaded painting's id (``demo_app.paintings``): painted as a style vector, blended with the
    #: table's style(s) above by ``painting_weight`` (1: the painting alone). None: the table alone.
    painting: str | None = None
    painting_weight: float = 1.0

    @property
    def point(self) -> Blend:
        """The style point the visitor chose: one style, or two mixed by ``blend``."""
        if not self.style2:
            return Blend(((self.style, 1.0),))
        return Blend(((self.style, 1.0 - self.blend), (self.style2, self.blend)))

    def style_weights(self, styles: Sequence[str]) -> torch.Tensor:
        """The 1 x S ``style_weights`` input: one-hot, or two styles mixed by ``blend`` (sums to 1)."""
        return self.point.weights(styles)

    @property
    def threads(self) -> int:
        return PROFILES[self.profile].threads

    def to_dict(self) -> dict[str, Any]:
        out = {"style": self.style, "style2": self.style2, "blend": self.blend, "strength": self.strength,
               "size": size_text(self.size), "profile": self.profile}
        if self.painting is not None:  # the fields as before unless a painting is chosen
            out.update(painting=self.painting, painting_weight=self.painting_weight)
        return out


def size_text(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def default_settings(styles: Sequence[str], sizes: Sequence[tuple[int, int]],
                     profile: str = DEFAULT_PROFILE) -> StyleSettings:
    """The first style at full strength, at the smallest exported size (the fastest live preview)."""
    return StyleSettings(style=styles[0], size=min(sizes, key=lambda s: s[0] * s[1]), profile=profile)


def parse_settings(data: Mapping[str, Any], base: StyleSettings, styles: Sequence[str],
                   sizes: Sequence[tuple[int, int]], paintings: Sequence[str] | None = None) -> StyleSettings:
    """``base`` with the fields present in ``data`` replaced; unknown fields or values are errors.

    ``paintings``: the uploaded paintings' ids (None: this model takes no painting)."""
    if not isinstance(data, Mapping):
        raise InputError("settings must be a JSON object")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InputError(f"unknown setting(s) {', '.join(map(repr, unknown))}; known: {', '.join(FIELDS)}")
    changes: dict[str, Any] = {}
    if "style" in data:
        changes["style"] = _style(data["style"], styles, "style")
    if "style2" in data:
        value = data["style2"]
        changes["style2"] = None if value in (None, "", "none") else _style(value, styles, "style2")
    for name in ("blend", "strength"):
        if name in data:
            changes[name] = _unit(data[name], name)
    if "size" in data:
        changes["size"] = _size(data["size"], sizes)
    if "profile" in data:
        if data["profile"] not in PROFILES:
            raise InputError(f"unknown device profile {data['profile']!r}; choose one of {', '.join(PROFILES)}")
        changes["profile"] = data["profile"]
    if "painting" in data:
        changes["painting"] = _painting(data["painting"], paintings)
    if "painting_weight" in data:
        changes["painting_weight"] = _unit(data["painting_weight"], "painting_weight")
    return replace(base, **changes)


def _painting(value: Any, paintings: Sequence[str] | None) -> str | None:
    if value in (None, "", "none"):
        return None
    if paintings is None:
        raise InputError("this model takes no painting (export it with --style-vector, or start the demo with "
                         "--paintings)")
    if not isinstance(value, str) or value not in paintings:
        raise InputError(f"unknown painting {str(value)[:40]!r}: upload it first (POST /api/painting)")
    return value


def _style(value: Any, styles: Sequence[str], field: str) -> str:
    if not isinstance(value, str) or value not in styles:
        raise InputError(f"unknown {field} {value!r}; this model has: {', '.join(styles)}")
    return value


def _unit(value: Any, field: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{field} must be a number in [0, 1], got {value!r}") from None
    if isinstance(value, bool) or not math.isfinite(x) or not 0.0 <= x <= 1.0:
        raise InputError(f"{field} must be a number in [0, 1], got {value!r}")
    return x


def _size(value: Any, sizes: Sequence[tuple[int, int]]) -> tuple[int, int]:
    have = ", ".join(size_text(s) for s in sizes)
    if isinstance(value, str):
        parts = value.lower().split("x")
        if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
            size = (int(parts[0]), int(parts[1]))
            if size in sizes:
                return size
    raise InputError(f"size {value!r} was not exported; exported sizes (HEIGHTxWIDTH): {have}")
