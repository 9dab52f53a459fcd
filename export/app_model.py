"""The student as a phone app calls it: fixed input names, sizes and value ranges.

The interface itself (names, shapes, ranges, styles) is ``edgenst.io_spec.IOSpec``; this module
wraps the student so its graph has exactly that interface, and names the export sizes.
Sizes are written HEIGHTxWIDTH: ``720x1280`` is a landscape 720p frame, ``1280x720`` portrait.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.io_spec import INPUT_NAMES, MAX_SIDE, MIN_SIDE, OUTPUT_NAME, SIDE_MULTIPLE
from edgenst.styles import style_count

__all__ = ["AppModel", "VectorAppModel", "example_vector_inputs", "DEFAULT_SIZES", "INPUT_NAMES", "MAX_SIDE", "OUTPUT_NAME", "Size", "example_inputs",
           "parse_sizes"]

DEFAULT_SIZES = ((256, 256), (512, 512), (720, 1280))


@dataclass(frozen=True)
class Size:
    height: int
    width: int

    def __post_init__(self) -> None:
        for side in (self.height, self.width):
            if not MIN_SIDE <= side <= MAX_SIDE or side % SIDE_MULTIPLE:
                raise InputError(f"export sizes need sides that are multiples of {SIDE_MULTIPLE} in "
                                 f"[{MIN_SIDE}, {MAX_SIDE}], got {self}")

    def __str__(self) -> str:
        return f"{self.height}x{self.width}"

    @classmethod
    def parse(cls, text: str) -> "Size":
        m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
        if not m:
            raise InputError(f"size must look like HEIGHTxWIDTH (e.g. 720x1280), got {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))


def parse_sizes(text: str) -> tuple[Size, ...]:
    sizes = tuple(Size.parse(t) for t in text.split(",") if t.strip())
    if not sizes:
        raise InputError("no sizes given")
    if len(set(sizes)) != len(sizes):
        raise InputError(f"sizes repeat: {text}")
    return sizes


class AppModel(nn.Module):
    """Wraps a student so its graph has exactly the app-facing inputs and output range."""

    def __init__(self, student: nn.Module, output_scale: float = 1.0) -> None:
        super().__init__()
        # Students fold their per-style tables into constants, which XNNPACK needs for its convs.
        freeze = getattr(student, "frozen_copy", None)
        self.student = freeze() if freeze is not None else student.eval()
        self.output_scale = float(output_scale)
        self.styles = style_count(student)

    def forward(self, image: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor) -> torch.Tensor:
        out = self.student(image, style_weights, strength)
        return out * self.output_scale if self.output_scale != 1.0 else out


class VectorAppModel(AppModel):
    """The same student with an explicit style vector beside the table (``IOSpec.vector_inputs``).

    A second entry point, not extra inputs on the first: programs keep their ``forward_<H>x<W>``
    methods exactly as before (old apps call them unchanged) and gain ``vector_<H>x<W>``.
    The layout of ``style_vector`` is fixed by the unfrozen student's ``StyleSpace``, read here
    before freezing (a frozen copy declares no style tensors).
    """

    def __init__(self, student: nn.Module, output_scale: float = 1.0) -> None:
        if not hasattr(student, "forward_vector"):
            raise InputError(f"{type(student).__name__} takes no style vector input (students only)")
        super().__init__(student, output_scale)
        self.vector_dim = int(student.style_vector_dim)  # type: ignore[attr-defined]

    def forward(self, image: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor,  # type: ignore[override]
                style_vector: torch.Tensor, vector_weight: torch.Tensor) -> torch.Tensor:
        out = self.student.forward_vector(image, style_weights, strength, style_vector, vector_weight)
        return out * self.output_scale if self.output_scale != 1.0 else out


def example_inputs(styles: int, size: Size, batch: int = 1) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs of the right shapes for tracing: a mid-grey photo, an even blend, full strength."""
    return (
        torch.full((batch, 3, size.height, size.width), 0.5),
        torch.full((batch, styles), 1.0 / styles),
        torch.ones(batch, 1),
    )


def example_vector_inputs(styles: int, dim: int, size: Size, batch: int = 1) -> tuple[torch.Tensor, ...]:
    """``example_inputs`` plus a style vector (ones: a neutral scale) fed at half weight."""
    return (*example_inputs(styles, size, batch), torch.ones(batch, dim), torch.full((batch, 1), 0.5))
