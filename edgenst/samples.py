"""Built-in images, so the main job runs on a fresh machine with nothing to download.

``sample:NAME`` is a photo that scikit-image ships inside its wheel; ``texture:NAME`` is a
procedurally generated, painting-like style texture (seeded, so every machine gets the same one).
``resolve_image`` accepts these names or a file path, which is how the CLI reads images.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from edgenst.errors import InputError
from edgenst.io import AlphaMode, LoadedImage, load_image, resize_max_side

SAMPLE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")
TEXTURES = ("swirl", "mosaic", "stripes")


def sample_photo(name: str) -> torch.Tensor:
    """A scikit-image sample photo as 1x3xHxW in [0, 1]."""
    if name not in SAMPLE_PHOTOS:
        raise InputError(f"unknown sample photo {name!r}; choose one of {', '.join(SAMPLE_PHOTOS)}")
    import skimage.data

    arr = getattr(skimage.data, name)()
    return torch.from_numpy(arr.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0).contiguous()


def texture(name: str, size: int = 512, seed: int = 0) -> torch.Tensor:
    """A procedural style texture as 1x3xSxS in [0, 1]."""
    if name not in TEXTURES:
        raise InputError(f"unknown texture {name!r}; choose one of {', '.join(TEXTURES)}")
    if size < 16:
        raise InputError(f"texture size must be >= 16, got {size}")
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64) / size
    if name == "swirl":
        img = _swirl(x, y, rng)
    elif name == "mosaic":
        img = _mosaic(x, y, rng, size)
    else:
        img = _stripes(x, y, rng)
    return torch.from_numpy(np.clip(img, 0, 1).astype(np.float32)).permute(2, 0, 1).unsqueeze(0).contiguous()


def _palette(t: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Map t in [0, 1] through a piecewise-linear colour ramp."""
    t = np.clip(t, 0, 1) * (len(colours) - 1)
    i = np.minimum(t.astype(int), len(colours) - 2)
    f = (t - i)[..., None]
    return colours[i] * (1 - f) + colours[i + 1] * f


def _swirl(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # Domain-warped sine waves: flowing, brush-stroke-like bands in a night-sky palette.
    warp_x, warp_y = x.copy(), y.copy()
    for _ in range(3):
        fx, fy, ph = rng.uniform(1, 2.5), rng.uniform(1, 2.5), rng.uniform(0, 2 * np.pi, 2)
        warp_x, warp_y = (
            warp_x + 0.08 * np.sin(2 * np.pi * fy * warp_y + ph[0]),
            warp_y + 0.08 * np.sin(2 * np.pi * fx * warp_x + ph[1]),
        )
    t = 0.5 + 0.5 * np.sin(2 * np.pi * 5 * warp_x + 2 * np.sin(2 * np.pi * 2 * warp_y))
    fine = 0.5 + 0.5 * np.sin(2 * np.pi * 24 * (warp_x - 0.5 * warp_y))
    colours = np.array([[0.05, 0.08, 0.3], [0.1, 0.3, 0.7], [0.4, 0.7, 0.9], [0.95, 0.85, 0.3], [1.0, 0.95, 0.7]])
    return _palette(0.8 * t + 0.2 * fine, colours)


def _mosaic(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    # Voronoi cells with dark leading between them: a stained-glass look.
    n = 60
    pts = rng.uniform(0, 1, (n, 2))
    cols = rng.uniform(0, 1, (n, 3)) ** 0.7
    d = (x[..., None] - pts[:, 0]) ** 2 + (y[..., None] - pts[:, 1]) ** 2
    order = np.argsort(d, axis=-1)
    d1 = np.take_along_axis(d, order[..., :1], -1)[..., 0]
    d2 = np.take_along_axis(d, order[..., 1:2], -1)[..., 0]
    edge = np.sqrt(d2) - np.sqrt(d1)
    img = cols[order[..., 0]]
    return img * np.clip(edge * size / 2.0 - 1.0, 0, 1)[..., None]


def _stripes(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # Bold diagonal bands of saturated colour with a woven cross-hatch.
    a = rng.uniform(0, np.pi)
    u = x * np.cos(a) + y * np.sin(a)
    bands = (np.floor(u * 8) % 4) / 3.0
    hatch = 0.15 * np.sin(2 * np.pi * 60 * (x - y)) * np.sin(2 * np.pi * 60 * (x + y))
    colours = np.array([[0.8, 0.1, 0.1], [0.95, 0.75, 0.1], [0.1, 0.45, 0.3], [0.1, 0.1, 0.2]])
    return _palette(bands, colours) + hatch[..., None]


def resolve_image(
    spec: str | os.PathLike[str],
    *,
    max_pixels: int | None = None,
    alpha: AlphaMode = "white",
    max_side: int | None = None,
) -> LoadedImage:
    """Load ``sample:NAME``, ``texture:NAME`` or an image file path."""
    s = str(spec)
    if s.startswith("sample:") or s.startswith("texture:"):
        kind, _, name = s.partition(":")
        t = sample_photo(name) if kind == "sample" else texture(name)
        if max_side is not None:
            t = resize_max_side(t, max_side)
        return LoadedImage(tensor=t, alpha=None, path=None, source_mode="RGB")
    kwargs = {} if max_pixels is None else {"max_pixels": max_pixels}
    return load_image(Path(s), alpha=alpha, max_side=max_side, **kwargs)
