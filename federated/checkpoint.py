"""Per-round checkpoints of the global model, and resuming from the newest intact one.

``round-NNNN.safetensors`` is a complete edgenst model file (loadable by ``edgenst stylize``),
``round-NNNN.strategy.safetensors`` the server optimiser's state (FedAdam's moments), and
``round-NNNN.json`` the record written last: round, settings identity, history, and the sha256 of
both tensor files. A round counts only once its record exists and the hashes match, so a crash
mid-write leaves the previous round as the one a restart resumes from.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from edgenst.distill.checkpoint import file_sha256
from edgenst.errors import InputError
from edgenst.models.serialization import load_model, save_model

log = logging.getLogger("edgenst.federated")

_NAME = re.compile(r"round-(\d{4,})\.json$")


@dataclass
class Saved:
    round: int
    model: nn.Module
    record: dict[str, Any]
    strategy_state: dict[str, np.ndarray]


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def save_round(run_dir: Path, rnd: int, model: nn.Module, styles: list[str], record: dict[str, Any],
               strategy_state: dict[str, np.ndarray] | None = None, keep: int = 2) -> Path:
    from safetensors.numpy import save_file

    run_dir.mkdir(parents=True, exist_ok=True)
    stem = f"round-{rnd:04d}"
    model_path = save_model(run_dir / f"{stem}.safetensors", model, styles, meta={"round": rnd})
    state_path = run_dir / f"{stem}.strategy.safetensors"
    tmp = state_path.with_name(f".{state_path.name}.{uuid.uuid4().hex}.tmp")
    save_file({k: np.ascontiguousarray(v) for k, v in (strategy_state or {}).items()}, str(tmp))
    os.replace(tmp, state_path)
    full = {**record, "round": rnd, "model_sha256": file_sha256(model_path), "strategy_sha256": file_sha256(state_path)}
    _write_json(run_dir / f"{stem}.json", full)
    for old in list_rounds(run_dir)[:-keep]:
        for suffix in (".json", ".safetensors", ".strategy.safetensors"):
            (run_dir / f"round-{old:04d}{suffix}").unlink(missing_ok=True)
    return model_path


def list_rounds(run_dir: Path) -> list[int]:
    if not run_dir.is_dir():
        return []
    return sorted(int(m.group(1)) for p in run_dir.iterdir() if (m := _NAME.match(p.name)))


def load_latest(run_dir: Path) -> Saved | None:
    from safetensors.numpy import load_file

    for rnd in reversed(list_rounds(run_dir)):
        stem = run_dir / f"round-{rnd:04d}"
        try:
            record = json.loads(stem.with_suffix(".json").read_text())
            model_path = Path(f"{stem}.safetensors")
            state_path = Path(f"{stem}.strategy.safetensors")
            if file_sha256(model_path) != record["model_sha256"] or file_sha256(state_path) != record["strategy_sha256"]:
                raise ValueError("checksum mismatch")
            model, _ = load_model(model_path)
            state = load_file(str(state_path))
        except (OSError, ValueError, KeyError, InputError) as e:
            log.warning("skipping damaged checkpoint of round %d in %s (%s)", rnd, run_dir, e)
            continue
        return Saved(rnd, model, record, dict(state))
    return None


def check_same_run(saved: dict[str, Any], identity: dict[str, Any], run_dir: Path) -> None:
    from edgenst.federated.settings import DEFAULTS

    # A setting added after the run was saved counts as its default there.
    old = saved.get("identity", {})
    diff = sorted(k for k in set(old) | set(identity) if old.get(k, DEFAULTS.get(k)) != identity.get(k))
    if diff:
        raise InputError(f"{run_dir} holds a different federated run (settings differ: {', '.join(diff)}); "
                         "resume with the same settings or choose a new run-dir")
