"""Run settings of the federated app: Flower's kebab-case ``run_config`` as one checked dataclass.

``FedSettings`` is the one place a setting is declared: its default, type, meaning, allowed values
and ``edgenst federate`` flag (``setting``, ``Flag``). The rest is derived: ``DEFAULTS``, the CLI's
arguments (``edgenst.cli.federate``) and the ``[tool.flwr.app.config]`` table in
``federated/pyproject.toml`` that Flower reads (written and checked by ``app_config``). So the app
behaves the same under ``flwr run federated`` (settings from the pyproject plus ``--run-config``)
and under ``edgenst federate`` (Flower's ``run_simulation``, which passes no run
config: the CLI bakes its settings into the apps instead, see ``server_app.make_server_app``).
An empty ``run-dir`` means a new folder per Flower run (``FedSettings.for_run``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from edgenst.errors import InputError
from edgenst.teacher import TEACHER_SOURCES

STRATEGIES = ("fedavg", "fedavgm", "fedprox", "fedadam", "fedmedian", "fedtrimmedavg")
COMPRESSIONS = ("none", "int8", "int8-topk")
DP_MODES = ("none", "client-fixed", "server-fixed")
SECAGG_MODES = ("none", "secaggplus")
MODES = ("fine-tune", "new-style")
LR_SCHEDULES = ("constant", "cosine")
PARTITION_BY = ("category", "brightness", "colour")
TRAIN_PARTS = ("style+head", "style", "all")
#: The PyTorch phones' local optimizer: the app's Adam, or plain SGD (the ExecuTorch runtime's).
CLIENT_OPTIMIZERS = ("adam", "sgd")


def _kebab(name: str) -> str:
    return name.replace("_", "-")


#: Where runs without a ``run-dir`` get a folder of their own (``FedSettings.for_run``).
RUNS_ROOT = Path("~/.edgenst/federated-runs").expanduser()

#: The reference phone (speed 1) of the compute model: seconds per megapixel of training crops
#: (forward + loss network + backward); a rough figure for a 2023 flagship running the student and a
#: VGG-16/19 trunk. It turns ``time-budget`` into local steps, in the production app as in the
#: simulated phones (``profiles``), so the two train alike when profiles are off.
REF_SECONDS_PER_MPIX = 2.0


@dataclass(frozen=True)
class Flag:
    """How a setting shows on ``edgenst federate``'s command line (``cli.federate`` builds its parser
    from these, so a flag's spelling, default and help cannot drift from the setting)."""

    names: tuple[str, ...]
    group: str = ""  # argparse group title; "" is the command's own group
    help: str = ""  # the command line's wording, when it differs from the setting's
    metavar: str | None = None
    action: str = ""  # "append": repeatable, joined with ","; "store_false": the flag turns a bool off
    required: bool = False
    implies: tuple[tuple[str, Any], ...] = ()  # other settings the flag sets when given


def setting(default: Any, help: str, *, choices: tuple[str, ...] = (), flag: Flag | None = None) -> Any:
    """A field of ``FedSettings`` with everything that is said about it in one place: the default
    (the ``[tool.flwr.app.config]`` table of ``federated/pyproject.toml`` is generated from it,
    ``app_config``), the type (the default's), the meaning, the allowed values and the CLI flag."""
    return field(default=default, metadata={"help": help, "choices": choices, "flag": flag})


_MODEL, _PHONES, _COMM, _LOSS, _RUN = "model and data", "phones", "communication and privacy", "loss network", "run"


@dataclass(frozen=True)
class FedSettings:
    """The app's run config: a small offline demo by default (tiny student, procedural textures,
    random loss network, synthetic photos) so ``flwr run federated`` works anywhere."""

    num_server_rounds: int = setting(3, "federated rounds", flag=Flag(("--rounds",)))
    clients_per_round: int = setting(4, "phones sampled per round", flag=Flag(("--clients-per-round",)))
    strategy: str = setting("fedavg", "Flower strategy", choices=STRATEGIES, flag=Flag(("--strategy",)))
    proximal_mu: float = setting(0.01, "FedProx proximal weight", flag=Flag(("--proximal-mu",)))
    trim_beta: float = setting(0.2, "FedTrimmedAvg: fraction cut at each end", flag=Flag(("--trim-beta",)))
    server_lr: float = setting(0.0, "server learning rate: FedAdam's eta (default 0.01), FedAvgM's step "
                               "(default 1.0)", flag=Flag(("--server-lr",)))
    server_momentum: float = setting(0.9, "FedAvgM server momentum", flag=Flag(("--server-momentum",)))
    mode: str = setting("fine-tune", "fine-tune, or new-style (with new-style=PAINTING)", choices=MODES)
    model: str = setting("tiny", "'tiny' (demo), 'default' (shipped student) or a model file",
                         flag=Flag(("--model",), _MODEL))
    styles: str = setting("texture:swirl,texture:mosaic", "the model's style paintings, in order (empty: the "
                          "model's style names in $EDGENST_STYLE_DIR)",
                          flag=Flag(("--style",), _MODEL, "the model's style paintings in order (repeatable)",
                                    metavar="IMAGE", action="append"))
    new_style: str = setting("", "learn this painting as a new style (new-style mode)",
                             flag=Flag(("--new-style",), _MODEL, metavar="IMAGE", implies=(("mode", "new-style"),)))
    train: str = setting("style+head", "which parameters federate", choices=TRAIN_PARTS, flag=Flag(("--train",), _MODEL))
    photos: str = setting("synthetic", "photo folder (sub-folders = categories) or synthetic[:N]",
                          flag=Flag(("--photos",), _MODEL))
    server_photos: str = setting("", "the server's held-out photos (default: a part of --photos)",
                                 flag=Flag(("--server-photos",), _MODEL))
    holdout: float = setting(0.2, "fraction of the photos the server holds out (without server-photos)")
    eval_photos: int = setting(8, "how many held-out photos the server evaluates on")
    partition_by: str = setting("category", "what the non-IID split is over: categories, brightness or colour",
                                choices=PARTITION_BY, flag=Flag(("--partition-by",), _MODEL))
    alpha: float = setting(0.5, "Dirichlet concentration of the non-IID split", flag=Flag(("--alpha",), _MODEL))
    crop: int = setting(64, "training crop side", flag=Flag(("--crop",), _MODEL))
    batch: int = setting(2, "training batch", flag=Flag(("--batch",), _MODEL))
    lr: float = setting(0.002, "local learning rate", flag=Flag(("--lr",), _MODEL))
    client_optimizer: str = setting("adam", "the phones' local optimizer: adam (PyTorch phones; executorch phones, "
                                    "which have no Adam, run SGD at executorch-lr), or sgd (plain SGD, no momentum "
                                    "or weight decay, the ExecuTorch runtime's optimizer: every phone, of either "
                                    "runtime, steps at lr)", choices=CLIENT_OPTIMIZERS,
                                    flag=Flag(("--client-optimizer",), _MODEL))
    clip_grad_norm: float = setting(10.0, "PyTorch phones clip each local step's gradient norm to this (0: off; "
                                    "the training artifact of executorch phones does not clip)")
    lr_schedule: str = setting("constant", "the phones' lr over the rounds: constant, or cosine (falls towards 0)",
                               choices=LR_SCHEDULES)
    server_lr_schedule: str = setting("constant", "the server step over the rounds (fedadam, fedavgm): constant "
                                      "or cosine", choices=LR_SCHEDULES)
    style_size: int = setting(128, "side of the style paintings for the Gram targets")
    style_weight: float = setting(10.0, "weight of the style loss")
    local_steps: int = setting(0, "fixed local steps (default: from the time budget)",
                               flag=Flag(("--local-steps",), _MODEL))
    max_local_steps: int = setting(20, "most local steps the time budget gives")
    time_budget: float = setting(0.1, "simulated compute seconds per round", flag=Flag(("--time-budget",), _PHONES))
    client_runtime: str = setting("pytorch", "where a phone's local steps run: pytorch, executorch (the training "
                                  ".pte in the ExecuTorch runtime; train=style or mode=new-style), executorch:0.5 "
                                  "(that fraction of the phones) or executorch:0,2 (those partitions)")
    executorch_lr: float = setting(0.05, "SGD learning rate of executorch phones (the runtime's optimizer) when "
                                   "client-optimizer=adam; with client-optimizer=sgd every phone uses lr")
    round_deadline: float = setting(0.3, "simulated seconds before stragglers are dropped",
                                    flag=Flag(("--round-deadline",), _PHONES))
    profile_mix: str = setting("low:0.3,mid:0.5,high:0.2", "phone tiers, e.g. low:0.3,mid:0.5,high:0.2",
                               flag=Flag(("--profile-mix",), _PHONES))
    simulate_profiles: bool = setting(True, "simulate phones (tiers, drop-outs, battery); false: every phone "
                                      "fast and always available",
                                      flag=Flag(("--no-profiles",), _PHONES, "every phone fast and always available",
                                                action="store_false"))
    compression: str = setting("none", "update compression", choices=COMPRESSIONS,
                               flag=Flag(("--compression",), _COMM))
    topk: float = setting(0.1, "fraction of entries kept by int8-topk", flag=Flag(("--topk",), _COMM))
    dp: str = setting("none", "Flower's central DP with fixed clipping", choices=DP_MODES, flag=Flag(("--dp",), _COMM))
    dp_noise: float = setting(0.1, "DP noise multiplier", flag=Flag(("--dp-noise",), _COMM))
    dp_clip: float = setting(1.0, "DP clipping norm", flag=Flag(("--dp-clip",), _COMM))
    secagg: str = setting("none", "secaggplus: Flower's SecAgg+ (the server sees only the sum)", choices=SECAGG_MODES)
    secagg_shares: float = setting(1.0, "SecAgg+: fraction of the sampled phones each phone shares its keys with")
    secagg_threshold: float = setting(0.5, "SecAgg+: fraction of the shares needed to unmask a dropped phone")
    max_norm_ratio: float = setting(10.0, "reject deltas above this multiple of the reference norm")
    max_update_scale: float = setting(1.0, "reject deltas longer than this multiple of the global model's norm")
    clip_norm_ratio: float = setting(5.0, "clip deltas above this multiple of the reference norm down to it")
    faulty: str = setting("", "simulated broken phones (edgenst federate only), e.g. nan:0,scale:3,crash:5")
    teacher: str = setting("random", "the VGG loss network (random: a demo)", choices=TEACHER_SOURCES,
                           flag=Flag(("--loss-net", "--teacher"), _LOSS, "the VGG loss network (default: random, a "
                                     "demo); --teacher is the older spelling"))
    teacher_weights: str = setting("", "the loss network's weights file",
                                   flag=Flag(("--loss-net-weights", "--teacher-weights"), _LOSS,
                                             "its weights file; --teacher-weights is the older spelling",
                                             metavar="PATH"))
    teacher_width: int = setting(8, "channel width of the random loss network")
    pyramid_levels: int = setting(1, "image pyramid levels of the loss network", flag=Flag(("--pyramid-levels",), _LOSS))
    run_dir: str = setting("", "run folder; empty: a new folder per run, ~/.edgenst/federated-runs/run-ID",
                           flag=Flag(("--out",), "", "run folder (round checkpoints, model.safetensors)",
                                     metavar="RUN_DIR", required=True))
    resume: bool = setting(True, "continue the run in run-dir after its last finished round",
                           flag=Flag(("--fresh",), _RUN, "refuse to continue an existing run in RUN_DIR",
                                     action="store_false"))
    seed: int = setting(0, "run seed", flag=Flag(("--seed",), _RUN))
    threads: int = setting(1, "torch threads per phone")

    def __post_init__(self) -> None:
        for f in fields(self):
            allowed = f.metadata["choices"]
            if allowed and getattr(self, f.name) not in allowed:
                raise InputError(f"{_kebab(f.name)} must be one of {', '.join(allowed)}, got {getattr(self, f.name)!r}")
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
            "clip_grad_norm": self.clip_grad_norm >= 0 and math.isfinite(self.clip_grad_norm),
            "style_size": self.style_size >= 32,
            "style_weight": self.style_weight >= 0,
            "local_steps": self.local_steps >= 0,
            "max_local_steps": self.max_local_steps >= 1,
            "time_budget": self.time_budget > 0,
            "round_deadline": self.round_deadline > 0,
            "executorch_lr": 0 < self.executorch_lr < 10,
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
        from edgenst.federated.executorch_client import check_settings

        check_settings(self)

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


#: The run config with its defaults, kebab-case as Flower spells it (derived from ``FedSettings``).
DEFAULTS: dict[str, Any] = {_kebab(f.name): f.default for f in fields(FedSettings)}


def step_seconds(crop: int, batch: int, speed: float = 1.0) -> float:
    """Seconds of one local step on a phone of relative ``speed`` (the reference phone: 1)."""
    return REF_SECONDS_PER_MPIX * batch * crop * crop / 1e6 / speed


def budget_steps(time_budget: float, seconds_per_step: float, *, fixed_steps: int = 0, max_steps: int = 1_000_000) -> int:
    """Local steps of a round: ``fixed_steps`` when given, else what fits in the time budget."""
    return fixed_steps or max(1, min(max_steps, int(time_budget / seconds_per_step)))


def round_lr(lr: float, schedule: str, server_round: int, num_rounds: int) -> float:
    """A learning rate (the phones' or the server's step) in a round of the run: ``cosine`` falls
    from ``lr`` in round 1 towards 0 after the last round, so the final global model is not caught
    mid-oscillation between non-IID phones."""
    if schedule == "constant" or num_rounds <= 1:
        return lr
    done = min(max(server_round - 1, 0), num_rounds - 1) / num_rounds
    return lr * 0.5 * (1.0 + math.cos(math.pi * done))


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
