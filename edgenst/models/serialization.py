"""Model files: safetensors weights with the architecture and style names in the header.

A file is self-describing (arch, config, styles, provenance), holds no pickled code, and carries a
format version so files from older releases load in newer ones (``_MIGRATIONS`` upgrades them).

Why a checksum of the tensors in the header: safetensors checks the header's structure, not the
bytes of the weights, so a bit flipped on disk loads silently and paints a different picture. The
header's ``tensors_sha256`` (``tensors_sha256``) is written on save and checked on load; files
written before it existed still load, with a one-line note.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from edgenst import __version__
from edgenst.errors import InputError
from edgenst.models import build_model, model_arch

log = logging.getLogger(__name__)

FORMAT = "edgenst-model"
FORMAT_VERSION = 1
#: Header key holding ``tensors_sha256`` of the file's tensors (absent in files from before it).
CHECKSUM_KEY = "tensors_sha256"

#: format version -> function upgrading (header, tensors) to the next version.
_MIGRATIONS: dict[int, Callable[[dict, dict[str, torch.Tensor]], tuple[dict, dict[str, torch.Tensor]]]] = {}


@dataclass
class ModelInfo:
    arch: str
    config: dict[str, Any]
    styles: list[str]
    meta: dict[str, Any] = field(default_factory=dict)


def tensors_sha256(tensors: dict[str, torch.Tensor]) -> str:
    """sha256 over every tensor's name, dtype, shape and raw bytes, in sorted name order.

    Independent of the order of the dict and of safetensors' layout in the file, so a file rewritten
    by another tool with the same tensors keeps its checksum; name, dtype and shape are hashed too,
    so the same bytes reinterpreted (another shape, another dtype, renamed) do not match. Cheap:
    one pass over the bytes (about 1 ms for the shipped students).
    """
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(f"{name}\0{str(t.dtype).removeprefix('torch.')}\0{list(t.shape)}\0".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def save_model(path: str | os.PathLike[str], model: nn.Module, styles: list[str], meta: dict[str, Any] | None = None) -> Path:
    """Write atomically (a crash never leaves a half-written file under ``path``)."""
    from safetensors.torch import save_file

    cfg = model.config.to_dict()  # type: ignore[attr-defined]
    if len(styles) != cfg["styles"]:
        raise InputError(f"{len(styles)} style names for a model with {cfg['styles']} styles")
    header = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "edgenst_version": __version__,
        "arch": model_arch(model),
        "config": json.dumps(cfg),
        "styles": json.dumps(styles),
        "meta": json.dumps(meta or {}),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    header[CHECKSUM_KEY] = tensors_sha256(tensors)
    try:
        save_file(tensors, str(tmp), metadata=header)
        os.chmod(tmp, new_file_mode())  # safetensors creates it 0600; the rename would keep that
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file (0666 minus the umask), for atomically written files.

    A temporary file renamed into place keeps the temporary file's mode, often 0600; a model in an
    export folder should be as readable as its neighbours. The umask is read by setting it and setting
    it back (the only portable way)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def read_model_file(path: str | os.PathLike[str], *, file_verified: bool = False) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    """Header and tensors, with a one-line error for missing, corrupt, foreign or bit-flipped files.

    ``file_verified``: the caller has already checked the whole file's bytes (a shipped model
    against its recorded sha256), so a missing tensor checksum is not worth a note.
    """
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such model file")
    try:
        with safe_open(str(path), framework="pt") as f:
            header = dict(f.metadata() or {})
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as e:  # safetensors raises its own error types for bad headers and truncation
        raise InputError(f"{path}: not a readable safetensors model file ({type(e).__name__}: {e})") from None
    if header.get("format") != FORMAT:
        raise InputError(f"{path}: a safetensors file, but not an edgenst model (no '{FORMAT}' header)")
    _check_checksum(path, header, tensors, file_verified)
    return header, tensors


def _check_checksum(path: Path, header: dict[str, str], tensors: dict[str, torch.Tensor], file_verified: bool) -> None:
    expected = header.get(CHECKSUM_KEY)
    if expected is None:
        if not file_verified:
            log.info("%s has no tensor checksum (written by an older edgenst): loaded without an integrity check; "
                     "save it again to add one", path)
        return
    if tensors_sha256(tensors) != expected:
        raise InputError(f"{path}: the weights do not match the checksum in the file's header "
                         f"(the file is corrupt: flipped bits on disk or tensors edited without re-saving)")


def load_model(path: str | os.PathLike[str], *, file_verified: bool = False) -> tuple[nn.Module, ModelInfo]:
    """The model in eval mode and its description; every way a file can be wrong is an ``InputError``.

    ``file_verified``: see ``read_model_file``.
    """
    header, tensors = read_model_file(path, file_verified=file_verified)
    try:
        version = int(header.get("format_version", "0"))
    except ValueError:
        raise InputError(f"{path}: bad format_version {header.get('format_version')!r}") from None
    if version > FORMAT_VERSION:
        raise InputError(f"{path}: written by a newer edgenst (format {version}); upgrade edgenst to load it")
    while version < FORMAT_VERSION:
        if version not in _MIGRATIONS:
            raise InputError(f"{path}: format version {version} is not supported")
        header, tensors = _MIGRATIONS[version](header, tensors)
        version += 1
    try:
        config = json.loads(header["config"])
        styles = json.loads(header["styles"])
        meta = json.loads(header.get("meta", "{}"))
        arch = header["arch"]
    except (KeyError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: damaged model header ({e})") from None
    model = build_model(arch, config)
    missing, unexpected = _compare_keys(model, tensors)
    if missing or unexpected:
        raise InputError(f"{path}: weights do not match a {arch} {config}: missing {missing[:3]}, unexpected {unexpected[:3]}")
    try:
        model.load_state_dict(tensors)
    except RuntimeError as e:
        raise InputError(f"{path}: weight shapes do not match the architecture ({str(e).splitlines()[-1].strip()})") from None
    for name, t in tensors.items():
        if t.is_floating_point() and not torch.isfinite(t).all():
            raise InputError(f"{path}: tensor {name} holds NaN or inf")
    return model.eval(), ModelInfo(arch=arch, config=config, styles=list(styles), meta=meta)


def _compare_keys(model: nn.Module, tensors: dict[str, torch.Tensor]) -> tuple[list[str], list[str]]:
    expected = set(model.state_dict())
    got = set(tensors)
    return sorted(expected - got), sorted(got - expected)
