"""How the style predictor becomes int8: the image-sized layers in static int8, the per-image
statistics and everything computed from them in fp32, the MLP's weights in int8.

Why not XNNPACK's quantizer over the whole graph (what the first predictor export did): a
predictor reads a painting's feature statistics (per-channel mean and std, relu1_1..relu4_1),
standardises them per entry and maps them through an MLP to a *small offset* from the mean style.
Quantizing that tail to int8 per tensor destroys it. Measured on the shipped predictor
(``benchmarks/predictor_int8.py``, ``benchmarks/results/predictor_int8.md``): the statistics
leave the encoder at 34 dB SQNR, but XNNPACK's ``cat`` shares one int8 scale over all 480 of
them (0.17 over a 0..43 range), the ``+ 1e-5`` inside the std rounds away, and the
standardisation then divides by per-entry spreads as small as 0.001 (the channels that never
fire on the training paintings): the standardised statistics came out at -5 dB SQNR, the head at
5 dB, the vector 10% (relative L2) from fp32's. The image-sized convolutions, where the time
and most bytes are, quantize well (32-45 dB per layer).

So the split: every node downstream of a spatial reduction (a per-image vector: a few hundred
values, microseconds of work) stays fp32 inside the XNNPACK delegate; ``linear`` layers there
keep int8 per-channel weights with their input quantized per call from its own range
(XNNPACK's dynamically quantized ``qd8`` GEMM), so the file stays small and nothing is fixed
from calibration images that may not look like the painting. Everything upstream is XNNPACK's
static int8, calibrated as before. The rule is structural, not by layer name, because the export
takes any module mapping a painting to a vector (``edgenst.export.predictor``); a module with no
spatial reduction is quantized whole, as before, with a warning.

A ``cat`` is marked explicitly: XNNPACK's ``cat`` annotator ignores the quantizer's filter
function (executorch 1.5.1), so pre-annotating the tail with empty annotations is what keeps it
in fp32.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

import torch
from torch import nn

from edgenst.errors import InputError

log = logging.getLogger(__name__)

#: Ops that reduce a feature map to per-image values: what follows them is the fp32 tail.
REDUCTIONS = frozenset({"aten.mean.dim", "aten.mean.default", "aten.sum.dim_IntList",
                        "aten.adaptive_avg_pool2d.default", "aten.amax.default"})
_ANNOTATION = "quantization_annotation"  # torchao's Q_ANNOTATION_KEY

#: The manifest's description of the scheme (``quantization`` of the predictor's int8 entry).
SCHEME = {
    "scheme": "PT2E post-training, split at the per-image statistics",
    "quantizer": "executorch XNNPACKQuantizer, symmetric",
    "image_layers": "int8 weights per channel, int8 activations per tensor (static, calibrated)",
    "statistics_and_head": "fp32 activations; linear weights int8 per channel with dynamically quantized inputs",
}


def per_image_tail(gm: torch.fx.GraphModule) -> list[torch.fx.Node]:
    """The call nodes at or after a spatial reduction, in graph order."""
    tail: list[torch.fx.Node] = []
    seen: set[torch.fx.Node] = set()
    for node in gm.graph.nodes:
        if node.op != "call_function":
            continue
        if str(node.target) in REDUCTIONS or any(a in seen for a in node.all_input_nodes):
            seen.add(node)
            tail.append(node)
    return tail


def _split_quantizer(quant: Any):  # noqa: ANN202 - a torchao Quantizer, imported lazily
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )
    from torchao.quantization.pt2e.quantizer import QuantizationAnnotation, Quantizer

    from edgenst.quantize import xnnpack_quantizer

    static = xnnpack_quantizer(quant)
    dynamic = XNNPACKQuantizer().set_global(
        get_symmetric_quantization_config(is_per_channel=quant.per_channel, is_dynamic=True))

    class SplitAtStatistics(Quantizer):
        """Dynamic int8 for the tail's linears, nothing else in the tail, static int8 upstream."""

        def annotate(self, gm: torch.fx.GraphModule) -> torch.fx.GraphModule:
            tail = per_image_tail(gm)
            if not tail:  # nothing to split at: every op int8, as before the split
                log.warning("the style predictor has no spatial reduction (mean over H x W): quantizing every "
                            "op to int8; verify's precision gate says whether that is close enough")
            linears = [n for n in tail if n.target == torch.ops.aten.linear.default]
            if linears:
                # the dynamic quantizer annotates only linear patterns; restrict it to the tail's
                names = {n.name for n in linears}
                dynamic.set_filter_function(lambda n: n.name in names or n.op != "call_function")
                dynamic.annotate(gm)
            for node in tail:  # empty annotations: the static annotators skip annotated nodes
                node.meta.setdefault(_ANNOTATION, QuantizationAnnotation(_annotated=True))
            static.annotate(gm)
            return gm

        def validate(self, gm: torch.fx.GraphModule) -> None:
            pass

    return SplitAtStatistics()


def quantize_predictor(predictor: nn.Module, paintings: Sequence[torch.Tensor], quant: Any,
                       quantizer: Any = None) -> nn.Module:
    """PT2E int8 of ``predictor`` at the one input size, calibrated on ``paintings`` (see the module
    docstring for which parts are int8). ``quantizer`` replaces the split one (the benchmark's
    whole-graph comparison)."""
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    if not paintings:
        raise InputError("the int8 predictor needs calibration images")
    with torch.no_grad():
        captured = torch.export.export(predictor, (paintings[0],)).module()
    prepared = prepare_pt2e(captured, quantizer if quantizer is not None else _split_quantizer(quant))
    with torch.no_grad():
        for p in paintings:
            prepared(p)
    return convert_pt2e(prepared)
