"""What a ``.pte`` holds, read from the file without running it: its delegates and their precision.

Why: a file's name and its manifest entry are only claims. An fp32 program copied over
``student-int8.pte`` (manifest re-hashed) runs, and compared with fp32 eager it even scores a
perfect PSNR. The program itself says what it is: a PT2E int8 export puts quantized tensor values
(``XNNQuantizedTensorValue``, int8/int32 data types) inside its XNNPACK delegates, or quantize and
dequantize operators outside them; an fp32 export has neither.

The same read also says where the work runs (``delegation_summary``, which every ``.pte`` recipe
logs after export): each method's instruction chain is a list of delegate calls and kernel calls,
and a kernel call is an operator left to ExecuTorch's portable kernels.

The XNNPACK payload is a small header (``XH00``) followed by an ``XNNGraph`` flatbuffer
(``executorch/backends/xnnpack/serialization/schema.fbs``); only the value table is read here.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from edgenst.errors import InputError
from edgenst.native_stderr import quiet_import

log = logging.getLogger(__name__)

#: ``XValueUnion`` member 2 is ``XNNQuantizedTensorValue``.
_QUANTIZED_VALUE = 2
#: ``XNNDatatype`` names, for the report.
_DATATYPES = {0: "invalid", 1: "fp32", 2: "fp16", 3: "qint8", 4: "quint8", 5: "qint32", 6: "qcint8", 7: "qcint32",
              8: "qcint4", 9: "qdint8", 10: "qbint4", 11: "qpint8", 12: "int32", 13: "pfp32", 14: "bf16"}
_XNN_MAGIC = b"XH00"


@dataclass
class PteContents:
    """Delegates of a program and what their values are made of."""

    delegates: int = 0
    xnnpack_delegates: int = 0
    values: int = 0
    quantized_values: int = 0
    datatypes: Counter = field(default_factory=Counter)
    quantize_ops: int = 0  # quantize/dequantize operators left outside any delegate
    methods: int = 0
    delegate_calls: int = 0  # instructions that run a delegate, over all methods
    kernel_calls: Counter = field(default_factory=Counter)  # operator -> instructions on portable kernels

    @property
    def precision(self) -> str:
        return "int8" if self.quantized_values or self.quantize_ops else "fp32"

    def summary(self) -> str:
        kinds = ", ".join(f"{k} x{v}" for k, v in sorted(self.datatypes.items())) or "none"
        return (f"{self.xnnpack_delegates} XNNPACK delegate(s), {self.quantized_values} of {self.values} values "
                f"quantized ({kinds}), {self.quantize_ops} quantize op(s) outside")

    def delegation_summary(self) -> str:
        """One line: how many calls run in a delegate, and which operators stay on portable kernels."""
        left = ", ".join(f"{k} x{v}" for k, v in sorted(self.kernel_calls.items())) or "none"
        backends = f"{self.xnnpack_delegates} XNNPACK" if self.xnnpack_delegates == self.delegates else f"{self.delegates}"
        return (f"{self.methods} method(s), {self.delegate_calls} delegate call(s) ({backends} delegate(s)), "
                f"{sum(self.kernel_calls.values())} kernel call(s) on portable kernels: {left}")


def inspect_pte(path: str | os.PathLike[str]) -> PteContents:
    """Read ``path`` (a ``.pte``) and count its delegates' values by data type; ``InputError`` if unreadable."""
    with quiet_import(log):
        from executorch.exir._serialize import _deserialize_pte_binary

    path = Path(path)
    try:
        program = _deserialize_pte_binary(path.read_bytes()).program
    except Exception as exc:  # the flatbuffer reader raises whatever a corrupt buffer makes it raise
        raise InputError(f"{path}: cannot read the program's structure ({type(exc).__name__}: {exc})") from None
    out = PteContents()
    for plan in program.execution_plan:
        out.quantize_ops += sum("quantize" in op.name for op in plan.operators)
        _count_calls(plan, out)
        for delegate in plan.delegates:
            out.delegates += 1
            if "xnnpack" not in delegate.id.lower():
                continue
            out.xnnpack_delegates += 1
            if delegate.processed.location != 0:  # not inline in the program: a named data map, not read here
                raise InputError(f"{path}: delegate data stored outside the program cannot be inspected")
            payload = program.backend_delegate_data[delegate.processed.index].data
            try:
                _count_values(bytes(payload), out)
            except (IndexError, ValueError, TypeError) as exc:
                raise InputError(f"{path}: damaged XNNPACK delegate ({exc})") from None
    return out


def _count_calls(plan, out: PteContents) -> None:
    """Count a method's delegate calls and its kernel calls by operator (``Instruction.instr_args``)."""
    from executorch.exir.schema import DelegateCall, KernelCall

    before = out.delegate_calls + sum(out.kernel_calls.values())
    for chain in plan.chains:
        for instruction in chain.instructions:
            call = instruction.instr_args
            if isinstance(call, DelegateCall):
                out.delegate_calls += 1
            elif isinstance(call, KernelCall):
                op = plan.operators[call.op_index]
                out.kernel_calls[op.name + (f".{op.overload}" if op.overload else "")] += 1
    if out.delegate_calls + sum(out.kernel_calls.values()) > before:  # constant methods do no work
        out.methods += 1


def _count_values(payload: bytes, out: PteContents) -> None:
    """Count the ``xvalues`` of one XNNPACK payload by union kind and data type."""
    from flatbuffers import number_types as nt
    from flatbuffers.table import Table

    if payload[4:8] == _XNN_MAGIC:  # header: magic at 4, length (u16), flatbuffer offset (u32), size (u32)
        start = int.from_bytes(payload[10:14], "little")
        size = int.from_bytes(payload[14:18], "little")
        fb = bytearray(payload[start : start + size])
    else:  # older payloads are the bare flatbuffer
        fb = bytearray(payload)
    graph = Table(fb, int.from_bytes(fb[0:4], "little"))
    slot = graph.Offset(8)  # XNNGraph field 2: xvalues
    if not slot:
        return
    first = graph.Vector(slot)
    for i in range(graph.VectorLen(slot)):
        value = Table(fb, graph.Indirect(first + 4 * i))
        kind_slot = value.Offset(4)  # XValue field 0: the union's type tag
        kind = value.Get(nt.Uint8Flags, value.Pos + kind_slot) if kind_slot else 0
        union_slot = value.Offset(6)  # field 1: the union's table
        if not union_slot:
            continue
        tensor = Table(fb, 0)
        value.Union(tensor, union_slot)
        if kind == _QUANTIZED_VALUE:  # XNNQuantizedTensorValue.tensor_value (field 0) holds the data type
            inner = tensor.Offset(4)
            if not inner:
                continue
            tensor = Table(fb, tensor.Indirect(tensor.Pos + inner))
            out.quantized_values += 1
        dt_slot = tensor.Offset(4)  # XNNTensorValue field 0: datatype (short)
        datatype = tensor.Get(nt.Int16Flags, tensor.Pos + dt_slot) if dt_slot else 0
        out.values += 1
        out.datatypes[_DATATYPES.get(datatype, str(datatype))] += 1
