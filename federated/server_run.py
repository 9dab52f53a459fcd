"""What every round of a federated run shares, whichever way updates are aggregated (Flower's
strategies in ``server_app``, SecAgg+ in ``secure_aggregation``): the model, the held-out photos,
the history, and the evaluate-log-checkpoint step after each round, with resume."""

from __future__ import annotations

import json
import logging
import random
import time
from typing import Any

import torch
from flwr.app import ArrayRecord

from edgenst import __version__
from edgenst.errors import EdgenstError, InputError
from edgenst.federated.checkpoint import check_same_run, list_rounds, load_latest, save_round
from edgenst.federated.settings import FedSettings
from edgenst.federated.task import build_objective, eval_images, evaluate, load_arrays, photo_split, start_model

log = logging.getLogger("edgenst.federated")

FINAL_MODEL = "model.safetensors"


class FederationFailed(EdgenstError):
    """The run's rounds aggregated nothing usable: every phone of a round failed (crashed,
    errored), or no round aggregated a single update. No model is written as if it succeeded."""


def failed_rounds(history: list[dict[str, Any]]) -> str:
    """Why ``history`` (the run's evaluated rounds) is a failed federation, or "" when it is not."""
    rounds = [h for h in history if h.get("round", 0) > 0 and "participants" in h]
    broken = [h for h in rounds if h["participants"] == 0 and h.get("failures", 0) > 0]
    if broken:
        h = broken[0]
        more = f" (and {len(broken) - 1} more round(s))" if len(broken) > 1 else ""
        return (f"round {h['round']} aggregated 0 of {h.get('sampled', 0)} sampled phones: "
                f"{h['failures']} failed{more}")
    if rounds and not any(h["participants"] for h in rounds):
        return f"none of the {len(rounds)} round(s) aggregated an update (every phone sat out, was late or was rejected)"
    return ""


class ServerRun:
    """What every round of a run shares, whichever way updates are aggregated: the model, the
    held-out photos, the history, and the evaluate-log-checkpoint step after each round."""

    def __init__(self, settings: FedSettings) -> None:
        torch.set_num_threads(settings.threads)
        self.settings = settings
        self.run_dir = settings.run_path
        identity = settings.identity()
        self.spec = start_model(settings)
        self.objective = build_objective(settings, self.spec)
        _, self.held_out = photo_split(settings)  # also generates synthetic photos before clients need them
        self.images = eval_images(self.held_out, settings.crop)
        saved = load_latest(self.run_dir)
        if saved is not None and not settings.resume:
            raise InputError(f"{self.run_dir} already holds round checkpoints; set resume=true to continue, "
                             "or choose a new run-dir")
        self.start, self.history, self.strategy_state = 0, [], {}
        if saved is not None:
            check_same_run(saved.record, identity, self.run_dir)
            self.spec.model.load_state_dict(saved.model.state_dict())
            self.start, self.history, self.strategy_state = saved.round, list(saved.record.get("history", [])), saved.strategy_state
            log.info("resuming %s after round %d of %d", self.run_dir, self.start, settings.num_server_rounds)
        elif list_rounds(self.run_dir):
            log.warning("no intact checkpoint in %s; starting from round 0", self.run_dir)
        self.record = {"edgenst_version": __version__, "identity": identity, "settings": settings.to_config(),
                       "held_out": [str(p) for p in self.held_out], "federated_parameters": self.spec.names}
        self._t_round = time.perf_counter()
        self.reseed(self.start)

    @property
    def remaining(self) -> int:
        return self.settings.num_server_rounds - self.start

    def reseed(self, rnd: int) -> None:
        random.seed(f"{self.settings.seed}:{rnd}")  # reproducible client sampling, also after a resume

    def end_of_round(self, server_round: int, arrays: ArrayRecord | dict, stats: dict[str, Any] | None,
                     summary: str, strategy_state: dict | None = None) -> dict[str, float] | None:
        """Evaluate the global model after ``server_round`` (0: the start model), log, checkpoint."""
        rnd = self.start + server_round
        if server_round == 0 and self.start > 0:
            return None  # the resumed model was evaluated when it was saved
        spec = self.spec
        load_arrays(spec.model, arrays, spec.names)
        terms = evaluate(spec.model, self.objective, self.images, spec)
        entry: dict[str, Any] = {"round": rnd, **{f"eval_{k}": round(v, 6) for k, v in terms.items()}}
        if server_round > 0:
            entry.update(stats or {})
            entry["host_seconds"] = round(time.perf_counter() - self._t_round, 3)
            log.info("round %d/%d: loss %.4f (content %.4f, style %.4f) | %s, host %.1f s", rnd,
                     self.settings.num_server_rounds, terms["total"], terms["content"], terms["style"], summary,
                     entry["host_seconds"])
        else:
            log.info("round 0 (start model): loss %.4f (content %.4f, style %.4f) on %d held-out photos",
                     terms["total"], terms["content"], terms["style"], len(self.held_out))
        self.history.append(entry)
        save_round(self.run_dir, rnd, spec.model, spec.style_names, {**self.record, "history": self.history},
                   strategy_state)
        self.reseed(rnd)
        self._t_round = time.perf_counter()
        return terms

    def finish(self) -> list[dict[str, Any]]:
        """Writes ``history.json``, then the final model, unless the rounds aggregated nothing."""
        from edgenst.models.serialization import save_model

        (self.run_dir / "history.json").write_text(json.dumps(self.history, indent=1))
        why = failed_rounds(self.history)
        if why:
            (self.run_dir / FINAL_MODEL).unlink(missing_ok=True)
            raise FederationFailed(f"federated run failed, no model written: {why} (see the log; run folder "
                                   f"{self.run_dir})")
        save_model(self.run_dir / FINAL_MODEL, self.spec.model, self.spec.style_names,
                   meta={"federated": True, "rounds": self.settings.num_server_rounds, "settings": self.settings.to_config()})
        log.info("wrote %s", self.run_dir / FINAL_MODEL)
        return self.history
