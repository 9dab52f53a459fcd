"""Which parameters belong to which style, so one style can be trained, added or federated alone.

Both networks keep per-style vectors in tensors with a style axis (student: ``C x S x 1 x 1``
scale/shift, teacher network: ``S x C`` gamma/beta); each class declares them (``style_axes()``,
read through ``edgenst.styles``). Training a subset of styles therefore means
zeroing the other styles' gradient slices; Adam then leaves them exactly unchanged (its moments
stay zero), so "only this style's parameters" holds bit for bit.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.styles import StyleSpace, head_prefixes, style_axes, style_count

__all__ = ["TRAIN_MODES", "freeze", "grow_styles", "head_prefixes", "num_styles", "style_axes"]

#: What ``freeze`` can leave trainable.
TRAIN_MODES = ("all", "style", "style+head")


def num_styles(model: nn.Module) -> int:
    return style_count(model)


def freeze(model: nn.Module, mode: str = "all", styles: Sequence[int] | None = None) -> list:
    """Leave trainable what ``mode`` says; with ``styles``, only those styles' slices learn.

    Returns the gradient hook handles (remove them to undo). ``styles=None`` means all styles.
    """
    if mode not in TRAIN_MODES:
        raise InputError(f"unknown train mode {mode!r}; choose one of {', '.join(TRAIN_MODES)}")
    n_styles = num_styles(model)
    if styles is not None:
        bad = [s for s in styles if not 0 <= s < n_styles]
        if bad or not styles:
            raise InputError(f"style indices {list(styles)} out of range for {n_styles} styles")
    axes = style_axes(model)
    heads = head_prefixes(model)
    handles = []
    for name, p in model.named_parameters():
        if mode == "all":
            trainable = True
        else:
            trainable = name in axes or (mode == "style+head" and name.startswith(heads))
        p.requires_grad_(trainable)
        if trainable and name in axes and styles is not None and len(styles) < n_styles:
            mask = torch.zeros(n_styles, dtype=p.dtype)
            mask[list(styles)] = 1
            shape = [1] * p.dim()
            shape[axes[name]] = n_styles
            handles.append(p.register_hook(lambda g, m=mask.reshape(shape): g * m))
    return handles


def grow_styles(model: nn.Module, extra: int, init_from: Iterable[int] | None = None) -> nn.Module:
    """A copy of ``model`` with ``extra`` more styles, each new one starting at the mean of
    ``init_from`` (default: all existing styles), which trains faster than a fresh init."""
    if extra < 1:
        raise InputError(f"extra styles must be >= 1, got {extra}")
    space = StyleSpace.of(model)
    src = list(init_from) if init_from is not None else list(range(space.count))
    start = space.mean(model, src)
    return space.append(model, [start] * extra)
