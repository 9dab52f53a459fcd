"""A style is a point in a model's style space: a table column, a blend, or an explicit vector.

Every edgenst network keeps its styles as a table: a few per-channel tensors with a style axis
(the student's scale/shift, the teacher network's gamma/beta). The *class* declares which tensors
those are (``style_axes()`` on the network), so nothing here matches parameter names or types.

Three kinds of point, one idea:

- ``Column("udnie")``: a shipped column of the table, by name;
- ``Blend({"udnie": 0.5, "mosaic": 0.5})``: columns mixed by weights (normalised to sum 1);
- ``StyleVector``: an explicit point, one value per style-tensor entry (``StyleSpace.dim``), what
  fitting a style to a painting or a predictor produces. It is not a column of any table yet:
  ``StyleSpace.append`` writes it into a copy of the model as a new column, after which it is a
  ``Column`` usable everywhere a shipped style is (blends, strength, exports, the demo).

Columns and blends yield the ``1 x S`` style-weights row that the model's ``forward`` and every
exported program consume (``StylePoint.weights``); ``StyleChoice`` adds the strength.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Protocol, Sequence, runtime_checkable

import torch
from torch import nn

from edgenst.errors import InputError


def style_axes(model: nn.Module) -> dict[str, int]:
    """Style tensor name -> the axis that indexes styles, as the model's class declares it."""
    declare = getattr(model, "style_axes", None)
    if declare is None:
        raise InputError(f"not an edgenst model: {type(model).__name__}")
    return declare()


def head_prefixes(model: nn.Module) -> tuple[str, ...]:
    """The last layers of ``model``, as its class declares them (trained with ``style+head``)."""
    declare = getattr(model, "head_prefixes", None)
    if declare is None:
        raise InputError(f"not an edgenst model: {type(model).__name__}")
    return declare()


def style_count(model: nn.Module) -> int:
    """How many columns the model's style table has (the width of its style-weights input)."""
    return int(model.config.styles)  # type: ignore[attr-defined]


def column_weights(count: int) -> list[torch.Tensor]:
    """The ``1 x count`` weights row of each table column, in order (one-hot rows)."""
    eye = torch.eye(count)
    return [eye[s : s + 1] for s in range(count)]


@runtime_checkable
class StylePoint(Protocol):
    """A style the model can paint with directly: it yields its ``1 x S`` style-weights row."""

    def weights(self, names: Sequence[str]) -> torch.Tensor: ...


@dataclass(frozen=True)
class Blend:
    """Named columns mixed by weights (finite, >= 0, normalised to sum 1); repeats add up.

    ``parts`` keeps the order given: the row is built by adding each part in turn, so the same
    parts always give the same bits (the demo's two-style blend relies on that).
    """

    parts: tuple[tuple[str, float], ...]

    @classmethod
    def of(cls, weights: Mapping[str, float] | Sequence[tuple[str, float]]) -> "Blend":
        items = weights.items() if isinstance(weights, Mapping) else weights
        return cls(tuple((str(n), w) for n, w in items))

    def weights(self, names: Sequence[str]) -> torch.Tensor:
        if not self.parts:
            raise InputError("choose at least one style")
        unknown = [n for n, _ in self.parts if n not in names]
        if unknown:
            raise InputError(f"unknown style {unknown[0]!r}; this model has: {', '.join(names)}")
        if any(not (w >= 0 and w < float("inf")) for _, w in self.parts):
            raise InputError(f"style weights must be finite and >= 0, got {dict(self.parts)}")
        total = float(sum(w for _, w in self.parts))
        if total <= 0:
            raise InputError("style weights must have a positive sum")
        vec = torch.zeros(1, len(names))
        for name, w in self.parts:
            vec[0, list(names).index(name)] += w / total
        return vec


@dataclass(frozen=True)
class Column:
    """One column of the style table, by name."""

    name: str

    def weights(self, names: Sequence[str]) -> torch.Tensor:
        return Blend(((self.name, 1.0),)).weights(names)


@dataclass(frozen=True)
class StyleChoice:
    """Style weights by name (blended, normalised to sum 1) and a strength in [0, 1]."""

    weights: Mapping[str, float]
    strength: float = 1.0

    @property
    def point(self) -> Blend:
        return Blend.of(self.weights)

    def vector(self, names: Sequence[str]) -> torch.Tensor:
        """1 x S style weights in the model's style order (the strength is checked, not applied)."""
        row = self.point.weights(names)
        if not 0.0 <= self.strength <= 1.0:
            raise InputError(f"strength must be in [0, 1], got {self.strength}")
        return row


@dataclass(frozen=True, eq=False)
class StyleVector:
    """An explicit point in a model's style space: its style tensors' values for one style, flat.

    The order is ``StyleSpace.tensors`` (the model's declaration order), each slice flattened.
    """

    values: torch.Tensor

    def __post_init__(self) -> None:
        v = self.values
        if not isinstance(v, torch.Tensor) or v.dim() != 1 or not v.is_floating_point():
            raise InputError(f"a style vector is a 1-D float tensor, got {getattr(v, 'shape', type(v).__name__)}")
        if not bool(torch.isfinite(v).all()):
            raise InputError("a style vector must be finite")

    def weights(self, names: Sequence[str]) -> torch.Tensor:
        raise InputError("a style vector is not a column of the model's table: add it first "
                         "(edgenst.styles.StyleSpace.append) and choose it by name")


@dataclass(frozen=True)
class StyleSpace:
    """The style tensors of one architecture: their names, style axes and per-style shapes."""

    axes: Mapping[str, int]  # tensor name -> style axis
    shapes: Mapping[str, tuple[int, ...]]  # tensor name -> shape of one style's slice
    count: int

    @classmethod
    def of(cls, model: nn.Module) -> "StyleSpace":
        axes = style_axes(model)
        if not axes:
            raise InputError(f"{type(model).__name__} declares no trainable style tensors (a frozen copy?)")
        state = model.state_dict()
        shapes = {}
        for name, ax in axes.items():
            shape = list(state[name].shape)
            del shape[ax]
            shapes[name] = tuple(shape)
        return cls(dict(axes), shapes, style_count(model))

    @property
    def tensors(self) -> tuple[str, ...]:
        return tuple(self.axes)

    @property
    def dim(self) -> int:
        """Entries per style: the length of a ``StyleVector``."""
        return sum(math.prod(s) for s in self.shapes.values())

    @property
    def layout(self) -> tuple[tuple[str, int], ...]:
        """(tensor name, entries) in vector order: how a ``StyleVector`` is laid out."""
        return tuple((name, math.prod(shape)) for name, shape in self.shapes.items())

    def reach(self, model: nn.Module, stretch: float = 1.5) -> list[StyleVector]:
        """Points a predicted or fitted style plausibly takes: every column, then each column pushed
        ``stretch`` times as far from the columns' mean. Why: an int8 program that takes a vector
        as input is calibrated on these, so its input range covers styles a little beyond the table's.
        """
        columns = [self.column(model, i) for i in range(self.count)]
        mean = self.mean(model, list(range(self.count))).values
        return columns + [StyleVector(mean + stretch * (c.values - mean)) for c in columns]

    def _slices(self, vector: StyleVector) -> dict[str, torch.Tensor]:
        if vector.values.numel() != self.dim:
            raise InputError(f"a style vector for this model has {self.dim} values, got {vector.values.numel()}")
        out, start = {}, 0
        for name, shape in self.shapes.items():
            n = math.prod(shape)
            out[name] = vector.values[start : start + n].reshape(shape)
            start += n
        return out

    def _check_indices(self, indices: Sequence[int]) -> list[int]:
        idx = list(indices)
        if not idx or any(not 0 <= i < self.count for i in idx):
            raise InputError(f"style indices {idx} out of range for {self.count} styles")
        return idx

    def column(self, model: nn.Module, index: int) -> StyleVector:
        """Column ``index`` of ``model``'s table as an explicit vector."""
        return self.mean(model, [index])

    def mean(self, model: nn.Module, indices: Sequence[int]) -> StyleVector:
        """The mean of some columns (where a new style starts: it trains faster than a fresh init)."""
        idx = torch.tensor(self._check_indices(indices))
        state = model.state_dict()
        return StyleVector(torch.cat([state[n].index_select(ax, idx).mean(dim=ax).flatten()
                                      for n, ax in self.axes.items()]))

    def blend(self, model: nn.Module, weights: torch.Tensor) -> StyleVector:
        """The point a ``1 x S`` weights row selects (the vectors the model blends inside ``forward``)."""
        if tuple(weights.shape) != (1, self.count):
            raise InputError(f"style weights must be 1 x {self.count}, got {tuple(weights.shape)}")
        state = model.state_dict()
        w = weights[0].to(torch.float32)
        return StyleVector(torch.cat([torch.tensordot(w, state[n].detach().float(), dims=([0], [ax])).flatten()
                                      for n, ax in self.axes.items()]))

    def append(self, model: nn.Module, vectors: Sequence[StyleVector]) -> nn.Module:
        """A copy of ``model`` whose table has ``vectors`` as new columns, after the existing ones."""
        if not vectors:
            raise InputError("no style vectors to add")
        if StyleSpace.of(model) != self:
            raise InputError("these style vectors belong to another model's style space")
        cfg = model.config.to_dict()  # type: ignore[attr-defined]
        cfg["styles"] = self.count + len(vectors)
        # The model's own class and config class: styles sits below edgenst.models, which reads it.
        grown = type(model)(type(model.config)(**cfg))  # type: ignore[attr-defined]
        slices = [self._slices(v) for v in vectors]
        new_state = grown.state_dict()
        for name, value in model.state_dict().items():
            if name not in self.axes:
                new_state[name] = value.clone()
                continue
            ax = self.axes[name]
            new_state[name] = torch.cat([value] + [s[name].to(value.dtype).unsqueeze(ax) for s in slices], dim=ax)
        grown.load_state_dict(new_state)
        return grown


def with_style(model: nn.Module, names: Sequence[str], name: str, vector: StyleVector) -> tuple[nn.Module, list[str]]:
    """``model`` and its style names with ``vector`` added as the column ``name``.

    After this, ``Column(name)`` paints with the vector, and it blends and exports like a shipped style.
    """
    if name in names:
        raise InputError(f"style {name!r} already exists; this model has: {', '.join(names)}")
    if not name:
        raise InputError("a style needs a name")
    grown = StyleSpace.of(model).append(model, [vector])
    return grown, [*names, name]


__all__ = ["Blend", "Column", "StyleChoice", "StylePoint", "StyleSpace", "StyleVector", "column_weights",
           "head_prefixes", "style_axes", "style_count", "with_style"]
