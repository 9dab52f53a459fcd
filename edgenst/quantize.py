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
from typing import Sequence

import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.styles import column_weights

log = logging.getLogger(__name__)

OBSERVERS = ("histogram", "minmax")
#: The early layers of a student with per-style affines at 1/2 resolution (the quality family).
#: Why these: per-layer SQNR (benchmarks/results/int8_layers.md) shows the error growing from the
#: first layers on, and noise added there is amplified most (40 dB of noise at the stem's output
#: alone cost QUALITY_V3 down to 29 dB on its worst photo, at a block's depthwise conv 46 dB).
#: The first two residual blocks too: on flat regions (the sky of classic/newyork.jpg) the quality
#: students paint large blobs whose borders hang on small features there, and int8 steps in
#: those blocks move the borders (worst photo of 10 hard ones, with equalization: 27.8 dB with
#: stem..down_affine in fp32, 30.7 with blocks.0 as well, 34.3 with blocks.0-1, 37.9 with 0-2).
#: XNNPACK runs them in fp32 inside the same delegate, so nothing leaves it.
EARLY_LAYERS = ("stem", "stem_affine", "down", "down_affine", "blocks.0", "blocks.1")

#: One input set for the app model: (image N x 3 x H x W, style_weights N x S, strength N x 1).
Inputs = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class QuantConfig:
    per_channel: bool = True  # per-output-channel weight scales (XNNPACK's qc8 kernels)
    calibration_size: int = 256  # side of the square crops the photos are cut to
    qat_steps: int = 0  # 0: post-training only
    qat_lr: float = 1e-4
    seed: int = 0
    #: Modules kept in fp32 (paths inside the student, e.g. ``"stem"``, ``"blocks.0.affine1"``):
    #: None picks them per student (``default_fp32_layers``); ``()`` quantizes every layer.
    fp32_layers: tuple[str, ...] | None = None
    #: Activation range observer: "histogram" (XNNPACK's default, clips outliers to cut the
    #: squared error) or "minmax" (keeps the full calibrated range).
    observer: str = "histogram"
    #: Cross-layer equalization before quantizing (``edgenst.equalize``): exact in fp32, evens out
    #: the channel ranges that int8 quantizes per tensor. None: off; else the SmoothQuant alpha.
    #: On by default: on QUALITY_V3 it lifted the mean/worst held-out PSNR (benchmarks/results/int8_layers.md).
    equalize_alpha: float | None = 0.5

    def __post_init__(self) -> None:
        if self.fp32_layers is not None:
            if isinstance(self.fp32_layers, str) or not all(isinstance(n, str) and n for n in self.fp32_layers):
                raise InputError(f"fp32_layers must be layer names, got {self.fp32_layers!r}")
            object.__setattr__(self, "fp32_layers", tuple(self.fp32_layers))
        if not 16 <= self.calibration_size <= 2048 or self.calibration_size % 4:
            raise InputError(f"calibration_size must be a multiple of 4 in [16, 2048], got {self.calibration_size}")
        if self.qat_steps < 0:
            raise InputError(f"qat_steps must be >= 0, got {self.qat_steps}")
        if self.observer not in OBSERVERS:
            raise InputError(f"observer must be one of {', '.join(OBSERVERS)}, got {self.observer!r}")
        if self.equalize_alpha is not None and not 0 <= self.equalize_alpha <= 1:
            raise InputError(f"equalize_alpha must be in [0, 1] (or None: off), got {self.equalize_alpha}")
        if not 0 < self.qat_lr < 1:
            raise InputError(f"qat_lr must be in (0, 1), got {self.qat_lr}")


def calibration_inputs(photos: Sequence[torch.Tensor], styles: int, size: int, seed: int = 0) -> list[Inputs]:
    """Every photo (a centre crop at ``size``) under each style at full strength, then blends and
    half / zero strength, so the observers see every range the app can produce."""
    if not photos:
        raise InputError("int8 calibration needs at least one photo")
    g = torch.Generator().manual_seed(seed)
    crops = [square_crop(p, size) for p in photos]
    out: list[Inputs] = []
    columns = column_weights(styles)
    for i, crop in enumerate(crops):
        for column in columns:
            out.append((crop, column, torch.ones(1, 1)))
        blend = torch.rand(1, styles, generator=g)
        out.append((crop, blend / blend.sum(), torch.full((1, 1), 0.5)))
        out.append((crop, columns[i % styles], torch.zeros(1, 1)))
    return out


def square_crop(photo: torch.Tensor, size: int) -> torch.Tensor:
    """The centre ``size`` x ``size`` crop after scaling the short side to ``size``."""
    if photo.dim() == 3:
        photo = photo.unsqueeze(0)
    if photo.dim() != 4 or photo.shape[:2] != (1, 3):
        raise InputError(f"calibration photos must be 1 x 3 x H x W, got {tuple(photo.shape)}")
    h, w = photo.shape[-2:]
    scale = size / min(h, w)
    if scale != 1:
        # An explicit output size: a scale factor can floor the short side to size - 1 (644 px -> 255),
        # and the centre crop then kept one row.
        out = (max(size, round(h * scale)), max(size, round(w * scale)))
        photo = torch.nn.functional.interpolate(photo, size=out, mode="bilinear", antialias=scale < 1,
                                                align_corners=False)
    h, w = photo.shape[-2:]
    top, left = (h - size) // 2, (w - size) // 2
    return photo[..., top : top + size, left : left + size].clamp(0, 1).contiguous()


def dynamic_shapes(example: Inputs) -> tuple:
    """Height and width free (multiples of 4), batch, style count and every other input fixed."""
    from torch.export import Dim

    h = 4 * Dim("h4", min=4, max=1024)
    w = 4 * Dim("w4", min=4, max=1024)
    return ({2: h, 3: w}, *([None] * (len(example) - 1)))


def capture(model: nn.Module, example: Inputs) -> torch.fx.GraphModule:
    """The graph PT2E quantizes: ``torch.export`` with a free height and width."""
    return torch.export.export(model, example, dynamic_shapes=dynamic_shapes(example)).module()


def module_path(node: torch.fx.Node) -> str:
    """The innermost module a graph node came from, relative to the student (``"head.pointwise"``)."""
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return ""
    path = list(stack.values())[-1][0].removeprefix("L['self'].")
    return path.removeprefix("student.")


def default_fp32_layers(model: nn.Module) -> tuple[str, ...]:
    """``EARLY_LAYERS`` for students with 1/2-resolution style affines, none otherwise: the fast
    family (no such affines) keeps its worst held-out photo above 36 dB in all-int8, and is the
    real-time member, whose every int8 op counts."""
    student = getattr(model, "student", model)
    config = getattr(student, "config", None)
    if config is None or not getattr(config, "half_res_affine", False):
        return ()
    names = _module_names(model)
    return tuple(n for n in EARLY_LAYERS if n in names)


def resolve_fp32_layers(model: nn.Module, config: QuantConfig) -> tuple[str, ...]:
    """The layers ``config`` keeps in fp32 for this model; a name that is no module is an error
    (a typo would otherwise quantize everything silently)."""
    if config.fp32_layers is None:
        return default_fp32_layers(model)
    names = _module_names(model)
    unknown = [n for n in config.fp32_layers if n not in names]
    if unknown:
        top = sorted(n for n in names if n and "." not in n)
        raise InputError(f"no layer named {', '.join(unknown)} in the student; its top-level layers: {', '.join(top)}")
    return tuple(config.fp32_layers)


def _module_names(model: nn.Module) -> set[str]:
    return {n.removeprefix("student.") for n, _ in model.named_modules() if n not in ("", "student")}


def _in_layers(path: str, layers: tuple[str, ...]) -> bool:
    return any(path == l or path.startswith(l + ".") for l in layers)


def xnnpack_quantizer(config: QuantConfig, qat: bool = False, fp32_layers: tuple[str, ...] = ()):
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )

    qconfig = get_symmetric_quantization_config(is_per_channel=config.per_channel, is_qat=qat)
    if qat:
        qconfig = _qat_fake_quant(qconfig, config)
    elif config.observer == "minmax":
        qconfig = _with_activation_observer(qconfig, "minmax")
    quantizer = XNNPACKQuantizer().set_global(qconfig)
    if fp32_layers:
        quantizer.set_filter_function(lambda n: not _in_layers(module_path(n), fp32_layers))
    return quantizer


def _with_activation_observer(qconfig, observer: str):
    """The same config with another observer for input and output activations."""
    import dataclasses

    from torchao.quantization.pt2e import MinMaxObserver

    ctr = {"minmax": MinMaxObserver}[observer].with_args(eps=2**-12)
    act = dataclasses.replace(qconfig.input_activation, observer_or_fake_quant_ctr=ctr)
    return dataclasses.replace(qconfig, input_activation=act, output_activation=act)


def _qat_fake_quant(qconfig, config: QuantConfig):
    """QAT fake-quantizers that observe like post-training quantization (histogram activations,
    min/max weights) instead of XNNPACK's QAT default, a moving average of each input's min/max:
    over inputs in different styles that average is narrower than the range of the widest style,
    which it clips (measured on QUALITY_V3: 22.6 dB after calibration, against 31 for the
    histogram). ``_qat`` feeds the observers once, fixes the ranges, then trains."""
    import dataclasses

    from torchao.quantization.pt2e import HistogramObserver, MinMaxObserver, PerChannelMinMaxObserver
    from torchao.quantization.pt2e.fake_quantize import FakeQuantize

    act_obs = {"histogram": HistogramObserver, "minmax": MinMaxObserver}[config.observer]
    w_obs = PerChannelMinMaxObserver if config.per_channel else MinMaxObserver
    act = dataclasses.replace(qconfig.input_activation,
                              observer_or_fake_quant_ctr=FakeQuantize.with_args(observer=act_obs, eps=2**-12))
    weight = dataclasses.replace(qconfig.weight, observer_or_fake_quant_ctr=FakeQuantize.with_args(observer=w_obs, eps=2**-12))
    return dataclasses.replace(qconfig, input_activation=act, output_activation=act, weight=weight)


def _observe_ranges(prepared: nn.Module, data: Sequence[Inputs]) -> None:
    """Feed every fake-quantizer's observer the calibration data with fake quantization off,
    then set each scale once (a histogram observer's search is too slow to run per input)."""
    from torchao.quantization.pt2e import disable_fake_quant, disable_observer, enable_fake_quant
    from torchao.quantization.pt2e.fake_quantize import FakeQuantizeBase

    fqs = [m for m in prepared.modules() if isinstance(m, FakeQuantizeBase)]
    prepared.apply(disable_observer)
    prepared.apply(disable_fake_quant)
    hooks = [m.register_forward_pre_hook(lambda mod, args: mod.activation_post_process(args[0].detach())) for m in fqs]
    try:
        with torch.no_grad():
            for inputs in data:
                prepared(*inputs)
    finally:
        for h in hooks:
            h.remove()
    for m in fqs:
        scale, zero_point = m.calculate_qparams()
        m.scale.resize_(scale.shape).copy_(scale)
        m.zero_point.resize_(zero_point.shape).copy_(zero_point)
    prepared.apply(enable_fake_quant)


def quantize_int8(model: nn.Module, calibration: Sequence[Inputs], config: QuantConfig = QuantConfig()) -> nn.Module:
    """Return the int8 (quantize/dequantize-annotated) module; export it with ``torch.export``
    at any size and lower it with the XNNPACK partitioner, which fuses it into int8 kernels."""
    from torchao.quantization.pt2e import move_exported_model_to_eval
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e, prepare_qat_pt2e

    if not calibration:
        raise InputError("int8 calibration needs at least one input")
    model = model.eval()
    fp32_layers = resolve_fp32_layers(model, config)
    if fp32_layers:
        log.info("int8 with these layers in fp32: %s", ", ".join(fp32_layers))
    example = calibration[0]
    # The captured module shares the model's weight tensors; QAT trains them in place, so it
    # captures a copy and the model stays the fp32 reference it learns from.
    source = copy.deepcopy(model) if config.qat_steps or config.equalize_alpha is not None else model
    if config.equalize_alpha is not None:
        from edgenst.equalize import EqualizeConfig, equalize

        n = equalize(source, calibration, EqualizeConfig(alpha=config.equalize_alpha))
        log.info("int8: equalized %d channel-range sites (alpha %.2f)", n, config.equalize_alpha)
    captured = capture(source, example)
    if config.qat_steps:
        prepared = prepare_qat_pt2e(captured, xnnpack_quantizer(config, qat=True, fp32_layers=fp32_layers))
        _qat(prepared, model, calibration, config)  # calibrates, then trains with the ranges frozen
        move_exported_model_to_eval(prepared)
        return convert_pt2e(prepared)
    prepared = prepare_pt2e(captured, xnnpack_quantizer(config, fp32_layers=fp32_layers))
    with torch.no_grad():
        for i, inputs in enumerate(calibration):
            prepared(*inputs)
            if (i + 1) % 10 == 0:
                log.debug("calibrated %d/%d", i + 1, len(calibration))
    return convert_pt2e(prepared)


def _qat(prepared: nn.Module, reference: nn.Module, data: Sequence[Inputs], config: QuantConfig) -> None:
    """Self-distillation: the fake-quantized model learns to match the fp32 model's outputs.

    Why in this order (the first version drifted, L1 to fp32 0.06 -> 0.12 in 200 steps): the
    ranges are first observed on every calibration input, as post-training quantization does,
    then frozen, so the weights learn against fixed int8 grids instead of chasing moving-average
    ranges that start from a single input; the loss is the squared error (what PSNR measures) on
    random crops, and the learning rate is small next to the weights' int8 steps.
    """
    from torchao.quantization.pt2e import move_exported_model_to_train

    from edgenst.metrics import psnr_from_mse

    _observe_ranges(prepared, data)
    move_exported_model_to_train(prepared)
    # The exporter hands over a frozen inference copy (no parameter requires grad): the weights
    # learn here; the style tables are buffers and stay as they are.
    params = [p.requires_grad_(True) for p in prepared.parameters() if p.is_floating_point()]
    if not params:
        raise InputError("quantization-aware training: the model has no floating-point weights to train")
    opt = torch.optim.Adam(params, lr=config.qat_lr)
    g = torch.Generator().manual_seed(config.seed)
    crop = max(16, config.calibration_size // 2 // 4 * 4)
    running = None
    for step in range(config.qat_steps):
        image, weights, strength = data[int(torch.randint(len(data), (1,), generator=g))]
        h, w = image.shape[-2:]
        if h > crop and w > crop:
            top = int(torch.randint(h - crop + 1, (1,), generator=g)) // 4 * 4
            left = int(torch.randint(w - crop + 1, (1,), generator=g)) // 4 * 4
            image = image[..., top : top + crop, left : left + crop]
        with torch.no_grad():
            target = reference(image, weights, strength)
        loss = torch.nn.functional.mse_loss(prepared(image, weights, strength), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        if (step + 1) % 25 == 0 or step + 1 == config.qat_steps:
            log.info("QAT step %d/%d mse=%.3g (PSNR %.1f dB, running)", step + 1, config.qat_steps, running,
                     psnr_from_mse(max(running, 1e-12)))
