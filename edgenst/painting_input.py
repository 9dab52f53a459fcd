"""A painting file read for its style: decoded small, and refused in one line when it holds none.

Every path that takes "any painting" (the predictor, ``edgenst styles add``'s fit, ``--fit``'s
refinement, the fit on the phone runtime) reads the painting through here first, so they refuse the
same pictures with the same words. What the image reader refuses (not an image, truncated, empty,
over the pixel limit, a decompression bomb) stays its error. On top of that:

- a picture under ``MIN_SIDE`` pixels on a side holds no strokes to read, and would not even pass
  the loss network's pooling (a 1x1 painting crashed the fit with a shape error deep in VGG);
- a (nearly) flat one, every channel's deviation under ``FLAT_STD`` (a solid fill; a fully
  transparent PNG, white once composited as a viewer shows it): its "style" is a colour cast, which
  a style vector cannot express and would paint as grey mush.

Greyscale, palette, CMYK, 16-bit and translucent pictures are converted by the image reader and
are fine.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

from edgenst.errors import InputError

if TYPE_CHECKING:
    from PIL import Image

#: Smallest side a painting may have (pixels, as decoded).
MIN_SIDE = 16
#: Largest per-channel standard deviation (of values in [0, 1]) that still counts as one flat colour.
FLAT_STD = 0.02


def check_painting(image: torch.Tensor, name: str) -> None:
    """Raise ``InputError`` (one line naming ``name``) when ``image`` (1 x 3 x H x W) holds no style."""
    h, w = image.shape[-2:]
    if min(h, w) < MIN_SIDE:
        raise InputError(f"{name}: {w}x{h} is too small to read a style from (at least {MIN_SIDE} px a side)")
    if float(image.std(dim=(-2, -1)).max()) < FLAT_STD:  # every channel flat over the picture
        raise InputError(f"{name}: the painting is (almost) one flat colour; there is no style to read from it")


def read_painting(painting: str | Path | "Image.Image", side: int) -> torch.Tensor:
    """A painting (file or PIL image) as 1 x 3 x H x W in [0, 1], long side ``side``, checked.

    The file is decoded at most ``4 * side`` on its long side, shrunk while decoding when it is at
    least twice that (``load_image(shrink_on_decode=True)``), so a phone photo of a painting costs
    a third of the time or less, and its float frame a quarter of the memory or less; the reader's
    pixel limit refuses bombs before decoding. Paintings under twice ``4 * side`` (2048 px for the predictor) decode
    exactly as before.
    """
    from PIL import Image

    from edgenst.io import load_image, pil_to_tensor, resize_max_side

    if isinstance(painting, Image.Image):
        image = pil_to_tensor(painting)[0]
        name = "the painting"
    else:
        image = load_image(str(painting), max_side=4 * side, shrink_on_decode=True).tensor
        name = str(painting)
    check_painting(image, name)
    return resize_max_side(image, side) if max(image.shape[-2:]) != side else image


def check_painting_file(spec: str | Path, side: int) -> None:
    """``read_painting``'s refusals for a style spec that is a file; names (resolved through
    ``EDGENST_STYLE_DIR``) and ``sample:``/``texture:`` specs are left to ``load_style_images``,
    which says what it cannot find. The fits call this before their style image is made, since
    that one is resized to the style size first (a 1x1 picture would become a flat square)."""
    if Path(spec).is_file():
        read_painting(spec, side)


__all__ = ["FLAT_STD", "MIN_SIDE", "check_painting", "check_painting_file", "read_painting"]
