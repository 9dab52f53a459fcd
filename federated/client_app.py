"""The phone: a Flower ``ClientApp`` that fine-tunes on its own photos; no photo leaves it.

This is the production app (what a real phone's SuperNode runs): it trains ``local-steps``, or
what the reference phone fits in ``time-budget``, at the settings' crop and batch, and answers
every round it is sampled for. Its mods, outermost first:

0. ``secagg_mod`` (``secure_aggregation``): Flower's ``secaggplus_mod`` on SecAgg+ messages only
   (``secagg=secaggplus``); it hands the training stage on to the mods below as a train message.
1. ``compression_mod``: int8 / top-k deltas, when the server's train config asks for them.
2. ``dp clip mod``: Flower's ``fixedclipping_mod``, when the server runs client-side DP.

Simulations attach more from the outside (``make_client_app``'s ``phone_mods`` and ``extra_mods``):
the simulated phone of ``simulated_phone`` (tiers, drop-outs, battery, simulated time) right inside
SecAgg+, and the fault injection of ``faults`` innermost. No profile or fault code lives here.

Settings come from ``context.run_config`` (``flwr run``) or are baked in by ``make_client_app``
(``edgenst federate``); the data partition from ``context.node_config``: ``partition-id`` and
``num-partitions`` in simulation, or ``photos=FOLDER`` on a real SuperNode.
"""

from __future__ import annotations

import logging
import zlib
from typing import Any, Mapping, Sequence

import torch
from flwr.app import ConfigRecord, Context, Message, MessageType, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.clientapp.mod import fixedclipping_mod
from flwr.clientapp.typing import ClientAppCallable, Mod

from edgenst.distill.data import PhotoPool
from edgenst.errors import InputError
from edgenst.federated import node_cache
from edgenst.federated.compression import compression_mod
from edgenst.federated.executorch_client import executorch_sgd_lr, local_train_executorch, phone_runtime
from edgenst.federated.guard import M_PARTITION
from edgenst.federated.secure_aggregation import secagg_mod
from edgenst.federated.settings import FedSettings, budget_steps, round_lr, step_seconds
from edgenst.federated.task import evaluate, eval_images, load_arrays, local_train, partition_for, to_arrays, train_mode

log = logging.getLogger("edgenst.federated")

PLAN_KEY, PHOTOS_KEY = "edgenst-plan", "edgenst-photos"
KEY_CLIPPING_NORM = "clipping_norm"  # what Flower's DP wrappers put in the train config


def client_settings(context: Context, baked: Mapping[str, Any] | None = None) -> FedSettings:
    """The run's settings, with the run folder the ServerApp of the same run uses."""
    return FedSettings.from_config(context.run_config, baked or {}).for_run(context.run_id)


def partition_of(context: Context) -> tuple[int, int]:
    nc = context.node_config
    if "partition-id" in nc and "num-partitions" in nc:
        return int(nc["partition-id"]), int(nc["num-partitions"])
    return int(nc.get("partition-id", 0)), int(nc.get("num-partitions", 1))


def round_seed(seed: int, partition: int, server_round: int) -> int:
    return zlib.crc32(f"{seed}:{partition}:{server_round}".encode()) & 0x7FFFFFFF


def absolute_round(msg: Message) -> int:
    cfg = msg.content.config_records.get("config", ConfigRecord())
    return int(cfg.get("server-round", 0)) + int(cfg.get("round-offset", 0))


def own_plan(s: FedSettings, ctxt: Context) -> ConfigRecord:
    """This phone's round when no outer mod planned it (``simulated_phone`` does in simulations):
    the settings' crop and batch, and ``local-steps`` or what the reference phone fits in
    ``time-budget`` (the plan of a simulated phone with profiles off, so both train alike)."""
    seconds = None if s.local_steps else reference_step_seconds(s, partition_of(ctxt)[0], s.crop, s.batch)
    steps = budget_steps(s.time_budget, seconds if seconds is not None else step_seconds(s.crop, s.batch),
                         fixed_steps=s.local_steps, max_steps=s.max_local_steps)
    return ConfigRecord({"steps": steps, "crop": s.crop, "batch": s.batch})


def reference_step_seconds(s: FedSettings, partition: int, crop: int, batch: int) -> float | None:
    """The reference phone's seconds per step for this phone's runtime: for an executorch phone, the
    training artifact's step as measured on this node (``executorch_client``); ``None`` for a PyTorch
    phone, whose steps follow the compute model of ``settings.step_seconds``."""
    if phone_runtime(s.client_runtime, partition) != "executorch":
        return None
    return node_cache.artifact_for(s, node_cache.first_trained_style(s), crop, batch).step_seconds


def dp_clip_mod(msg: Message, ctxt: Context, call_next: ClientAppCallable) -> Message:
    """Flower's ``fixedclipping_mod``, only when the server asks for clipping (client-side DP)."""
    cfg = msg.content.config_records.get("config")
    if msg.metadata.message_type == MessageType.TRAIN and cfg is not None and KEY_CLIPPING_NORM in cfg:
        return fixedclipping_mod(msg, ctxt, call_next)
    return call_next(msg, ctxt)


def my_photos(s: FedSettings, ctxt: Context) -> list[str]:
    """This phone's photos: its own folder (``photos`` in the node config) or its partition."""
    cached = ctxt.state.config_records.get(PHOTOS_KEY)
    if cached is not None:
        return list(cached["paths"])
    if "photos" in ctxt.node_config:
        from edgenst.federated.partition import list_photos

        paths = [str(p) for p in list_photos(str(ctxt.node_config["photos"]))]
    else:
        pid, n = partition_of(ctxt)
        paths = partition_for(s, pid, n)
    ctxt.state.config_records[PHOTOS_KEY] = ConfigRecord({"paths": paths})
    return paths


def train_fn(baked: Mapping[str, Any] | None = None):
    def train(msg: Message, context: Context) -> Message:
        s = client_settings(context, baked)
        torch.set_num_threads(s.threads)
        pid, _ = partition_of(context)
        cfg = msg.content.config_records["config"]
        spec = node_cache.model_for(s)
        load_arrays(spec.model, msg.content.array_records["arrays"], spec.names)
        plan = context.state.config_records.get(PLAN_KEY) or own_plan(s, context)
        pool = PhotoPool(my_photos(s, context), int(plan["crop"]))
        objective = node_cache.objective_for(s, spec)
        rnd = absolute_round(msg)
        server_lr = float(cfg.get("lr", s.lr))
        if phone_runtime(s.client_runtime, pid) == "executorch":
            crop, batch = int(plan["crop"]), int(plan["batch"])
            res = local_train_executorch(
                spec.model, objective, pool, artifact_for=lambda k: node_cache.artifact_for(s, k, crop, batch),
                train_styles=spec.train_styles, steps=int(plan["steps"]), batch=batch,
                lr=round_lr(executorch_sgd_lr(s, server_lr), s.lr_schedule, rnd, s.num_server_rounds),
                seed=round_seed(s.seed, pid, rnd))
        else:
            res = local_train(spec.model, objective, pool, spec, steps=int(plan["steps"]), batch=int(plan["batch"]),
                              lr=round_lr(server_lr, s.lr_schedule, rnd, s.num_server_rounds),
                              seed=round_seed(s.seed, pid, rnd), train=train_mode(s),
                              proximal_mu=float(cfg.get("proximal-mu", 0.0)), optimizer=s.client_optimizer,
                              clip=s.clip_grad_norm)
        arrays = to_arrays(spec.model, spec.names)
        metrics = MetricRecord({"num-examples": res.samples, "train-loss": res.loss, "local-steps": res.steps,
                                "photos": len(pool), M_PARTITION: pid})
        return Message(RecordDict({"arrays": arrays, "metrics": metrics}), reply_to=msg)

    return train


def evaluate_fn(baked: Mapping[str, Any] | None = None):
    def evaluate_on_phone(msg: Message, context: Context) -> Message:
        """Loss of the global model on (up to 4 of) this phone's own photos."""
        s = client_settings(context, baked)
        torch.set_num_threads(s.threads)
        spec = node_cache.model_for(s)
        load_arrays(spec.model, msg.content.array_records["arrays"], spec.names)
        photos = my_photos(s, context)[:4]
        terms = evaluate(spec.model, node_cache.objective_for(s, spec), eval_images(photos, s.crop), spec)
        metrics = MetricRecord({"num-examples": len(photos), **{f"eval-{k}": v for k, v in terms.items()}})
        return Message(RecordDict({"metrics": metrics}), reply_to=msg)

    return evaluate_on_phone


def make_client_app(baked: Mapping[str, Any] | None = None, *, phone_mods: Sequence[Mod] = (),
                    extra_mods: Sequence[Mod] = ()) -> ClientApp:
    """A ClientApp whose settings are ``baked`` over the run config (for ``run_simulation``).

    The production app takes no mods: it has no simulated phone and no fault injection. A
    simulation attaches them here: ``phone_mods`` run right inside SecAgg+ (they decide whether the
    phone answers and see the bytes that travel, compressed), ``extra_mods`` innermost, right around
    the train function (the fault injection of ``faults.make_fault_mod``); see ``simulated_phone``."""
    if baked:
        FedSettings.from_config(baked)  # bad values fail here, not in every client
    app = ClientApp(mods=[secagg_mod, *phone_mods, compression_mod, dp_clip_mod, *extra_mods])
    app.train()(train_fn(baked))
    app.evaluate()(evaluate_fn(baked))
    return app


app = make_client_app()

__all__ = ["app", "make_client_app", "InputError"]
