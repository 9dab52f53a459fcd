"""Training photos held in memory, and crops drawn as a pure function of (seed, step).

Drawing every batch from its step number (not from a running random state) is what makes
``--resume`` end exactly where an uninterrupted run ends, and lets every torchrun process draw the
same global batch and keep its own slice of it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F

from edgenst.distill.temporal import ViewPair
from edgenst.errors import InputError, ImageReadError
from edgenst.io import list_images, resize_max_side
from edgenst.samples import resolve_image

#: Photos are kept at most this long (the crops are 128-256 px; scale jitter needs headroom).
MAX_SIDE = 512


@dataclass
class Batch:
    photos: torch.Tensor  # B x 3 x crop x crop in [0, 1]
    style_weights: torch.Tensor  # B x S, rows summing to 1
    strength: torch.Tensor  # B x 1
    photo_mode: bool  # strength 0: the target is the photo itself
    view: ViewPair | None = None  # a moved second view of the photos (temporal loss), or none

    def to(self, device: torch.device) -> "Batch":
        view = self.view.to(device) if self.view is not None else None
        return Batch(self.photos.to(device), self.style_weights.to(device), self.strength.to(device), self.photo_mode, view)


def expand_sources(sources: Sequence[str]) -> list[str]:
    out: list[str] = []
    for src in sources:
        p = Path(src)
        if src.startswith(("sample:", "texture:")) or p.is_file():
            out.append(src)
        elif p.is_dir():
            found = list_images(p)
            if not found:
                raise InputError(f"{p}: no images in this folder")
            out += [str(f) for f in found]
        else:
            raise InputError(f"{src}: no such photo file or folder")
    return out


class PhotoPool:
    """Decoded training photos (uint8, long side <= MAX_SIDE) and a digest of what they were."""

    def __init__(self, sources: Sequence[str], crop: int, *, skip_unreadable: bool = True) -> None:
        if not sources:
            raise InputError("no training photos given")
        self.crop = crop
        self.images: list[torch.Tensor] = []
        self.skipped: list[str] = []
        digest = hashlib.sha256()
        for src in expand_sources(sources):
            try:
                img = resolve_image(src, max_side=MAX_SIDE).tensor[0]
            except ImageReadError:
                if not skip_unreadable:
                    raise
                self.skipped.append(src)
                continue
            if min(img.shape[-2:]) < crop // 2:
                self.skipped.append(src)
                continue
            u8 = (img * 255).round().to(torch.uint8)
            digest.update(src.encode() if src.startswith(("sample:", "texture:")) else Path(src).name.encode())
            digest.update(hashlib.sha256(u8.numpy().tobytes()).digest())
            self.images.append(u8)
        if not self.images:
            raise InputError(f"none of the {len(self.skipped)} training photos could be used")
        self.digest = digest.hexdigest()[:16]

    def __len__(self) -> int:
        return len(self.images)

    def crops(self, gen: torch.Generator, n: int) -> torch.Tensor:
        """``n`` random crops: random photo, side between 1x and 2x the crop, position, flip."""
        out = []
        for _ in range(n):
            img = self.images[int(torch.randint(len(self.images), (1,), generator=gen))]
            h, w = img.shape[-2:]
            lo, hi = min(h, w, self.crop), min(h, w, 2 * self.crop)
            side = lo + int(torch.randint(hi - lo + 1, (1,), generator=gen))
            top = int(torch.randint(h - side + 1, (1,), generator=gen))
            left = int(torch.randint(w - side + 1, (1,), generator=gen))
            patch = img[:, top : top + side, left : left + side].float().div(255).unsqueeze(0)
            if side != self.crop:
                patch = F.interpolate(patch, size=(self.crop, self.crop), mode="bilinear", antialias=side > self.crop, align_corners=False)
            if float(torch.rand((), generator=gen)) < 0.5:
                patch = patch.flip(-1)
            out.append(patch)
        return torch.cat(out).clamp(0, 1)


def step_generator(seed: int, step: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + step)


def draw_batch(
    pool: PhotoPool,
    seed: int,
    step: int,
    batch: int,
    n_styles: int,
    *,
    train_styles: Sequence[int] | None = None,
    photo_mode: float = 0.0,
    rank: int = 0,
    world: int = 1,
) -> Batch:
    """The global batch of ``step``; process ``rank`` of ``world`` keeps its slice."""
    gen = step_generator(seed, step)
    photos = pool.crops(gen, batch)
    allowed = torch.tensor(list(train_styles) if train_styles is not None else range(n_styles))
    idx = allowed[torch.randint(len(allowed), (batch,), generator=gen)]
    weights = F.one_hot(idx, n_styles).float()
    is_photo = float(torch.rand((), generator=gen)) < photo_mode
    strength = torch.full((batch, 1), 0.0 if is_photo else 1.0)
    per = batch // world
    sl = slice(rank * per, (rank + 1) * per)
    return Batch(photos[sl], weights[sl], strength[sl], is_photo)


def load_style_images(sources: Sequence[str], size: int) -> list[torch.Tensor]:
    """Style images (paths, names in EDGENST_STYLE_DIR, or texture:NAME) at long side ``size``."""
    import os

    out = []
    style_dir = os.environ.get("EDGENST_STYLE_DIR")
    for src in sources:
        path = src
        if not src.startswith(("sample:", "texture:")) and not Path(src).exists():
            if not style_dir:
                # A resumed run reads its style names back from the checkpoint: the shell that
                # resumes it may lack the variable the first one had.
                raise InputError(f"style {src!r}: not a file, and EDGENST_STYLE_DIR is not set "
                                 "(set it to the folder that holds the style images, or give a path)")
            matches = sorted(Path(style_dir).glob(f"{src}.*"))
            if not matches:
                raise InputError(f"style {src!r}: not a file, and not found in EDGENST_STYLE_DIR={style_dir}")
            path = str(matches[0])
        img = resolve_image(path, max_side=4096).tensor
        out.append(resize_max_side(img, size) if max(img.shape[-2:]) != size else img)
    return out


def style_name(src: str) -> str:
    return src.split(":", 1)[1] if src.startswith(("sample:", "texture:")) else Path(src).stem
