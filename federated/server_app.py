"""The server: a Flower ``ServerApp`` that runs a Flower strategy through ``RoundGuard``.

Each round: the strategy samples ``clients-per-round`` phones and aggregates their (screened)
updates; then ``evaluate_fn`` evaluates the global model on the server's held-out photos with the
loss network, logs one line (loss, participants, drop-outs, bytes up/down, simulated round time),
appends it to the history and writes a checkpoint. Started again on the same ``run-dir`` it
resumes after the last intact checkpoint (``resume=true``, the default). At the end it writes
``model.safetensors`` (a normal edgenst model file) and ``history.json``. With
``secagg=secaggplus`` Flower's SecAgg+ workflow aggregates instead (``secure_aggregation``); the
per-round bookkeeping (``ServerRun``) is the same.
"""

from __future__ import annotations

import json
import logging
import random
import time
from typing import Any, Mapping

import torch
from flwr.app import ArrayRecord, ConfigRecord, Context, MetricRecord
from flwr.serverapp import Grid, ServerApp

from edgenst import __version__
from edgenst.errors import InputError
from edgenst.federated.checkpoint import check_same_run, list_rounds, load_latest, save_round
from edgenst.federated.guard import RoundGuard
from edgenst.federated.settings import FedSettings
from edgenst.federated.strategies import build_strategy, restore_strategy_state, strategy_state
from edgenst.federated.task import build_objective, eval_images, evaluate, load_arrays, photo_split, start_model, to_arrays

log = logging.getLogger("edgenst.federated")

FINAL_MODEL = "model.safetensors"


def _ensure_log_output() -> None:
    """Round lines must show under ``flwr run`` too, where nobody configured logging."""
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


class ServerRun:
    """What every round of a run shares, whichever way updates are aggregated: the model, the
    held-out photos, the history, and the evaluate-log-checkpoint step after each round."""

    def __init__(self, settings: FedSettings) -> None:
        torch.set_num_threads(settings.threads)
        self.settings = settings
        self.run_dir = settings.run_path
        identity = settings.identity()
        self.spec = start_model(settings)
        self.objective = build_objective(settings, self.spec)
        _, self.held_out = photo_split(settings)  # also generates synthetic photos before clients need them
        self.images = eval_images(self.held_out, settings.crop)
        saved = load_latest(self.run_dir)
        if saved is not None and not settings.resume:
            raise InputError(f"{self.run_dir} already holds round checkpoints; set resume=true to continue, "
                             "or choose a new run-dir")
        self.start, self.history, self.strategy_state = 0, [], {}
        if saved is not None:
            check_same_run(saved.record, identity, self.run_dir)
            self.spec.model.load_state_dict(saved.model.state_dict())
            self.start, self.history, self.strategy_state = saved.round, list(saved.record.get("history", [])), saved.strategy_state
            log.info("resuming %s after round %d of %d", self.run_dir, self.start, settings.num_server_rounds)
        elif list_rounds(self.run_dir):
            log.warning("no intact checkpoint in %s; starting from round 0", self.run_dir)
        self.record = {"edgenst_version": __version__, "identity": identity, "settings": settings.to_config(),
                       "held_out": [str(p) for p in self.held_out], "federated_parameters": self.spec.names}
        self._t_round = time.perf_counter()
        self.reseed(self.start)

    @property
    def remaining(self) -> int:
        return self.settings.num_server_rounds - self.start

    def reseed(self, rnd: int) -> None:
        random.seed(f"{self.settings.seed}:{rnd}")  # reproducible client sampling, also after a resume

    def end_of_round(self, server_round: int, arrays: ArrayRecord | dict, stats: dict[str, Any] | None,
                     summary: str, strategy_state: dict | None = None) -> dict[str, float] | None:
        """Evaluate the global model after ``server_round`` (0: the start model), log, checkpoint."""
        rnd = self.start + server_round
        if server_round == 0 and self.start > 0:
            return None  # the resumed model was evaluated when it was saved
        spec = self.spec
        load_arrays(spec.model, arrays, spec.names)
        terms = evaluate(spec.model, self.objective, self.images, spec)
        entry: dict[str, Any] = {"round": rnd, **{f"eval_{k}": round(v, 6) for k, v in terms.items()}}
        if server_round > 0:
            entry.update(stats or {})
            entry["host_seconds"] = round(time.perf_counter() - self._t_round, 3)
            log.info("round %d/%d: loss %.4f (content %.4f, style %.4f) | %s, host %.1f s", rnd,
                     self.settings.num_server_rounds, terms["total"], terms["content"], terms["style"], summary,
                     entry["host_seconds"])
        else:
            log.info("round 0 (start model): loss %.4f (content %.4f, style %.4f) on %d held-out photos",
                     terms["total"], terms["content"], terms["style"], len(self.held_out))
        self.history.append(entry)
        save_round(self.run_dir, rnd, spec.model, spec.style_names, {**self.record, "history": self.history},
                   strategy_state)
        self.reseed(rnd)
        self._t_round = time.perf_counter()
        return terms

    def finish(self) -> list[dict[str, Any]]:
        from edgenst.models.serialization import save_model

        save_model(self.run_dir / FINAL_MODEL, self.spec.model, self.spec.style_names,
                   meta={"federated": True, "rounds": self.settings.num_server_rounds, "settings": self.settings.to_config()})
        (self.run_dir / "history.json").write_text(json.dumps(self.history, indent=1))
        log.info("wrote %s", self.run_dir / FINAL_MODEL)
        return self.history


def run_server(grid: Grid, settings: FedSettings) -> list[dict[str, Any]]:
    """The whole federated run; returns the history (one entry per evaluated round)."""
    if settings.secagg != "none":
        from edgenst.federated.secure_aggregation import run_secagg_server

        return run_secagg_server(grid, settings)
    run = ServerRun(settings)
    nodes = list(grid.get_node_ids())
    k = min(settings.clients_per_round, len(nodes)) if nodes else settings.clients_per_round
    strategy = build_strategy(settings, k)
    restore_strategy_state(strategy, run.strategy_state)
    initial = to_arrays(run.spec.model, run.spec.names)
    guard = RoundGuard(grid, round_deadline=settings.round_deadline, max_norm_ratio=settings.max_norm_ratio,
                       round_offset=run.start, dtypes={k: v.numpy().dtype for k, v in initial.items()})

    def evaluate_fn(server_round: int, arrays: ArrayRecord) -> MetricRecord | None:
        st = guard.stats
        summary = (f"{st.participants} of {st.sampled} sampled aggregated, {st.dropouts} dropped out, "
                   f"{st.battery_skips} low battery, {st.stragglers} late, {st.rejected} rejected | "
                   f"{st.bytes_up / 1e3:.1f} kB up, {st.bytes_down / 1e3:.1f} kB down | simulated {st.sim_seconds:.1f} s")
        stats = {k: v for k, v in st.to_dict().items() if k != "round"}
        terms = run.end_of_round(server_round, arrays, stats, summary, strategy_state(strategy))
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


def make_server_app(baked: Mapping[str, Any] | None = None) -> ServerApp:
    """A ServerApp whose settings are ``baked`` over the run config (for ``run_simulation``)."""
    if baked:
        FedSettings.from_config(baked)
    app = ServerApp()

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        _ensure_log_output()
        run_server(grid, FedSettings.from_config(context.run_config, baked or {}))

    return app


app = make_server_app()
