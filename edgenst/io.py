"""Reading and writing images as float tensors in [0, 1].

Phones hand over every kind of picture: EXIF-rotated JPEGs, 16-bit PNGs, palette GIF-likes, RGBA
screenshots, CMYK scans. ``load_image`` turns all of them into one convention (RGB, 1x3xHxW,
float32 in [0, 1], upright), keeps the alpha channel aside when asked, and refuses anything it
cannot read with an ``ImageReadError`` whose message is one line.
"""

from __future__ import annotations

import os
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Literal

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from edgenst.errors import ImageReadError, InputError

#: Default refusal threshold: 50 megapixels (a 48 MP phone photo still loads).
DEFAULT_MAX_PIXELS = 50_000_000

#: File extensions ``save_image`` writes, mapped to Pillow's format names.
SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}

#: Extensions recognised when a folder of images is given.
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"})

AlphaMode = Literal["white", "keep"]


@dataclass(frozen=True)
class LoadedImage:
    """An upright RGB image and what was set aside to write it back faithfully."""

    tensor: torch.Tensor  # 1x3xHxW float32 in [0, 1] (uint8 in 0..255 from load_image_u8)
    alpha: torch.Tensor | None  # 1x1xHxW float32 in [0, 1] (or uint8), only with alpha="keep"
    path: Path | None
    source_mode: str  # Pillow mode of the file, e.g. "RGB", "I;16", "CMYK"

    @property
    def size(self) -> tuple[int, int]:
        """(height, width)."""
        return int(self.tensor.shape[-2]), int(self.tensor.shape[-1])



def require_file(p: Path, error: type[Exception], kind: str) -> None:
    """One-line errors for the inputs that are not files to open at all (images and videos alike)."""
    if not p.exists():
        raise error(f"{p}: no such file")
    if p.is_dir():
        raise error(f"{p}: is a folder, not {kind}")
    if p.stat().st_size == 0:
        raise error(f"{p}: file is empty")

def load_image(
    path: str | os.PathLike[str],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    alpha: AlphaMode = "white",
    max_side: int | None = None,
    shrink_on_decode: bool = False,
) -> LoadedImage:
    """Read an image file into a 1x3xHxW tensor.

    ``alpha="white"`` composites transparent images on white (what a viewer shows);
    ``alpha="keep"`` returns the alpha channel so ``save_image`` can re-attach it.
    ``max_side`` downsizes (never upsizes) so the longer side is at most that many pixels.
    ``shrink_on_decode`` (with ``max_side``): an image at least twice ``max_side`` is shrunk while
    it is decoded (JPEG's DCT scaling; an integer box reduce for other 8-bit RGB/grey images), never
    below ``max_side``, before the float frame and the antialiased resize: read at ``max_side=1024``,
    a 4000x3141 JPEG took 162 ms of CPU instead of 511, a 6000x4712 one 95 ms instead of 1076, and
    the float frame shrinks with the pixels (4x and 16x). The pixels differ slightly from the full
    decode's, so it is for callers that read statistics (a painting's style), not photos to stylize.
    """
    shrink = max_side if shrink_on_decode else None
    return _decode(path, max_pixels, lambda img, p: _from_pil(img, p, alpha=alpha, max_side=max_side), shrink=shrink)


def load_image_u8(
    path: str | os.PathLike[str],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    alpha: AlphaMode = "white",
    max_side: int | None = None,
) -> LoadedImage:
    """``load_image`` with 8-bit pixels: ``tensor`` (and ``alpha``) are uint8 in 0..255, no float frame.

    A float copy of a 48-megapixel photo is 576 MB, and the float path held several (issue 18), so
    big photos load this way and stream through ``inference.stylize_u8``. The tensor is a
    channels-last view of one HxWx3 array filled strip by strip from Pillow's image. 8-bit photos
    (every camera JPEG; greyscale, palette, CMYK) keep their exact values. 16-bit and float images,
    transparent ones and ``max_side`` resizing take ``load_image``'s float path once and are
    rounded to 8 bits (within half a step of what ``load_image`` gives).
    """
    return _decode(path, max_pixels, lambda img, p: _from_pil_u8(img, p, alpha=alpha, max_side=max_side))


def _decode(path: str | os.PathLike[str], max_pixels: int,
            convert: Callable[[Image.Image, Path], LoadedImage], *, shrink: int | None = None) -> LoadedImage:
    """Open, check the size before decoding, decode, convert: every failure is one ``ImageReadError`` line.

    ``shrink``: decode an image at least twice that long side smaller, never below it (``load_image``)."""
    p = Path(path)
    if max_pixels <= 0:
        raise InputError(f"max_pixels must be positive, got {max_pixels}")
    require_file(p, ImageReadError, "an image file")
    try:
        with warnings.catch_warnings():
            # Our own max_pixels check below replaces Pillow's warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(p) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise ImageReadError(
                        f"{p}: {width}x{height} is {width * height / 1e6:.1f} megapixels, above the "
                        f"limit of {max_pixels / 1e6:.1f} (raise max_pixels if this is intended)"
                    )
                if shrink is not None and max(width, height) >= 2 * shrink:
                    img.draft(None, (shrink, shrink))  # JPEG: DCT scaling, each side stays >= shrink
                img.load()
                if shrink is not None and img.mode in ("RGB", "L") and max(img.size) >= 2 * shrink:
                    return convert(img.reduce(max(img.size) // shrink), p)  # box average, long side >= shrink
                return convert(img, p)
    except ImageReadError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageReadError(f"{p}: refused as a decompression bomb ({exc})") from None
    except UnidentifiedImageError:
        raise ImageReadError(f"{p}: not an image Pillow can read") from None
    except (OSError, SyntaxError, ValueError) as exc:
        # Pillow reports truncated and corrupt data as OSError/SyntaxError/ValueError.
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImageReadError(f"{p}: cannot decode image ({reason})") from None


def pil_to_tensor(img: Image.Image, *, alpha: AlphaMode = "white") -> tuple[torch.Tensor, torch.Tensor | None]:
    """Convert a Pillow image of any mode to (RGB 1x3xHxW, alpha 1x1xHxW or None)."""
    img = ImageOps.exif_transpose(img)
    mode = img.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        arr = np.asarray(img, dtype=np.float64)
        # 16-bit greyscale PNGs arrive as "I;16" (or "I" on older Pillow); scale by their depth.
        scale = 65535.0 if (mode.startswith("I;16") or arr.max(initial=0) > 255) else 255.0
        grey = np.clip(arr / scale, 0.0, 1.0).astype(np.float32)
        rgb = np.repeat(grey[..., None], 3, axis=-1)
        return _np_to_tensor(rgb), None
    if mode == "F":
        grey = np.asarray(img, dtype=np.float32)
        if grey.max(initial=0) > 1.0:
            grey = grey / 255.0
        rgb = np.repeat(np.clip(grey, 0.0, 1.0)[..., None], 3, axis=-1)
        return _np_to_tensor(rgb), None

    # "transparency" in info: a palette entry or (PNG tRNS on L/RGB) a colour key that is transparent.
    keyed = mode in ("P", "L", "RGB") and "transparency" in img.info
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or keyed
    if has_alpha:
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255.0
        rgb, a = rgba[..., :3], rgba[..., 3:]
        if alpha == "keep":
            return _np_to_tensor(rgb), _np_to_tensor(a)
        return _np_to_tensor(rgb * a + (1.0 - a)), None
    # CMYK, YCbCr, LAB, HSV, palette, 1-bit and greyscale all have a Pillow path to RGB.
    rgb = np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0
    return _np_to_tensor(rgb), None


def _from_pil(img: Image.Image, path: Path | None, *, alpha: AlphaMode, max_side: int | None) -> LoadedImage:
    if alpha not in ("white", "keep"):
        raise InputError(f"alpha must be 'white' or 'keep', got {alpha!r}")
    mode = img.mode
    rgb, a = pil_to_tensor(img, alpha=alpha)
    if max_side is not None:
        rgb = resize_max_side(rgb, max_side)
        if a is not None:
            a = resize_max_side(a, max_side)
    return LoadedImage(tensor=rgb, alpha=a, path=path, source_mode=mode)


#: Rows copied out of Pillow at a time (``_pil_rgb_u8``): bounds the transient copy, not the frame.
_STRIP_ROWS = 256


def _from_pil_u8(img: Image.Image, path: Path | None, *, alpha: AlphaMode, max_side: int | None) -> LoadedImage:
    if alpha not in ("white", "keep"):
        raise InputError(f"alpha must be 'white' or 'keep', got {alpha!r}")
    mode = img.mode
    keyed = mode in ("P", "L", "RGB") and "transparency" in img.info
    wide = mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or keyed
    shrink = max_side is not None and max(img.size) > max_side
    if wide or has_alpha or shrink:  # rare for big photos: the float path once, then 8 bits
        loaded = _from_pil(img, path, alpha=alpha, max_side=max_side)
        a = None if loaded.alpha is None else to_u8(loaded.alpha)
        return LoadedImage(tensor=to_u8(loaded.tensor), alpha=a, path=path, source_mode=mode)
    transposed = ImageOps.exif_transpose(img, in_place=False) if _exif_orientation(img) not in (None, 1) else img
    rgb = _pil_rgb_u8(transposed)
    return LoadedImage(tensor=torch.from_numpy(rgb).permute(2, 0, 1).unsqueeze(0), alpha=None, path=path,
                       source_mode=mode)


def _exif_orientation(img: Image.Image) -> int | None:
    try:
        return img.getexif().get(0x0112)
    except Exception:  # unreadable EXIF: ImageOps.exif_transpose would ignore it as well
        return None


def _pil_rgb_u8(img: Image.Image) -> np.ndarray:
    """HxWx3 uint8, copied in strips of rows: ``np.asarray(img)`` would hold two more full copies."""
    w, h = img.size
    out = np.empty((h, w, 3), dtype=np.uint8)
    for top in range(0, h, _STRIP_ROWS):
        strip = img.crop((0, top, w, min(h, top + _STRIP_ROWS)))
        out[top : top + strip.height] = np.asarray(strip if strip.mode == "RGB" else strip.convert("RGB"))
    return out


def to_u8(image: torch.Tensor) -> torch.Tensor:
    """A float image in [0, 1] as uint8, rounded exactly as ``save_image`` rounds (clamp, x255, +0.5, floor)."""
    return (image.float().clamp(0, 1) * 255.0 + 0.5).to(torch.uint8)


def _np_to_tensor(arr: np.ndarray) -> torch.Tensor:
    # contiguous(): a permuted view has channels-last strides, which breaks .view() (e.g. in L-BFGS).
    return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0).contiguous()


def resize_max_side(image: torch.Tensor, max_side: int) -> torch.Tensor:
    """Downsize a 1xCxHxW tensor so its longer side is at most ``max_side`` (antialiased)."""
    if max_side <= 0:
        raise InputError(f"max_side must be positive, got {max_side}")
    h, w = image.shape[-2:]
    if max(h, w) <= max_side:
        return image
    s = max_side / max(h, w)
    size = (max(1, round(h * s)), max(1, round(w * s)))
    return torch.nn.functional.interpolate(image, size=size, mode="bilinear", antialias=True, align_corners=False)


def tensor_to_pil(image: torch.Tensor, alpha: torch.Tensor | None = None) -> Image.Image:
    """Convert 1x3xHxW (or 3xHxW) in [0, 1], or uint8, to an 8-bit RGB or RGBA Pillow image."""
    if image.dim() == 4:
        if image.shape[0] != 1:
            raise InputError(f"expected one image, got a batch of {image.shape[0]}")
        image = image[0]
    if image.dim() != 3 or image.shape[0] != 3:
        raise InputError(f"expected a 3xHxW RGB tensor, got shape {tuple(image.shape)}")
    if image.dtype == torch.uint8:  # 8-bit frames (load_image_u8, stylize_u8) go out as they are
        arr = np.ascontiguousarray(image.detach().permute(1, 2, 0).cpu().numpy())
    else:
        arr = (image.detach().float().clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255.0 + 0.5).astype(np.uint8)
    if alpha is None:
        return Image.fromarray(arr, "RGB")
    if alpha.dtype == torch.uint8:
        alpha = alpha.float() / 255.0
    a = alpha.detach().float().reshape(alpha.shape[-2:])
    if tuple(a.shape) != arr.shape[:2]:
        a = torch.nn.functional.interpolate(a[None, None], size=arr.shape[:2], mode="bilinear")[0, 0]
    a8 = (a.clamp(0, 1).cpu().numpy() * 255.0 + 0.5).astype(np.uint8)
    return Image.fromarray(np.dstack([arr, a8]), "RGBA")


def save_image(
    image: torch.Tensor,
    path: str | os.PathLike[str],
    *,
    alpha: torch.Tensor | None = None,
    protect: Iterable[str | os.PathLike[str] | None] = (),
    quality: int = 95,
) -> Path:
    """Write PNG, JPEG or WebP (chosen by extension), atomically, never over a protected file.

    ``protect`` lists the input files of the job; writing over one of them is refused so a
    mistyped output name loses nothing. JPEG has no alpha channel, so alpha is composited on
    white there.
    """
    out = Path(path)
    fmt = check_output_path(out, protect)
    if not 1 <= quality <= 100:
        raise InputError(f"quality must be in 1..100, got {quality}")
    if alpha is not None and fmt == "JPEG":
        a = alpha.float() / 255.0 if alpha.dtype == torch.uint8 else alpha
        rgb = image.float() / 255.0 if image.dtype == torch.uint8 else image
        image = rgb * a + (1.0 - a)
        alpha = None
    pil = tensor_to_pil(image, alpha)
    out.parent.mkdir(parents=True, exist_ok=True)
    # PNG at zlib level 3: half the time of the default 6 on a 1024-px photo for 5% more bytes.
    kwargs = {"quality": quality} if fmt in ("JPEG", "WEBP") else {"compress_level": 3} if fmt == "PNG" else {}
    # A uniquely named sibling opened with open() (so the umask gives normal permissions), then an
    # atomic rename: a crash mid-write never leaves a half-written image under the output name.
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex}.tmp"
    try:
        with open(tmp, "xb") as fh:
            pil.save(fh, format=fmt, **kwargs)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def check_output_path(path: str | os.PathLike[str], protect: Iterable[str | os.PathLike[str] | None] = ()) -> str:
    """The Pillow format for ``path``; an ``InputError`` for an unknown extension or an input file.

    Callers check before long work, so a typo costs nothing.
    """
    out = Path(path)
    fmt = SAVE_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise InputError(f"{out}: cannot save as '{out.suffix or '(no extension)'}'; use .png, .jpg or .webp")
    for other in protect:
        if other is not None and _same_file(out, Path(other)):
            raise InputError(f"{out}: refusing to overwrite an input file; choose another output name")
    return fmt


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def list_images(folder: str | os.PathLike[str]) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name."""
    d = Path(folder)
    if not d.is_dir():
        raise InputError(f"{d}: not a folder")
    return sorted(p for p in d.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
