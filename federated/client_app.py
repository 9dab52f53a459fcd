"""The phone: a Flower ``ClientApp`` that fine-tunes on its own photos; no photo leaves it.

Mods, outermost first:

0. ``secagg_mod`` (``secure_aggregation``): Flower's ``secaggplus_mod`` on SecAgg+ messages only
   (``secagg=secaggplus``); it hands the training stage on to the mods below as a train message.
1. ``device mod`` (``make_device_mod``): the simulated phone. It decides, before any training,
   whether the phone answers this round (drop-out, battery) and with how many local steps, crop
   and batch (compute speed, memory); after training it adds the simulated time (compute with a
   random slowdown, plus download and upload of the actual bytes) and the battery level to the
   reply's metrics. Skipped rounds answer with ``skipped=1`` only.
2. ``compression_mod``: int8 / top-k deltas, when the server's train config asks for them.
3. ``dp clip mod``: Flower's ``fixedclipping_mod``, when the server runs client-side DP.
4. ``extra_mods`` of ``make_client_app``: in simulations, the fault injection of ``faults``
   (broken or crashing phones); the module-level ``app`` has none.

Settings come from ``context.run_config`` (``flwr run``) or are baked in by ``make_client_app``
(``edgenst federate``); the data partition from ``context.node_config``: ``partition-id`` and
``num-partitions`` in simulation, or ``photos=FOLDER`` on a real SuperNode.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import replace
from typing import Any, Mapping, Sequence

import torch
from flwr.app import ConfigRecord, Context, Message, MessageType, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.clientapp.mod import fixedclipping_mod
from flwr.clientapp.typing import ClientAppCallable, Mod

from edgenst.distill.data import PhotoPool
from edgenst.errors import InputError
from edgenst.federated.compression import compression_mod, record_nbytes
from edgenst.federated.guard import M_PARTITION, M_REASON, M_SIM_SECONDS, M_SKIPPED
from edgenst.federated.profiles import (
    TIERS,
    battery_after,
    compute_seconds,
    draw_profile,
    initial_battery,
    plan_round,
)
from edgenst.federated.secure_aggregation import secagg_mod
from edgenst.federated.settings import FedSettings, round_lr
from edgenst.federated.task import (
    build_objective,
    evaluate,
    eval_images,
    load_arrays,
    local_train,
    partition_for,
    start_model,
    to_arrays,
    train_mode,
)

log = logging.getLogger("edgenst.federated")

PLAN_KEY, DEVICE_KEY, PHOTOS_KEY = "edgenst-plan", "edgenst-device", "edgenst-photos"
TIER_CODES = {"low": 0, "mid": 1, "high": 2}
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


def _absolute_round(msg: Message) -> int:
    cfg = msg.content.config_records.get("config", ConfigRecord())
    return int(cfg.get("server-round", 0)) + int(cfg.get("round-offset", 0))


def make_device_mod(baked: Mapping[str, Any] | None = None):
    def device_mod(msg: Message, ctxt: Context, call_next: ClientAppCallable) -> Message:
        if msg.metadata.message_type != MessageType.TRAIN:
            return call_next(msg, ctxt)
        s = client_settings(ctxt, baked)
        pid, _ = partition_of(ctxt)
        rnd = _absolute_round(msg)
        if s.simulate_profiles:
            profile = draw_profile(pid, s.seed, s.profile_mix)
            state = ctxt.state.config_records.get(DEVICE_KEY)
            battery = float(state["battery"]) if state is not None else initial_battery(pid, s.seed)
        else:  # an always-available, fast phone
            profile = replace(TIERS["high"], dropout=0.0, slowdown_sigma=0.0, max_crop=4096, max_batch=4096)
            battery = 1.0
        plan = plan_round(profile, battery, partition_id=pid, seed=s.seed, server_round=rnd, crop=s.crop,
                          batch=s.batch, time_budget=s.time_budget, fixed_steps=s.local_steps,
                          max_steps=s.max_local_steps)
        if s.simulate_profiles:
            ctxt.state.config_records[DEVICE_KEY] = ConfigRecord({"battery": battery_after(profile, battery, plan)})
        if not plan.participate:
            code = {"dropout": 1, "battery": 2}[plan.reason]
            metrics = MetricRecord({M_SKIPPED: 1, M_REASON: code, M_PARTITION: pid})
            return Message(RecordDict({"metrics": metrics}), reply_to=msg)
        ctxt.state.config_records[PLAN_KEY] = ConfigRecord(
            {"steps": plan.steps, "crop": plan.crop, "batch": plan.batch})
        out = call_next(msg, ctxt)
        if out.has_error() or "metrics" not in out.content.metric_records:
            return out
        down = record_nbytes(msg.content.array_records["arrays"])
        up = sum(record_nbytes(r) for r in out.content.array_records.values())
        compute = compute_seconds(profile, plan)
        total = profile.download_seconds(down) + compute + profile.upload_seconds(up)
        metrics = out.content.metric_records["metrics"]
        metrics.update({M_SKIPPED: 0, M_REASON: 0, M_SIM_SECONDS: total, "sim-compute-seconds": compute,
                        "sim-upload-seconds": profile.upload_seconds(up), "bytes-up": up,
                        "battery": battery_after(profile, battery, plan), "tier": TIER_CODES[profile.tier]})
        return out

    return device_mod


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
        spec = start_model(s)
        load_arrays(spec.model, msg.content.array_records["arrays"], spec.names)
        plan = context.state.config_records.get(PLAN_KEY) or ConfigRecord(
            {"steps": s.local_steps or 1, "crop": s.crop, "batch": s.batch})
        pool = PhotoPool(my_photos(s, context), int(plan["crop"]))
        objective = build_objective(s, spec)
        rnd = _absolute_round(msg)
        res = local_train(spec.model, objective, pool, spec, steps=int(plan["steps"]), batch=int(plan["batch"]),
                          lr=round_lr(float(cfg.get("lr", s.lr)), s.lr_schedule, rnd, s.num_server_rounds),
                          seed=round_seed(s.seed, pid, rnd), train=train_mode(s),
                          proximal_mu=float(cfg.get("proximal-mu", 0.0)))
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
        spec = start_model(s)
        load_arrays(spec.model, msg.content.array_records["arrays"], spec.names)
        photos = my_photos(s, context)[:4]
        terms = evaluate(spec.model, build_objective(s, spec), eval_images(photos, s.crop), spec)
        metrics = MetricRecord({"num-examples": len(photos), **{f"eval-{k}": v for k, v in terms.items()}})
        return Message(RecordDict({"metrics": metrics}), reply_to=msg)

    return evaluate_on_phone


def make_client_app(baked: Mapping[str, Any] | None = None, extra_mods: Sequence[Mod] = ()) -> ClientApp:
    """A ClientApp whose settings are ``baked`` over the run config (for ``run_simulation``).

    ``extra_mods`` run innermost, right around the train function (after compression and DP
    clipping on the way out): the simulation attaches its fault injection there
    (``faults.make_fault_mod``), so the production app carries none of it."""
    if baked:
        FedSettings.from_config(baked)  # bad values fail here, not in every client
    app = ClientApp(mods=[secagg_mod, make_device_mod(baked), compression_mod, dp_clip_mod, *extra_mods])
    app.train()(train_fn(baked))
    app.evaluate()(evaluate_fn(baked))
    return app


app = make_client_app()

__all__ = ["app", "make_client_app", "InputError"]
