"""Cross-layer equalization: per-channel rescalings of a student that leave its fp32 output unchanged
but even out the channel ranges that int8 quantizes with one scale per tensor.

Why: XNNPACK quantizes every activation per tensor, so the channel with the widest range sets the
int8 step of all the others. In a student the depthwise convs' outputs are the worst case (each
channel is one 3x3 filter of one input channel, so ranges differ by 10x and more; their local SQNR
is the lowest, benchmarks/results/int8_layers.md). Dividing channel ``c`` of a producer by ``s_c``
and multiplying the consumer's input channel ``c`` by ``s_c`` computes the same function in fp32
(exactly, up to rounding) and lets the small channels use more of the int8 grid.

The sites (``sites``), where the rescale passes only through per-channel linear maps and ReLU
(positively homogeneous, so ``relu(x / s) = relu(x) / s`` for ``s > 0``):

- ``separable``: a ``SeparableConv``'s depthwise output -> its pointwise input. The pointwise
  weights are quantized per output channel, so a column scaled up costs the other columns of its
  rows precision: ``s_c = a_c**alpha / w_c**(1 - alpha)`` balances the activation range ``a_c``
  against the column's weight range ``w_c`` (the "SmoothQuant" rule).
- ``affine``: a block's ``conv1.pointwise`` -> ``affine1`` (per-style scale and shift: the scale
  commutes, the shift row is divided too, exact for every style and blend) -> ReLU ->
  ``conv2.depthwise``. Every tensor on that path is quantized per tensor and the depthwise weights
  per channel, so here ``s_c = a_c**alpha`` from the affine's output range alone.
- ``stream``: the residual stream at 1/4 resolution. Its writers (``down.pointwise`` and
  ``down_affine``, each block's ``conv2.pointwise`` and ``affine2``) divide channel ``c``; its
  readers (each block's ``conv1.depthwise``, ``up.depthwise`` after the bilinear upsampling,
  which is per channel and linear) multiply it back. ``s_c = a_c**alpha`` over every stream tensor.
- ``skip``: the 1/2-resolution skip, written by ``stem``/``stem_affine`` and by
  ``up.pointwise``/``up_affine`` (the two are added), read by ``down.depthwise`` and
  ``head.depthwise``.

Ranges are measured on the calibration inputs, so the rescale fits the photos int8 will see.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable, Sequence

import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.models.student import ResidualBlock, SeparableConv, StyleAffine, Student

log = logging.getLogger(__name__)

SITE_KINDS = ("stream", "skip", "separable", "affine")
#: Smallest channel range, relative to the widest, that a rescale follows: a dead channel (range
#: ~0) would otherwise get a huge ``1 / s`` on its producer's weights for no gain.
RANGE_FLOOR = 1e-2
#: Largest rescale either way, after centring the scales on their geometric mean.
MAX_SCALE = 32.0


@dataclass(frozen=True)
class EqualizeConfig:
    alpha: float = 0.5  # weight of the activation range against the weight range (see module doc)
    kinds: tuple[str, ...] = SITE_KINDS

    def __post_init__(self) -> None:
        if not 0 <= self.alpha <= 1:
            raise InputError(f"equalization alpha must be in [0, 1], got {self.alpha}")
        unknown = [k for k in self.kinds if k not in SITE_KINDS]
        if unknown:
            raise InputError(f"unknown equalization sites {', '.join(unknown)}; known: {', '.join(SITE_KINDS)}")


@dataclass(frozen=True)
class Site:
    """One rescale: ``measure``'s output channels set the ranges; ``kind`` says how it is applied."""

    kind: str
    name: str  # the module path it starts at, for logs
    measure: tuple[nn.Module, ...]  # the range of a channel is its widest over these outputs
    modules: tuple[nn.Module, ...]  # separable, affine: the chain; stream, skip: (conv, affine) writer pairs
    readers: tuple[nn.Conv2d, ...] = ()  # stream, skip: the depthwise convs that read the tensor


def sites(student: Student, kinds: Iterable[str] = SITE_KINDS) -> list[Site]:
    """The student's rescale sites of the given kinds, in the order they are applied: ``stream``
    and ``skip`` first (they scale whole rows of pointwise weights, which the ``separable`` rule
    then reads), the rest in graph order (an ``affine`` site scales rows of ``conv1.pointwise``
    before its block's ``separable`` site reads its columns)."""
    kinds = tuple(kinds)
    out: list[Site] = []
    blocks = list(student.blocks)
    if "stream" in kinds and isinstance(student.down, SeparableConv) and isinstance(student.up, SeparableConv):
        writers = [(student.down.pointwise, student.down_affine)] + [(b.conv2.pointwise, b.affine2) for b in blocks]
        out.append(Site("stream", "blocks", (student.down_affine, *blocks),
                        tuple(m for pair in writers for m in pair),
                        tuple(b.conv1.depthwise for b in blocks) + (student.up.depthwise,)))
    if ("skip" in kinds and student.stem_affine is not None and student.up_affine is not None
            and isinstance(student.up, SeparableConv)):
        out.append(Site("skip", "stem", (student.stem_affine, student.up_affine),
                        (student.stem, student.stem_affine, student.up.pointwise, student.up_affine),
                        (student.down.depthwise, student.head.depthwise)))
    for name, m in student.named_modules():
        if "separable" in kinds and isinstance(m, SeparableConv):
            out.append(Site("separable", name, (m.depthwise,), (m.depthwise, m.pointwise)))
        if "affine" in kinds and isinstance(m, ResidualBlock):
            out.append(Site("affine", name, (m.affine1,), (m.conv1.pointwise, m.affine1, m.conv2.depthwise)))
    return out


def channel_ranges(model: nn.Module, modules: Sequence[nn.Module], data: Sequence[tuple]) -> list[torch.Tensor]:
    """Per output channel, the largest ``|x|`` each module produces over ``data`` (model inputs).

    Read in the hook itself: the student's elementwise steps run in place without autograd, so a
    module's output tensor is overwritten by the next step."""
    ranges: list[torch.Tensor | None] = [None] * len(modules)

    def hook(i: int):
        def record(_m, _args, out: torch.Tensor) -> None:
            r = out.detach().abs().amax(dim=(0, 2, 3))
            ranges[i] = r if ranges[i] is None else torch.maximum(ranges[i], r)
        return record

    handles = [m.register_forward_hook(hook(i)) for i, m in enumerate(modules)]
    try:
        with torch.no_grad():
            for inputs in data:
                model(*inputs)
    finally:
        for h in handles:
            h.remove()
    if any(r is None for r in ranges):
        raise InputError("equalization: a layer saw no input (is it in the model's forward?)")
    return [r for r in ranges]  # type: ignore[misc]


def site_scales(site: Site, act_range: torch.Tensor, alpha: float) -> torch.Tensor:
    """``s_c`` for one site (see the module doc), centred on 1 and clamped to ``MAX_SCALE``."""
    a = act_range.double().clamp(min=float(act_range.max()) * RANGE_FLOOR + 1e-12)
    if site.kind == "separable":
        w = site.modules[1].weight.detach().double().abs().amax(dim=(0, 2, 3))
        w = w.clamp(min=float(w.max()) * RANGE_FLOOR + 1e-12)
        s = a**alpha / w ** (1 - alpha)
    else:  # the consumers are depthwise convs, whose weights are quantized per channel
        s = a**alpha
    s = s / s.log().mean().exp()
    return s.clamp(1 / MAX_SCALE, MAX_SCALE)


@torch.no_grad()
def apply_scales(site: Site, s: torch.Tensor) -> None:
    """Divide the producer's output channels by ``s`` and multiply the consumer's inputs by it."""
    if site.kind == "separable":
        dw, pw = site.modules
        _scale_out(dw, 1 / s)
        pw.weight.mul_(s.to(pw.weight.dtype).view(1, -1, 1, 1))
    elif site.kind == "affine":
        pw, affine, dw = site.modules
        _scale_out(pw, 1 / s)
        _scale_shift(affine, 1 / s)
        dw.weight.mul_(s.to(dw.weight.dtype).view(-1, 1, 1, 1))
    else:  # stream, skip: (conv, affine) pairs write the tensor, depthwise convs read it
        for i in range(0, len(site.modules), 2):
            _scale_out(site.modules[i], 1 / s)
            _scale_shift(site.modules[i + 1], 1 / s)
        for dw in site.readers:
            dw.weight.mul_(s.to(dw.weight.dtype).view(-1, 1, 1, 1))


def _scale_shift(affine: StyleAffine, factor: torch.Tensor) -> None:
    """A style affine ``x * a + b`` takes ``x / s`` to ``(x * a + b) / s`` when ``b`` is divided too."""
    if not affine.frozen:
        raise InputError("equalization needs a frozen student (Student.frozen_copy): the style tables are read as constants")
    affine.shift_table.mul_(factor.to(affine.shift_table.dtype).view(-1, 1, 1, 1))
    # An app's style vector (Student.forward_vector) arrives in the unequalized units and is added
    # after the table's blend, so its shift slice needs the same per-channel factor: a constant
    # 1 x C x 1 x 1 multiplier the exported graph folds into one elementwise op.
    gain = getattr(affine, "vector_shift_gain", None)
    if gain is None:
        gain = torch.ones(1, affine.shift_table.shape[0], 1, 1, dtype=affine.shift_table.dtype)
        affine.register_buffer("vector_shift_gain", gain)
    gain.mul_(factor.to(gain.dtype).view(1, -1, 1, 1))


def _scale_out(conv: nn.Conv2d, factor: torch.Tensor) -> None:
    conv.weight.mul_(factor.to(conv.weight.dtype).view(-1, 1, 1, 1))
    if conv.bias is not None:
        conv.bias.mul_(factor.to(conv.bias.dtype))


def find_student(model: nn.Module) -> Student | None:
    """The frozen ``Student`` inside ``model`` (an ``AppModel`` or the student itself), else None."""
    student = getattr(model, "student", model)
    if not isinstance(student, Student):
        return None
    if not all(m.frozen for m in student.modules() if isinstance(m, StyleAffine)):
        return None
    return student


def equalize(model: nn.Module, data: Sequence[tuple], config: EqualizeConfig = EqualizeConfig()) -> int:
    """Rescale ``model``'s student in place; returns the number of sites rescaled (0 for a model
    without a frozen student, which is left as it is).

    One pass measures every site: each measured tensor (a depthwise output, an affine output) is
    changed only by its own site, since every other site leaves the tensors between its ends
    unchanged. Sites are applied in graph order, so a ``separable`` site reads its pointwise
    weights after an ``affine`` site scaled their rows."""
    student = find_student(model)
    if student is None:
        log.info("equalization: no frozen Student in %s, left as it is", type(model).__name__)
        return 0
    todo = sites(student, config.kinds)
    measured = [m for site in todo for m in site.measure]
    ranges = iter(channel_ranges(model, measured, data))
    for site in todo:
        r = torch.stack([next(ranges) for _ in site.measure]).amax(dim=0)
        s = site_scales(site, r, config.alpha)
        apply_scales(site, s)
        log.debug("equalized %s (%s): scales %.3g..%.3g", site.name, site.kind, float(s.min()), float(s.max()))
    return len(todo)
