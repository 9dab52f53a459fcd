"""The server: a Flower ``ServerApp`` that runs a Flower strategy through ``RoundGuard``.

Each round: the strategy samples ``clients-per-round`` phones and aggregates their (screened)
updates; then ``evaluate_fn`` evaluates the global model on the server's held-out photos with the
loss network, logs one line (loss, participants, drop-outs, bytes up/down, simulated round time),
appends it to the history and writes a checkpoint. Started again on the same ``run-dir`` it
resumes after the last intact checkpoint (``resume=true``, the default). At the end it writes
``model.safetensors`` (a normal edgenst model file) and ``history.json``. With
``secagg=secaggplus`` Flower's SecAgg+ workflow aggregates instead (``secure_aggregation``); the
per-round bookkeeping (``server_run.ServerRun``) is the same.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from flwr.app import ArrayRecord, ConfigRecord, Context, MetricRecord
from flwr.serverapp import Grid, ServerApp

from edgenst.errors import InputError
from edgenst.federated.guard import RoundGuard
from edgenst.federated.secure_aggregation import run_secagg_server
from edgenst.federated.server_run import ServerRun
from edgenst.federated.settings import FedSettings
from edgenst.federated.strategies import build_strategy, restore_strategy_state, strategy_state
from edgenst.federated.task import to_arrays

log = logging.getLogger("edgenst.federated")

def _ensure_log_output() -> None:
    """Round lines must show under ``flwr run`` too, where nobody configured logging."""
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def run_server(grid: Grid, settings: FedSettings) -> list[dict[str, Any]]:
    """The whole federated run; returns the history (one entry per evaluated round)."""
    if settings.secagg != "none":
        return run_secagg_server(grid, settings)
    run = ServerRun(settings)
    nodes = list(grid.get_node_ids())
    k = min(settings.clients_per_round, len(nodes)) if nodes else settings.clients_per_round
    strategy = build_strategy(settings, k, round_offset=run.start)
    restore_strategy_state(strategy, run.strategy_state)
    initial = to_arrays(run.spec.model, run.spec.names)
    guard = RoundGuard(grid, round_deadline=settings.round_deadline, max_norm_ratio=settings.max_norm_ratio,
                       clip_norm_ratio=settings.clip_norm_ratio, max_update_scale=settings.max_update_scale,
                       round_offset=run.start, dtypes={k: v.numpy().dtype for k, v in initial.items()})
    guard.screen.restore(run.strategy_state)

    def evaluate_fn(server_round: int, arrays: ArrayRecord) -> MetricRecord | None:
        st = guard.stats
        summary = (f"{st.participants} of {st.sampled} sampled aggregated, {st.dropouts} dropped out, "
                   f"{st.battery_skips} low battery, {st.stragglers} late, {st.rejected} rejected, "
                   f"{st.clipped} clipped, {st.failures} failed | "
                   f"{st.bytes_up / 1e3:.1f} kB up, {st.bytes_down / 1e3:.1f} kB down | simulated {st.sim_seconds:.1f} s")
        stats = {k: v for k, v in st.to_dict().items() if k != "round"}
        terms = run.end_of_round(server_round, arrays, stats, summary,
                                 {**strategy_state(strategy), **guard.screen.state()})
        return None if terms is None else MetricRecord({k: float(v) for k, v in terms.items()})

    if run.remaining > 0:
        run.reseed(run.start)
        train_config = ConfigRecord({"lr": settings.lr, "compression": settings.compression, "topk": settings.topk,
                                     "round-offset": run.start})
        strategy.start(grid=guard, initial_arrays=initial, num_rounds=run.remaining,
                       timeout=max(600.0, 10 * settings.round_deadline), train_config=train_config,
                       evaluate_fn=evaluate_fn)
    else:
        log.info("%s already finished all %d rounds", run.run_dir, settings.num_server_rounds)
    return run.finish()


def make_server_app(baked: Mapping[str, Any] | None = None, *, with_faults: bool = False) -> ServerApp:
    """A ServerApp whose settings are ``baked`` over the run config (for ``run_simulation``).

    ``with_faults``: the ClientApp of this run carries the simulation's fault injection
    (``faults``); the production app's ServerApp refuses ``faulty``, which would do nothing."""
    if baked:
        FedSettings.from_config(baked)
    app = ServerApp()

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        _ensure_log_output()
        settings = FedSettings.from_config(context.run_config, baked or {}).for_run(context.run_id)
        if settings.faulty and not with_faults:
            raise InputError(f"faulty={settings.faulty!r} simulates broken phones in `edgenst federate` only; this "
                             "ClientApp has no fault injection")
        run_server(grid, settings)

    return app


app = make_server_app()
