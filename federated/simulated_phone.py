"""The simulated phone: a Flower client mod that plays a phone's tier around the production ClientApp.

The production ``ClientApp`` (``client_app``) trains what the server asks for with the settings'
crop and batch. Whether a phone answers a round at all, and how long it takes, is a property of
the phone, which a simulation has to play: ``make_phone_mod`` does, from the outside, so the app a
real SuperNode runs carries none of it. Before training it decides whether the phone answers this
round (drop-out, battery) and with how many local steps, crop and batch (compute speed, memory;
``profiles``); it hands that plan to the train function through ``Context.state`` (``PLAN_KEY``).
After training it adds the simulated time (compute with a random slowdown, plus download and
upload of the actual bytes) and the battery level to the reply's metrics. Skipped rounds answer
with ``skipped=1`` only. With ``simulate-profiles=false`` every phone is the reference phone:
always there, no memory cap, which trains exactly as the production app does.

Who attaches it: ``simulation.simulated_client_app`` (``edgenst federate``, with the fault injection
of ``faults`` too) and this module's ``app``, the ClientApp that ``federated/pyproject.toml`` names
for ``flwr run``: ``flwr-run.sh`` (Flower's Simulation Runtime) and the loopback ``deploy.sh`` run
their SuperNodes on this machine, so their phones are simulated as well.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from flwr.app import ConfigRecord, Context, Message, MessageType, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.clientapp.typing import ClientAppCallable, Mod

from edgenst.federated.client_app import (
    PLAN_KEY,
    absolute_round,
    client_settings,
    make_client_app,
    partition_of,
    reference_step_seconds,
)
from edgenst.federated.compression import record_nbytes
from edgenst.federated.guard import M_PARTITION, M_REASON, M_SIM_SECONDS, M_SKIPPED
from edgenst.federated.profiles import (
    TIERS,
    battery_after,
    compute_seconds,
    draw_profile,
    initial_battery,
    plan_round,
)

DEVICE_KEY = "edgenst-device"  # the phone's battery, kept in the node's Context.state
TIER_CODES = {"low": 0, "mid": 1, "high": 2}


def make_phone_mod(baked: Mapping[str, Any] | None = None) -> Mod:
    """The simulated phone as a client mod (train messages only; the rest pass through)."""

    def phone_mod(msg: Message, ctxt: Context, call_next: ClientAppCallable) -> Message:
        if msg.metadata.message_type != MessageType.TRAIN:
            return call_next(msg, ctxt)
        s = client_settings(ctxt, baked)
        pid, _ = partition_of(ctxt)
        rnd = absolute_round(msg)
        if s.simulate_profiles:
            profile = draw_profile(pid, s.seed, s.profile_mix)
            state = ctxt.state.config_records.get(DEVICE_KEY)
            battery = float(state["battery"]) if state is not None else initial_battery(pid, s.seed)
        else:  # an always-available, fast phone
            profile = replace(TIERS["high"], dropout=0.0, slowdown_sigma=0.0, max_crop=4096, max_batch=4096)
            battery = 1.0
        plan = plan_round(profile, battery, partition_id=pid, seed=s.seed, server_round=rnd, crop=s.crop,
                          batch=s.batch, time_budget=s.time_budget, fixed_steps=s.local_steps,
                          max_steps=s.max_local_steps,
                          ref_step_seconds=lambda crop, batch: reference_step_seconds(s, pid, crop, batch))
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

    return phone_mod


def simulated_phone_app(baked: Mapping[str, Any] | None = None, *, faults: bool = False) -> ClientApp:
    """The production ClientApp played by simulated phones; ``faults``: plus the broken phones of
    ``faulty`` (``faults.make_fault_mod``), which only ``edgenst federate``'s ServerApp accepts."""
    inner: list[Mod] = []
    if faults:
        from edgenst.federated.faults import make_fault_mod

        inner.append(make_fault_mod(baked))
    return make_client_app(baked, phone_mods=[make_phone_mod(baked)], extra_mods=inner)


#: What ``flwr run federated`` loads (``federated/pyproject.toml``): phones simulated, no faults.
app = simulated_phone_app()
