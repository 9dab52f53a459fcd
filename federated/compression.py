"""Update compression as a mod pair: int8-quantized deltas, optionally top-k sparse.

Client side, ``compression_mod`` (a Flower ClientApp mod) replaces the trained arrays in a train
reply by the *delta* to the global arrays it received, quantized to int8 with one scale per tensor
(``int8``), or only the largest ``topk`` fraction of each tensor's entries, as int8 values plus a
one-bit-per-parameter mask of where they go (``int8-topk``). What quantization and sparsification leave out is carried to
the next round (error feedback, kept in the node's ``Context.state``). The scheme is chosen by the
server (``compression`` in the train config), so clients need no settings of their own.

Everything is packed into three flat arrays, so per-array serialization headers do not eat the
saving on small tensors. The server side (``decode_update``, called by ``guard.RoundGuard``)
rebuilds the full arrays from the global model it sent, checking every length on the way.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from flwr.app import Array, ArrayRecord, Context, Message, MessageType, RecordDict
from flwr.clientapp.typing import ClientAppCallable

KEY_Q, KEY_SCALE, KEY_MASK = "edgenst-q", "edgenst-scale", "edgenst-mask"
RESIDUAL_KEY = "edgenst-residual"


class MalformedUpdate(ValueError):
    """A client's reply cannot be turned into an update of the global model."""


def record_nbytes(record: ArrayRecord) -> int:
    """Bytes of the serialized arrays (what crosses the network, headers included)."""
    return sum(len(arr.data) for arr in record.values())


def is_compressed(record: ArrayRecord) -> bool:
    return KEY_Q in record


def _tensors(record: ArrayRecord) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.array(v.numpy(), copy=True)) for k, v in record.items()}


def encode_update(new: dict[str, torch.Tensor], old: dict[str, torch.Tensor], scheme: str, topk: float = 0.1,
                  residual: dict[str, torch.Tensor] | None = None) -> tuple[ArrayRecord, dict[str, torch.Tensor]]:
    """(compressed record, new residual). Keys follow ``old``'s order, which the server shares."""
    if scheme not in ("int8", "int8-topk"):
        raise ValueError(f"unknown compression {scheme!r}")
    qs, scales, masks = [], [], []
    new_residual: dict[str, torch.Tensor] = {}
    offset = 0
    for name, base in old.items():
        delta = (new[name].float() - base.float()).flatten()
        if residual is not None and name in residual and residual[name].numel() == delta.numel():
            delta = delta + residual[name].flatten()
        if scheme == "int8-topk":
            k = max(1, math.ceil(topk * delta.numel()))
            idx = delta.abs().topk(k, sorted=False).indices.sort().values
            vals = delta[idx]
        else:
            idx, vals = None, delta
        scale = float(vals.abs().max()) / 127.0 if vals.numel() else 0.0
        q = torch.zeros_like(vals, dtype=torch.int8) if scale == 0 else (vals / scale).round().clamp(-127, 127).to(torch.int8)
        sent = torch.zeros_like(delta)
        if idx is None:
            sent = q.float() * scale
        else:
            sent[idx] = q.float() * scale
            mask = torch.zeros(delta.numel(), dtype=torch.bool)
            mask[idx] = True
            masks.append(mask)
        new_residual[name] = (delta - sent).reshape(base.shape)
        qs.append(q)
        scales.append(scale)
        offset += delta.numel()
    record = ArrayRecord({
        KEY_Q: Array(torch.cat(qs).numpy() if qs else np.zeros(0, np.int8)),
        KEY_SCALE: Array(np.asarray(scales, dtype=np.float32)),
    })
    if scheme == "int8-topk":
        bits = torch.cat(masks).numpy() if masks else np.zeros(0, bool)
        record[KEY_MASK] = Array(np.packbits(bits))
    return record, new_residual


def decode_update(record: ArrayRecord, old: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Full arrays = ``old`` + the decoded delta. Raises ``MalformedUpdate`` on any inconsistency."""
    try:
        q = record[KEY_Q].numpy()
        scales = record[KEY_SCALE].numpy()
        packed = record[KEY_MASK].numpy() if KEY_MASK in record else None
    except Exception as e:  # undecodable bytes
        raise MalformedUpdate(f"undecodable compressed arrays ({type(e).__name__})") from None
    extra = set(record) - {KEY_Q, KEY_SCALE, KEY_MASK}
    if extra:
        raise MalformedUpdate(f"unexpected arrays {sorted(extra)[:3]}")
    if q.dtype != np.int8 or scales.dtype != np.float32 or (packed is not None and packed.dtype != np.uint8):
        raise MalformedUpdate("compressed arrays have the wrong dtypes")
    if q.ndim != 1 or scales.shape != (len(old),):
        raise MalformedUpdate(f"{scales.size} scales for {len(old)} tensors")
    if not np.isfinite(scales).all():
        raise MalformedUpdate("non-finite quantization scale")
    sizes = [int(np.prod(v.shape)) for v in old.values()]
    total = sum(sizes)
    if packed is None:
        if q.size != total:
            raise MalformedUpdate(f"{q.size} quantized values for {total} parameters")
        flat = np.empty(total, np.float32)
        pos = 0
        for size, s in zip(sizes, scales):
            flat[pos : pos + size] = q[pos : pos + size].astype(np.float32) * s
            pos += size
    else:
        if packed.shape != ((total + 7) // 8,):
            raise MalformedUpdate(f"top-k mask of {packed.size} bytes for {total} parameters")
        bits = np.unpackbits(packed)
        if bits[total:].any():
            raise MalformedUpdate("top-k mask has bits set past the last parameter")
        idx = np.flatnonzero(bits[:total])
        if idx.size != q.size:
            raise MalformedUpdate(f"top-k mask selects {idx.size} entries for {q.size} values")
        bounds = np.cumsum([0] + sizes)
        tensor_of = np.searchsorted(bounds, idx, side="right") - 1
        flat = np.zeros(total, np.float32)
        flat[idx] = q.astype(np.float32) * scales[tensor_of]
    out, pos = {}, 0
    for (name, base), size in zip(old.items(), sizes):
        out[name] = (base.astype(np.float32) + flat[pos : pos + size].reshape(base.shape)).astype(np.float32)
        pos += size
    return out


def compression_mod(msg: Message, ctxt: Context, call_next: ClientAppCallable) -> Message:
    """Client mod: compress the train reply's arrays as the server's ``compression`` config asks."""
    if msg.metadata.message_type != MessageType.TRAIN:
        return call_next(msg, ctxt)
    config = msg.content.config_records.get("config")
    scheme = str(config.get("compression", "none")) if config is not None else "none"
    if scheme == "none" or "arrays" not in msg.content.array_records:
        return call_next(msg, ctxt)
    old = _tensors(msg.content.array_records["arrays"])
    out = call_next(msg, ctxt)
    if out.has_error() or "arrays" not in out.content.array_records:
        return out
    new = _tensors(out.content.array_records["arrays"])
    if list(new) != list(old):
        return out  # let the server reject the mismatch by name
    residual = None
    if RESIDUAL_KEY in ctxt.state.array_records:
        residual = _tensors(ctxt.state.array_records[RESIDUAL_KEY])
    record, new_residual = encode_update(new, old, scheme, float(config.get("topk", 0.1)), residual)
    ctxt.state.array_records[RESIDUAL_KEY] = ArrayRecord({k: Array(v.numpy()) for k, v in new_residual.items()})
    content = RecordDict({"arrays": record, **{k: v for k, v in out.content.items() if k != "arrays"}})
    return Message(content, reply_to=msg)
