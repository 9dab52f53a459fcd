"""Stylize photo files: pick the trained student or the Gatys optimiser, run it, say what each took.

Two methods paint a photo. A trained student is fast and knows a fixed set of style names; the
Gatys optimisation takes any style image and is the (slow) quality reference. Which one runs is a
rule of the library, not of the command line (:func:`choose_method`), so a notebook gets the same
choice as ``edgenst stylize``. The per-photo loops yield one :class:`PhotoResult` at a time: the
caller prints or collects, and the run record (:mod:`edgenst.stylize.run_record`) is built from them.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Literal, Sequence

import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.inference import StyleChoice, stylize_u8
from edgenst.io import (DEFAULT_MAX_PIXELS, IMAGE_EXTENSIONS, LoadedImage, load_image_u8, require_file,
                        save_image, to_u8)
from edgenst.models.serialization import ModelInfo
from edgenst.gatys.optimize import OptimizeConfig, StyleSpec, stylize_optimize
from edgenst.perceptual import LossConfig, PerceptualLoss
from edgenst.samples import resolve_image
from edgenst.style_fit import FitConfig
from edgenst.style_predictor import NoPredictorError
from edgenst.stylize.paths import is_builtin
from edgenst.teacher import TeacherConfig, build_teacher

log = logging.getLogger(__name__)

Method = Literal["student", "optimize"]
#: What the caller may ask for: one of the methods, or ``auto`` (the student when it knows every style).
METHODS = ("auto", "student", "optimize")
#: The optimiser's default long side (it is slow); the student keeps the photo's size.
OPTIMIZE_MAX_SIDE = 512


@dataclass(frozen=True)
class MethodChoice:
    """The method that will run, and for the student the loaded model and its info."""

    method: Method
    model: nn.Module | None = None
    info: ModelInfo | None = None


@dataclass(frozen=True)
class PhotoResult:
    """One stylized photo: where it came from and went, and what it cost."""

    input: str
    output: Path
    seconds: float
    method: Method
    size: tuple[int, int]  # (height, width) of the picture that was stylized
    loss: dict[str, float] | None = None  # the optimiser's final loss terms (``total`` among them)

    def record_entry(self) -> dict[str, Any]:
        """This photo's entry in the run record (the student's seconds to 4 places, the optimiser's to 3)."""
        if self.method == "student":
            return {"input": self.input, "seconds": round(self.seconds, 4), "method": "student"}
        loss = {k: round(v, 6) for k, v in (self.loss or {}).items() if k != "step"}
        return {"input": self.input, "seconds": round(self.seconds, 3), "method": "optimize", "loss": loss}


def is_style_image(name: str) -> bool:
    """A style given as a picture (a file or ``texture:NAME``) rather than as a model's style name."""
    return name.startswith("texture:") or Path(name).is_file()


def choose_method(style_names: Sequence[str], *, method: str = "auto", model: str = "default",
                  paintings: bool = True, predictor: str | None = None, fit: FitConfig | None = None,
                  progress: bool = True) -> MethodChoice:
    """The student when it knows every style or can predict it, else the Gatys optimiser.

    A painting file among the styles is predicted into the student's style space
    (:mod:`edgenst.stylize.paintings`; refined first with ``fit``) when a style predictor fits the
    model, and joins a copy of its table under the name given: ``auto`` and ``student`` then run
    the student. With ``paintings=False`` (masks, optimiser strengths above 1), with only
    ``texture:`` patterns, or when no predictor fits the model, ``auto`` falls back to the
    optimiser (logged: it is much slower); ``auto`` needs no model at all when every style is an
    image and the student cannot paint them. A name that is neither a style of ``model`` nor an
    image is an error listing the model's styles. ``model`` is a shipped model name or a model
    file (:func:`edgenst.pretrained.resolve_model`).
    """
    from edgenst.pretrained import resolve_model
    from edgenst.stylize.paintings import add_paintings, is_painting

    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    names = list(style_names)
    is_image = [is_style_image(n) for n in names]
    predictable = [paintings and is_painting(n) for n in names]
    if method == "optimize" or (method == "auto" and all(is_image) and not any(predictable)):
        return MethodChoice("optimize")
    student, info = resolve_model(model)
    missing = [n for n in names if n not in info.styles]
    if not missing:
        return MethodChoice("student", student, info)
    unpredictable = [n for n in missing if not predictable[names.index(n)]]
    reason = ""
    if not unpredictable:
        try:
            grown, grown_info = add_paintings(student, info, missing, predictor=predictor, fit=fit, progress=progress)
            return MethodChoice("student", grown, grown_info)
        except NoPredictorError as exc:
            if predictor is not None:
                raise
            reason = f": {exc}"
            unpredictable = missing
    if method == "student" or not all(is_image[names.index(n)] for n in unpredictable):
        for name in unpredictable:
            if _looks_like_path(name):  # a typo in a painting's path is not "an unknown style"
                require_file(Path(name), InputError, "a painting (an image file)")
        raise InputError(f"unknown style {unpredictable[0]!r}; the model has: {', '.join(info.styles)} "
                         f"('edgenst styles' lists them; --method optimize takes image files){reason}")
    log.info("%s is not one of the model's styles: using the Gatys optimiser (slow)%s", unpredictable[0], reason)
    return MethodChoice("optimize")


def _looks_like_path(name: str) -> bool:
    """A ``--style`` meant as a file: a folder in it, or an image file's extension (style names have neither)."""
    return "/" in name or os.sep in name or Path(name).suffix.lower() in IMAGE_EXTENSIONS


def check_strength(strength: float) -> None:
    """Strength 0 is the photo, 1 full style; the optimiser goes on up to 10 (a student to 1, checked
    when it runs)."""
    if not 0.0 <= strength <= 10.0:
        raise InputError(f"strength must be in [0, 1] (optimize: up to 10), got {strength}")


def stylize_with_student(
    model: nn.Module,
    info: ModelInfo,
    inputs: Sequence[str],
    outputs: Sequence[Path],
    styles: Sequence[tuple[str, float]],
    *,
    strength: float = 1.0,
    tile: int = 1024,
    keep_alpha: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int | None = None,
    protect: Sequence[str] = (),
) -> Iterator[PhotoResult]:
    """Run a trained student over ``inputs`` into ``outputs`` (same order), one result per photo.

    Styles are ``(name, weight)`` pairs of the model's style names, blended. Checked before the
    first photo is read; photos are decoded as 8-bit and stylized in place tile by tile, so memory
    stays bounded for large photos. ``protect`` lists files never to overwrite (the inputs).
    """
    if strength > 1.0:
        raise InputError(f"a student's strength is in [0, 1], got {strength}")
    choice = StyleChoice(weights=dict(styles), strength=strength)
    vector = choice.vector(info.styles)
    return _student_results(model, inputs, outputs, vector, choice.strength, tile=tile, keep_alpha=keep_alpha,
                            max_pixels=max_pixels, max_side=max_side, protect=protect)


def _student_results(model: nn.Module, inputs: Sequence[str], outputs: Sequence[Path], vector: torch.Tensor,
                     strength: float, *, tile: int, keep_alpha: bool, max_pixels: int, max_side: int | None,
                     protect: Sequence[str]) -> Iterator[PhotoResult]:
    for n, (src, dst) in enumerate(zip(inputs, outputs), start=1):
        loaded = _load_8bit(src, keep_alpha=keep_alpha, max_pixels=max_pixels, max_side=max_side)
        t0 = time.perf_counter()
        # In place: the photo's rows become the picture's as tiles finish (one 8-bit frame held).
        image = stylize_u8(model, loaded.tensor, vector, strength, tile=tile, out=loaded.tensor)
        seconds = time.perf_counter() - t0
        alpha, size = loaded.alpha, loaded.size
        del loaded
        save_image(image, dst, alpha=alpha, protect=protect)
        log.info("[%d/%d] %s (%dx%d) -> %s", n, len(inputs), src, size[1], size[0], dst)
        yield PhotoResult(input=src, output=dst, seconds=seconds, method="student", size=(size[0], size[1]))


def _load_8bit(src: str, *, keep_alpha: bool, max_pixels: int, max_side: int | None) -> LoadedImage:
    """A photo as uint8 (``load_image_u8``); the built-in samples are small and arrive as float."""
    alpha = "keep" if keep_alpha else "white"
    if is_builtin(src):
        loaded = resolve_image(src, max_pixels=max_pixels, max_side=max_side, alpha=alpha)
        return replace(loaded, tensor=to_u8(loaded.tensor))
    return load_image_u8(src, max_pixels=max_pixels, max_side=max_side, alpha=alpha)


def stylize_with_optimizer(
    inputs: Sequence[str],
    outputs: Sequence[Path],
    styles: Sequence[tuple[str, float]],
    *,
    masks: Sequence[str] = (),
    strength: float = 1.0,
    config: OptimizeConfig = OptimizeConfig(),
    loss: LossConfig = LossConfig(),
    loss_net: TeacherConfig = TeacherConfig(),
    keep_alpha: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int | None = None,
    progress: bool = True,
    protect: Sequence[str] = (),
) -> Iterator[PhotoResult]:
    """Run the Gatys optimisation over ``inputs`` into ``outputs``, one result per photo.

    Styles are ``(image file or texture:NAME, weight)`` pairs; ``masks`` (one per style, white =
    paint here) split the picture into regions. ``strength`` in [0, 10] scales the style weight
    (``config.strength`` is set from it). The style images and the loss network are loaded once,
    before the first photo; photos are resized to ``max_side`` (default :data:`OPTIMIZE_MAX_SIDE`).
    """
    if masks and len(masks) != len(styles):
        raise InputError(f"{len(masks)} masks for {len(styles)} styles; give one mask per style")
    config = replace(config, strength=100.0 * strength)
    specs = []
    for i, (name, weight) in enumerate(styles):
        image = resolve_image(name, max_pixels=max_pixels, max_side=2048).tensor
        mask = resolve_image(masks[i], max_pixels=max_pixels).tensor.mean(dim=1, keepdim=True) if masks else None
        specs.append(StyleSpec(image=image, weight=weight, mask=mask))
    perceptual = PerceptualLoss(build_teacher(loss_net, loss.all_layers), loss)
    torch.manual_seed(config.seed)
    side = OPTIMIZE_MAX_SIDE if max_side is None else max_side
    return _optimizer_results(inputs, outputs, specs, perceptual, config, keep_alpha=keep_alpha,
                              max_pixels=max_pixels, max_side=side, progress=progress, protect=protect)


def _optimizer_results(inputs: Sequence[str], outputs: Sequence[Path], specs: list[StyleSpec], loss: PerceptualLoss,
                       config: OptimizeConfig, *, keep_alpha: bool, max_pixels: int, max_side: int, progress: bool,
                       protect: Sequence[str]) -> Iterator[PhotoResult]:
    for n, (src, dst) in enumerate(zip(inputs, outputs), start=1):
        loaded = resolve_image(src, max_pixels=max_pixels, max_side=max_side, alpha="keep" if keep_alpha else "white")
        log.info("[%d/%d] %s (%dx%d) -> %s", n, len(inputs), src, loaded.size[1], loaded.size[0], dst)
        result = stylize_optimize(loaded.tensor, specs, loss, config, progress=progress)
        save_image(result.image, dst, alpha=loaded.alpha, protect=protect)
        yield PhotoResult(input=src, output=dst, seconds=result.seconds, method="optimize",
                          size=(loaded.size[0], loaded.size[1]), loss=dict(result.history[-1]))


def stylize_photos(
    inputs: Sequence[str],
    outputs: Sequence[Path],
    styles: Sequence[tuple[str, float]],
    *,
    method: str = "auto",
    model: str = "default",
    strength: float = 1.0,
    masks: Sequence[str] = (),
    tile: int = 1024,
    config: OptimizeConfig = OptimizeConfig(),
    loss: LossConfig = LossConfig(),
    loss_net: TeacherConfig = TeacherConfig(),
    keep_alpha: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int | None = None,
    progress: bool = True,
    protect: Sequence[str] = (),
) -> tuple[Method, Iterator[PhotoResult]]:
    """Pick the method (:func:`choose_method`) and stylize: the notebook's one call.

    Returns the method that runs and the iterator of per-photo results (nothing is painted until it
    is consumed). ``edgenst stylize`` calls the same three functions, building the optimiser's
    settings only when the optimiser runs.
    """
    check_strength(strength)
    choice = choose_method([name for name, _ in styles], method=method, model=model)
    if choice.model is not None and choice.info is not None:  # the student
        if masks:
            raise InputError("masks work with the optimiser only (method 'optimize')")
        return "student", stylize_with_student(choice.model, choice.info, inputs, outputs, styles, strength=strength,
                                               tile=tile, keep_alpha=keep_alpha, max_pixels=max_pixels,
                                               max_side=max_side, protect=protect)
    return "optimize", stylize_with_optimizer(inputs, outputs, styles, masks=masks, strength=strength, config=config,
                                              loss=loss, loss_net=loss_net, keep_alpha=keep_alpha,
                                              max_pixels=max_pixels, max_side=max_side, progress=progress,
                                              protect=protect)
