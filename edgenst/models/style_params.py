"""Which parameters belong to which style, so one style can be trained, added or federated alone.

Both networks keep per-style vectors in tensors with a style axis (student: ``C x S x 1 x 1``
scale/shift, teacher network: ``S x C`` gamma/beta). Training a subset of styles therefore means
zeroing the other styles' gradient slices; Adam then leaves them exactly unchanged (its moments
stay zero), so "only this style's parameters" holds bit for bit.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.models.johnson import TeacherNet
from edgenst.models.student import Student

#: What ``freeze`` can leave trainable.
TRAIN_MODES = ("all", "style", "style+head")


def style_axes(model: nn.Module) -> dict[str, int]:
    """Parameter name -> the axis that indexes styles, for every per-style parameter."""
    if isinstance(model, Student):
        return {n: 1 for n, _ in model.named_parameters() if n.endswith((".scale", ".shift"))}
    if isinstance(model, TeacherNet):
        return {n: 0 for n, _ in model.named_parameters() if n.endswith((".gamma", ".beta"))}
    raise InputError(f"not an edgenst model: {type(model).__name__}")


def head_prefixes(model: nn.Module) -> tuple[str, ...]:
    """The last layers, which ``style+head`` also trains (the federated default)."""
    if isinstance(model, Student):
        return ("up.", "up_affine.", "head.")
    if isinstance(model, TeacherNet):
        return ("up2.", "head.")
    raise InputError(f"not an edgenst model: {type(model).__name__}")


def num_styles(model: nn.Module) -> int:
    return int(model.config.styles)  # type: ignore[attr-defined]


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
    from edgenst.models import build_model, model_arch

    if extra < 1:
        raise InputError(f"extra styles must be >= 1, got {extra}")
    old = num_styles(model)
    src = list(init_from) if init_from is not None else list(range(old))
    cfg = model.config.to_dict()  # type: ignore[attr-defined]
    cfg["styles"] = old + extra
    grown = build_model(model_arch(model), cfg)
    axes = style_axes(model)
    state = model.state_dict()
    new_state = grown.state_dict()
    for name, value in state.items():
        if name not in axes:
            new_state[name] = value.clone()
            continue
        ax = axes[name]
        mean = value.index_select(ax, torch.tensor(src)).mean(dim=ax, keepdim=True)
        new_state[name] = torch.cat([value] + [mean] * extra, dim=ax)
    grown.load_state_dict(new_state)
    return grown
