"""ExecuTorch ``.pte`` with the XNNPACK delegate, fp32 or PT2E int8, one method per size.

Why one method per size: an app stylizes camera frames of a few known sizes, and a static shape
lets XNNPACK plan its memory once. Method names are ``forward_<H>x<W>`` (see ``method_name``).
The report counts the operators left outside the delegate, which should be zero: anything left
runs in ExecuTorch's portable kernels, one slow op at a time.

Every program also carries constant methods from ``edgenst.io_spec``: ``style_count`` always, and
``style_names`` when the caller names the styles, so the runtime reads them from the file itself.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Sequence

import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.export.app_model import AppModel, Size, VectorAppModel, example_inputs, example_vector_inputs
from edgenst.export.manifest import PTE_PRECISIONS
from edgenst.io_spec import STYLE_COUNT_METHOD, IOSpec, VectorSpec
from edgenst.quantize import Inputs, QuantConfig, quantize_int8

log = logging.getLogger(__name__)

Precision = Literal["fp32", "int8"]
PRECISIONS: tuple[Precision, ...] = PTE_PRECISIONS  # type: ignore[assignment]  # the manifest's schema names them
#: Graph nodes that are bookkeeping, not compute, when left outside the delegate.
_NOT_COMPUTE = ("getitem", "executorch_call_delegate")


def method_name(size: Size) -> str:
    return f"forward_{size.height}x{size.width}"


def vector_method_name(size: Size) -> str:
    """The entry point that also takes a style vector (``io_spec.VECTOR_INPUT_NAMES``)."""
    return f"vector_{size.height}x{size.width}"


def vector_spec(student: nn.Module) -> VectorSpec:
    """The style-vector interface of ``student``'s programs: its ``StyleSpace`` layout, and the range
    of the vectors the int8 program is calibrated on (``StyleSpace.reach``)."""
    from edgenst.styles import StyleSpace

    space = StyleSpace.of(student)
    reach = torch.stack([v.values for v in space.reach(student)])
    return VectorSpec(space.layout, (float(reach.min()), float(reach.max())))


def vector_calibration(student: nn.Module, calibration: Sequence[Inputs]) -> list[tuple[torch.Tensor, ...]]:
    """The table's calibration inputs, each twice: with a vector from ``StyleSpace.reach`` fed alone
    (``vector_weight`` 1), and with the next one at weight 0 or 0.5 in turn. Why both: the graph
    quantizes the table's share (``style_weights x (1 - vector_weight)``) and the vector's share
    separately, so each must be seen at its full range, or the int8 program clips it."""
    from edgenst.styles import StyleSpace

    reach = StyleSpace.of(student).reach(student)
    out: list[tuple[torch.Tensor, ...]] = []
    for i, inputs in enumerate(calibration):
        out.append((*inputs, reach[i % len(reach)].values.unsqueeze(0), torch.ones(1, 1)))
        out.append((*inputs, reach[(i + 1) % len(reach)].values.unsqueeze(0), torch.full((1, 1), (0.0, 0.5)[i % 2])))
    return out


@dataclass(frozen=True)
class PteReport:
    path: str
    precision: str
    bytes: int
    methods: dict[str, str]  # size "HxW" -> method name
    delegate_calls: int
    outside_ops: dict[str, int] = field(default_factory=dict)  # op -> count, summed over methods
    vector_methods: dict[str, str] = field(default_factory=dict)  # size "HxW" -> vector method name

    @property
    def outside_total(self) -> int:
        return sum(self.outside_ops.values())

    def summary(self) -> str:
        left = ", ".join(f"{k} x{v}" for k, v in sorted(self.outside_ops.items())) or "none"
        return (f"{Path(self.path).name}: {self.precision}, {self.bytes / 1024:.1f} KiB, {len(self.methods)} method(s), "
                f"{self.delegate_calls} XNNPACK delegate call(s), ops outside the delegate: {left}")


def lower_to_executorch(programs: dict[str, torch.export.ExportedProgram], constant_methods: dict | None = None):
    """Lower exported programs (method name -> program) to XNNPACK; returns (ExecuTorch program,
    delegate calls, ops left outside). ``constant_methods``: method name -> a value the program returns."""
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    edge = to_edge_transform_and_lower(programs, partitioner=[XnnpackPartitioner()],
                                       constant_methods=constant_methods or None)
    calls, outside = 0, Counter()
    for name in programs:
        for node in edge.exported_program(name).graph.nodes:
            if node.op != "call_function":
                continue
            target = str(node.target)
            if "executorch_call_delegate" in target:
                calls += 1
            elif not any(k in target for k in _NOT_COMPUTE):
                outside[target] += 1
    return edge.to_executorch(), calls, dict(outside)


def export_pte(
    student: nn.Module,
    out_path: str | os.PathLike[str],
    sizes: Sequence[Size],
    precision: Precision = "fp32",
    calibration: Sequence[Inputs] | None = None,
    quant: QuantConfig = QuantConfig(),
    style_names: Sequence[str] | None = None,
    style_vector: bool = False,
) -> PteReport:
    """Write ``out_path`` (.pte) holding one method per size; int8 needs ``calibration`` inputs.

    ``style_names``: the styles in table order, written into the program (``IOSpec.constant_methods``);
    without them the program carries its style count only and readers take the names from the manifest.
    ``style_vector``: also one ``vector_<H>x<W>`` method per size (``VectorAppModel``), beside the
    unchanged ``forward`` methods; int8 quantizes it on its own (post-training, with vectors from
    ``vector_calibration``), so the table's program is the same as without it.
    """
    if precision not in PRECISIONS:
        raise InputError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if not sizes:
        raise InputError("export needs at least one size")
    app = AppModel(student).eval()
    if style_names is not None:
        spec = IOSpec(tuple(style_names))
        if spec.style_count != app.styles:
            raise InputError(f"{spec.style_count} style names for a model with {app.styles} styles")
        constants = spec.constant_methods()
    else:
        constants = {STYLE_COUNT_METHOD: app.styles}
    model: nn.Module = app
    if precision == "int8":
        if not calibration:
            raise InputError("int8 export needs calibration photos")
        model = quantize_int8(app, calibration, quant)
    programs = {}
    with torch.no_grad():
        for size in sizes:
            programs[method_name(size)] = torch.export.export(model, example_inputs(app.styles, size))
    vector_methods: dict[str, str] = {}
    if style_vector:
        vapp = VectorAppModel(student).eval()
        vmodel: nn.Module = vapp
        if precision == "int8":
            ptq = dataclasses.replace(quant, qat_steps=0)  # QAT learns from the table's forward only
            vmodel = quantize_int8(vapp, vector_calibration(student, calibration or ()), ptq)
        with torch.no_grad():
            for size in sizes:
                example = example_vector_inputs(app.styles, vapp.vector_dim, size)
                programs[vector_method_name(size)] = torch.export.export(vmodel, example)
                vector_methods[str(size)] = vector_method_name(size)
    program, calls, outside = lower_to_executorch(programs, constants)
    path = Path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(program.buffer)
    os.replace(tmp, path)
    report = PteReport(str(path), precision, path.stat().st_size, {str(s): method_name(s) for s in sizes}, calls, outside,
                       vector_methods)
    log.info("%s", report.summary())
    if outside:
        log.warning("%d operator(s) run outside the XNNPACK delegate: %s", report.outside_total, outside)
    return report
