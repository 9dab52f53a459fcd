"""Training transformation networks: data, objective, one shared train step, checkpoints, loop."""

from edgenst.distill.config import DistillConfig, DistillWeights
from edgenst.distill.data import Batch, PhotoPool, draw_batch
from edgenst.distill.objective import Objective, StyleBank, train_step
from edgenst.distill.trainer import FINAL_MODEL, DistillResult, distill

__all__ = [
    "FINAL_MODEL",
    "Batch",
    "DistillConfig",
    "DistillResult",
    "DistillWeights",
    "Objective",
    "PhotoPool",
    "StyleBank",
    "distill",
    "draw_batch",
    "train_step",
]
