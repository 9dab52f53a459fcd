"""The server's judgement of a well-formed update by its size: reject, clip or keep.

A poisoned or diverged phone sends an update that is well-formed but far too large. Comparing it
with the round's median needs honest peers in the majority and at least three of them; a round of
two phones, or one where most replies were rejected for their format, has no such majority. So
each update's delta norm (distance from the global model it was trained from) is judged against

1. the global model's own scale: a phone's few local steps do not move the federated parameters
   by more than ``max_update_scale`` times their norm (always available, even in round 1 with one
   phone);
2. a reference norm: the median of the norms accepted in the last ``HISTORY_ROUNDS`` rounds, or,
   before any round was accepted, this round's median when it has at least three updates. Above
   ``max_norm_ratio`` x the reference an update is rejected; above ``clip_norm_ratio`` x it is
   scaled down to that norm (server-side clipping, which bounds what a phone just under the
   rejection bar can do).

The history is part of the run's checkpoint (``state``/``restore``), so a resumed run judges as the
uninterrupted one would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Rounds of accepted norms the reference is taken from.
HISTORY_ROUNDS = 5

_STATE_PREFIX = "guard/norms-"


@dataclass(frozen=True)
class Verdict:
    """What to do with one update: ``keep`` (``scale`` 1), ``clip`` (multiply the delta by
    ``scale``) or ``reject`` (``reason`` says why)."""

    action: str
    scale: float = 1.0
    reason: str = ""


@dataclass(frozen=True)
class Judgement:
    verdicts: list[Verdict]
    reference: float | None  # None: no peers or history to compare with
    basis: str  # where the reference came from, for the log


class NormScreen:
    def __init__(self, *, max_norm_ratio: float, clip_norm_ratio: float, max_update_scale: float) -> None:
        self.max_norm_ratio = max_norm_ratio
        self.clip_norm_ratio = clip_norm_ratio
        self.max_update_scale = max_update_scale
        self.history: list[list[float]] = []  # accepted (clipped) norms, one list per round

    def reference(self, norms: list[float]) -> tuple[float | None, str]:
        past = [n for rnd in self.history[-HISTORY_ROUNDS:] for n in rnd]
        if past:
            return float(np.median(past)), f"the median of {len(past)} accepted earlier"
        if len(norms) >= 3:
            return float(np.median(norms)), "this round's median"
        return None, ""

    def judge(self, norms: list[float], global_norm: float) -> Judgement:
        """Verdicts for this round's updates (their delta ``norms``), and remembers the accepted ones."""
        ref, basis = self.reference(norms)
        cap = self.max_update_scale * global_norm
        verdicts, accepted = [], []
        for n in norms:
            if not np.isfinite(n):
                verdicts.append(Verdict("reject", reason="its norm is not finite"))
            elif global_norm > 0 and n > cap:
                verdicts.append(Verdict("reject", reason=f"norm {n:.3g} is {n / global_norm:.3g}x the global "
                                        f"model's own norm {global_norm:.3g} (at most {self.max_update_scale:g}x)"))
            elif ref is not None and ref > 0 and n > self.max_norm_ratio * ref:
                verdicts.append(Verdict("reject", reason=f"norm {n:.3g} is {n / ref:.0f}x {basis} {ref:.3g} "
                                        f"(at most {self.max_norm_ratio:g}x)"))
            elif ref is not None and ref > 0 and n > self.clip_norm_ratio * ref:
                bound = self.clip_norm_ratio * ref
                verdicts.append(Verdict("clip", scale=bound / n, reason=f"norm {n:.3g} clipped to {bound:.3g} "
                                        f"({self.clip_norm_ratio:g}x {basis} {ref:.3g})"))
                accepted.append(bound)
            else:
                verdicts.append(Verdict("keep"))
                accepted.append(n)
        if accepted:
            self.history = (self.history + [accepted])[-HISTORY_ROUNDS:]
        return Judgement(verdicts, ref, basis)

    def state(self) -> dict[str, np.ndarray]:
        return {f"{_STATE_PREFIX}{i:02d}": np.asarray(r, np.float64) for i, r in enumerate(self.history)}

    def restore(self, state: dict[str, np.ndarray]) -> None:
        rounds = [v for k, v in sorted(state.items()) if k.startswith(_STATE_PREFIX)]
        self.history = [[float(x) for x in np.asarray(r).reshape(-1)] for r in rounds]
