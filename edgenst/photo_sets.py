"""Sets of photos a check or a calibration runs on: the user's files and folders, or the built-in samples.

int8 calibration (``edgenst export``, the demo's first-start export) and the parity check
(``edgenst verify``) both want "a few real photos, spread over what the user gave": one rule, so a
notebook exporting a student calibrates on exactly the photos the command would.
"""

from __future__ import annotations

import logging
from typing import Sequence

import torch

from edgenst.errors import ImageReadError, InputError
from edgenst.samples import SAMPLE_PHOTOS

log = logging.getLogger(__name__)

#: The photos used when the caller names none: the built-in samples (no download, no files).
DEFAULT_PHOTOS = tuple(f"sample:{name}" for name in SAMPLE_PHOTOS)


def load_photos(sources: Sequence[str] | None, limit: int, max_side: int = 1280) -> list[torch.Tensor]:
    """Up to ``limit`` photos spread evenly over ``sources`` (files, folders, ``sample:NAME``;
    default :data:`DEFAULT_PHOTOS`), each resized to ``max_side``.

    Evenly spread rather than the first ``limit``, so a folder sorted by date or scene still gives
    a varied set. An unreadable photo is skipped with a warning; none readable is an error.
    """
    from edgenst.distill.data import expand_sources
    from edgenst.samples import resolve_image

    if limit < 1:
        raise InputError(f"photo count must be >= 1, got {limit}")
    files = expand_sources(list(sources or DEFAULT_PHOTOS))
    if len(files) > limit:
        files = [files[round(i * (len(files) - 1) / max(limit - 1, 1))] for i in range(limit)]
    photos = []
    for f in files:
        try:
            photos.append(resolve_image(f, max_side=max_side).tensor)
        except ImageReadError as exc:
            log.warning("skipping %s", exc)
    if not photos:
        raise InputError("none of the photos could be read")
    return photos
