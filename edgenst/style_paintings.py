"""Find a style's painting by the style's name: a built-in texture, or ``NAME.*`` in a style folder.

A shipped student knows its styles by name only; checks that compare style losses (``edgenst
verify``) need the painting behind each name. The lookup is a library rule so a notebook finds the
same painting for a name as the command does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import torch

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
