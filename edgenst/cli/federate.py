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

#: The command's own options (not app settings), by argparse group.
_GROUPS = ("", "model and data", "phones", "communication and privacy", "loss network", "run")


def register(sub: argparse._SubParsersAction) -> None:
    """The parser is generated from ``FedSettings``: every setting with a ``Flag`` becomes an option
    with its type, choices and default in the help; the rest are reachable with ``--set``."""
    from dataclasses import fields

    from edgenst.federated.settings import FedSettings

    p = sub.add_parser("federate", help="federated fine-tuning with Flower (simulated phones)",
                       description="Fine-tune a student across simulated phones with Flower: each phone trains on "
                       "its own photos, only (compressed) parameter updates travel. Runs Flower's Simulation "
                       "Engine; --deploy runs a SuperLink and SuperNodes on loopback instead.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    groups = {title: p.add_argument_group(title) if title else p for title in _GROUPS}
    flagged = [f for f in fields(FedSettings) if f.metadata["flag"] is not None]
    for f in sorted(flagged, key=lambda f: not f.metadata["flag"].required):  # --out first, as before
        flag = f.metadata["flag"]
        groups[flag.group].add_argument(*flag.names, **_argument(f, flag))
        if flag.required:
            p.add_argument("--clients", type=int, default=8, help="number of simulated phones (SuperNodes; default 8)")
    g = groups["run"]
    g.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any app setting")
    g.add_argument("--cpus", type=int, default=None, help="CPUs for the simulation (default: all)")
    g.add_argument("--deploy", action="store_true", help="run federated/deploy.sh: SuperLink + SuperNodes on loopback")
    p.set_defaults(run=run)


def _argument(f: Any, flag: Any) -> dict[str, Any]:
    """argparse keywords of one setting's flag. Defaults stay None ("not given"), so a flag
    overrides the settings' default only when used and ``--set`` can still set anything."""
    help_text = flag.help or f.metadata["help"]
    if flag.action == "store_false":
        return {"dest": f.name, "action": "store_const", "const": False, "default": None, "help": help_text}
    if flag.action == "append":
        return {"dest": f.name, "action": "append", "metavar": flag.metavar, "help": help_text}
    if "default" not in help_text and f.default != "":
        help_text += f" (default {f.default})"
    kw: dict[str, Any] = {"dest": f.name, "default": None, "help": help_text.replace("%", "%%"),
                          "required": flag.required, "metavar": flag.metavar or _metavar(flag.names[0])}
    if f.metadata["choices"]:
        kw["choices"] = f.metadata["choices"]
    elif not isinstance(f.default, str):
        kw["type"] = type(f.default)
    if "choices" in kw and not flag.metavar:
        kw.pop("metavar")  # argparse shows {a,b,c}
    return kw


def _metavar(name: str) -> str:
    return name.lstrip("-").upper().replace("-", "_")


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The app settings the command line gives (kebab-case keys), flags first, then ``--set``."""
    from dataclasses import fields

    from edgenst.federated.settings import FedSettings

    out: dict[str, Any] = {}
    for f in fields(FedSettings):
        flag = f.metadata["flag"]
        v = getattr(args, f.name, None) if flag is not None else None
        if v is None or v == []:
            continue
        key = f.name.replace("_", "-")
        if flag.action == "append":
            v = ",".join(v)
        out[key] = str(Path(v).resolve()) if key == "run-dir" else v
        if v:
            out.update(dict(flag.implies))
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
