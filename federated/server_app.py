"""The server: a Flower ``ServerApp`` that runs a Flower strategy through ``RoundGuard``.

Each round: the strategy samples ``clients-per-round`` phones and aggregates their (screened)
updates; then ``evaluate_fn`` evaluates the global model on the server's held-out photos with the
loss network, logs one line (loss, participants, drop-outs, bytes up/down, simulated round time),
appends it to the history and writes a checkpoint. Started again on the same ``run-dir`` it
resumes after the last intact checkpoint (``resume=true``, the default). At the end it writes
``model.safetensors`` (a normal edgenst model file) and ``history.json``.
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


def run_server(grid: Grid, settings: FedSettings) -> list[dict[str, Any]]:
    """The whole federated run; returns the history (one entry per evaluated round)."""
    torch.set_num_threads(settings.threads)
    run_dir = settings.run_path
    identity = settings.identity()
    spec = start_model(settings)
    objective = build_objective(settings, spec)
    _, held_out = photo_split(settings)  # also generates synthetic photos before clients need them
    images = eval_images(held_out, settings.crop)
    saved = load_latest(run_dir)
    if saved is not None and not settings.resume:
        raise InputError(f"{run_dir} already holds round checkpoints; set resume=true to continue, or choose a new run-dir")
    start, history, state = 0, [], {}
    if saved is not None:
        check_same_run(saved.record, identity, run_dir)
        spec.model.load_state_dict(saved.model.state_dict())
        start, history, state = saved.round, list(saved.record.get("history", [])), saved.strategy_state
        log.info("resuming %s after round %d of %d", run_dir, start, settings.num_server_rounds)
    elif list_rounds(run_dir):
        log.warning("no intact checkpoint in %s; starting from round 0", run_dir)
    nodes = list(grid.get_node_ids())
    k = min(settings.clients_per_round, len(nodes)) if nodes else settings.clients_per_round
    strategy = build_strategy(settings, k)
    restore_strategy_state(strategy, state)
    initial = to_arrays(spec.model, spec.names)
    guard = RoundGuard(grid, round_deadline=settings.round_deadline, max_norm_ratio=settings.max_norm_ratio,
                       round_offset=start, dtypes={k: v.numpy().dtype for k, v in initial.items()})
    record = {"edgenst_version": __version__, "identity": identity, "settings": settings.to_config(),
              "held_out": [str(p) for p in held_out], "federated_parameters": spec.names}
    t_round = [time.perf_counter()]

    def evaluate_fn(server_round: int, arrays: ArrayRecord) -> MetricRecord | None:
        rnd = start + server_round
        if server_round == 0 and start > 0:
            return None  # the resumed model was evaluated when it was saved
        load_arrays(spec.model, arrays, spec.names)
        terms = evaluate(spec.model, objective, images, spec)
        entry: dict[str, Any] = {"round": rnd, **{f"eval_{k}": round(v, 6) for k, v in terms.items()}}
        if server_round > 0:
            st = guard.stats
            entry.update({k: v for k, v in st.to_dict().items() if k != "round"})
            entry["host_seconds"] = round(time.perf_counter() - t_round[0], 3)
            log.info("round %d/%d: loss %.4f (content %.4f, style %.4f) | %d of %d sampled aggregated, %d dropped out, "
                     "%d low battery, %d late, %d rejected | %.1f kB up, %.1f kB down | simulated %.1f s, host %.1f s",
                     rnd, settings.num_server_rounds, terms["total"], terms["content"], terms["style"],
                     st.participants, st.sampled, st.dropouts, st.battery_skips, st.stragglers, st.rejected,
                     st.bytes_up / 1e3, st.bytes_down / 1e3, st.sim_seconds, entry["host_seconds"])
        else:
            log.info("round 0 (start model): loss %.4f (content %.4f, style %.4f) on %d held-out photos",
                     terms["total"], terms["content"], terms["style"], len(held_out))
        history.append(entry)
        save_round(run_dir, rnd, spec.model, spec.style_names, {**record, "history": history}, strategy_state(strategy))
        random.seed(f"{settings.seed}:{rnd}")  # reproducible client sampling, also after a resume
        t_round[0] = time.perf_counter()
        return MetricRecord({k: float(v) for k, v in terms.items()})

    remaining = settings.num_server_rounds - start
    if remaining > 0:
        random.seed(f"{settings.seed}:{start}")
        train_config = ConfigRecord({"lr": settings.lr, "compression": settings.compression, "topk": settings.topk,
                                     "round-offset": start})
        strategy.start(grid=guard, initial_arrays=initial, num_rounds=remaining,
                       timeout=max(600.0, 10 * settings.round_deadline), train_config=train_config,
                       evaluate_fn=evaluate_fn)
    else:
        log.info("%s already finished all %d rounds", run_dir, settings.num_server_rounds)
    from edgenst.models.serialization import save_model

    save_model(run_dir / FINAL_MODEL, spec.model, spec.style_names,
               meta={"federated": True, "rounds": settings.num_server_rounds, "settings": settings.to_config()})
    (run_dir / "history.json").write_text(json.dumps(history, indent=1))
    log.info("wrote %s", run_dir / FINAL_MODEL)
    return history


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
