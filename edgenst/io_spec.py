"""The exported student's interface, in one object: input and output names, shapes, ranges, styles.

Why one object: the manifest, the ``.pte`` itself, Core ML, the runtime, verify and the demo all
describe the same three inputs and one output. ``IOSpec`` is written into the manifest
(``to_manifest``) and read back from it (``from_manifest``, old manifests included: the schema is
unchanged), and its style count and names go into every ``.pte`` as ExecuTorch constant methods
(``constant_methods``), so a program names its styles itself and nothing parses metadata strings.

Input convention (the same for every format):
- ``image``: float32, N x 3 x H x W, RGB in [0, 1] (NCHW, the layout XNNPACK convolutions take
  without a transpose). Core ML takes a real image instead and scales 0-255 to [0, 1] itself.
- ``style_weights``: float32, N x S, one weight per style of the table (rows sum to 1 to blend).
- ``strength``: float32, N x 1 in [0, 1]; 0 gives the photo back, 1 the full style.
- output ``stylized``: N x 3 x H x W RGB in [0, 1] (0-255 for Core ML images).
H and W are multiples of ``SIDE_MULTIPLE`` in [``MIN_SIDE``, ``MAX_SIDE``].

A program exported with a style vector (``VectorSpec``) also has ``vector_<H>x<W>`` methods: the
three inputs above, then ``style_vector`` (1 x D, the ``edgenst.styles.StyleVector`` layout) and
``vector_weight`` (1 x 1 in [0, 1]: how much of the style is the vector, the rest the table's
blend). The manifest's ``style_vector`` field says how an app feeds them; ``inputs`` stays the
``forward`` methods' three, so apps and readers that know nothing of vectors are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import torch

from edgenst.errors import InputError

INPUT_NAMES = ("image", "style_weights", "strength")
#: The ``vector_<H>x<W>`` methods' inputs, in order.
VECTOR_INPUT_NAMES = (*INPUT_NAMES, "style_vector", "vector_weight")
OUTPUT_NAME = "stylized"
SIDE_MULTIPLE = 4
MIN_SIDE = 16
MAX_SIDE = 4096
#: The ExecuTorch constant methods every exported ``.pte`` carries (see ``IOSpec.constant_methods``).
STYLE_COUNT_METHOD = "style_count"
STYLE_NAMES_METHOD = "style_names"


@dataclass(frozen=True)
class TensorSpec:
    """One input or output: what an app must feed or will get. ``shape`` holds ints or symbols ("H")."""

    name: str
    shape: tuple[int | str, ...]
    value_range: tuple[float, float]
    dtype: str = "float32"
    layout: str | None = None
    color: str | None = None
    note: str | None = None
    coreml: str | None = None  # how Core ML presents it, when that differs

    def to_dict(self) -> dict[str, Any]:
        """The manifest's entry (key order as edgenst has always written it)."""
        out: dict[str, Any] = {"name": self.name, "dtype": self.dtype, "shape": list(self.shape)}
        for key, value in (("layout", self.layout), ("color", self.color), ("range", list(self.value_range)),
                           ("note", self.note), ("coreml", self.coreml)):
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class VectorSpec:
    """How an app feeds an explicit style vector: its length, layout and the range it was built for.

    ``layout``: (style tensor name, entries) in vector order (``StyleSpace.tensors``, each tensor's
    one-style slice flattened), so a vector from ``StyleSpace.column`` or a predictor is fed as is.
    ``value_range``: the values the int8 program was calibrated over (a vector outside is clipped
    there; fp32 takes any finite value).
    """

    layout: tuple[tuple[str, int], ...]
    value_range: tuple[float, float]

    def __post_init__(self) -> None:
        layout = tuple((str(n), int(k)) for n, k in self.layout)
        object.__setattr__(self, "layout", layout)
        object.__setattr__(self, "value_range", (float(self.value_range[0]), float(self.value_range[1])))
        if not layout or any(k < 1 for _, k in layout):
            raise InputError(f"a style vector layout needs tensors with entries, got {list(layout)}")
        if not self.value_range[0] < self.value_range[1]:
            raise InputError(f"a style vector range needs low < high, got {self.value_range}")

    @property
    def dim(self) -> int:
        return sum(k for _, k in self.layout)

    def inputs(self, style_count: int) -> tuple[TensorSpec, ...]:
        image, weights, strength, vector, vector_weight = VECTOR_INPUT_NAMES
        return (
            TensorSpec(image, (1, 3, "H", "W"), (0.0, 1.0), layout="NCHW", color="RGB"),
            TensorSpec(weights, (1, style_count), (0.0, 1.0), note="the table's blend, as for forward"),
            TensorSpec(strength, (1, 1), (0.0, 1.0), note="0 returns the photo, 1 the full style"),
            TensorSpec(vector, (1, self.dim), self.value_range,
                       note="a style vector (style_vector.layout); int8 was calibrated over this range"),
            TensorSpec(vector_weight, (1, 1), (0.0, 1.0),
                       note="0: the table's blend alone, 1: the vector alone, between: both blended"),
        )

    def to_manifest(self, style_count: int) -> dict[str, Any]:
        offsets, start = [], 0
        for name, k in self.layout:
            offsets.append({"tensor": name, "offset": start, "length": k})
            start += k
        return {"method": "vector_<H>x<W>", "length": self.dim, "range": list(self.value_range),
                "layout": offsets, "inputs": [t.to_dict() for t in self.inputs(style_count)]}

    @classmethod
    def from_manifest(cls, field: Any, where: str) -> "VectorSpec":
        try:
            layout = tuple((str(e["tensor"]), int(e["length"])) for e in field["layout"])
            spec = cls(layout, tuple(field["range"]))  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError, IndexError):
            raise InputError(f"{where}: 'style_vector' must have a layout of {{tensor, length}} and a range") from None
        if field.get("length") != spec.dim:
            raise InputError(f"{where}: style_vector length {field.get('length')} is not its layout's {spec.dim}")
        return spec


@dataclass(frozen=True)
class IOSpec:
    """The interface of an exported student with these styles (table columns, in index order), and,
    when its programs take one, how a style vector is fed (``vector``)."""

    style_names: tuple[str, ...]
    vector: VectorSpec | None = None

    def __post_init__(self) -> None:
        names = tuple(self.style_names)
        object.__setattr__(self, "style_names", names)
        if not names or not all(isinstance(n, str) and n for n in names):
            raise InputError(f"an exported model needs at least one named style, got {list(names)}")
        if len(set(names)) != len(names):
            raise InputError(f"style names must be unique, got {list(names)}")

    @property
    def style_count(self) -> int:
        return len(self.style_names)

    @property
    def inputs(self) -> tuple[TensorSpec, ...]:
        image, weights, strength = INPUT_NAMES
        return (
            TensorSpec(image, (1, 3, "H", "W"), (0.0, 1.0), layout="NCHW", color="RGB", coreml="RGB image, 0-255"),
            TensorSpec(weights, (1, self.style_count), (0.0, 1.0),
                       note="one weight per style (see styles[].index); rows sum to 1 to blend"),
            TensorSpec(strength, (1, 1), (0.0, 1.0), note="0 returns the photo, 1 the full style"),
        )

    @property
    def outputs(self) -> tuple[TensorSpec, ...]:
        return (TensorSpec(OUTPUT_NAME, (1, 3, "H", "W"), (0.0, 1.0), layout="NCHW", color="RGB",
                           coreml="RGB image, 0-255"),)

    def to_manifest(self) -> dict[str, Any]:
        """The manifest's ``styles``, ``inputs`` and ``outputs`` fields."""
        out = {
            "styles": [{"index": i, "name": n} for i, n in enumerate(self.style_names)],
            "inputs": [t.to_dict() for t in self.inputs],
            "outputs": [t.to_dict() for t in self.outputs],
        }
        if self.vector is not None:
            out["style_vector"] = self.vector.to_manifest(self.style_count)
        return out

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any], where: str = "manifest") -> "IOSpec":
        """The spec a manifest describes (after ``read_manifest``'s schema check).

        Refuses a manifest whose inputs or outputs are not this spec's (another model's interface,
        or a hand edit), so every reader can trust the names and the style count it gets.
        """
        vector = manifest.get("style_vector")
        spec = cls(tuple(s["name"] for s in manifest["styles"]),
                   VectorSpec.from_manifest(vector, where) if vector is not None else None)
        names = [i.get("name") for i in manifest["inputs"]]
        if names != list(INPUT_NAMES) or [o.get("name") for o in manifest["outputs"]] != [OUTPUT_NAME]:
            raise InputError(f"{where}: inputs {names} and outputs are not edgenst's "
                             f"({', '.join(INPUT_NAMES)} -> {OUTPUT_NAME})")
        shape = manifest["inputs"][1].get("shape")
        if shape != [1, spec.style_count]:
            raise InputError(f"{where}: the style_weights input is {shape}, but {spec.style_count} styles are listed")
        return spec

    def constant_methods(self) -> dict[str, Any]:
        """What the ``.pte`` carries about itself: read back by ``edgenst.runtime.PteModel``."""
        return {STYLE_COUNT_METHOD: self.style_count, STYLE_NAMES_METHOD: list(self.style_names)}

    def check_inputs(self, image: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor) -> None:
        """One-line errors for the shapes a caller of a single-image program most often gets wrong."""
        check_inputs(image, style_weights, strength, self.style_count)


def check_inputs(image: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor, styles: int) -> None:
    """``check_inputs`` when only the style count is known (an old ``.pte`` with no manifest)."""
    if image.dim() != 4 or image.shape[:2] != (1, 3):
        raise InputError(f"expected a 1 x 3 x H x W image, got {tuple(image.shape)}")
    if tuple(style_weights.shape) != (1, styles):
        raise InputError(f"style_weights must be 1 x {styles}, got {tuple(style_weights.shape)}")
    if tuple(strength.shape) != (1, 1):
        raise InputError(f"strength must be 1 x 1, got {tuple(strength.shape)}")

