"""Non-IID photo partitions: a Dirichlet split over image categories or image statistics.

``dirichlet_partition`` is the usual label-skew split (Hsu et al. 2019): for each category, the
shares of the clients are drawn from Dir(alpha); small alpha gives each phone a few kinds of
photo, large alpha approaches an even (IID) split. A category is the sub-folder a photo sits in
(``photos/beach/x.jpg``), or, for flat folders or ``partition-by=brightness|colour``, a quartile
bin of the photo's mean brightness or dominant hue. Every client gets at least one photo; fewer
photos than clients is an ``InputError``.

``synthetic`` photo sets (``photos=synthetic`` or ``synthetic:N``) are generated offline into the
run folder: four categories with distinct palettes, for demos and tests.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from edgenst.errors import InputError
from edgenst.io import IMAGE_EXTENSIONS

SYNTHETIC_CATEGORIES = ("sky", "forest", "night", "indoor")
SYNTHETIC_DEFAULT_COUNT = 64


@dataclass(frozen=True)
class PhotoSet:
    paths: tuple[str, ...]
    labels: tuple[int, ...]  # category index per photo
    categories: tuple[str, ...]


def list_photos(folder: str | os.PathLike[str]) -> list[Path]:
    """Images in ``folder`` and its sub-folders (one level of categories or deeper), sorted."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: no such photo folder")
    found = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not found:
        raise InputError(f"{root}: no images in this folder or its sub-folders")
    return found


def photo_set(folder: str | os.PathLike[str], by: str = "category") -> PhotoSet:
    paths = list_photos(folder)
    root = Path(folder)
    if by == "category":
        cats = [p.parent.relative_to(root).as_posix() for p in paths]
        names = sorted(set(cats))
        if len(names) > 1:
            return PhotoSet(tuple(map(str, paths)), tuple(names.index(c) for c in cats), tuple(names))
        by = "brightness"  # a flat folder: fall back to a statistic
    stats = [_statistic(p, by) for p in paths]
    edges = np.quantile(stats, [0.25, 0.5, 0.75]) if len(stats) >= 4 else np.array([])
    labels = [int(np.searchsorted(edges, s, side="right")) for s in stats]
    names = tuple(f"{by}-q{i + 1}" for i in range(max(labels) + 1))
    return PhotoSet(tuple(map(str, paths)), tuple(labels), names)


def _statistic(path: Path, by: str) -> float:
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.draft("RGB", (64, 64))
            small = np.asarray(im.convert("RGB").resize((32, 32)), dtype=np.float32) / 255.0
    except OSError:
        return 0.0  # unreadable: PhotoPool skips it later; its bin does not matter
    if by == "brightness":
        return float(small.mean())
    hsv_h = _hue(small)
    return float(np.median(hsv_h))


def _hue(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    mx, mn = rgb.max(-1), rgb.min(-1)
    d = np.where(mx - mn == 0, 1e-6, mx - mn)
    h = np.where(mx == r, ((g - b) / d) % 6, np.where(mx == g, (b - r) / d + 2, (r - g) / d + 4))
    return h / 6.0


def split_holdout(photos: PhotoSet, fraction: float, seed: int, max_count: int) -> tuple[PhotoSet, list[str]]:
    """(photos for the clients, held-out photos for the server), stratified by category."""
    if fraction <= 0:
        return photos, []
    rng = random.Random(f"holdout:{seed}")
    held: set[int] = set()
    for c in range(len(photos.categories)):
        idx = [i for i, lab in enumerate(photos.labels) if lab == c]
        rng.shuffle(idx)
        held.update(idx[: int(round(len(idx) * fraction))])
    held_sorted = sorted(held)[: max(max_count, 0)] if max_count else sorted(held)
    keep = [i for i in range(len(photos.paths)) if i not in held]
    rest = PhotoSet(tuple(photos.paths[i] for i in keep), tuple(photos.labels[i] for i in keep), photos.categories)
    return rest, [photos.paths[i] for i in held_sorted]


def dirichlet_partition(labels: Sequence[int], num_clients: int, alpha: float, seed: int) -> list[list[int]]:
    """Indices per client; each client gets >= 1 item."""
    n = len(labels)
    if num_clients < 1:
        raise InputError(f"need at least one client, got {num_clients}")
    if n < num_clients:
        raise InputError(f"{n} photos for {num_clients} clients: every client needs at least one photo")
    if not (alpha > 0 and math.isfinite(alpha)):
        raise InputError(f"alpha must be a positive number, got {alpha}")
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(num_clients)]
    for c in sorted(set(labels)):
        idx = np.array([i for i, lab in enumerate(labels) if lab == c])
        rng.shuffle(idx)
        shares = rng.dirichlet(np.full(num_clients, alpha))
        cuts = (np.cumsum(shares)[:-1] * len(idx)).round().astype(int)
        for k, chunk in enumerate(np.split(idx, cuts)):
            parts[k].extend(int(i) for i in chunk)
    # Every phone holds at least one photo: move one from the largest part into each empty one.
    for k in range(num_clients):
        if not parts[k]:
            donor = max(range(num_clients), key=lambda j: len(parts[j]))
            parts[k].append(parts[donor].pop())
    return [sorted(p) for p in parts]


def client_photos(photos: PhotoSet, partition_id: int, num_partitions: int, alpha: float, seed: int) -> list[str]:
    if not 0 <= partition_id < num_partitions:
        raise InputError(f"partition-id {partition_id} out of range for {num_partitions} partitions")
    parts = dirichlet_partition(photos.labels, num_partitions, alpha, seed)
    return [photos.paths[i] for i in parts[partition_id]]


def parse_synthetic(spec: str) -> int | None:
    """``synthetic`` or ``synthetic:N`` -> N; anything else -> None."""
    if spec == "synthetic":
        return SYNTHETIC_DEFAULT_COUNT
    if spec.startswith("synthetic:"):
        try:
            n = int(spec.split(":", 1)[1])
        except ValueError:
            raise InputError(f"photos={spec!r}: expected synthetic:N with N a whole number") from None
        if n < 1:
            raise InputError(f"photos={spec!r}: N must be >= 1")
        return n
    return None


def make_synthetic_photos(folder: str | os.PathLike[str], count: int, *, size: int = 96, seed: int = 0) -> Path:
    """Write ``count`` procedural photos into ``folder/CATEGORY/`` (once; atomic)."""
    from PIL import Image, ImageDraw

    folder = Path(folder)
    if folder.is_dir() and len(list(folder.rglob("*.png"))) == count:
        return folder
    tmp = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}.tmp")
    palettes = {
        "sky": ((90, 150, 230), (230, 240, 255), (250, 250, 250)),
        "forest": ((20, 90, 30), (110, 160, 60), (70, 50, 30)),
        "night": ((10, 10, 40), (40, 30, 90), (250, 220, 120)),
        "indoor": ((200, 170, 140), (120, 80, 60), (240, 230, 210)),
    }
    rng = np.random.default_rng(seed)
    for i in range(count):
        cat = SYNTHETIC_CATEGORIES[i % len(SYNTHETIC_CATEGORIES)]
        top, bottom, accent = (np.array(c, dtype=np.float32) for c in palettes[cat])
        t = np.linspace(0, 1, size, dtype=np.float32)[:, None, None]
        img = top * (1 - t) + bottom * t + rng.normal(0, 12, (size, size, 3))
        pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(pil)
        for _ in range(int(rng.integers(2, 6))):
            x0, y0 = (int(v) for v in rng.integers(0, size - 8, 2))
            w, h = (int(v) for v in rng.integers(6, size // 2, 2))
            colour = tuple(int(v) for v in np.clip(accent + rng.normal(0, 30, 3), 0, 255))
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x0 + w, y0 + h], fill=colour)
        out = tmp / cat / f"{cat}_{i:05d}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        pil.save(out)
    try:
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # another process won the race; use its copy
        if not folder.is_dir():
            raise
    return folder
