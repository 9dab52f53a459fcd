"""Simulated phones: compute, memory, upload bandwidth, battery and availability by tier.

Each client draws a tier (low / mid / high) from its partition id and the run seed, so the same
client is the same phone in every round and after a resume. The host computes the real training
steps; the *phone's* time is simulated from the profile:

- compute: ``seconds_per_step = REF_SECONDS_PER_MPIX * batch * crop**2 / 1e6 / speed``, times a
  per-round slowdown drawn from a log-normal (background apps, thermal throttling). Local steps per
  round = the time budget divided by the *nominal* step time, so a slow round overruns;
- memory: a cap on the training crop and the batch;
- network: upload bytes / upload bandwidth (download is ``DOWNLINK_FACTOR`` times faster);
- battery: a level in [0, 1] kept in the node's ``Context.state``; training drains it per compute
  second, rounds sat out charge it; below ``min_battery`` the phone skips the round;
- availability: a drop-out probability per round.

The server drops stragglers whose simulated time exceeds the round deadline, and reports the
round's simulated wall-clock: the slowest kept client, or the deadline when someone was cut off.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from typing import Callable

from edgenst.errors import InputError
from edgenst.federated.settings import REF_SECONDS_PER_MPIX, budget_steps, step_seconds

__all__ = ["REF_SECONDS_PER_MPIX", "DOWNLINK_FACTOR", "Profile", "TIERS", "RoundPlan", "parse_mix", "draw_profile",
           "initial_battery", "plan_round", "compute_seconds", "battery_after"]

DOWNLINK_FACTOR = 4.0


@dataclass(frozen=True)
class Profile:
    tier: str
    speed: float  # relative compute speed (high = 1)
    max_crop: int  # memory: largest training crop side
    max_batch: int  # memory: largest batch
    upload_mbps: float
    drain_per_s: float  # battery fraction per compute second
    charge_per_round: float  # battery fraction gained in a round sat out
    dropout: float  # probability of not answering a round at all
    slowdown_sigma: float = 0.35  # log-normal spread of the per-round compute slowdown
    min_battery: float = 0.2

    def step_seconds(self, crop: int, batch: int) -> float:
        return step_seconds(crop, batch, self.speed)

    def upload_seconds(self, nbytes: int) -> float:
        return nbytes * 8 / (self.upload_mbps * 1e6)

    def download_seconds(self, nbytes: int) -> float:
        return nbytes * 8 / (self.upload_mbps * DOWNLINK_FACTOR * 1e6)

    def to_dict(self) -> dict:
        return asdict(self)


TIERS: dict[str, Profile] = {
    "low": Profile("low", speed=0.15, max_crop=96, max_batch=1, upload_mbps=1.0, drain_per_s=0.004,
                   charge_per_round=0.05, dropout=0.25),
    "mid": Profile("mid", speed=0.4, max_crop=160, max_batch=2, upload_mbps=5.0, drain_per_s=0.002,
                   charge_per_round=0.08, dropout=0.1),
    "high": Profile("high", speed=1.0, max_crop=256, max_batch=4, upload_mbps=20.0, drain_per_s=0.001,
                    charge_per_round=0.1, dropout=0.03),
}


def parse_mix(spec: str) -> dict[str, float]:
    """``"low:0.3,mid:0.5,high:0.2"`` -> tier probabilities (normalised)."""
    out: dict[str, float] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        name, sep, weight = part.partition(":")
        name = name.strip()
        if name not in TIERS or not sep:
            raise InputError(f"profile-mix: expected TIER:WEIGHT with TIER in {', '.join(TIERS)}, got {part!r}")
        try:
            w = float(weight)
        except ValueError:
            raise InputError(f"profile-mix: weight of {name} is not a number: {weight!r}") from None
        if not (w >= 0 and math.isfinite(w)):
            raise InputError(f"profile-mix: weight of {name} must be >= 0, got {w}")
        out[name] = w
    total = sum(out.values())
    if total <= 0:
        raise InputError(f"profile-mix {spec!r} gives no tier a positive weight")
    return {k: v / total for k, v in out.items()}


def draw_profile(partition_id: int, seed: int, mix: str | dict[str, float]) -> Profile:
    """The tier of client ``partition_id``: fixed for the run."""
    probs = parse_mix(mix) if isinstance(mix, str) else mix
    rng = random.Random(f"profile:{seed}:{partition_id}")
    u, acc = rng.random(), 0.0
    for name, p in probs.items():
        acc += p
        if u < acc:
            return TIERS[name]
    return TIERS[list(probs)[-1]]


def initial_battery(partition_id: int, seed: int) -> float:
    return random.Random(f"battery:{seed}:{partition_id}").uniform(0.3, 1.0)


@dataclass
class RoundPlan:
    """What a phone does in one round, decided before it trains."""

    participate: bool
    reason: str  # "" | "dropout" | "battery"
    steps: int
    crop: int
    batch: int
    slowdown: float
    #: The reference phone's measured seconds per step (an executorch phone's artifact); ``None``:
    #: the compute model (``REF_SECONDS_PER_MPIX``).
    ref_step_seconds: float | None = None

    def step_seconds(self, profile: "Profile") -> float:
        if self.ref_step_seconds is None:
            return profile.step_seconds(self.crop, self.batch)
        return self.ref_step_seconds / profile.speed


def plan_round(profile: Profile, battery: float, *, partition_id: int, seed: int, server_round: int,
               crop: int, batch: int, time_budget: float, fixed_steps: int = 0, max_steps: int = 1_000_000,
               ref_step_seconds: Callable[[int, int], float | None] | None = None) -> RoundPlan:
    """Drop-out, battery check, memory caps and the number of local steps for this round.

    ``ref_step_seconds(crop, batch)``: the reference phone's measured step time at the phone's
    capped sizes (an executorch phone's training artifact), used instead of the compute model."""
    rng = random.Random(f"round:{seed}:{partition_id}:{server_round}")
    crop_eff = max(32, min(crop, profile.max_crop) // 4 * 4)
    batch_eff = max(1, min(batch, profile.max_batch))
    slowdown = math.exp(rng.gauss(0.0, profile.slowdown_sigma))
    if rng.random() < profile.dropout:
        return RoundPlan(False, "dropout", 0, crop_eff, batch_eff, slowdown)
    if battery < profile.min_battery:
        return RoundPlan(False, "battery", 0, crop_eff, batch_eff, slowdown)
    ref = ref_step_seconds(crop_eff, batch_eff) if ref_step_seconds is not None else None
    plan = RoundPlan(True, "", 0, crop_eff, batch_eff, slowdown, ref)
    plan.steps = budget_steps(time_budget, plan.step_seconds(profile), fixed_steps=fixed_steps, max_steps=max_steps)
    return plan


def compute_seconds(profile: Profile, plan: RoundPlan) -> float:
    return plan.steps * plan.step_seconds(profile) * plan.slowdown


def battery_after(profile: Profile, battery: float, plan: RoundPlan) -> float:
    if plan.participate:
        return max(0.0, battery - profile.drain_per_s * compute_seconds(profile, plan))
    return min(1.0, battery + profile.charge_per_round)
