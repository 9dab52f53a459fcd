"""The server's side of the wire: a ``Grid`` wrapper every strategy talks through.

``RoundGuard`` passes messages to Flower's grid unchanged, and on the way back, for train
replies, it

- counts bytes down (the global arrays sent to each client) and up (what each reply carries);
- drops replies from phones that sat the round out (drop-out, low battery: the simulated phone mod's
  ``skipped`` metric) and from stragglers whose simulated time passed the round deadline;
- decodes compressed updates (the server half of ``compression.compression_mod``);
- rejects malformed updates (missing or extra arrays, wrong shapes or dtypes, NaN/inf), and
  rejects or clips updates by their size against the global model's scale and the norms accepted
  before (``norm_screen``; this works with any number of phones), each with a log line naming the
  client;
- keeps ``RoundStats`` of the round, which the server logs and checkpoints.

Because it sits below the strategy, FedAvg, FedProx, FedAdam, the robust aggregators and
Flower's DP wrappers all see only clean, full-precision replies.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
from flwr.app import Array, ArrayRecord, Message, MessageType, RecordDict
from flwr.serverapp import Grid

from edgenst.federated.compression import MalformedUpdate, decode_update, is_compressed, record_nbytes
from edgenst.federated.norm_screen import NormScreen

log = logging.getLogger("edgenst.federated")

#: Metric keys of train replies (set by the train function, and by the simulated phone's mod,
#: ``simulated_phone``).
M_SKIPPED, M_REASON, M_SIM_SECONDS, M_PARTITION = "skipped", "skip-reason", "sim-seconds", "partition-id"
REASONS = {0: "", 1: "dropout", 2: "battery"}


@dataclass
class RoundStats:
    round: int = 0
    sampled: int = 0
    participants: int = 0  # replies aggregated
    dropouts: int = 0  # did not answer: drop-out probability
    battery_skips: int = 0
    stragglers: int = 0  # past the round deadline
    rejected: int = 0  # malformed or oversized updates
    clipped: int = 0  # scaled down to the server's norm bound
    failures: int = 0  # error replies (a crashed ClientApp)
    bytes_down: int = 0
    bytes_up: int = 0  # of the aggregated replies
    bytes_up_fp32: int = 0  # what the same replies would have been as fp32 arrays
    sim_seconds: float = 0.0  # simulated wall-clock of the round
    rejected_clients: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


_FLOWER_REASON = re.compile(r"<class '([\w.]+)'>:<'(.*)'>", re.S)


def _one_line(reason: str, limit: int = 160) -> str:
    """An error reply's reason as one short log line. Flower's simulation sends
    ``<class 'X'>:<'message'>``, and Ray's errors for a dead worker are paragraphs."""
    m = _FLOWER_REASON.fullmatch(reason.strip())
    kind, text = (m.group(1).rsplit(".", 1)[-1], m.group(2)) if m else ("", reason)
    if kind.startswith("Actor") and ("ray.exceptions" in reason or "actor" in text.lower()):
        return f"its ClientApp process died ({kind} from Ray)"
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    text = (f"{kind}: " if kind else "") + (lines[-1] if lines else "no reason given")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _client(reply: Message) -> str:
    metrics = reply.content.metric_records.get("metrics") if reply.has_content() else None
    part = f" (partition {int(metrics[M_PARTITION])})" if metrics is not None and M_PARTITION in metrics else ""
    return f"node {reply.metadata.src_node_id}{part}"


class DelegatingGrid(Grid):
    """A ``Grid`` that hands everything to ``grid``; subclasses look at ``send_and_receive``."""

    def __init__(self, grid: Grid) -> None:
        self._grid = grid

    def set_run(self, run):  # type: ignore[override]
        return self._grid.set_run(run)

    @property
    def run(self):  # type: ignore[override]
        return self._grid.run

    def create_message(self, content, message_type, dst_node_id, group_id, ttl=None):  # type: ignore[override]
        return self._grid.create_message(content, message_type, dst_node_id, group_id, ttl)

    def get_node_ids(self) -> Iterable[int]:
        return self._grid.get_node_ids()

    def push_messages(self, messages: Iterable[Message]) -> Iterable[str]:
        return self._grid.push_messages(messages)

    def pull_messages(self, message_ids: Iterable[str]) -> Iterable[Message]:
        return self._grid.pull_messages(message_ids)

    def send_and_receive(self, messages: Iterable[Message], *, timeout: float | None = None) -> Iterable[Message]:
        return self._grid.send_and_receive(messages, timeout=timeout)


def wire_bytes(content: RecordDict) -> int:
    """Size of a message's content as Flower serializes it for the wire."""
    from flwr.common.serde import recorddict_to_proto

    return recorddict_to_proto(content).ByteSize()


class WireCounter(DelegatingGrid):
    """Counts the bytes of every message down and every reply up, whatever the protocol (SecAgg+
    sends keys, shares and masked vectors over four stages a round, which ``RoundGuard`` cannot
    screen); ``take`` returns the counts since the last call."""

    def __init__(self, grid: Grid) -> None:
        super().__init__(grid)
        self.bytes_down = self.bytes_up = self.messages = 0

    def send_and_receive(self, messages: Iterable[Message], *, timeout: float | None = None) -> Iterable[Message]:
        messages = list(messages)
        self.bytes_down += sum(wire_bytes(m.content) for m in messages)
        self.messages += len(messages)
        replies = list(self._grid.send_and_receive(messages, timeout=timeout))
        self.bytes_up += sum(wire_bytes(r.content) for r in replies if r.has_content())
        return replies

    def take(self) -> dict[str, int]:
        out = {"bytes_down": self.bytes_down, "bytes_up": self.bytes_up, "messages": self.messages}
        self.bytes_down = self.bytes_up = self.messages = 0
        return out


class RoundGuard(DelegatingGrid):
    """Delegates to ``grid``; screens train replies (see the module docstring)."""

    def __init__(self, grid: Grid, *, round_deadline: float, max_norm_ratio: float, round_offset: int = 0,
                 dtypes: dict[str, np.dtype] | None = None, clip_norm_ratio: float | None = None,
                 max_update_scale: float = 1.0) -> None:
        """``dtypes``: the model's dtype per federated array. Server optimisers such as FedAdam
        compute in float64; the global arrays are cast back before they go out, so phones get
        (and must send) the model's own dtype and the download is not doubled."""
        super().__init__(grid)
        self.dtypes = dtypes or {}
        self.round_deadline = round_deadline
        self.screen = NormScreen(max_norm_ratio=max_norm_ratio, max_update_scale=max_update_scale,
                                 clip_norm_ratio=max_norm_ratio if clip_norm_ratio is None else clip_norm_ratio)
        self.round = round_offset
        self.stats = RoundStats()

    def send_and_receive(self, messages: Iterable[Message], *, timeout: float | None = None) -> Iterable[Message]:
        messages = list(messages)
        train = [m for m in messages if m.metadata.message_type == MessageType.TRAIN]
        if not train:
            return self._grid.send_and_receive(messages, timeout=timeout)
        self.round += 1
        stats = RoundStats(round=self.round, sampled=len(train))
        for m in train:
            m.content["arrays"] = self._cast(m.content.array_records["arrays"])
        sent = train[0].content.array_records["arrays"]
        stats.bytes_down = record_nbytes(sent) * len(train)
        global_arrays = {k: v.numpy() for k, v in sent.items()}
        replies = list(self._grid.send_and_receive(messages, timeout=timeout))
        kept, deltas, times = [], [], []
        for reply in replies:
            who = _client(reply)
            if reply.has_error():
                stats.failures += 1
                log.warning("round %d: %s failed: %s", self.round, who, _one_line(reply.error.reason))
                continue
            metrics = reply.content.metric_records.get("metrics")
            if metrics is not None and metrics.get(M_SKIPPED, 0):
                reason = REASONS.get(int(metrics.get(M_REASON, 0)), "")
                if reason == "battery":
                    stats.battery_skips += 1
                else:
                    stats.dropouts += 1
                log.info("round %d: %s sat out (%s)", self.round, who, reason or "unavailable")
                continue
            sim = float(metrics.get(M_SIM_SECONDS, 0.0)) if metrics is not None else 0.0
            if sim > self.round_deadline:
                stats.stragglers += 1
                log.info("round %d: %s missed the deadline (%.1f s > %.1f s); dropped", self.round, who, sim,
                         self.round_deadline)
                continue
            try:
                full, up = self._screen(reply, global_arrays)
            except MalformedUpdate as e:
                stats.rejected += 1
                stats.rejected_clients.append(who)
                log.warning("round %d: rejected the update from %s: %s", self.round, who, e)
                continue
            stats.bytes_up += up
            delta = np.sqrt(sum(float(np.sum((full[k].astype(np.float64) - global_arrays[k]) ** 2)) for k in full))
            kept.append((reply, full))
            deltas.append(delta)
            times.append(sim)
        if deltas:
            self._judge_norms(kept, deltas, times, global_arrays, stats)
        out = []
        for reply, full in kept:
            record = ArrayRecord({k: Array(v) for k, v in full.items()})
            stats.bytes_up_fp32 += record_nbytes(record)
            reply.content = RecordDict({"arrays": record, "metrics": reply.content.metric_records["metrics"]})
            out.append(reply)
        stats.participants = len(out)
        late = stats.stragglers > 0
        stats.sim_seconds = self.round_deadline if late else (max(times) if times else 0.0)
        self.stats = stats
        return out

    def _judge_norms(self, kept: list, deltas: list[float], times: list[float], global_arrays: dict[str, np.ndarray],
                     stats: RoundStats) -> None:
        """Reject or clip well-formed updates by their size (``norm_screen``), in place; logs each
        rejection and clip, and a round it could judge only against the model's scale, or not at all."""
        global_norm = float(np.sqrt(sum(float(np.sum(v.astype(np.float64) ** 2)) for v in global_arrays.values())))
        judgement = self.screen.judge(deltas, global_norm)
        if judgement.reference is None:
            if global_norm > 0:
                log.info("round %d: %d update(s), no peers or earlier rounds to compare with: judged against the "
                         "global model's scale only", self.round, len(deltas))
            else:
                log.warning("round %d: could not judge %d update(s): no peers, no earlier rounds and a zero model; "
                            "aggregated unscreened", self.round, len(deltas))
        rejected: list[str] = []
        for i in reversed(range(len(kept))):
            verdict = judgement.verdicts[i]
            reply, full = kept[i]
            who = _client(reply)
            if verdict.action == "reject":
                kept.pop(i)
                times.pop(i)
                stats.rejected += 1
                rejected.append(who)
                log.warning("round %d: rejected the update from %s: %s", self.round, who, verdict.reason)
            elif verdict.action == "clip":
                kept[i] = (reply, {k: (global_arrays[k] + verdict.scale * (v - global_arrays[k])).astype(v.dtype)
                                   for k, v in full.items()})
                stats.clipped += 1
                log.info("round %d: the update from %s: %s", self.round, who, verdict.reason)
        stats.rejected_clients.extend(reversed(rejected))

    def _cast(self, record: ArrayRecord) -> ArrayRecord:
        if all(self.dtypes.get(k, np.dtype(v.dtype)) == np.dtype(v.dtype) for k, v in record.items()):
            return record
        return ArrayRecord({k: Array(np.ascontiguousarray(v.numpy().astype(self.dtypes.get(k, v.numpy().dtype))))
                            for k, v in record.items()})

    def _screen(self, reply: Message, global_arrays: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], int]:
        content = reply.content
        if set(content.array_records) != {"arrays"} or "metrics" not in content.metric_records:
            raise MalformedUpdate(f"expected one ArrayRecord 'arrays' and metrics, got {sorted(content.keys())}")
        record = content.array_records["arrays"]
        up = record_nbytes(record)
        if is_compressed(record):
            full = decode_update(record, global_arrays)
        else:
            if list(record) != list(global_arrays):
                missing = sorted(set(global_arrays) - set(record))[:2]
                extra = sorted(set(record) - set(global_arrays))[:2]
                raise MalformedUpdate(f"arrays do not match the model (missing {missing}, unexpected {extra})")
            full = {}
            for k, arr in record.items():
                ref = global_arrays[k]
                if tuple(arr.shape) != tuple(ref.shape) or arr.dtype != str(ref.dtype):
                    raise MalformedUpdate(f"{k}: {arr.dtype} {tuple(arr.shape)}, expected {ref.dtype} {tuple(ref.shape)}")
                try:
                    full[k] = arr.numpy()
                except Exception as e:
                    raise MalformedUpdate(f"{k}: undecodable ({type(e).__name__})") from None
                if full[k].shape != ref.shape or full[k].dtype != ref.dtype:
                    raise MalformedUpdate(f"{k}: decoded to {full[k].dtype} {full[k].shape}")
        for k, v in full.items():
            if not np.isfinite(v).all():
                raise MalformedUpdate(f"{k} holds NaN or inf")
        weight = content.metric_records["metrics"].get("num-examples")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not (0 < weight < 1e12):
            raise MalformedUpdate(f"num-examples must be a positive number, got {weight!r}")
        return full, up
