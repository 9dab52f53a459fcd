"""The style predictor as its own program: a painting in, the student's style vector out, run once
per painting (issue 22, item 4). The two recipes that write it (``predictor-pte-int8``,
``predictor-coreml``) share what is here.

Why generic over any module mapping ``1 x 3 x S x S`` in [0, 1] to ``1 x D``: the predictor's
architecture is still being chosen (feature statistics through an MLP, a MobileNet-class encoder),
and the export, the check and the app need only that contract, plus ``D`` being the length of the
student's ``StyleVector`` (checked here, so a predictor for another student fails at export).

The PyTorch reference verify compares against is saved beside the programs as a ``torch.export``
program (``predictor.pt2``): it loads without the predictor's class, so a folder verifies even
after the predictor's code has moved on. One fixed input size (``ExportConfig.predictor_size``,
256 by default): an app resizes the painting once; a static shape lets XNNPACK plan its memory.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path
from typing import Any, Sequence

import torch
from torch import nn

from edgenst.errors import InputError

log = logging.getLogger(__name__)

#: The manifest's ``role`` of predictor artifacts (student entries carry none, or ``student``).
ROLE = "style-predictor"
REFERENCE_FILE = "predictor.pt2"
INPUT_NAME = "painting"
OUTPUT_NAME = "style_vector"
#: The program's one method, and its constant methods (what an app reads from the file itself).
METHOD = "forward"
SIZE_METHOD = "input_size"
DIM_METHOD = "style_vector_dim"


def resolve_predictor(model: nn.Module, predictor: nn.Module | None, path: str | None) -> nn.Module:
    """The predictor to export: the one given, else ``edgenst.style_predictor.load_predictor``."""
    if predictor is not None:
        return predictor.eval()
    try:
        from edgenst.style_predictor import load_predictor  # type: ignore[import-not-found]
    except ImportError:
        raise InputError("this edgenst has no style predictor (edgenst.style_predictor); "
                         "pass ExportConfig.predictor") from None
    return load_predictor(model, path).eval()


def example_painting(size: int) -> torch.Tensor:
    return torch.full((1, 3, size, size), 0.5)


def check_predictor(predictor: nn.Module, student: nn.Module, size: int) -> int:
    """The predictor's output length, which must be the student's style-vector length."""
    from edgenst.styles import StyleSpace

    with torch.no_grad():
        out = predictor(example_painting(size))
    dim = StyleSpace.of(student).dim
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (1, dim):
        raise InputError(f"the style predictor must map 1 x 3 x {size} x {size} to 1 x {dim} (this student's "
                         f"style vector), got {tuple(getattr(out, 'shape', ()))}")
    return dim


def painting_batch(photos: Sequence[torch.Tensor], size: int) -> list[torch.Tensor]:
    """Each image resized and centre-cropped to the predictor's square input."""
    from edgenst.export.checks import fit_crop

    return [fit_crop(p, size, size) for p in photos]


def save_reference(predictor: nn.Module, size: int, folder: Path) -> dict[str, Any]:
    """Write ``predictor.pt2`` (unless the same bytes are there: both recipes write it) and return its
    entry for the artifacts that verify against it."""
    with torch.no_grad():
        program = torch.export.export(predictor, (example_painting(size),))
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    data = buffer.getvalue()
    path = folder / REFERENCE_FILE
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
    data = path.read_bytes()
    return {"file": REFERENCE_FILE, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def load_reference(folder: Path, entry: dict[str, Any]) -> nn.Module:
    """The PyTorch predictor an artifact was exported from, after checking its sha256."""
    ref = entry.get("reference")
    if not isinstance(ref, dict) or not isinstance(ref.get("file"), str) or Path(ref["file"]).name != ref["file"]:
        raise InputError(f"{entry['file']}: the manifest names no PyTorch reference for the predictor")
    path = folder / ref["file"]
    if not path.is_file():
        raise InputError(f"{ref['file']} is listed in the manifest but missing from {folder}")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != ref.get("sha256"):
        raise InputError(f"{ref['file']} does not match its sha256 in the manifest (corrupt or replaced)")
    try:
        return torch.export.load(io.BytesIO(data)).module()
    except Exception as exc:  # noqa: BLE001 - a damaged archive raises many kinds
        raise InputError(f"{path} is not a loadable torch.export program: {type(exc).__name__}") from None


def export_predictor_pte(predictor: nn.Module, size: int, dim: int, out_path: Path,
                         calibration: Sequence[torch.Tensor], quant: Any) -> dict[str, Any]:
    """Write the int8 XNNPACK program; returns its delegation counts for the manifest."""
    import os

    from edgenst.export.executorch import lower_to_executorch
    from edgenst.export.predictor_int8 import quantize_predictor

    model = quantize_predictor(predictor, calibration, quant)
    with torch.no_grad():
        program = torch.export.export(model, (example_painting(size),))
    lowered, calls, outside = lower_to_executorch({METHOD: program}, {SIZE_METHOD: size, DIM_METHOD: dim})
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_bytes(lowered.buffer)
    os.replace(tmp, out_path)
    return {"delegate_calls": calls, "ops_outside_delegate": sum(outside.values()), "outside_ops": outside}


def interface(size: int, dim: int) -> dict[str, Any]:
    """The manifest's fields that tell an app how to call the predictor."""
    return {"role": ROLE, "methods": {f"{size}x{size}": METHOD},
            "inputs": [{"name": INPUT_NAME, "dtype": "float32", "shape": [1, 3, size, size], "layout": "NCHW",
                        "color": "RGB", "range": [0.0, 1.0],
                        "note": "the painting, resized so its short side is the input size, centre-cropped"}],
            "outputs": [{"name": OUTPUT_NAME, "dtype": "float32", "shape": [1, dim],
                         "note": "feed to the student's vector methods as style_vector (manifest style_vector)"}]}


def export_predictor_coreml(predictor: nn.Module, size: int, dim: int, out_path: Path) -> dict[str, Any]:
    """Convert to an ML Program (iOS 17, fp16); returns its op counts for the manifest."""
    import shutil

    import coremltools as ct

    from edgenst.export.coreml import _count_ops

    with torch.no_grad():
        program = torch.export.export(predictor, (example_painting(size),)).run_decompositions({})
    mlmodel = ct.convert(
        program,
        inputs=[ct.TensorType(name=INPUT_NAME, shape=(1, 3, size, size))],
        outputs=[ct.TensorType(name=OUTPUT_NAME)],
        convert_to="mlprogram",
        minimum_deployment_target=ct.target.iOS17,
        compute_precision=ct.precision.FLOAT16,
        skip_model_load=True,  # Core ML itself exists only on macOS
    )
    mlmodel.short_description = f"edgenst style predictor: painting 1x3x{size}x{size} RGB [0,1] -> style vector 1x{dim}"
    if out_path.exists():
        shutil.rmtree(out_path)
    mlmodel.save(str(out_path))
    return {"ops": dict(sorted(_count_ops(mlmodel.get_spec()).items()))}


def check_coreml_interface(path: Path, size: int, dim: int) -> list[str]:
    """Offline: the package's input and output names and shapes (Core ML predicts only on macOS)."""
    import coremltools as ct

    spec = ct.models.MLModel(str(path), skip_model_load=True).get_spec()
    failures = []
    ins = {i.name: list(i.type.multiArrayType.shape) for i in spec.description.input}
    outs = [o.name for o in spec.description.output]
    if ins != {INPUT_NAME: [1, 3, size, size]}:
        failures.append(f"inputs {ins}, expected {INPUT_NAME} [1, 3, {size}, {size}]")
    if outs != [OUTPUT_NAME]:
        failures.append(f"outputs {outs}, expected [{OUTPUT_NAME}]")
    return failures
