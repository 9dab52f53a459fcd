"""Training checkpoints: model and optimizer as safetensors, plus a JSON record written last.

A checkpoint counts only once its JSON exists and the sha256 of both tensor files match it, so a
``kill -9`` mid-write leaves the previous checkpoint as the one ``--resume`` picks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any

import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.models.serialization import load_model, save_model

log = logging.getLogger(__name__)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Flatten an optimizer state dict into tensors + JSON-able rest."""
    sd = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for idx, state in sd["state"].items():
        for key, value in state.items():
            if torch.is_tensor(value):
                tensors[f"{idx}.{key}"] = value.detach().contiguous().cpu()
            else:
                scalars.setdefault(str(idx), {})[key] = value
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def restore_optimizer(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], rest: dict[str, Any]) -> None:
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        idx, key = name.split(".", 1)
        state.setdefault(int(idx), {})[key] = value
    for idx, values in rest.get("scalars", {}).items():
        state.setdefault(int(idx), {}).update(values)
    optimizer.load_state_dict({"state": state, "param_groups": rest["param_groups"]})


def save_checkpoint(
    run_dir: Path,
    step: int,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    styles: list[str],
    record: dict[str, Any],
    keep: int = 2,
) -> Path:
    from safetensors.torch import save_file

    run_dir.mkdir(parents=True, exist_ok=True)
    stem = f"ckpt-{step:07d}"
    model_path = save_model(run_dir / f"{stem}.safetensors", model, styles, meta={"step": step})
    opt_tensors, opt_rest = optimizer_tensors(optimizer)
    opt_path = run_dir / f"{stem}.optim.safetensors"
    tmp = opt_path.with_name(f".{opt_path.name}.tmp")
    save_file(opt_tensors, str(tmp))
    os.replace(tmp, opt_path)
    json_path = run_dir / f"{stem}.json"
    _write_json(json_path, {
        **record,
        "step": step,
        "model": model_path.name,
        "model_sha256": file_sha256(model_path),
        "optimizer": opt_path.name,
        "optimizer_sha256": file_sha256(opt_path),
        "optimizer_state": opt_rest,
    })
    for old in sorted(run_dir.glob("ckpt-*.json"))[:-keep]:
        for p in (old, old.with_suffix(".safetensors"), old.with_name(old.stem + ".optim.safetensors")):
            p.unlink(missing_ok=True)
    return json_path


def find_checkpoints(run_dir: Path) -> list[Path]:
    return sorted(run_dir.glob("ckpt-*.json"), reverse=True)


def load_latest(run_dir: Path) -> tuple[dict[str, Any], nn.Module, dict[str, torch.Tensor]] | None:
    """Newest intact checkpoint: (record, model, optimizer tensors); damaged ones are skipped."""
    from safetensors.torch import load_file

    for json_path in find_checkpoints(run_dir):
        try:
            record = json.loads(json_path.read_text())
            model_path = run_dir / record["model"]
            opt_path = run_dir / record["optimizer"]
            if file_sha256(model_path) != record["model_sha256"] or file_sha256(opt_path) != record["optimizer_sha256"]:
                raise InputError("sha256 mismatch")
            model, _ = load_model(model_path)
            return record, model, load_file(str(opt_path))
        except (OSError, KeyError, ValueError, InputError) as e:
            log.warning("skipping damaged checkpoint %s (%s)", json_path.name, e)
    return None
