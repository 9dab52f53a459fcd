"""Core ML ``.mlpackage`` (ML Program, iOS 17+): image in, image out, style weights as a MultiArray.

Why these choices:
- ``torch.export`` (not TorchScript) with the image height and width as symbolic multiples of 4,
  so one program serves every promised size; Core ML gets them as enumerated sizes (the default:
  the runtime can plan each one) or as a range (any size between the smallest and largest; the app
  must still pass sides that are multiples of 4).
- ``image`` is a real image (RGB, 0-255) that Core ML scales to [0, 1] itself, and ``stylized``
  is an image too (the graph multiplies by 255), so the app needs no pixel loops.
  ``style_weights`` (1 x S) and ``strength`` (1 x 1) are float32 MultiArrays.
- With ``style_vector`` (``edgenst export --style-vector``), the same one function also takes
  ``style_vector`` (1 x D, the ``edgenst.styles.StyleVector`` layout: a predicted or fitted
  painting) and ``vector_weight`` (1 x 1), the ``.pte``'s ``vector_<H>x<W>`` inputs. Both are
  *optional* inputs whose default is 0 (``ct.TensorType(default_value=...)``, ML Program, iOS 16+):
  an app that feeds only the first three gets the table's blend, so apps written for the
  table-only package run unchanged, where the ``.pte`` needs a second method for the same reason.
- fp16 compute; weights optionally int8 (linear symmetric, per output channel) or palettized
  (k-means look-up table). The student's weights are small, so the coremltools default threshold
  (2048 elements) would compress almost nothing: every conv weight above ``min_weight_size`` is a
  candidate, and the report names each weight kept in fp16 and why.

The offline checker that re-reads a package is ``edgenst.export.coreml_check`` (``check_coreml``);
the export format itself is the ``coreml`` recipe (``edgenst.export.recipes.coreml``).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
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
from edgenst.export.app_model import (
    DEFAULT_SIZES,
    INPUT_NAMES,
    OUTPUT_NAME,
    AppModel,
    Size,
    VectorAppModel,
    example_inputs,
    example_vector_inputs,
)
from edgenst.io_spec import VECTOR_INPUT_NAMES
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
META_VECTOR = "edgenst.style_vector"  # JSON: the vector's length and layout (packages with a vector input)
INPUT_CONVENTION = (
    "image: RGB image, 0-255 (scaled to [0,1] inside the model), height and width multiples of 4; "
    "style_weights: float32 1xS, one weight per style in edgenst.styles order, rows summing to 1 blend; "
    "strength: float32 1x1 in [0,1], 0 = the photo, 1 = the full style; "
    "stylized: RGB image, 0-255, the size of the input"
)
VECTOR_CONVENTION = (
    "; style_vector: float32 1xD, a style vector in edgenst.style_vector's layout (optional, default 0); "
    "vector_weight: float32 1x1 in [0,1], 0 = the style_weights blend alone, 1 = the vector alone "
    "(optional, default 0)"
)
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
    #: Also take ``style_vector`` and ``vector_weight`` (optional inputs, default 0; see the module docstring).
    style_vector: bool = False

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
        if not isinstance(self.style_vector, bool):
            raise InputError(f"style_vector must be True or False, got {self.style_vector!r}")
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

    app = (VectorAppModel if config.style_vector else AppModel)(student, output_scale=OUTPUT_SCALE).eval()
    program = _torch_export(app, len(styles), config.sizes)
    mlmodel = ct.convert(
        program,
        inputs=_input_types(ct, len(styles), config, getattr(app, "vector_dim", 0)),
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
    _write_metadata(mlmodel, styles, config, student)
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
    example = example_inputs(styles, sizes[0])
    if isinstance(app, VectorAppModel):
        dynamic.update(style_vector=None, vector_weight=None)
        example = example_vector_inputs(styles, app.vector_dim, sizes[0])
    with torch.no_grad():
        program = torch.export.export(app, example, dynamic_shapes=dynamic)
    return program.run_decompositions({})


def _input_types(ct: Any, styles: int, config: CoreMLConfig, vector_dim: int = 0) -> list:
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
    types = [
        ct.ImageType(name=INPUT_NAMES[0], shape=shape, scale=1.0 / 255.0, color_layout=ct.colorlayout.RGB),
        ct.TensorType(name=INPUT_NAMES[1], shape=(1, styles), dtype=np.float32),
        ct.TensorType(name=INPUT_NAMES[2], shape=(1, 1), dtype=np.float32),
    ]
    if config.style_vector:  # optional: left out, vector_weight 0 paints with the table alone
        vector, weight = VECTOR_INPUT_NAMES[3:]
        types += [ct.TensorType(name=vector, shape=(1, vector_dim), dtype=np.float32,
                                default_value=np.zeros((1, vector_dim), np.float32)),
                  ct.TensorType(name=weight, shape=(1, 1), dtype=np.float32, default_value=np.zeros((1, 1), np.float32))]
    return types


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


def _write_metadata(mlmodel: Any, styles: list[str], config: CoreMLConfig, student: nn.Module | None = None) -> None:
    mlmodel.author = config.author
    mlmodel.license = config.license
    mlmodel.short_description = config.description
    mlmodel.version = config.version
    meta = mlmodel.user_defined_metadata
    meta[META_STYLES] = json.dumps(styles)
    meta[META_CONVENTION] = INPUT_CONVENTION + (VECTOR_CONVENTION if config.style_vector else "")
    meta[META_SIZES] = ",".join(map(str, config.sizes)) + (" (range)" if config.flexible == "range" else "")
    meta[META_COMPRESS] = config.compress_label
    meta[META_VERSION] = __version__
    mlmodel.input_description[INPUT_NAMES[0]] = "Photo, RGB 0-255; height and width multiples of 4"
    mlmodel.input_description[INPUT_NAMES[1]] = f"1x{len(styles)} style blend weights: {', '.join(styles)}"
    mlmodel.input_description[INPUT_NAMES[2]] = "1x1 style strength in [0, 1]"
    mlmodel.output_description[OUTPUT_NAME] = "Stylized photo, RGB 0-255, the input's size"
    if config.style_vector and student is not None:
        layout = vector_layout(student)
        meta[META_VECTOR] = json.dumps(layout)
        vector, weight = VECTOR_INPUT_NAMES[3:]
        mlmodel.input_description[vector] = (f"Optional 1x{layout['length']} style vector (a predicted or fitted "
                                             f"painting; layout in {META_VECTOR}); default 0")
        mlmodel.input_description[weight] = ("Optional 1x1 in [0, 1]: 0 paints with style_weights alone, "
                                             "1 with style_vector alone; default 0")


def vector_layout(student: nn.Module) -> dict[str, Any]:
    """The style vector's length and layout (tensor, offset, length), as the manifest's ``style_vector``
    gives it: what the package's metadata says and ``coreml_check`` checks."""
    from edgenst.styles import StyleSpace

    entries, start = [], 0
    for name, k in StyleSpace.of(student).layout:
        entries.append({"tensor": name, "offset": start, "length": int(k)})
        start += int(k)
    return {"length": start, "layout": entries}


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


#: Names that moved to ``coreml_check`` when the checker became its own module (issue 21).
_MOVED = ("CoreMLCheck", "MIN_PSNR", "check_coreml")


def __getattr__(name: str) -> Any:
    """``from edgenst.export.coreml import check_coreml`` keeps working (a notebook's import)."""
    if name in _MOVED:
        from edgenst.export import coreml_check

        return getattr(coreml_check, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COMPRESS_MODES",
    "FLEXIBLE_MODES",
    "CoreMLConfig",
    "CoreMLReport",
    "export_coreml",
    "vector_layout",
]
