"""Flower's own strategies by name, optionally wrapped in Flower's DP wrappers.

No aggregation is re-implemented here: ``fedavg``, ``fedprox``, ``fedadam``, ``fedmedian`` and
``fedtrimmedavg`` are ``flwr.serverapp.strategy`` classes. Each round samples
``clients-per-round`` nodes (``min_train_nodes``; ``fraction_train`` is kept tiny so the minimum
decides). Federated evaluation on the phones is off: the server evaluates on held-out photos.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flwr.serverapp.strategy import (
    DifferentialPrivacyClientSideFixedClipping,
    DifferentialPrivacyServerSideFixedClipping,
    FedAdam,
    FedAvg,
    FedAvgM,
    FedMedian,
    FedProx,
    FedTrimmedAvg,
    Strategy,
)

from edgenst.federated.settings import FedSettings, round_lr

#: Below 1/N for any realistic N, so ``min_train_nodes`` sets the sample size.
_TINY_FRACTION = 1e-9

#: Server learning rate when ``server-lr`` is 0: FedAdam's eta, FedAvgM's server step.
DEFAULT_SERVER_LR = {"fedadam": 0.01, "fedavgm": 1.0}


#: The attribute that holds each server optimiser's step (what ``server-lr-schedule`` anneals).
SERVER_STEP_ATTR = {"fedadam": "eta", "fedavgm": "server_learning_rate"}


def build_strategy(settings: FedSettings, clients_per_round: int, round_offset: int = 0) -> Strategy:
    common: dict[str, Any] = dict(fraction_train=_TINY_FRACTION, fraction_evaluate=0.0, min_train_nodes=clients_per_round,
                                  min_evaluate_nodes=0, min_available_nodes=clients_per_round)
    name = settings.strategy
    server_lr = settings.server_lr or DEFAULT_SERVER_LR.get(name, 0.0)
    if name == "fedavg":
        strategy: Strategy = FedAvg(**common)
    elif name == "fedavgm":
        # Server momentum on the averaged delta: a round of a few local steps then moves the global
        # model about 1/(1 - momentum) times as far, which makes up for rounds being few.
        strategy = FedAvgM(**common, server_learning_rate=server_lr, server_momentum=settings.server_momentum)
    elif name == "fedprox":
        strategy = FedProx(**common, proximal_mu=settings.proximal_mu)
    elif name == "fedadam":
        # Server-side Adam on the averaged delta; eta is the server step, tau its epsilon.
        strategy = FedAdam(**common, eta=server_lr, eta_l=settings.lr, tau=1e-3)
    elif name == "fedmedian":
        strategy = FedMedian(**common)
    else:
        strategy = FedTrimmedAvg(**common, beta=settings.trim_beta)
    _schedule_server_step(strategy, settings, round_offset)
    if settings.dp == "client-fixed":
        strategy = DifferentialPrivacyClientSideFixedClipping(
            strategy, noise_multiplier=settings.dp_noise, clipping_norm=settings.dp_clip,
            num_sampled_clients=clients_per_round)
    elif settings.dp == "server-fixed":
        strategy = DifferentialPrivacyServerSideFixedClipping(
            strategy, noise_multiplier=settings.dp_noise, clipping_norm=settings.dp_clip,
            num_sampled_clients=clients_per_round)
    return strategy


def _schedule_server_step(strategy: Strategy, settings: FedSettings, round_offset: int) -> None:
    """Anneal the server step with ``round_lr`` before each aggregation; rounds count from the start
    of the whole run (``round_offset``: rounds done before a resume)."""
    attr = SERVER_STEP_ATTR.get(settings.strategy)
    if settings.server_lr_schedule == "constant" or attr is None:
        return
    base, aggregate = getattr(strategy, attr), strategy.aggregate_train

    def aggregate_train(server_round: int, replies):  # type: ignore[no-untyped-def]
        setattr(strategy, attr, round_lr(base, settings.server_lr_schedule, round_offset + server_round,
                                         settings.num_server_rounds))
        return aggregate(server_round, replies)

    strategy.aggregate_train = aggregate_train  # type: ignore[method-assign]


def _inner(strategy: Strategy) -> Strategy:
    return getattr(strategy, "strategy", strategy)


def strategy_state(strategy: Strategy) -> dict[str, np.ndarray]:
    """Server optimiser state worth checkpointing (FedAdam's moments, FedAvgM's momentum)."""
    inner = _inner(strategy)
    out: dict[str, np.ndarray] = {}
    for attr in ("m_t", "v_t"):
        for k, v in (getattr(inner, attr, None) or {}).items():
            out[f"{attr}/{k}"] = np.asarray(v)
    for i, v in enumerate(getattr(inner, "momentum_vector", None) or []):
        out[f"momentum/{i:04d}"] = np.asarray(v)
    return out


def restore_strategy_state(strategy: Strategy, state: dict[str, np.ndarray]) -> None:
    inner = _inner(strategy)
    for attr in ("m_t", "v_t"):
        vals = {k.split("/", 1)[1]: v for k, v in state.items() if k.startswith(f"{attr}/")}
        if vals and hasattr(inner, attr):
            setattr(inner, attr, vals)
    momentum = [v for k, v in sorted(state.items()) if k.startswith("momentum/")]
    if momentum and hasattr(inner, "momentum_vector"):
        inner.momentum_vector = momentum
