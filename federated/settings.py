"""Run settings of the federated app: Flower's kebab-case ``run_config`` as one checked dataclass.

``DEFAULTS`` mirrors ``[tool.flwr.app.config]`` in ``federated/pyproject.toml`` (a test keeps the two
equal), so the app behaves the same under ``flwr run federated`` (settings from the pyproject plus
``--run-config``) and under ``edgenst federate`` (Flower's ``run_simulation``, which passes no run
config: the CLI bakes its settings into the apps instead, see ``server_app.make_server_app``).
An empty ``run-dir`` means a new folder per Flower run (``FedSettings.for_run``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

from edgenst.errors import InputError

STRATEGIES = ("fedavg", "fedavgm", "fedprox", "fedadam", "fedmedian", "fedtrimmedavg")
COMPRESSIONS = ("none", "int8", "int8-topk")
DP_MODES = ("none", "client-fixed", "server-fixed")
SECAGG_MODES = ("none", "secaggplus")
MODES = ("fine-tune", "new-style")
LR_SCHEDULES = ("constant", "cosine")
PARTITION_BY = ("category", "brightness", "colour")

#: Where runs without a ``run-dir`` get a folder of their own (``FedSettings.for_run``).
RUNS_ROOT = Path("~/.edgenst/federated-runs").expanduser()

#: The app's run config with its defaults: a small offline demo (tiny student, procedural
#: textures, random loss network, synthetic photos) so ``flwr run federated`` works anywhere.
DEFAULTS: dict[str, Any] = {
    "num-server-rounds": 3,
    "clients-per-round": 4,
    "strategy": "fedavg",
    "proximal-mu": 0.01,
    "trim-beta": 0.2,
    "server-lr": 0.0,
    "server-momentum": 0.9,
    "mode": "fine-tune",
    "model": "tiny",
    "styles": "texture:swirl,texture:mosaic",
    "new-style": "",
    "train": "style+head",
    "photos": "synthetic",
    "server-photos": "",
    "holdout": 0.2,
    "eval-photos": 8,
    "partition-by": "category",
    "alpha": 0.5,
    "crop": 64,
    "batch": 2,
    "lr": 0.002,
    "lr-schedule": "constant",
    "server-lr-schedule": "constant",
    "style-size": 128,
    "style-weight": 10.0,
    "local-steps": 0,
    "max-local-steps": 20,
    "time-budget": 0.1,
    "round-deadline": 0.3,
    "profile-mix": "low:0.3,mid:0.5,high:0.2",
    "simulate-profiles": True,
    "compression": "none",
    "topk": 0.1,
    "dp": "none",
    "dp-noise": 0.1,
    "dp-clip": 1.0,
    "secagg": "none",
    "secagg-shares": 1.0,
    "secagg-threshold": 0.5,
    "max-norm-ratio": 10.0,
    "max-update-scale": 1.0,
    "clip-norm-ratio": 5.0,
    "faulty": "",
    "teacher": "random",
    "teacher-weights": "",
    "teacher-width": 8,
    "pyramid-levels": 1,
    "run-dir": "",
    "resume": True,
    "seed": 0,
    "threads": 1,
}


@dataclass(frozen=True)
class FedSettings:
    num_server_rounds: int
    clients_per_round: int
    strategy: str
    proximal_mu: float
    trim_beta: float
    server_lr: float
    server_momentum: float
    mode: str
    model: str
    styles: str
    new_style: str
    train: str
    photos: str
    server_photos: str
    holdout: float
    eval_photos: int
    partition_by: str
    alpha: float
    crop: int
    batch: int
    lr: float
    lr_schedule: str
    server_lr_schedule: str
    style_size: int
    style_weight: float
    local_steps: int
    max_local_steps: int
    time_budget: float
    round_deadline: float
    profile_mix: str
    simulate_profiles: bool
    compression: str
    topk: float
    dp: str
    dp_noise: float
    dp_clip: float
    secagg: str
    secagg_shares: float
    secagg_threshold: float
    max_norm_ratio: float
    max_update_scale: float
    clip_norm_ratio: float
    faulty: str
    teacher: str
    teacher_weights: str
    teacher_width: int
    pyramid_levels: int
    run_dir: str
    resume: bool
    seed: int
    threads: int

    def __post_init__(self) -> None:
        choices = {"strategy": STRATEGIES, "compression": COMPRESSIONS, "dp": DP_MODES, "secagg": SECAGG_MODES, "mode": MODES,
                   "lr_schedule": LR_SCHEDULES, "server_lr_schedule": LR_SCHEDULES,
                   "partition_by": PARTITION_BY, "train": ("all", "style", "style+head")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise InputError(f"{_kebab(name)} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        checks = {
            "num_server_rounds": self.num_server_rounds >= 1,
            "clients_per_round": self.clients_per_round >= 1,
            "proximal_mu": self.proximal_mu >= 0,
            "trim_beta": 0 <= self.trim_beta < 0.5,
            "server_lr": 0 <= self.server_lr < 10,
            "server_momentum": 0 <= self.server_momentum < 1,
            "holdout": 0 <= self.holdout < 1,
            "eval_photos": self.eval_photos >= 1,
            "alpha": self.alpha > 0,
            "crop": self.crop >= 32 and self.crop % 4 == 0,
            "batch": self.batch >= 1,
            "lr": 0 < self.lr < 1,
            "style_size": self.style_size >= 32,
            "style_weight": self.style_weight >= 0,
            "local_steps": self.local_steps >= 0,
            "max_local_steps": self.max_local_steps >= 1,
            "time_budget": self.time_budget > 0,
            "round_deadline": self.round_deadline > 0,
            "topk": 0 < self.topk <= 1,
            "dp_noise": self.dp_noise >= 0,
            "dp_clip": self.dp_clip > 0,
            "secagg_shares": 0 < self.secagg_shares <= 1,
            "secagg_threshold": 0 < self.secagg_threshold <= 1,
            "max_norm_ratio": self.max_norm_ratio > 1,
            "max_update_scale": self.max_update_scale > 0,
            "clip_norm_ratio": 1 <= self.clip_norm_ratio <= self.max_norm_ratio,
            "teacher_width": self.teacher_width >= 1,
            "pyramid_levels": self.pyramid_levels >= 1,
            "threads": self.threads >= 1,
        }
        bad = [n for n, ok in checks.items() if not ok]
        if bad:
            raise InputError(f"bad setting {_kebab(bad[0])}={getattr(self, bad[0])!r}: see the table in federated/README.md")
        if self.mode == "new-style" and not self.new_style:
            raise InputError("mode new-style needs the painting: new-style=PATH")
        if self.dp != "none" and self.compression != "none":
            raise InputError("dp and compression do not combine (the clipping needs full updates); choose one")
        if self.secagg != "none":
            # The server sees only the sum: no per-update screening, robust rule or compression can act.
            clash = {"strategy": (self.strategy, "fedavg"), "compression": (self.compression, "none"),
                     "dp": (self.dp, "none"), "faulty": (self.faulty, "")}
            if self.clients_per_round < 3:
                raise InputError(f"secagg={self.secagg} needs clients-per-round >= 3, got {self.clients_per_round}")
            for key, (value, needed) in clash.items():
                if value != needed:
                    raise InputError(f"secagg={self.secagg} sums masked updates, so it needs {key}={needed!r}, "
                                     f"got {value!r}")
        if self.server_lr_schedule != "constant" and self.strategy not in ("fedadam", "fedavgm"):
            raise InputError(f"server-lr-schedule anneals the server step of fedadam or fedavgm; "
                             f"{self.strategy} has none")
        if self.strategy == "fedmedian" and self.dp != "none":
            raise InputError("DP wrappers need a FedAvg-type strategy, not fedmedian")
        from edgenst.federated.profiles import parse_mix

        parse_mix(self.profile_mix)
        from edgenst.federated.faults import parse_faulty

        parse_faulty(self.faulty)

    @classmethod
    def from_config(cls, *layers: Mapping[str, Any]) -> "FedSettings":
        """Defaults, then each mapping in turn (later wins); keys are kebab-case as in Flower."""
        merged: dict[str, Any] = dict(DEFAULTS)
        for layer in layers:
            for key, value in (layer or {}).items():
                if key not in DEFAULTS:
                    raise InputError(f"unknown federated setting {key!r}; known: {', '.join(DEFAULTS)}")
                merged[key] = value
        kw: dict[str, Any] = {}
        for f in fields(cls):
            key = _kebab(f.name)
            default = DEFAULTS[key]
            kw[f.name] = _coerce(key, merged[key], type(default))
        return cls(**kw)

    def to_config(self) -> dict[str, Any]:
        return {_kebab(k): v for k, v in asdict(self).items()}

    @property
    def style_list(self) -> list[str]:
        return [s.strip() for s in self.styles.split(",") if s.strip()]

    @property
    def run_path(self) -> Path:
        if not self.run_dir:
            raise InputError("run-dir is not set; use FedSettings.for_run(run_id) to choose a new run folder")
        return Path(self.run_dir).expanduser()

    def for_run(self, run_id: int) -> "FedSettings":
        """These settings with a run folder of their own when ``run-dir`` is empty: every Flower run
        (``flwr run`` gives each a new id, which the ServerApp and the ClientApps both see) starts
        fresh in ``RUNS_ROOT/run-<id>``; giving ``run-dir`` names a folder to create or resume."""
        if self.run_dir:
            return self
        return replace(self, run_dir=str(RUNS_ROOT / f"run-{run_id}"))

    def identity(self) -> dict[str, Any]:
        """What a resumed run must share with the run it continues."""
        d = self.to_config()
        for k in ("num-server-rounds", "run-dir", "resume", "threads"):
            d.pop(k)
        return d


def round_lr(lr: float, schedule: str, server_round: int, num_rounds: int) -> float:
    """A learning rate (the phones' or the server's step) in a round of the run: ``cosine`` falls
    from ``lr`` in round 1 towards 0 after the last round, so the final global model is not caught
    mid-oscillation between non-IID phones."""
    if schedule == "constant" or num_rounds <= 1:
        return lr
    done = min(max(server_round - 1, 0), num_rounds - 1) / num_rounds
    return lr * 0.5 * (1.0 + math.cos(math.pi * done))


def _kebab(name: str) -> str:
    return name.replace("_", "-")


def _coerce(key: str, value: Any, kind: type) -> Any:
    try:
        if kind is bool:
            if isinstance(value, str):
                if value.lower() in ("true", "1", "yes", "on"):
                    return True
                if value.lower() in ("false", "0", "no", "off"):
                    return False
                raise ValueError(value)
            return bool(value)
        if kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if kind is float:
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise InputError(f"setting {key} must be a {kind.__name__}, got {value!r}") from None
