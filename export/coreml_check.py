"""The offline checker of a Core ML ``.mlpackage``: every promise the exporter makes, re-read from the package.

Why a module of its own (issue 21, item 2): the exporter and the checker were one 866-line module;
the checker reads a package without converting anything, so it is what verify needs and the
exporter is what the ``coreml`` recipe's export needs. It shares the exporter's names and
constants (``edgenst.export.coreml``), so both agree on what a package promises.

Core ML runs only on macOS, so ``check_coreml`` re-reads a package without running it: names,
types, sizes, metadata, the iOS 17 op set, and every stored weight against the PyTorch model,
within fp16 rounding or the quantization error. On macOS it also predicts and compares with
PyTorch (PSNR, ``edgenst.metrics.psnr``, gated per compression by ``MIN_PSNR``).
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.export.app_model import INPUT_NAMES, OUTPUT_NAME, AppModel, VectorAppModel
from edgenst.export.coreml import (
    DEPLOYMENT_TARGET,
    META_COMPRESS,
    META_CONVENTION,
    META_STYLES,
    META_VECTOR,
    OPSET,
    OUTPUT_SCALE,
    SPEC_VERSION,
    CoreMLConfig,
    _check_styles,
    _count_ops,
    _graph_tensors,
    _param_name,
    _student_of,
    _walk_pymil,
    vector_layout,
)
from edgenst.io_spec import VECTOR_INPUT_NAMES
from edgenst.metrics import psnr
from edgenst.models.style_params import num_styles

#: PSNR (dB, 0-255 images) the macOS prediction must reach against PyTorch fp32, per compression.
MIN_PSNR = {None: 35.0, "int8": 28.0, "palettize": 22.0}
_FP16_REL = 2.0**-10  # twice fp16's half-ulp: slack for a value rounded to fp16 once or twice
_FP16_ABS = 2.0**-24  # the smallest fp16 subnormal


@dataclass
class CoreMLCheck:
    """What ``check_coreml`` verified; ``failures`` lists every broken promise, one line each."""

    path: str
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    deployment_target: str = ""
    op_counts: dict[str, int] = field(default_factory=dict)
    weights_checked: int = 0
    weights_compressed: int = 0
    worst_weight_error: float = 0.0  # largest error / allowed error over all weights (<= 1 passes)
    predicted: bool = False
    psnr: dict[str, float] = field(default_factory=dict)  # size -> PSNR vs PyTorch (macOS only)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        head = "OK" if self.ok else f"FAILED ({len(self.failures)})"
        pred = ", ".join(f"{k}: {v:.1f} dB" for k, v in self.psnr.items()) if self.predicted else "not run"
        first = (f"{Path(self.path).name}: {head}; {self.weights_checked} weights checked "
                 f"({self.weights_compressed} compressed, worst error {self.worst_weight_error:.2f} of allowed); "
                 f"prediction: {pred}")
        lines = [first]
        lines += [f"  FAIL {f}" for f in self.failures] + [f"  note {n}" for n in self.notes]
        return "\n".join(lines)




def check_coreml(
    path: str | os.PathLike[str],
    model: nn.Module,
    styles: Sequence[str],
    config: CoreMLConfig | None = None,
    *,
    predict: bool | None = None,
    photo: torch.Tensor | None = None,
    min_psnr: float | None = None,
) -> CoreMLCheck:
    """Check the package at ``path`` keeps every promise ``config`` makes for ``model``.

    Raises ``InputError`` when ``path`` is not a readable package; otherwise returns the failures.
    ``predict`` (default: on macOS only, where Core ML runs) also runs the package at every promised
    size on ``photo`` (1x3xHxW in [0, 1]; default a sample photo) and needs ``min_psnr`` dB against
    PyTorch (default ``MIN_PSNR`` for the compression).
    """
    config = config or CoreMLConfig()
    student = _student_of(model)
    styles = _check_styles(styles, num_styles(student))
    pkg = Path(path)
    spec, program = _load_package(pkg)
    check = CoreMLCheck(path=str(pkg))
    fail = check.failures.append

    _check_program_kind(spec, check)
    _check_inputs(spec, len(styles), config, fail)
    if config.style_vector:
        _check_vector_inputs(spec, student, fail)
    _check_outputs(spec, config, fail)
    _check_metadata(spec, styles, config, fail)
    if config.style_vector:
        _check_vector_metadata(spec, student, fail)
    check.op_counts = dict(sorted(_count_ops(spec).items()))
    _check_op_set(check.op_counts, fail)
    _check_image_scale(program, fail)
    _check_weights(program, student, config, check)

    if predict is None:
        predict = sys.platform == "darwin"
    if predict:
        _predict_and_compare(pkg, student, styles, config, check, photo, min_psnr)
    else:
        check.notes.append("prediction not run: Core ML runs only on macOS")
    return check


def _load_package(pkg: Path) -> tuple[Any, Any]:
    if not pkg.exists():
        raise InputError(f"{pkg}: no such Core ML package")
    if not pkg.is_dir() or not (pkg / "Manifest.json").is_file():
        raise InputError(f"{pkg}: not a Core ML package (expected a .mlpackage folder with Manifest.json)")
    import coremltools as ct
    from coremltools.converters.mil.frontend.milproto.load import load as load_mil

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mlmodel = ct.models.MLModel(str(pkg), skip_model_load=True)
            spec = mlmodel.get_spec()
            if spec.WhichOneof("Type") != "mlProgram":
                raise InputError(f"{pkg}: not an ML Program (found {spec.WhichOneof('Type')})")
            program = load_mil(spec, spec.specificationVersion, file_weights_dir=mlmodel.weights_dir)
    except InputError:
        raise
    except Exception as e:  # protobuf, weight-file and MIL errors have no common base class
        detail = (str(e).strip().splitlines() or [""])[0][:200]
        raise InputError(f"{pkg}: unreadable Core ML package ({type(e).__name__}: {detail})") from e
    return spec, program


def _check_program_kind(spec: Any, check: CoreMLCheck) -> None:
    version = int(spec.specificationVersion)
    check.deployment_target = _TARGETS.get(version, f"spec {version}")
    if version != SPEC_VERSION:
        check.failures.append(f"specification version {version} ({check.deployment_target}), "
                              f"expected {SPEC_VERSION} ({DEPLOYMENT_TARGET})")
    functions = spec.mlProgram.functions
    if "main" not in functions:
        check.failures.append(f"no 'main' function (found {', '.join(functions) or 'none'})")
        return
    fn = functions["main"]
    if fn.opset != OPSET or list(fn.block_specializations) != [OPSET]:
        check.failures.append(f"main function uses opset {fn.opset} {list(fn.block_specializations)}, expected {OPSET}")


_TARGETS = {6: "iOS15", 7: "iOS16", 8: "iOS17", 9: "iOS18"}


def _check_inputs(spec: Any, styles: int, config: CoreMLConfig, fail: Any) -> None:
    inputs = list(spec.description.input)
    names = [i.name for i in inputs]
    expected = list(VECTOR_INPUT_NAMES if config.style_vector else INPUT_NAMES)
    if names != expected:
        fail(f"inputs are {names}, expected {expected}")
        return
    image, weights, strength = inputs[:3]
    kind = image.type.WhichOneof("Type")
    if kind != "imageType":
        fail(f"input image is a {kind}, expected an image")
    else:
        _check_image_type(image.type.imageType, "input image", config, fail, exact=True)
    for feature, shape in ((weights, [1, styles]), (strength, [1, 1])):
        _check_fixed_float_array(feature, shape, fail)


def _check_fixed_float_array(feature: Any, shape: list[int], fail: Any) -> Any:
    """A MultiArray input of exactly ``shape`` (no flexibility), float32; its array type, or None
    when the input is not a MultiArray at all."""
    kind = feature.type.WhichOneof("Type")
    if kind != "multiArrayType":
        fail(f"input {feature.name} is a {kind}, expected a MultiArray")
        return None
    arr = feature.type.multiArrayType
    if list(arr.shape) != shape or arr.WhichOneof("ShapeFlexibility") is not None:
        fail(f"input {feature.name} has shape {list(arr.shape)} "
             f"(flexibility {arr.WhichOneof('ShapeFlexibility')}), expected fixed {shape}")
    dtype = _array_dtype_name(arr.dataType)
    if dtype != "FLOAT32":
        fail(f"input {feature.name} is {dtype}, expected FLOAT32")
    return arr


def _check_vector_inputs(spec: Any, student: nn.Module, fail: Any) -> None:
    """``style_vector`` (1 x D) and ``vector_weight`` (1 x 1): float32, fixed shapes, optional with
    default 0, so an app that feeds only the first three inputs gets the table's blend."""
    if not hasattr(student, "forward_vector"):
        fail(f"the package promises a style vector input, but {type(student).__name__} takes none")
        return
    features = {i.name: i for i in spec.description.input}
    vector, weight = VECTOR_INPUT_NAMES[3:]
    for name, shape in ((vector, [1, int(student.style_vector_dim)]), (weight, [1, 1])):
        feature = features.get(name)
        if feature is None:
            continue  # _check_inputs named it
        arr = _check_fixed_float_array(feature, shape, fail)
        if arr is None:
            continue
        default = arr.WhichOneof("defaultOptionalValue")
        value = getattr(arr, default) if default else None
        if not feature.type.isOptional or value != 0:
            fail(f"input {name} is {'optional' if feature.type.isOptional else 'required'} with default {value}, "
                 "expected optional with default 0 (apps that feed only the table must still run)")


def _check_vector_metadata(spec: Any, student: nn.Module, fail: Any) -> None:
    if not hasattr(student, "forward_vector"):
        return
    user = dict(spec.description.metadata.userDefined)
    try:
        stored = json.loads(user.get(META_VECTOR, "null"))
    except json.JSONDecodeError:
        stored = user.get(META_VECTOR)
    want = vector_layout(student)
    if stored != want:
        fail(f"metadata {META_VECTOR} is {str(stored)[:120]!r}, expected the student's layout "
             f"({want['length']} values in {len(want['layout'])} tensors)")


def _check_outputs(spec: Any, config: CoreMLConfig, fail: Any) -> None:
    names = [o.name for o in spec.description.output]
    if names != [OUTPUT_NAME]:
        fail(f"outputs are {names}, expected ['{OUTPUT_NAME}']")
        return
    out = spec.description.output[0]
    kind = out.type.WhichOneof("Type")
    if kind != "imageType":
        fail(f"output {OUTPUT_NAME} is a {kind}, expected an image")
        return
    _check_image_type(out.type.imageType, f"output {OUTPUT_NAME}", config, fail, exact=False)


def _check_image_type(img: Any, what: str, config: CoreMLConfig, fail: Any, exact: bool) -> None:
    """``exact``: the sizes must be just the promised ones; else the promised ones must fit."""
    from coremltools.proto import FeatureTypes_pb2

    if img.colorSpace != FeatureTypes_pb2.ImageFeatureType.RGB:
        fail(f"{what} colour space is {FeatureTypes_pb2.ImageFeatureType.ColorSpace.Name(img.colorSpace)}, expected RGB")
    promised = {(s.height, s.width) for s in config.sizes}
    first = config.sizes[0]
    if (img.height, img.width) != (first.height, first.width) and exact:
        fail(f"{what} default size is {img.height}x{img.width}, expected {first}")
    flex = img.WhichOneof("SizeFlexibility")
    if flex == "enumeratedSizes":
        have = {(s.height, s.width) for s in img.enumeratedSizes.sizes}
        ok = have == promised if exact else promised <= have
        if not ok or (exact and config.flexible != "enumerated" and len(promised) > 1):
            fail(f"{what} takes sizes {_fmt_sizes(have)}, promised {config.flexible} {_fmt_sizes(promised)}")
    elif flex == "imageSizeRange":
        r = img.imageSizeRange
        h = (r.heightRange.lowerBound, r.heightRange.upperBound)
        w = (r.widthRange.lowerBound, r.widthRange.upperBound)
        if exact:
            want_h = (min(s.height for s in config.sizes), max(s.height for s in config.sizes))
            want_w = (min(s.width for s in config.sizes), max(s.width for s in config.sizes))
            if config.flexible != "range" or (h, w) != (want_h, want_w):
                fail(f"{what} takes heights {h} and widths {w}, promised {config.flexible} {_fmt_sizes(promised)}")
        elif not all(_in_range(hh, h) and _in_range(ww, w) for hh, ww in promised):
            fail(f"{what} size range heights {h}, widths {w} misses some of {_fmt_sizes(promised)}")
    else:
        fixed = {(img.height, img.width)}
        if fixed != promised:
            fail(f"{what} has the fixed size {_fmt_sizes(fixed)}, promised {_fmt_sizes(promised)}")


def _in_range(v: int, bounds: tuple[int, int]) -> bool:
    lo, hi = bounds
    return v >= lo and (hi < 0 or v <= hi)  # an upper bound of -1 means unbounded


def _fmt_sizes(sizes: set[tuple[int, int]]) -> str:
    return ",".join(f"{h}x{w}" for h, w in sorted(sizes))


def _array_dtype_name(dtype: int) -> str:
    from coremltools.proto import FeatureTypes_pb2

    return FeatureTypes_pb2.ArrayFeatureType.ArrayDataType.Name(dtype)


def _check_metadata(spec: Any, styles: list[str], config: CoreMLConfig, fail: Any) -> None:
    meta = spec.description.metadata
    for label, have, want in (("author", meta.author, config.author), ("license", meta.license, config.license),
                              ("description", meta.shortDescription, config.description),
                              ("version", meta.versionString, config.version)):
        if have != want:
            fail(f"metadata {label} is {have!r}, expected {want!r}")
    user = dict(meta.userDefined)
    try:
        stored = json.loads(user.get(META_STYLES, "null"))
    except json.JSONDecodeError:
        stored = user.get(META_STYLES)
    if stored != styles:
        fail(f"metadata {META_STYLES} is {stored!r}, expected {styles!r}")
    if not user.get(META_CONVENTION):
        fail(f"metadata {META_CONVENTION} is missing")
    if user.get(META_COMPRESS) != config.compress_label:
        fail(f"metadata {META_COMPRESS} is {user.get(META_COMPRESS)!r}, expected {config.compress_label!r}")


def _check_op_set(ops: dict[str, int], fail: Any) -> None:
    """Every op must be a core op that coremltools registers for the iOS 17 opset."""
    import coremltools as ct
    from coremltools.converters.mil.mil.ops.registry import SSAOpRegistry

    for op_type in ops:
        if ct.target.iOS17 not in SSAOpRegistry.core_ops.get(op_type, {}):
            fail(f"op {op_type} is not in the {DEPLOYMENT_TARGET} op set")


def _check_image_scale(program: Any, fail: Any) -> None:
    """The image input must be scaled by 1/255 before anything else reads it."""
    fn = program.functions.get("main")
    if fn is None:
        return
    image = fn.inputs.get(INPUT_NAMES[0])
    if image is None:
        return
    readers = list(image.child_ops)
    scale = None
    if len(readers) == 1 and readers[0].op_type == "mul":
        other = [v for v in readers[0].inputs.values() if v is not image]
        if other and other[0].val is not None and np.size(other[0].val) == 1:
            scale = float(np.asarray(other[0].val).reshape(()))
    if scale is None or not math.isclose(scale, 1.0 / 255.0, rel_tol=1e-3):
        fail(f"the image input is not scaled by 1/255 first (found {[op.op_type for op in readers]}, scale {scale})")


def _check_weights(program: Any, student: nn.Module, config: CoreMLConfig, check: CoreMLCheck) -> None:
    """Every stored weight named after a PyTorch parameter must equal it within its rounding error.

    fp16 weights: fp16 rounding. int8 (affine): half the channel's scale. Palettes: each weight
    maps to its nearest palette entry and the tensor's RMS error stays under 2^(2 - bits) of its
    RMS, so a perturbed weight cannot hide in a coarse palette. Every conv weight must be found
    (or be a bit-identical duplicate that coremltools merged into one found weight)."""
    params = _graph_tensors(AppModel(student))
    fn = program.functions.get("main")
    if fn is None:
        return
    want_kind = config.compress  # the kind _compare_weight names a compressed weight
    seen: dict[str, np.ndarray] = {}
    worst = 0.0
    kinds: Counter = Counter()
    for op in _walk_pymil(fn):
        if op.op_type != "const" and not op.op_type.startswith("constexpr_"):
            continue
        if op.op_type == "const":
            value = op.outputs[0].val
            if not isinstance(value, np.ndarray) or value.ndim == 0 or _feeds_constexpr(op):
                continue
        lifted = _param_name(op.name)
        if op.op_type != "const" and lifted not in params:
            check.failures.append(f"compressed constant {op.name} matches no PyTorch parameter")
            continue
        if lifted not in params:
            continue
        name, ref = params[lifted]
        try:
            kind, _, ratio, why = _compare_weight(op, ref, config)
        except ValueError as e:
            check.failures.append(f"weight {name}: {e}")
            continue
        kinds[kind] += 1
        seen[lifted] = ref
        worst = max(worst, ratio)
        if why:
            check.failures.append(f"weight {name} ({kind}) differs from PyTorch: {why}")
        if kind != "fp16" and kind != want_kind:
            check.failures.append(f"weight {name} is stored {kind}, but the config promises {config.compress_label}")
    check.weights_checked = sum(kinds.values())
    check.weights_compressed = check.weights_checked - kinds["fp16"]
    check.worst_weight_error = worst
    if config.compress and check.weights_compressed == 0:
        check.failures.append(f"no compressed weights, but the config promises {config.compress_label}")
    for lifted, (name, ref) in params.items():
        if ref.ndim != 4 or lifted in seen:
            continue  # 1-D biases and per-style vectors may be folded into other constants
        if not any(other.shape == ref.shape and np.array_equal(other, ref) for other in seen.values()):
            check.failures.append(f"conv weight {name} {tuple(ref.shape)} is not in the package")


def _feeds_constexpr(op: Any) -> bool:
    return any(child.op_type.startswith("constexpr_") for child in op.outputs[0].child_ops)


def _compare_weight(op: Any, ref: np.ndarray, config: CoreMLConfig) -> tuple[str, np.ndarray, float, str | None]:
    """(kind, decompressed value, worst error / allowed error, why it fails or None)."""
    if op.op_type == "const":
        value = op.outputs[0].val
        stored = np.asarray(value, dtype=np.float64)
        kind = "fp16" if value.dtype == np.float16 else str(value.dtype)
        tol = _FP16_REL * np.abs(ref) + _FP16_ABS
    elif op.op_type == "constexpr_affine_dequantize":
        q = op.quantized_data.val.astype(np.float64)
        axis = int(op.axis.val) % q.ndim
        bshape = [1] * q.ndim
        bshape[axis] = -1
        scale = np.asarray(op.scale.val, dtype=np.float64)
        zp = np.asarray(op.zero_point.val, dtype=np.float64)
        scale = scale.reshape(bshape) if scale.ndim else scale
        zp = zp.reshape(bshape) if zp.ndim else zp
        stored = (q - zp) * scale
        kind = "int8" if op.quantized_data.val.dtype in (np.int8, np.uint8) else str(op.quantized_data.val.dtype)
        # fp16 slack: the weight is rounded to fp16 before quantization, the scale after, and a
        # scale's rounding error grows with the level, up to the channel's largest value.
        others = tuple(a for a in range(q.ndim) if a != axis)
        channel_max = np.max(np.abs(stored), axis=others, keepdims=True) if others else np.abs(stored)
        tol = scale / 2 + _FP16_REL * (np.abs(ref) + channel_max) + _FP16_ABS
    elif op.op_type == "constexpr_blockwise_shift_scale":  # iOS 18's form of the same thing
        data = op.data.val.astype(np.float64)
        scale = _expand_blocks(np.asarray(op.scale.val, dtype=np.float64), data.shape)
        offset = 0.0 if op.offset is None else _expand_blocks(np.asarray(op.offset.val, dtype=np.float64), data.shape)
        stored = (data - offset) * scale
        kind = "int8" if op.data.val.dtype.itemsize == 1 else f"int{op.data.val.dtype.itemsize * 8}"
        tol = scale / 2 + _FP16_REL * (np.abs(ref) + np.abs(stored).max()) + _FP16_ABS
    elif op.op_type == "constexpr_lut_to_dense":
        stored = np.asarray(op.materialized_val_inference(), dtype=np.float64)
        lut = np.asarray(op.lut.val, dtype=np.float64).reshape(-1)
        kind = "palettize"
        if stored.shape != ref.shape:
            raise ValueError(f"shape {stored.shape} in the package, {ref.shape} in PyTorch")
        err = np.abs(stored - ref)
        distance = np.abs(ref.reshape(-1, 1) - lut.reshape(1, -1))
        nearest = distance.min(axis=1).reshape(ref.shape)
        nearest_entry = lut[distance.argmin(axis=1)].reshape(ref.shape)
        slack = _FP16_REL * (np.abs(ref) + np.abs(lut).max()) + _FP16_ABS
        tol = nearest + slack
        bits = max(1, round(math.log2(lut.size)))
        rms_ref = float(np.sqrt(np.mean(ref**2)))
        rel_rms = float(np.sqrt(np.mean(err**2))) / max(rms_ref, 1e-12)
        rms_limit = 2.0 ** (2 - bits)
        # how far past its nearest entry a weight sits (in fp16 slacks), or the RMS error's share of its limit
        ratio = max(float(np.max((err - nearest) / slack)), rel_rms / rms_limit)
        if float(np.max(err - tol)) > 0:
            i = np.unravel_index(int(np.argmax(err - tol)), err.shape)
            return kind, stored, ratio, (f"element {tuple(int(v) for v in i)} is {stored[i]:.6g} in the package, "
                                         f"{ref[i]:.6g} in PyTorch, whose nearest palette entry is {nearest_entry[i]:.6g}")
        if rel_rms > rms_limit:
            return kind, stored, ratio, f"relative RMS error {rel_rms:.3g} > {rms_limit:.3g} for {bits}-bit palettes"
        return kind, stored, ratio, None
    else:
        raise ValueError(f"cannot decompress {op.op_type}")
    if stored.shape != ref.shape:
        raise ValueError(f"shape {stored.shape} in the package, {ref.shape} in PyTorch")
    err = np.abs(stored - ref)
    ratio = float(np.max(err / tol)) if err.size else 0.0
    if ratio > 1.0:
        i = np.unravel_index(int(np.argmax(err / tol)), err.shape)
        return kind, stored, ratio, (f"element {tuple(int(v) for v in i)} is {stored[i]:.6g} in the package, "
                                     f"{ref[i]:.6g} in PyTorch (allowed error {tol[i]:.3g})")
    return kind, stored, ratio, None


def _expand_blocks(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if values.ndim == 0:
        return np.broadcast_to(values, shape)
    for axis, (n, m) in enumerate(zip(shape, values.shape)):
        values = np.repeat(values, n // m, axis=axis)
    return values


def _core_ml_predictor(path: str) -> Any:
    """The package loaded by Core ML itself (macOS only), on the CPU so results are reproducible."""
    import coremltools as ct

    return ct.models.MLModel(path, compute_units=ct.ComputeUnit.CPU_ONLY)


def _predict_and_compare(pkg: Path, student: nn.Module, styles: list[str], config: CoreMLConfig, check: CoreMLCheck,
                         photo: torch.Tensor | None, min_psnr: float | None) -> None:
    """macOS only: run Core ML on the CPU at every promised size and compare with PyTorch fp32.

    A package with a style vector runs twice per size: with the three table inputs only (its
    optional vector inputs left at their default) against the table's program, and with the
    first style's column fed as the vector (``vector_weight`` 1, the table's weights even) against
    ``Student.forward_vector``; the second result is ``psnr["<size> vector"]``."""
    from edgenst.samples import sample_photo

    limit = MIN_PSNR[config.compress] if min_psnr is None else float(min_psnr)
    try:
        mlmodel = _core_ml_predictor(str(pkg))
    except Exception as e:  # noqa: BLE001 - any load error is a failed check, not a crash
        check.failures.append(f"Core ML cannot load the package: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
        return
    source = sample_photo("astronaut") if photo is None else photo.detach().float().cpu()
    app = AppModel(student, output_scale=OUTPUT_SCALE).eval()
    n = len(styles)
    weights = torch.full((1, n), 1.0 / n)
    strength = torch.ones(1, 1)
    runs: list[tuple[str, dict[str, np.ndarray], Any]] = [("", {}, app)]
    if config.style_vector:
        from edgenst.styles import StyleSpace

        vector = StyleSpace.of(student).column(student, 0).values.reshape(1, -1).float()
        extra = {VECTOR_INPUT_NAMES[3]: vector.numpy(), VECTOR_INPUT_NAMES[4]: np.ones((1, 1), np.float32)}
        vapp = VectorAppModel(student, output_scale=OUTPUT_SCALE).eval()
        runs.append((" vector", extra, lambda x, w, s: vapp(x, w, s, vector, torch.ones(1, 1))))
    for size in config.sizes:
        for label, extra, reference in runs:
            _predict_one(mlmodel, source, size, weights, strength, extra, reference, f"{size}{label}", limit, check)
    check.predicted = bool(check.psnr)


def _predict_one(mlmodel: Any, source: torch.Tensor, size: Any, weights: torch.Tensor, strength: torch.Tensor,
                 extra: dict[str, np.ndarray], reference: Any, key: str, limit: float, check: CoreMLCheck) -> None:
    import torch.nn.functional as F
    from PIL import Image

    img = F.interpolate(source, size=(size.height, size.width), mode="bilinear", align_corners=False,
                        antialias=True).clamp(0, 1)
    u8 = (img[0].permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
    try:
        out = mlmodel.predict({INPUT_NAMES[0]: Image.fromarray(u8, "RGB"), INPUT_NAMES[1]: weights.numpy(),
                               INPUT_NAMES[2]: strength.numpy(), **extra})[OUTPUT_NAME]
    except Exception as e:  # noqa: BLE001 - Core ML's errors have no common base class
        check.failures.append(f"prediction at {key} failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
        return
    got = np.asarray(out.convert("RGB"), dtype=np.float64)
    with torch.no_grad():
        want = reference(torch.from_numpy(u8).permute(2, 0, 1)[None].float() / 255.0, weights, strength)
    want_np = want[0].permute(1, 2, 0).clamp(0, 255).numpy().astype(np.float64)
    if got.shape != want_np.shape:
        check.failures.append(f"prediction at {key} is {got.shape[1]}x{got.shape[0]} pixels, expected {size}")
        return
    db = psnr(got, want_np, peak=255.0)
    check.psnr[key] = db
    if db < limit:
        check.failures.append(f"prediction at {key}: PSNR {db:.1f} dB vs PyTorch < {limit:.1f} dB")


__all__ = ["MIN_PSNR", "CoreMLCheck", "check_coreml"]
