"""Run the app in Flower's Simulation Engine from Python (what ``edgenst federate`` calls).

``flwr run federated`` is the Flower-native way; this is the same ServerApp and ClientApp handed
to ``flwr.simulation.run_simulation`` with the settings baked in, so a notebook or the CLI can run
a federation without a SuperLink or a Flower config file. No round loop lives here: Flower's
strategy drives the rounds.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any, Mapping

from edgenst.errors import InputError
from edgenst.federated.settings import FedSettings

log = logging.getLogger("edgenst.federated")


def simulate(settings: Mapping[str, Any], num_clients: int, *, cpus: int = 2, cpus_per_client: float = 1.0,
             verbose: bool = False) -> list[dict[str, Any]]:
    """Run ``num_clients`` simulated phones; returns the run's history (see ``server_app``)."""
    if num_clients < 1:
        raise InputError(f"--clients must be >= 1, got {num_clients}")
    if cpus < 1 or cpus_per_client <= 0:
        raise InputError("cpus and cpus per client must be positive")
    checked = FedSettings.from_config(settings)  # one clear error before Ray starts
    _check_partitions(checked, num_clients)
    try:
        import ray  # noqa: F401
    except ImportError:
        raise InputError('the simulation needs Ray: pip install "flwr[simulation]"') from None
    from flwr.simulation import run_simulation

    from edgenst.federated.client_app import make_client_app
    from edgenst.federated.server_app import make_server_app

    baked = dict(settings)
    backend = {"client_resources": {"num_cpus": cpus_per_client, "num_gpus": 0.0},
               "init_args": {"num_cpus": cpus, "include_dashboard": False}}
    env_before = os.environ.get("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO")
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            run_simulation(server_app=make_server_app(baked), client_app=make_client_app(baked),
                           num_supernodes=num_clients, backend_config=backend, verbose_logging=verbose)
    finally:
        if env_before is None:
            os.environ.pop("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", None)
    history_path = checked.run_path / "history.json"
    if not history_path.is_file():
        raise InputError(f"the simulation ended without writing {history_path}; see the log above")
    return json.loads(history_path.read_text())


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
