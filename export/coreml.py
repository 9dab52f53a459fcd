"""Core ML ``.mlpackage`` (ML Program, iOS 17+): image in, image out, style weights as a MultiArray.

Why these choices:
- ``torch.export`` (not TorchScript) with the image height and width as symbolic multiples of 4,
  so one program serves every promised size; Core ML gets them as enumerated sizes (the default:
  the runtime can plan each one) or as a range (any size between the smallest and largest; the app
  must still pass sides that are multiples of 4).
- ``image`` is a real image (RGB, 0-255) that Core ML scales to [0, 1] itself, and ``stylized``
  is an image too (the graph multiplies by 255), so the app needs no pixel loops.
  ``style_weights`` (1 x S) and ``strength`` (1 x 1) are float32 MultiArrays.
- fp16 compute; weights optionally int8 (linear symmetric, per output channel) or palettized
  (k-means look-up table). The student's weights are small, so the coremltools default threshold
  (2048 elements) would compress almost nothing: every conv weight above ``min_weight_size`` is a
  candidate, and the report names each weight kept in fp16 and why.

``check_coreml`` re-reads a package without running it (Core ML runs only on macOS): names, types,
sizes, metadata, the iOS 17 op set, and every stored weight against the PyTorch model, within
fp16 rounding or the quantization error. On macOS it also predicts and compares with PyTorch.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from edgenst import __version__
from edgenst.errors import InputError
from edgenst.export.app_model import DEFAULT_SIZES, INPUT_NAMES, OUTPUT_NAME, AppModel, Size, example_inputs
from edgenst.models.style_params import num_styles

COMPRESS_MODES = ("int8", "palettize")
FLEXIBLE_MODES = ("enumerated", "range")
PALETTE_BITS = (2, 4, 6, 8)  # what constexpr_lut_to_dense takes on iOS 17
DEPLOYMENT_TARGET = "iOS17"
SPEC_VERSION = 8  # Core ML specification version of iOS 17 / macOS 14
OPSET = "CoreML7"  # the ML Program opset of iOS 17
OUTPUT_SCALE = 255.0
#: user_defined_metadata keys this exporter writes
META_STYLES = "edgenst.styles"
META_CONVENTION = "edgenst.input_convention"
META_SIZES = "edgenst.sizes"
META_COMPRESS = "edgenst.compress"
META_VERSION = "edgenst.version"
INPUT_CONVENTION = (
    "image: RGB image, 0-255 (scaled to [0,1] inside the model), height and width multiples of 4; "
    "style_weights: float32 1xS, one weight per style in edgenst.styles order, rows summing to 1 blend; "
    "strength: float32 1x1 in [0,1], 0 = the photo, 1 = the full style; "
    "stylized: RGB image, 0-255, the size of the input"
)
#: PSNR (dB, 0-255 images) the macOS prediction must reach against PyTorch fp32, per compression.
MIN_PSNR = {None: 35.0, "int8": 28.0, "palettize": 22.0}
_FP16_REL = 2.0**-10  # twice fp16's half-ulp: slack for a value rounded to fp16 once or twice
_FP16_ABS = 2.0**-24  # the smallest fp16 subnormal
_PARAM_PREFIX = "p_"  # torch.export lifts parameter "a.b.c" to the input "p_a_b_c"
_BUFFER_PREFIX = "b_"  # ... and buffer "a.b.c" to "b_a_b_c"
_NAME_SUFFIXES = ("_quantized", "_palettized", "_to_fp16", "_to_fp32")


@dataclass(frozen=True)
class CoreMLConfig:
    """What the package promises: sizes, flexibility, compression and metadata."""

    sizes: tuple[Size, ...] = tuple(Size(h, w) for h, w in DEFAULT_SIZES)
    flexible: str = "enumerated"  # "enumerated": exactly ``sizes``; "range": any size between them
    compress: str | None = None  # None (fp16 weights), "int8" or "palettize"
    palette_bits: int = 6  # for "palettize": 2**bits k-means centroids per weight tensor
    min_weight_size: int = 0  # compress conv weights with more elements than this
    author: str = "edgenst"
    license: str = "Apache-2.0"
    description: str = "Multi-style neural style transfer (edgenst student): photo + style weights -> stylized photo"
    version: str = __version__

    def __post_init__(self) -> None:
        sizes = self.sizes
        if isinstance(sizes, (Size, str)) or (isinstance(sizes, tuple) and len(sizes) == 2 and all(isinstance(v, int) for v in sizes)):
            sizes = (sizes,)
        try:
            norm = tuple(_as_size(s) for s in sizes)
        except TypeError:
            raise InputError(f"sizes must be a list of Size, (height, width) or 'HxW', got {self.sizes!r}") from None
        if not norm:
            raise InputError("a Core ML export needs at least one size")
        if len(set(norm)) != len(norm):
            raise InputError(f"sizes repeat: {', '.join(map(str, norm))}")
        object.__setattr__(self, "sizes", norm)
        if self.flexible not in FLEXIBLE_MODES:
            raise InputError(f"flexible must be one of {', '.join(FLEXIBLE_MODES)}, got {self.flexible!r}")
        if self.compress not in (None, *COMPRESS_MODES):
            raise InputError(f"compress must be none, {' or '.join(COMPRESS_MODES)}, got {self.compress!r}")
        if isinstance(self.palette_bits, bool) or self.palette_bits not in PALETTE_BITS:
            raise InputError(f"palette_bits must be one of {', '.join(map(str, PALETTE_BITS))}, got {self.palette_bits!r}")
        if isinstance(self.min_weight_size, bool) or not isinstance(self.min_weight_size, int) or self.min_weight_size < 0:
            raise InputError(f"min_weight_size must be an integer >= 0, got {self.min_weight_size!r}")
        for name in ("author", "license", "description", "version"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip() or "\n" in value:
                raise InputError(f"{name} must be a non-empty single-line string, got {value!r}")

    @property
    def compress_label(self) -> str:
        if self.compress == "palettize":
            return f"palettize-{self.palette_bits}bit"
        return self.compress or "none"


@dataclass(frozen=True)
class CoreMLReport:
    path: str
    bytes: int
    sizes: tuple[str, ...]
    flexible: str
    compress: str  # "none", "int8", "palettize-6bit" ...
    deployment_target: str
    op_counts: dict[str, int]  # op type -> count in the main function (const ops included)
    compressed: tuple[str, ...] = ()  # PyTorch parameter names stored compressed
    kept_dense: dict[str, str] = field(default_factory=dict)  # parameter name -> why it stayed fp16

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        compute = {k: v for k, v in sorted(self.op_counts.items()) if k != "const" and not k.startswith("constexpr_")}
        ops = ", ".join(f"{k} x{v}" for k, v in compute.items())
        line = (f"{Path(self.path).name}: {self.bytes / 1024:.1f} KiB, {self.deployment_target}, {self.flexible} sizes "
                f"{','.join(self.sizes)}, weights {self.compress}")
        if self.compress != "none":
            line += f" ({len(self.compressed)} compressed, {len(self.kept_dense)} kept fp16)"
        return f"{line}; ops: {ops}"


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


# --------------------------------------------------------------------------------------- export


def export_coreml(
    model: nn.Module,
    styles: Sequence[str],
    out_path: str | os.PathLike[str],
    config: CoreMLConfig | None = None,
) -> CoreMLReport:
    """Convert ``model`` (a student) to ``out_path`` (``.mlpackage``); replaces an existing package."""
    config = config or CoreMLConfig()
    out = _check_out_path(out_path)
    student = _student_of(model)
    styles = _check_styles(styles, num_styles(student))
    import coremltools as ct

    app = AppModel(student, output_scale=OUTPUT_SCALE).eval()
    program = _torch_export(app, len(styles), config.sizes)
    mlmodel = ct.convert(
        program,
        inputs=_input_types(ct, len(styles), config),
        outputs=[ct.ImageType(name=OUTPUT_NAME, color_layout=ct.colorlayout.RGB)],
        convert_to="mlprogram",
        minimum_deployment_target=ct.target.iOS17,
        compute_precision=ct.precision.FLOAT16,
        skip_model_load=True,  # Core ML itself exists only on macOS
    )
    compressed: tuple[str, ...] = ()
    kept: dict[str, str] = {}
    if config.compress:
        names = {lifted: n for lifted, (n, _) in _graph_tensors(app).items()}
        mlmodel, compressed, kept = _compress(ct, mlmodel, config, names)
    _write_metadata(mlmodel, styles, config)
    _save_atomically(mlmodel, out)
    spec = mlmodel.get_spec()
    return CoreMLReport(
        path=str(out),
        bytes=_package_bytes(out),
        sizes=tuple(map(str, config.sizes)),
        flexible=config.flexible,
        compress=config.compress_label,
        deployment_target=DEPLOYMENT_TARGET,
        op_counts=dict(sorted(_count_ops(spec).items())),
        compressed=compressed,
        kept_dense=kept,
    )


def _as_size(s: Any) -> Size:
    if isinstance(s, Size):
        return s
    if isinstance(s, str):
        return Size.parse(s)
    if isinstance(s, (tuple, list)) and len(s) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in s):
        return Size(int(s[0]), int(s[1]))
    raise TypeError(s)


def _student_of(model: nn.Module) -> nn.Module:
    student = model.student if isinstance(model, AppModel) else model
    if not isinstance(student, nn.Module) or not hasattr(student, "config"):
        raise InputError(f"expected an edgenst student, got {type(model).__name__}")
    return student


def _check_styles(styles: Sequence[str], expected: int) -> list[str]:
    if isinstance(styles, str):
        raise InputError("styles must be a list of style names, not one string")
    names = list(styles)
    if len(names) != expected:
        raise InputError(f"the model has {expected} styles but {len(names)} style names were given")
    if any(not isinstance(n, str) or not n.strip() for n in names):
        raise InputError(f"style names must be non-empty strings, got {names}")
    if len(set(names)) != len(names):
        raise InputError(f"style names repeat: {names}")
    return names


def _check_out_path(path: str | os.PathLike[str]) -> Path:
    out = Path(path)
    if out.suffix != ".mlpackage":
        raise InputError(f"{out}: a Core ML package must end in .mlpackage")
    if out.exists() and not (out.is_dir() and (out / "Manifest.json").is_file()):
        raise InputError(f"{out}: exists and is not a Core ML package; refusing to replace it")
    if not out.parent.is_dir():
        raise InputError(f"{out.parent}: output folder does not exist")
    return out


def _torch_export(app: AppModel, styles: int, sizes: Sequence[Size]) -> torch.export.ExportedProgram:
    """One program whose height and width are symbolic multiples of 4 spanning ``sizes``.

    A side that is the same in every size stays static, which torch.export prefers."""
    dims: dict[int, Any] = {}
    for axis, name, sides in ((2, "height", [s.height for s in sizes]), (3, "width", [s.width for s in sizes])):
        lo, hi = min(sides) // 4, max(sides) // 4
        if lo != hi:
            dims[axis] = 4 * torch.export.Dim(f"{name}_div4", min=lo, max=hi)
    dynamic = {"image": dims or None, "style_weights": None, "strength": None}
    with torch.no_grad():
        program = torch.export.export(app, example_inputs(styles, sizes[0]), dynamic_shapes=dynamic)
    return program.run_decompositions({})


def _input_types(ct: Any, styles: int, config: CoreMLConfig) -> list:
    first = config.sizes[0]
    if len(config.sizes) == 1:
        shape: Any = (1, 3, first.height, first.width)
    elif config.flexible == "enumerated":
        shape = ct.EnumeratedShapes(shapes=[[1, 3, s.height, s.width] for s in config.sizes],
                                    default=[1, 3, first.height, first.width])
    else:
        def dim(sides: list[int], default: int) -> Any:
            return sides[0] if min(sides) == max(sides) else ct.RangeDim(min(sides), max(sides), default=default)

        shape = ct.Shape(shape=(1, 3, dim([s.height for s in config.sizes], first.height),
                                dim([s.width for s in config.sizes], first.width)))
    return [
        ct.ImageType(name=INPUT_NAMES[0], shape=shape, scale=1.0 / 255.0, color_layout=ct.colorlayout.RGB),
        ct.TensorType(name=INPUT_NAMES[1], shape=(1, styles), dtype=np.float32),
        ct.TensorType(name=INPUT_NAMES[2], shape=(1, 1), dtype=np.float32),
    ]


def _compress(ct: Any, mlmodel: Any, config: CoreMLConfig,
              names: dict[str, str]) -> tuple[Any, tuple[str, ...], dict[str, str]]:
    """Compress every conv weight worth compressing, named one by one so nothing else is touched."""
    import coremltools.optimize.coreml as cto

    if config.compress == "int8":
        op_config = cto.OpLinearQuantizerConfig(mode="linear_symmetric", dtype="int8", granularity="per_channel",
                                                weight_threshold=0)
    else:
        op_config = cto.OpPalettizerConfig(mode="kmeans", nbits=config.palette_bits, granularity="per_tensor",
                                           weight_threshold=0)
    chosen: dict[str, str] = {}  # const op name -> parameter name
    kept: dict[str, str] = {}
    for const_name, value in _conv_weight_consts(mlmodel._mil_program):
        lifted = _param_name(const_name)
        param = names.get(lifted or "", const_name)  # the PyTorch name, else the Core ML one
        why = _why_keep_dense(value, config)
        if why:
            kept[param] = why
        else:
            chosen[const_name] = param
    if not chosen:
        raise InputError(f"compress={config.compress_label}: no weight is worth compressing "
                         f"(min_weight_size={config.min_weight_size}); export without compression")
    opt = cto.OptimizationConfig(op_name_configs={name: op_config for name in chosen})
    with warnings.catch_warnings():
        # k-means on tensors with fewer distinct values than centroids warns once per tensor.
        warnings.filterwarnings("ignore", message=".*distinct clusters.*")
        if config.compress == "int8":
            mlmodel = cto.linear_quantize_weights(mlmodel, config=opt)
        else:
            mlmodel = cto.palettize_weights(mlmodel, config=opt)
    return mlmodel, tuple(sorted(chosen.values())), dict(sorted(kept.items()))


def _conv_weight_consts(program: Any) -> list[tuple[str, np.ndarray]]:
    found: dict[str, np.ndarray] = {}
    for fn in program.functions.values():
        for op in _walk_pymil(fn):
            if op.op_type != "conv":
                continue
            w = op.inputs.get("weight")
            if w is not None and w.op is not None and w.op.op_type == "const" and isinstance(w.val, np.ndarray):
                found[w.op.name] = w.val
    return sorted(found.items())


def _walk_pymil(block: Any):
    for op in block.operations:
        yield op
        for inner in op.blocks:
            yield from _walk_pymil(inner)


def _why_keep_dense(value: np.ndarray, config: CoreMLConfig) -> str | None:
    n = int(value.size)
    if n <= config.min_weight_size:
        return f"{n} elements <= min_weight_size {config.min_weight_size}"
    if value.ndim < 2 or n < 10:
        return "too small for Core ML weight compression (needs rank >= 2 and >= 10 elements)"
    if config.compress == "int8":
        per_channel = np.abs(value.reshape(value.shape[0], -1)).max(axis=1)
        if not np.all(per_channel > 0):
            return "an output channel is all zero (its int8 scale would be 0)"
    else:
        bits = config.palette_bits
        palette_bytes = 2 * 2**bits + math.ceil(n * bits / 8)
        if palette_bytes >= 2 * n:
            return f"a {2**bits}-entry palette ({palette_bytes} B) is not smaller than fp16 ({2 * n} B)"
    return None


def _write_metadata(mlmodel: Any, styles: list[str], config: CoreMLConfig) -> None:
    mlmodel.author = config.author
    mlmodel.license = config.license
    mlmodel.short_description = config.description
    mlmodel.version = config.version
    meta = mlmodel.user_defined_metadata
    meta[META_STYLES] = json.dumps(styles)
    meta[META_CONVENTION] = INPUT_CONVENTION
    meta[META_SIZES] = ",".join(map(str, config.sizes)) + (" (range)" if config.flexible == "range" else "")
    meta[META_COMPRESS] = config.compress_label
    meta[META_VERSION] = __version__
    mlmodel.input_description[INPUT_NAMES[0]] = "Photo, RGB 0-255; height and width multiples of 4"
    mlmodel.input_description[INPUT_NAMES[1]] = f"1x{len(styles)} style blend weights: {', '.join(styles)}"
    mlmodel.input_description[INPUT_NAMES[2]] = "1x1 style strength in [0, 1]"
    mlmodel.output_description[OUTPUT_NAME] = "Stylized photo, RGB 0-255, the input's size"


def _save_atomically(mlmodel: Any, out: Path) -> None:
    """Write into a hidden folder beside ``out``, then swap it in, so a crash leaves no half package."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    old = tmp.with_name(tmp.name + ".old")
    try:
        mlmodel.save(str(tmp / out.name))
        # coremltools adds an ExecuTorch debug map (tens of KiB) outside the manifest; the app never reads it.
        (tmp / out.name / "executorch_debug_handle_mapping.json").unlink(missing_ok=True)
        if out.exists():
            os.replace(out, old)
        os.replace(tmp / out.name, out)
    finally:
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


def _package_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _count_ops(spec: Any) -> Counter:
    counts: Counter = Counter()
    for fn in spec.mlProgram.functions.values():
        for block in fn.block_specializations.values():
            for op in _walk_proto(block):
                counts[op.type] += 1
    return counts


def _walk_proto(block: Any):
    for op in block.operations:
        yield op
        for inner in op.blocks:
            yield from _walk_proto(inner)


def _param_name(mil_name: str) -> str | None:
    """``p_student_stem_weight_to_fp16_quantized`` -> ``p_student_stem_weight`` (a lifted parameter)."""
    if not mil_name.startswith((_PARAM_PREFIX, _BUFFER_PREFIX)):
        return None
    changed = True
    while changed:
        changed = False
        for suffix in _NAME_SUFFIXES:
            if mil_name.endswith(suffix):
                mil_name, changed = mil_name[: -len(suffix)], True
    return mil_name


def _lifted_name(name: str, prefix: str = _PARAM_PREFIX) -> str:
    return prefix + re.sub(r"\W", "_", name)


def _graph_tensors(app: AppModel) -> dict[str, tuple[str, np.ndarray]]:
    """Lifted name -> (PyTorch name, value) of every tensor the traced graph holds as a constant:
    the parameters and buffers of the app's (frozen) student, e.g. its per-style tables."""
    out = {_lifted_name("student." + n): (n, p.detach().float().cpu().numpy()) for n, p in app.student.named_parameters()}
    out.update({_lifted_name("student." + n, _BUFFER_PREFIX): (n, b.detach().float().cpu().numpy())
                for n, b in app.student.named_buffers()})
    return out


# ---------------------------------------------------------------------------------------- check


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
    _check_outputs(spec, config, fail)
    _check_metadata(spec, styles, config, fail)
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
    if names != list(INPUT_NAMES):
        fail(f"inputs are {names}, expected {list(INPUT_NAMES)}")
        return
    image, weights, strength = inputs
    kind = image.type.WhichOneof("Type")
    if kind != "imageType":
        fail(f"input image is a {kind}, expected an image")
    else:
        _check_image_type(image.type.imageType, "input image", config, fail, exact=True)
    for feature, shape in ((weights, [1, styles]), (strength, [1, 1])):
        kind = feature.type.WhichOneof("Type")
        if kind != "multiArrayType":
            fail(f"input {feature.name} is a {kind}, expected a MultiArray")
            continue
        arr = feature.type.multiArrayType
        if list(arr.shape) != shape or arr.WhichOneof("ShapeFlexibility") is not None:
            fail(f"input {feature.name} has shape {list(arr.shape)} "
                 f"(flexibility {arr.WhichOneof('ShapeFlexibility')}), expected fixed {shape}")
        dtype = _array_dtype_name(arr.dataType)
        if dtype != "FLOAT32":
            fail(f"input {feature.name} is {dtype}, expected FLOAT32")


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
    """macOS only: run Core ML on the CPU at every promised size and compare with PyTorch fp32."""
    import torch.nn.functional as F
    from PIL import Image

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
    for size in config.sizes:
        img = F.interpolate(source, size=(size.height, size.width), mode="bilinear", align_corners=False,
                            antialias=True).clamp(0, 1)
        u8 = (img[0].permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
        try:
            out = mlmodel.predict({INPUT_NAMES[0]: Image.fromarray(u8, "RGB"),
                                   INPUT_NAMES[1]: weights.numpy(), INPUT_NAMES[2]: strength.numpy()})[OUTPUT_NAME]
        except Exception as e:  # noqa: BLE001 - Core ML's errors have no common base class
            check.failures.append(f"prediction at {size} failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
            continue
        got = np.asarray(out.convert("RGB"), dtype=np.float64)
        with torch.no_grad():
            want = app(torch.from_numpy(u8).permute(2, 0, 1)[None].float() / 255.0, weights, strength)
        want_np = want[0].permute(1, 2, 0).clamp(0, 255).numpy().astype(np.float64)
        if got.shape != want_np.shape:
            check.failures.append(f"prediction at {size} is {got.shape[1]}x{got.shape[0]} pixels, expected {size}")
            continue
        mse = float(np.mean((got - want_np) ** 2))
        psnr = float("inf") if mse == 0 else 10 * math.log10(255.0**2 / mse)
        check.psnr[str(size)] = psnr
        if psnr < limit:
            check.failures.append(f"prediction at {size}: PSNR {psnr:.1f} dB vs PyTorch < {limit:.1f} dB")
    check.predicted = bool(check.psnr)


__all__ = [
    "COMPRESS_MODES",
    "FLEXIBLE_MODES",
    "CoreMLCheck",
    "CoreMLConfig",
    "CoreMLReport",
    "check_coreml",
    "export_coreml",
]
