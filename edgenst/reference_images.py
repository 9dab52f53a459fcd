"""Images an export and its checks run on: photos to calibrate and verify on, and each style's painting.

int8 calibration (``edgenst export``, the demo's first-start export) and the parity check
(``edgenst verify``) both want "a few real photos, spread over what the user gave"; the style-loss
check wants the painting behind each of a student's style names. One rule each, in the library, so
a notebook exporting a student calibrates on exactly the photos the command would and finds the
same painting for a name.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable, Sequence

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


#: Environment variable naming the default style folder.
STYLE_DIR_ENV = "EDGENST_STYLE_DIR"
#: Long side the paintings are returned at.
PAINTING_SIDE = 512

StyleFinder = Callable[[str], "torch.Tensor | None"]


def style_finder(style_dir: str | os.PathLike[str] | None = None) -> StyleFinder:
    """Style name -> painting tensor (long side :data:`PAINTING_SIDE`), or None when not found.

    Built-in texture names (``swirl`` ...) are always found; other names are looked up as
    ``<style_dir>/<name>.<image suffix>`` (first match in sorted order), with ``style_dir``
    defaulting to ``$EDGENST_STYLE_DIR``. Without a folder only textures are found: a missing
    painting skips a check rather than failing it.
    """
    from edgenst.io import IMAGE_EXTENSIONS, resize_max_side
    from edgenst.samples import TEXTURES, resolve_image

    folder = style_dir or os.environ.get(STYLE_DIR_ENV)

    def find(name: str) -> torch.Tensor | None:
        if name in TEXTURES:
            return resolve_image(f"texture:{name}", max_side=PAINTING_SIDE).tensor
        if not folder:
            return None
        matches = [p for p in sorted(Path(folder).glob(f"{name}.*")) if p.suffix.lower() in IMAGE_EXTENSIONS]
        return resize_max_side(resolve_image(str(matches[0]), max_side=4096).tensor, PAINTING_SIDE) if matches else None

    return find
