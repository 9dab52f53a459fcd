"""Paintings given as ``--style`` become columns of the student's table, so the student paints them.

A painting's style vector comes from the style predictor (milliseconds), optionally refined by
fitting (``refine_vector``, minutes). Each vector then joins a copy of the model's table under the
name the user gave (``edgenst.styles.with_style``), and from there it is a style like any shipped
one: it blends by weight with shipped styles and other paintings, strength applies, tiling and
video work unchanged. Nothing is written to disk; the model file stays as it was.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from torch import nn

from edgenst.models.serialization import ModelInfo
from edgenst.style_fit import FitConfig
from edgenst.style_predictor import StylePredictor, load_predictor, predict_style, refine_vector
from edgenst.styles import with_style

log = logging.getLogger(__name__)


def is_painting(name: str) -> bool:
    """A style given as an image file (``texture:NAME`` patterns stay with the optimiser)."""
    return not name.startswith(("texture:", "sample:")) and Path(name).is_file()


def add_paintings(model: nn.Module, info: ModelInfo, paintings: Sequence[str], *, predictor: str | None = None,
                  fit: FitConfig | None = None, progress: bool = True) -> tuple[nn.Module, ModelInfo]:
    """A copy of ``model`` (and its info) with one new style per painting file, named as given.

    ``predictor``: a predictor file (default: the shipped one for this student's shape).
    ``fit``: also refine each predicted vector with these fit settings (minutes each).
    """
    todo = list(dict.fromkeys(p for p in paintings if p not in info.styles))
    if not todo:
        return model, info
    net: StylePredictor = load_predictor(model, predictor)
    names = list(info.styles)
    for painting in todo:
        t0 = time.perf_counter()
        vector = predict_style(model, painting, net)
        log.info("%s: style vector predicted in %.0f ms", painting, 1000 * (time.perf_counter() - t0))
        if fit is not None:
            vector, losses = refine_vector(model, painting, vector, fit, progress=progress)
            log.info("%s: refined in %.0f s (style loss %.4f -> %.4f)", painting, time.perf_counter() - t0,
                     losses["before"], losses["after"])
        model, names = with_style(model, names, painting, vector)
    return model.eval(), replace(info, styles=names)


__all__ = ["add_paintings", "is_painting"]
