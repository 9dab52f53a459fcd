"""``edgenst federate``: federated fine-tuning in Flower's Simulation Engine (or a local deployment)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from edgenst.errors import InputError

EXAMPLES = """examples:
  # offline demo: tiny student, procedural styles, random loss network, synthetic photos
  edgenst federate --clients 8 --rounds 3 --out runs/fed-demo
  # fine-tune the shipped student (style vectors + last layers) on phones' photos, FedAdam, int8 updates
  EDGENST_STYLE_DIR=paintings/ edgenst federate --model default --photos photos/ --clients 20 \\
      --clients-per-round 10 --rounds 20 --strategy fedadam --compression int8 \\
      --teacher vgg19-normalised --teacher-weights vgg_normalised_conv3_1.pth --out runs/fed
  # learn a new style from one painting across the phones
  edgenst federate --model default --new-style shipwreck.jpg --photos photos/ --clients 10 --out runs/fed-new
  # after a crash: the same command continues after the last finished round
  # the same app with Flower's tools (a SuperLink of its own, this environment's torch):
  federated/flwr-run.sh --run-config "num-server-rounds=5"
  # a phone that sends poisoned updates, one whose process dies: screened, logged, the run goes on
  edgenst federate --clients 4 --rounds 2 --out runs/fed-faulty --set faulty=scale:0,crash:1
  # deployment engine on loopback (SuperLink + SuperNodes, TLS, node authentication):
  edgenst federate --deploy --clients 3 --rounds 2 --out runs/fed-deploy
Any app setting (see federated/pyproject.toml) can be given with --set KEY=VALUE.
"""

#: argparse dest -> app setting (kebab-case key)
_MAP = {
    "rounds": "num-server-rounds", "clients_per_round": "clients-per-round", "strategy": "strategy",
    "proximal_mu": "proximal-mu", "trim_beta": "trim-beta", "server_lr": "server-lr", "server_momentum": "server-momentum", "model": "model",
    "new_style": "new-style", "train": "train", "photos": "photos", "server_photos": "server-photos",
    "alpha": "alpha", "partition_by": "partition-by", "crop": "crop", "batch": "batch", "lr": "lr",
    "local_steps": "local-steps", "time_budget": "time-budget", "round_deadline": "round-deadline",
    "profile_mix": "profile-mix", "compression": "compression", "topk": "topk", "dp": "dp",
    "dp_noise": "dp-noise", "dp_clip": "dp-clip", "teacher": "teacher", "teacher_weights": "teacher-weights",
    "pyramid_levels": "pyramid-levels", "out": "run-dir", "seed": "seed",
}


def register(sub: argparse._SubParsersAction) -> None:
    from edgenst.federated.settings import COMPRESSIONS, DEFAULTS, DP_MODES, PARTITION_BY, STRATEGIES
    from edgenst.teacher import TEACHER_SOURCES

    p = sub.add_parser("federate", help="federated fine-tuning with Flower (simulated phones)",
                       description="Fine-tune a student across simulated phones with Flower: each phone trains on "
                       "its own photos, only (compressed) parameter updates travel. Runs Flower's Simulation "
                       "Engine; --deploy runs a SuperLink and SuperNodes on loopback instead.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder (round checkpoints, model.safetensors)")
    p.add_argument("--clients", type=int, default=8, help="number of simulated phones (SuperNodes; default 8)")
    p.add_argument("--clients-per-round", type=int, default=None, help=f"phones sampled per round (default {DEFAULTS['clients-per-round']})")
    p.add_argument("--rounds", type=int, default=None, help=f"federated rounds (default {DEFAULTS['num-server-rounds']})")
    p.add_argument("--strategy", choices=STRATEGIES, default=None, help="Flower strategy (default fedavg)")
    p.add_argument("--proximal-mu", type=float, default=None, help="FedProx proximal weight")
    p.add_argument("--trim-beta", type=float, default=None, help="FedTrimmedAvg: fraction cut at each end")
    p.add_argument("--server-lr", type=float, default=None,
                   help="server learning rate: FedAdam's eta (default 0.01), FedAvgM's step (default 1.0)")
    p.add_argument("--server-momentum", type=float, default=None, help="FedAvgM server momentum (default 0.9)")
    g = p.add_argument_group("model and data")
    g.add_argument("--model", default=None, help="'tiny' (demo), 'default' (shipped student) or a model file")
    g.add_argument("--style", action="append", metavar="IMAGE", help="the model's style paintings in order (repeatable)")
    g.add_argument("--new-style", metavar="IMAGE", help="learn this painting as a new style (new-style mode)")
    g.add_argument("--train", choices=("style+head", "style", "all"), default=None, help="which parameters federate")
    g.add_argument("--photos", default=None, help="photo folder (sub-folders = categories) or synthetic[:N]")
    g.add_argument("--server-photos", default=None, help="the server's held-out photos (default: a part of --photos)")
    g.add_argument("--alpha", type=float, default=None, help="Dirichlet concentration of the non-IID split")
    g.add_argument("--partition-by", choices=PARTITION_BY, default=None)
    g.add_argument("--crop", type=int, default=None)
    g.add_argument("--batch", type=int, default=None)
    g.add_argument("--lr", type=float, default=None, help="local learning rate")
    g.add_argument("--local-steps", type=int, default=None, help="fixed local steps (default: from the time budget)")
    g = p.add_argument_group("phones")
    g.add_argument("--time-budget", type=float, default=None, help="simulated compute seconds per round")
    g.add_argument("--round-deadline", type=float, default=None, help="simulated seconds before stragglers are dropped")
    g.add_argument("--profile-mix", default=None, help="e.g. low:0.3,mid:0.5,high:0.2")
    g.add_argument("--no-profiles", action="store_true", help="every phone fast and always available")
    g = p.add_argument_group("communication and privacy")
    g.add_argument("--compression", choices=COMPRESSIONS, default=None)
    g.add_argument("--topk", type=float, default=None, help="fraction of entries kept by int8-topk")
    g.add_argument("--dp", choices=DP_MODES, default=None, help="Flower's central DP with fixed clipping")
    g.add_argument("--dp-noise", type=float, default=None)
    g.add_argument("--dp-clip", type=float, default=None)
    g = p.add_argument_group("loss network")
    g.add_argument("--loss-net", "--teacher", dest="teacher", choices=TEACHER_SOURCES, default=None,
                   help="the VGG loss network (default: random, a demo); --teacher is the older spelling")
    g.add_argument("--loss-net-weights", "--teacher-weights", dest="teacher_weights", default=None, metavar="PATH",
                   help="its weights file; --teacher-weights is the older spelling")
    g.add_argument("--pyramid-levels", type=int, default=None)
    g = p.add_argument_group("run")
    g.add_argument("--seed", type=int, default=None)
    g.add_argument("--fresh", action="store_true", help="refuse to continue an existing run in RUN_DIR")
    g.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any app setting")
    g.add_argument("--cpus", type=int, default=None, help="CPUs for the simulation (default: all)")
    g.add_argument("--deploy", action="store_true", help="run federated/deploy.sh: SuperLink + SuperNodes on loopback")
    p.set_defaults(run=run)


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dest, key in _MAP.items():
        v = getattr(args, dest, None)
        if v is not None:
            out[key] = str(Path(v).resolve()) if key == "run-dir" else v
    if args.style:
        out["styles"] = ",".join(args.style)
    if args.new_style:
        out["mode"] = "new-style"
    if args.no_profiles:
        out["simulate-profiles"] = False
    if args.fresh:
        out["resume"] = False
    if args.threads_for_clients is not None:
        out["threads"] = args.threads_for_clients
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--set expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    # Clients run in other processes (Ray workers, SuperNodes) with other working directories.
    for key in ("photos", "server-photos", "teacher-weights", "new-style", "model"):
        if out.get(key) and Path(str(out[key])).expanduser().exists():
            out[key] = str(Path(str(out[key])).expanduser().resolve())
    if out.get("styles"):
        out["styles"] = ",".join(str(Path(p).resolve()) if Path(p).exists() else p for p in str(out["styles"]).split(","))
    return out


def run(args: argparse.Namespace) -> int:
    args.threads_for_clients = getattr(args, "threads", None)
    settings = settings_from_args(args)
    if args.clients < 1:
        raise InputError(f"--clients must be >= 1, got {args.clients}")
    if args.deploy:
        return _deploy(args, settings)
    from edgenst.federated.simulation import final_model, simulate

    cpus = args.cpus or os.cpu_count() or 1
    history = simulate(settings, args.clients, cpus=cpus, verbosity=args.verbose)
    first, last = history[0], history[-1]
    print(f"{final_model(settings)}  ({last['round']} rounds; held-out loss {first['eval_total']:.4g} -> {last['eval_total']:.4g})")
    return 0


def _deploy(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    script = Path(str(resources.files("edgenst.federated").joinpath("deploy.sh")))  # package data: wheel or checkout
    if not script.is_file():
        raise InputError(f"{script} is missing from the installed package; reinstall edgenst[federated]")
    run_config = " ".join(f"{k}={_toml(v)}" for k, v in settings.items())
    env = {**os.environ, "NUM_SUPERNODES": str(args.clients), "RUN_CONFIG": run_config}
    return subprocess.call(["bash", str(script)], env=env, stdout=sys.stdout, stderr=sys.stderr)


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    try:
        float(v)
        return str(v)
    except ValueError:
        return "'" + str(v).replace("'", "") + "'"
