"""What a training step minimises: the perceptual loss, plus distillation from a teacher network.

``StyleBank`` stacks the styles' Gram matrices so each sample of a batch can have its own style
(or blend) in one pass; ``Objective`` turns a model output into ``LossTerms``. The federated
client and the centralized baseline use the same objective through ``train_step``.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from edgenst.distill.config import DistillWeights
from edgenst.distill.data import Batch
from edgenst.distill.temporal import temporal_loss
from edgenst.errors import InputError
from edgenst.inference import mirror_pad
from edgenst.perceptual import LossTerms, PerceptualLoss, StyleTarget


class StyleBank(nn.Module):
    """Gram targets of S styles, stacked: key -> S x C x C."""

    def __init__(self, loss: PerceptualLoss, images: Sequence[torch.Tensor], balance: Sequence[float] = ()) -> None:
        """``balance``: one multiplier of the style term per style (empty: all 1)."""
        super().__init__()
        if not images:
            raise InputError("at least one style image is needed")
        if balance and len(balance) != len(images):
            raise InputError(f"{len(balance)} style balance weights for {len(images)} styles")
        per_style = [loss.style_grams(img) for img in images]
        self.keys = list(per_style[0])
        self.grams = {k: torch.cat([g[k] for g in per_style]) for k in self.keys}
        device = per_style[0][self.keys[0]].device
        self.balance = torch.tensor(list(balance), dtype=torch.float32, device=device) if balance else None

    @property
    def styles(self) -> int:
        return next(iter(self.grams.values())).shape[0]

    def targets(self, style_weights: torch.Tensor) -> StyleTarget:
        """Per-sample targets: each row of ``style_weights`` blends the styles' Gram matrices."""
        if style_weights.shape[-1] != self.styles:
            raise InputError(f"style weights have {style_weights.shape[-1]} columns for {self.styles} styles")
        grams = {k: torch.einsum("bs,scd->bcd", style_weights, g) for k, g in self.grams.items()}
        sample_weights = style_weights @ self.balance if self.balance is not None else None
        return StyleTarget(grams=grams, sample_weights=sample_weights)


class Objective(nn.Module):
    def __init__(
        self,
        loss: PerceptualLoss,
        bank: StyleBank,
        teacher_net: nn.Module | None = None,
        weights: DistillWeights = DistillWeights(),
        *,
        bank_offset: int = 0,
    ) -> None:
        """``bank_offset``: the bank holds styles ``offset..offset+S`` of the model (add-a-style)."""
        super().__init__()
        self.bank_offset = bank_offset
        self.loss = loss
        self.bank = bank
        self.teacher_net = teacher_net.eval().requires_grad_(False) if teacher_net is not None else None
        self.weights = weights
        self.match_layers = loss.config.style_layers

    def forward(self, output: torch.Tensor, batch: Batch, view_output: torch.Tensor | None = None) -> LossTerms:
        """``view_output``: the model's output for ``batch.view`` (adds the temporal term)."""
        terms = self._terms(output, batch)
        if view_output is not None and batch.view is not None:
            temporal = self.weights.temporal * temporal_loss(output, view_output, batch.view)
            terms.total = terms.total + temporal
            terms.extra["temporal"] = float(temporal.detach())
        return terms

    def _terms(self, output: torch.Tensor, batch: Batch) -> LossTerms:
        if batch.photo_mode:  # strength 0: the network should give the photo back
            pixel = self.weights.photo * F.l1_loss(output, batch.photos)
            zero = output.new_zeros(())
            return LossTerms(total=pixel, content=zero, style=zero, tv=zero, extra={"pixel": float(pixel.detach())})
        content = self.loss.content_targets(batch.photos)
        cols = batch.style_weights[:, self.bank_offset : self.bank_offset + self.bank.styles]
        target = self.bank.targets(cols)
        match_targets = None
        pixel = None
        if self.teacher_net is not None:
            with torch.no_grad():
                teacher_out = self.teacher_net(batch.photos, batch.style_weights)
                if self.weights.match > 0:
                    match_targets = self.loss.teacher(teacher_out, self.match_layers, levels=1)[0]
            pixel = self.weights.pixel * F.l1_loss(output, teacher_out)
        terms = self.loss(output, content, [target], match_targets=match_targets, match_weight=self.weights.match)
        if pixel is not None:
            terms.total = terms.total + pixel
            terms.extra["pixel"] = float(pixel.detach())
        return terms


def train_step(
    model: nn.Module, objective: Objective, batch: Batch, optimizer: torch.optim.Optimizer, *, clip: float = 10.0
) -> dict[str, float]:
    """One optimisation step; returns the loss terms. Non-finite losses skip the update.

    ``clip``: the gradients' total norm is clipped to it (0: no clipping, the plain optimizer step,
    as the ExecuTorch training artifact takes it).

    With a second view in the batch (temporal loss), both views go through the model in one call:
    one forward per backward is what DistributedDataParallel expects. With ``view.mirror`` both
    are mirror-padded and cropped back, exactly as ``run_model`` treats a video frame.
    """
    model.train()
    optimizer.zero_grad(set_to_none=True)
    if batch.view is not None and objective.weights.temporal > 0:
        h, w = batch.photos.shape[-2:]
        x, b = mirror_pad(torch.cat([batch.photos, batch.view.image]), batch.view.mirror)
        both = model(x, batch.style_weights.repeat(2, 1), batch.strength.repeat(2, 1))[..., b : b + h, b : b + w]
        output, view_output = both.chunk(2)
        terms = objective(output, batch, view_output)
    else:
        output = model(batch.photos, batch.style_weights, batch.strength)
        terms = objective(output, batch)
    if not torch.isfinite(terms.total):
        raise FloatingPointError(f"loss is {float(terms.total)}; lower the learning rate")
    terms.total.backward()
    if clip > 0:
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.grad is not None], clip)
    optimizer.step()
    return terms.as_floats()
