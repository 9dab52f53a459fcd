"""Which files a stylize run reads and writes: inputs expanded from folders, one output name per input.

The rules (a folder means its images, ``sample:NAME`` is a built-in photo, several inputs need an
output folder and distinct file stems, a video file or a folder of frames into a video file is a
video job) are the command's contract with the user's file system; they live in the library so a
notebook that stylizes a folder names its outputs exactly as ``edgenst stylize`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from edgenst.errors import InputError
from edgenst.io import list_images

#: Inputs that name a built-in image rather than a file.
BUILTIN_PREFIXES = ("sample:", "texture:")
#: Output suffixes that are one image file, never a folder.
IMAGE_OUTPUT_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def is_builtin(name: str) -> bool:
    """``sample:NAME`` or ``texture:NAME``: an image the package makes, with no file behind it."""
    return name.startswith(BUILTIN_PREFIXES)


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Each folder replaced by its images (sorted, as ``list_images`` finds them); files and
    built-in names kept as given. An empty folder is an error: a run that writes nothing for it
    would look like success."""
    out: list[str] = []
    for item in inputs:
        path = Path(item)
        if not is_builtin(item) and path.is_dir():
            found = list_images(path)
            if not found:
                raise InputError(f"{path}: no images in this folder")
            out += [str(f) for f in found]
        else:
            out.append(item)
    return out


def is_batch(inputs: Sequence[str], expanded: Sequence[str]) -> bool:
    """Several photos, or a folder (even of one photo): the output is a folder, and the run record
    (:mod:`edgenst.stylize.run_record`) is written into it."""
    return len(expanded) > 1 or any(Path(i).is_dir() for i in inputs)


def protected_files(inputs: Sequence[str], styles: Sequence[str], masks: Sequence[str], model: str) -> list[str]:
    """Every file the run reads (photos, style images, masks, the model): no output may overwrite one."""
    return [i for i in inputs if not is_builtin(i)] + list(styles) + list(masks) + [model]


def output_paths(inputs: Sequence[str], output: str, *, multi: bool) -> list[Path]:
    """One output path per input: ``output`` itself for a single input written to a file name,
    else ``output/<input stem>.png``. Two inputs with one stem would overwrite each other, so
    that is refused before anything runs."""
    out = Path(output)
    if not multi and out.suffix:
        return [out]
    if out.suffix and out.suffix.lower() in IMAGE_OUTPUT_SUFFIXES:
        raise InputError(f"{out}: several inputs need an output folder, not a file name")
    names = [Path(i.split(":", 1)[1]).stem if is_builtin(i) else Path(i).stem for i in inputs]
    if len(set(names)) != len(names):
        raise InputError("two inputs share a file name; stylize them into separate folders")
    return [out / f"{n}.png" for n in names]


def is_video_job(inputs: Sequence[str], output: str) -> bool:
    """One video file in, or one folder of frames with a video file out. Several inputs with a
    video among them are refused: a video is stylized on its own."""
    from edgenst.video.files import is_video_file

    if len(inputs) != 1:
        if any(is_video_file(i) for i in inputs):
            raise InputError("stylize one video at a time")
        return False
    src = inputs[0]
    return is_video_file(src) or (Path(src).is_dir() and is_video_file(output))
