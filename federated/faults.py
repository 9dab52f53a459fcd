"""Broken and hostile phones for simulations (the ``faulty`` setting); never part of the production app.

``fault_mod`` is a Flower client mod that the simulation (``simulation.simulated_client_app``, and
the tests) puts in front of the production ``ClientApp``: the phones named in ``faulty`` train as
usual and then misbehave on the way out, as a buggy or malicious phone would:

- ``nan``, ``shape``, ``dtype``, ``missing``: a malformed update the server must reject;
- ``scale``: a poisoned update (1000x the real delta plus 1 everywhere) that is well-formed;
- ``crash``: the phone's process exits mid-round (``os._exit``), as an app killed by the OS: the
  simulation must keep the other phones training (the Ray actor that hosted it restarts).

The production ``ServerApp`` (what ``flwr run`` loads) refuses ``faulty``, so a setting that would
do nothing there fails loudly instead (``server_app.make_server_app``).
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np
from flwr.app import Array, ArrayRecord, Context, Message, MessageType
from flwr.clientapp.typing import ClientAppCallable, Mod

from edgenst.errors import InputError

FAULT_KINDS = ("nan", "shape", "dtype", "scale", "missing", "crash")

#: Exit status of a phone process that ``crash`` kills (what Ray reports for the dead worker).
CRASH_EXIT_CODE = 77


def parse_faulty(spec: str) -> dict[int, str]:
    """``"nan:0,scale:3"`` -> {partition: fault}."""
    out: dict[int, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        kind, sep, pid = part.strip().partition(":")
        if kind not in FAULT_KINDS or not sep or not pid.strip().isdigit():
            raise InputError(f"faulty: expected KIND:PARTITION with KIND in {', '.join(FAULT_KINDS)}, got {part!r}")
        out[int(pid)] = kind
    return out


def corrupt(kind: str, arrays: ArrayRecord, sent: ArrayRecord) -> ArrayRecord:
    """The update a phone with fault ``kind`` sends instead of ``arrays`` (``sent``: the global model)."""
    vals = {k: v.numpy().copy() for k, v in arrays.items()}
    first = next(iter(vals))
    if kind == "nan":
        vals[first].reshape(-1)[0] = np.nan
    elif kind == "shape":
        vals[first] = np.concatenate([vals[first], vals[first]], axis=0)
    elif kind == "dtype":
        vals[first] = vals[first].astype(np.float64)
    elif kind == "scale":
        base = {k: v.numpy() for k, v in sent.items()}
        vals = {k: base[k] + 1000.0 * (v - base[k]) + 1.0 for k, v in vals.items()}
    elif kind == "missing":
        vals.pop(first)
    else:
        raise ValueError(f"no update corruption for fault {kind!r}")
    return ArrayRecord({k: Array(v) for k, v in vals.items()})


def make_fault_mod(baked: Mapping[str, Any] | None = None) -> Mod:
    """A client mod that makes the phones named in ``faulty`` misbehave after they trained."""

    def fault_mod(msg: Message, ctxt: Context, call_next: ClientAppCallable) -> Message:
        from edgenst.federated.client_app import client_settings, partition_of

        if msg.metadata.message_type != MessageType.TRAIN:
            return call_next(msg, ctxt)
        kind = parse_faulty(client_settings(ctxt, baked).faulty).get(partition_of(ctxt)[0])
        sent = msg.content.array_records.get("arrays")
        out = call_next(msg, ctxt)
        if not kind or out.has_error() or "arrays" not in out.content.array_records or sent is None:
            return out  # a phone that sat the round out has nothing to break
        if kind == "crash":
            os._exit(CRASH_EXIT_CODE)  # mid-round: trained, never answers
        out.content["arrays"] = corrupt(kind, out.content.array_records["arrays"], sent)
        return out

    return fault_mod
