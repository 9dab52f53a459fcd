"""Run the app in Flower's Simulation Engine from Python (what ``edgenst federate`` calls).

``flwr run federated`` is the Flower-native way (``federated/flwr-run.sh`` starts it with this
environment's torch); this is the same ServerApp and ClientApp handed to
``flwr.simulation.run_simulation`` with the settings baked in, so a notebook or the CLI can run a
federation without a SuperLink or a Flower config file. No round loop lives here: Flower's
strategy drives the rounds.

Why ``run_simulation``, which Flower 1.42 marks deprecated: its deprecation notice points to
``flwr run``, which needs a SuperLink (a separate, long-lived process) and takes settings only as
TOML run config; Flower 1.42 has no in-process replacement. Its notice is dropped at the default
verbosity (``dependency_logs``) and shows with ``-v``.

What the simulation adds to the production apps: the simulated phone (``simulated_phone``) and
fault injection (``faults``) as mods around the ClientApp, Ray actors that restart when a phone's process dies (a crashed phone fails its own
round, not the phones that share its worker), and a reaper (``ray_reaper``) that ends Ray's
processes if this process is killed.
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
from pathlib import Path
from typing import Any, Mapping

from edgenst.errors import InputError
from edgenst.federated.settings import RUNS_ROOT, FedSettings

log = logging.getLogger("edgenst.federated")


def simulate(settings: Mapping[str, Any], num_clients: int, *, cpus: int = 2, cpus_per_client: float = 1.0,
             verbosity: int = 0) -> list[dict[str, Any]]:
    """Run ``num_clients`` simulated phones; returns the run's history (see ``server_app``).

    Without ``run-dir`` the run gets a new folder under ``RUNS_ROOT``. Raises
    ``server_run.FederationFailed`` when the rounds aggregated nothing (no model is written)."""
    if num_clients < 1:
        raise InputError(f"--clients must be >= 1, got {num_clients}")
    if cpus < 1 or cpus_per_client <= 0:
        raise InputError("cpus and cpus per client must be positive")
    baked = dict(settings)
    if not baked.get("run-dir"):
        baked["run-dir"] = str(RUNS_ROOT / time.strftime("run-%Y%m%d-%H%M%S"))
    checked = FedSettings.from_config(baked)  # one clear error before Ray starts
    _check_partitions(checked, num_clients)
    try:
        import ray
    except ImportError:
        raise InputError('the simulation needs Ray: pip install "flwr[simulation]"') from None
    from flwr.simulation import run_simulation

    from edgenst.federated import ray_reaper
    from edgenst.federated.dependency_logs import dependency_logging, ray_logging_level
    from edgenst.federated.server_app import make_server_app

    backend = {
        # Flower passes client_resources to the actor's .options(): an actor whose process exits
        # restarts (max_restarts), and a message sent to it while it restarts is delivered once
        # it is back (max_task_retries). The phone that died is retried once and fails again.
        "client_resources": {"num_cpus": cpus_per_client, "num_gpus": 0.0, "max_restarts": -1,
                             "max_task_retries": 1},
        "init_args": {"num_cpus": cpus, "include_dashboard": False, "logging_level": ray_logging_level(verbosity),
                      "log_to_driver": verbosity >= 1},
    }
    reaper = ray_reaper.watch()  # ends Ray's processes if this process is killed mid-run
    env_before = os.environ.get("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO")
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    try:
        with warnings.catch_warnings(), dependency_logging(verbosity):
            warnings.simplefilter("ignore", FutureWarning)
            run_simulation(server_app=make_server_app(baked, with_faults=True),
                           client_app=simulated_client_app(baked), num_supernodes=num_clients,
                           backend_config=backend, verbose_logging=False)
    finally:
        if env_before is None:
            os.environ.pop("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", None)
        if ray.is_initialized():  # Flower shuts Ray down after a normal run; not always after an error
            ray.shutdown()
        reaper.done()
    history_path = checked.run_path / "history.json"
    if not history_path.is_file():
        raise InputError(f"the simulation ended without writing {history_path}; see the log above")
    return json.loads(history_path.read_text())


def simulated_client_app(baked: Mapping[str, Any] | None = None):  # -> ClientApp
    """The production ClientApp with the simulated phone (``simulated_phone``: tiers, drop-outs,
    battery, simulated time) and the fault injection (``faulty``) attached."""
    from edgenst.federated.simulated_phone import simulated_phone_app

    return simulated_phone_app(baked, faults=True)


def _check_partitions(settings: FedSettings, num_clients: int) -> None:
    """Missing folders and too few photos fail here, in the caller, not inside a Ray worker."""
    from edgenst.federated.partition import dirichlet_partition
    from edgenst.federated.task import photo_split, start_model

    start_model(settings)
    train, _ = photo_split(settings)
    dirichlet_partition(train.labels, num_clients, settings.alpha, settings.seed)


def final_model(settings: Mapping[str, Any]) -> Path:
    from edgenst.federated.server_run import FINAL_MODEL

    return FedSettings.from_config(settings).run_path / FINAL_MODEL
