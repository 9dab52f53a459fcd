"""Secure aggregation (``secagg=secaggplus``): the server learns only the sum of the phones' updates.

Flower's SecAgg+ (``SecAggPlusWorkflow`` on the server, ``secaggplus_mod`` on the phone) does the
cryptography: each phone masks its quantized update with pairwise masks that cancel in the sum,
and secret-shares its keys so that the masks of phones that drop out mid-round can still be
removed. Flower 1.42 ships it only for its legacy server API (``LegacyContext`` +
``DefaultWorkflow`` + a legacy strategy), so this module is the bridge:

- server: the same ``ServerRun`` (held-out evaluation, log line, checkpoint, resume) after every
  round, driven by Flower's ``DefaultWorkflow`` with the SecAgg+ fit workflow and Flower's legacy
  ``FedAvg`` (the only aggregation a sum allows);
- phone: ``secagg_mod`` runs ``secaggplus_mod`` on SecAgg+ messages only and hands the training
  stage to the usual mods and train function as an ordinary Message-API train message, so the
  simulated device (drop-outs, battery, time) and the training step are the same code as without
  secure aggregation. A phone that drops out at the training stage answers with an error, which
  is exactly the drop-out SecAgg+ is built to survive.

What the server can no longer do, by design: screen single updates (``RoundGuard``), use a robust
rule, compress or clip them. ``FedSettings`` refuses those combinations.
"""

from __future__ import annotations

import logging
from typing import Any

import flwr.compat.common.recorddict_compat as compat
from flwr.app import Array, ArrayRecord, ConfigRecord, Context, Message, MessageType, RecordDict
from flwr.client.mod import secaggplus_mod
from flwr.clientapp.typing import ClientAppCallable
from flwr.common import Code, FitRes, Status, ndarrays_to_parameters, parameters_to_ndarrays
from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS
from flwr.server import LegacyContext, ServerConfig
from flwr.server.strategy import FedAvg as LegacyFedAvg
from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow
from flwr.serverapp import Grid

from edgenst.federated.guard import WireCounter
from edgenst.federated.server_run import ServerRun
from edgenst.federated.settings import FedSettings
from edgenst.federated.task import to_arrays, to_numpy

log = logging.getLogger("edgenst.federated")

#: Values are clipped to this range before quantization; the student's weights and style
#: vectors stay far inside it (checked in the tests), so clipping never bites.
CLIPPING_RANGE = 8.0


class PhoneDroppedOut(RuntimeError):
    """The simulated phone did not train this round (drop-out, battery): SecAgg+ recovers its mask."""


# --- the phone --------------------------------------------------------------------------------------


def secagg_mod(msg: Message, ctxt: Context, call_next: ClientAppCallable) -> Message:
    """``secaggplus_mod`` for SecAgg+ messages; every other message passes straight through."""
    if msg.metadata.message_type != MessageType.TRAIN or RECORD_KEY_CONFIGS not in msg.content.config_records:
        return call_next(msg, ctxt)
    return secaggplus_mod(msg, ctxt, _legacy_training_stage(call_next))


def _legacy_training_stage(call_next: ClientAppCallable) -> ClientAppCallable:
    """The training stage arrives as a legacy ``FitIns``: train on it as an ordinary train message."""

    def train(msg: Message, ctxt: Context) -> Message:
        fitins = compat.recorddict_to_fitins(msg.content, keep_input=True)
        names = [str(n) for n in str(fitins.config.get("names", "")).split(",") if n]
        values = parameters_to_ndarrays(fitins.parameters)
        if len(names) != len(values):
            raise ValueError(f"SecAgg+ round sent {len(values)} arrays for {len(names)} names")
        config = {k: v for k, v in fitins.config.items() if k != "names"}
        legacy_content = msg.content
        # The same message with Message-API content (a phone may not create messages of its own).
        msg.content = RecordDict({"arrays": ArrayRecord({n: Array(v) for n, v in zip(names, values)}),
                                  "config": ConfigRecord(config)})
        try:
            reply = call_next(msg, ctxt)
        finally:
            msg.content = legacy_content
        if reply.has_error():
            raise RuntimeError(f"training failed: {reply.error.reason}")
        if "arrays" not in reply.content.array_records:
            raise PhoneDroppedOut("the phone sat this round out")
        trained = to_numpy(reply.content.array_records["arrays"])
        metrics = dict(reply.content.metric_records["metrics"])
        fitres = FitRes(Status(Code.OK, ""), ndarrays_to_parameters([trained[n] for n in names]),
                        int(metrics.get("num-examples", 1)), metrics)
        return Message(compat.fitres_to_recorddict(fitres, keep_input=True), reply_to=msg)

    return train


# --- the server -------------------------------------------------------------------------------------


def run_secagg_server(grid: Grid, settings: FedSettings) -> list[dict[str, Any]]:
    """The run of ``server_app.run_server`` with SecAgg+ aggregation; returns the history."""
    run = ServerRun(settings)
    names = run.spec.names
    nodes = list(grid.get_node_ids())
    k = min(settings.clients_per_round, len(nodes)) if nodes else settings.clients_per_round

    def on_fit_config(server_round: int) -> dict[str, Any]:
        return {"lr": settings.lr, "server-round": server_round, "round-offset": run.start, "names": ",".join(names)}

    wire = WireCounter(grid)

    def evaluate_fn(server_round: int, values: list, _config: dict) -> tuple[float, dict] | None:
        counts = wire.take()  # all four stages of the round, keys and shares included
        summary = (f"secure aggregation (SecAgg+) of up to {k} sampled phones: the server saw only their sum | "
                   f"{counts['bytes_up'] / 1e3:.1f} kB up, {counts['bytes_down'] / 1e3:.1f} kB down "
                   f"in {counts['messages']} messages")
        terms = run.end_of_round(server_round, dict(zip(names, values)), {"secagg": settings.secagg, **counts}, summary)
        return None if terms is None else (terms["total"], dict(terms))

    arrays = to_numpy(to_arrays(run.spec.model, names))
    initial = [arrays[n] for n in names]
    strategy = LegacyFedAvg(fraction_fit=1e-9, fraction_evaluate=0.0, min_fit_clients=k, min_evaluate_clients=0,
                            min_available_clients=k, evaluate_fn=evaluate_fn, on_fit_config_fn=on_fit_config,
                            initial_parameters=ndarrays_to_parameters(initial))
    if run.remaining > 0:
        run.reseed(run.start)
        legacy = LegacyContext(_context_of(grid), config=ServerConfig(num_rounds=run.remaining), strategy=strategy)
        workflow = DefaultWorkflow(fit_workflow=SecAggPlusWorkflow(
            # Fractions: of the sampled phones each phone shares its keys with, and of those shares
            # needed to unmask a phone that vanished (3 / 2 fixed shares, Flower's example, halted
            # a round of 8 phones as soon as one neighbour dropped out).
            num_shares=settings.secagg_shares, reconstruction_threshold=settings.secagg_threshold,
            max_weight=max_examples(settings), clipping_range=CLIPPING_RANGE,
            timeout=max(600.0, 10 * settings.round_deadline)))
        workflow(wire, legacy)
    else:
        log.info("%s already finished all %d rounds", run.run_dir, settings.num_server_rounds)
    return run.finish()


def max_examples(settings: FedSettings) -> float:
    """The most samples a phone trains on in a round: SecAgg+'s ``max_weight``.

    Each phone uploads its parameters times ``num_examples / max_weight``, quantized over the
    clipping range; Flower's default (1000) would shrink a phone's 8-40 samples to a few
    quantization steps, so the bound is the real one."""
    return float(settings.batch * max(settings.local_steps, settings.max_local_steps))


def _context_of(grid: Grid) -> Context:
    """A Context for the legacy workflow (it keeps its round state there, nothing else)."""
    run = getattr(grid, "run", None)
    return Context(run_id=getattr(run, "run_id", 0), node_id=0, node_config={}, state=RecordDict(), run_config={})
