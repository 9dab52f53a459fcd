"""Post-training int8 (PT2E, XNNPACK's quantizer) for a student, calibrated on real photos.

Why calibrate this way: a student's activation ranges depend on the style (each style has its
own scale/shift vectors) and on strength, so every calibration photo is run once per style, plus
blends and low strength. One calibration serves every export size: the model is captured with
a dynamic height/width, quantized once, and then re-exported at each static size, so all sizes
share the same quantization parameters.

Quantization-aware fine-tuning (``prepare_qat_pt2e``) is the option when post-training int8
loses too much: ``QuantConfig.qat_steps`` > 0 trains the fake-quantized model against the fp32
model's own outputs on the calibration photos (self-distillation; no teacher needed).
"""

from __future__ import annotations

import copy

import logging
from dataclasses import dataclass
from typing import Iterable, Sequence

import torch
from torch import nn

from edgenst.errors import InputError

log = logging.getLogger(__name__)

#: One input set for the app model: (image N x 3 x H x W, style_weights N x S, strength N x 1).
Inputs = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class QuantConfig:
    per_channel: bool = True  # per-output-channel weight scales (XNNPACK's qc8 kernels)
    calibration_size: int = 256  # side of the square crops the photos are cut to
    qat_steps: int = 0  # 0: post-training only
    qat_lr: float = 1e-4
    seed: int = 0

    def __post_init__(self) -> None:
        if not 16 <= self.calibration_size <= 2048 or self.calibration_size % 4:
            raise InputError(f"calibration_size must be a multiple of 4 in [16, 2048], got {self.calibration_size}")
        if self.qat_steps < 0:
            raise InputError(f"qat_steps must be >= 0, got {self.qat_steps}")
        if not 0 < self.qat_lr < 1:
            raise InputError(f"qat_lr must be in (0, 1), got {self.qat_lr}")


def calibration_inputs(photos: Sequence[torch.Tensor], styles: int, size: int, seed: int = 0) -> list[Inputs]:
    """Every photo (a centre crop at ``size``) under each style at full strength, then blends and
    half / zero strength, so the observers see every range the app can produce."""
    if not photos:
        raise InputError("int8 calibration needs at least one photo")
    g = torch.Generator().manual_seed(seed)
    crops = [_square_crop(p, size) for p in photos]
    out: list[Inputs] = []
    eye = torch.eye(styles)
    for i, crop in enumerate(crops):
        for s in range(styles):
            out.append((crop, eye[s : s + 1], torch.ones(1, 1)))
        blend = torch.rand(1, styles, generator=g)
        out.append((crop, blend / blend.sum(), torch.full((1, 1), 0.5)))
        out.append((crop, eye[i % styles : i % styles + 1], torch.zeros(1, 1)))
    return out


def _square_crop(photo: torch.Tensor, size: int) -> torch.Tensor:
    if photo.dim() == 3:
        photo = photo.unsqueeze(0)
    if photo.dim() != 4 or photo.shape[:2] != (1, 3):
        raise InputError(f"calibration photos must be 1 x 3 x H x W, got {tuple(photo.shape)}")
    h, w = photo.shape[-2:]
    scale = size / min(h, w)
    if scale != 1:
        photo = torch.nn.functional.interpolate(photo, scale_factor=scale, mode="bilinear", antialias=scale < 1,
                                                align_corners=False)
    h, w = photo.shape[-2:]
    top, left = (h - size) // 2, (w - size) // 2
    return photo[..., top : top + size, left : left + size].clamp(0, 1).contiguous()


def dynamic_shapes(example: Inputs) -> tuple:
    """Height and width free (multiples of 4), batch and style count fixed."""
    from torch.export import Dim

    h = 4 * Dim("h4", min=4, max=1024)
    w = 4 * Dim("w4", min=4, max=1024)
    return ({2: h, 3: w}, None, None)


def xnnpack_quantizer(config: QuantConfig, qat: bool = False):
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )

    return XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=config.per_channel, is_qat=qat))


def quantize_int8(model: nn.Module, calibration: Sequence[Inputs], config: QuantConfig = QuantConfig()) -> nn.Module:
    """Return the int8 (quantize/dequantize-annotated) module; export it with ``torch.export``
    at any size and lower it with the XNNPACK partitioner, which fuses it into int8 kernels."""
    from torchao.quantization.pt2e import move_exported_model_to_eval
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e, prepare_qat_pt2e

    if not calibration:
        raise InputError("int8 calibration needs at least one input")
    model = model.eval()
    example = calibration[0]
    # The captured module shares the model's weight tensors; QAT trains them in place, so it
    # captures a copy and the model stays the fp32 reference it learns from.
    source = copy.deepcopy(model) if config.qat_steps else model
    captured = torch.export.export(source, example, dynamic_shapes=dynamic_shapes(example)).module()
    if config.qat_steps:
        prepared = prepare_qat_pt2e(captured, xnnpack_quantizer(config, qat=True))
        _qat(prepared, model, calibration, config)
        move_exported_model_to_eval(prepared)
    else:
        prepared = prepare_pt2e(captured, xnnpack_quantizer(config))
    with torch.no_grad():
        for i, inputs in enumerate(calibration):
            prepared(*inputs)
            if (i + 1) % 10 == 0:
                log.debug("calibrated %d/%d", i + 1, len(calibration))
    return convert_pt2e(prepared)


def _qat(prepared: nn.Module, reference: nn.Module, data: Sequence[Inputs], config: QuantConfig) -> None:
    """Self-distillation: the fake-quantized model learns to match the fp32 model's outputs."""
    from torchao.quantization.pt2e import move_exported_model_to_train

    move_exported_model_to_train(prepared)
    # The exporter hands over a frozen inference copy (no parameter requires grad): the weights
    # learn here; the style tables are buffers and stay as they are.
    params = [p.requires_grad_(True) for p in prepared.parameters() if p.is_floating_point()]
    if not params:
        raise InputError("quantization-aware training: the model has no floating-point weights to train")
    opt = torch.optim.Adam(params, lr=config.qat_lr)
    g = torch.Generator().manual_seed(config.seed)
    for step in range(config.qat_steps):
        inputs = data[int(torch.randint(len(data), (1,), generator=g))]
        with torch.no_grad():
            target = reference(*inputs)
        loss = torch.nn.functional.l1_loss(prepared(*inputs), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 25 == 0 or step + 1 == config.qat_steps:
            log.info("QAT step %d/%d l1=%.5f", step + 1, config.qat_steps, loss.item())


def psnr(a: torch.Tensor, b: torch.Tensor, peak: float = 1.0) -> float:
    mse = torch.mean((a.double() - b.double()) ** 2).item()
    return float("inf") if mse == 0 else 10.0 * torch.log10(torch.tensor(peak**2 / mse)).item()


def run_all(model: nn.Module, inputs: Iterable[Inputs]) -> list[torch.Tensor]:
    with torch.no_grad():
        return [model(*x) for x in inputs]
