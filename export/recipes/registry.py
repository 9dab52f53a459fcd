"""The export-format registry: a format name (``pte-int8``, ``coreml``, ...) -> the recipe that makes it.

Why a registry (issue 21, item 2): the formats used to be strings in if/elif chains in the bundle
writer and again in verify, so a new format (a Core ML-delegated ``.pte``, a training ``.pte``)
meant edits in several places. Now a format is one module with one class: ``export`` writes the
artifact and returns its manifest entry, ``verify`` checks it, ``claims`` says which manifest
entries it owns (so folders written before the registry still verify: entries are matched on
their ``format``/``backend``/``precision`` fields, not on a new key). ``bundle`` and ``verify``
loop over the registry and never name a format. The shape follows optimum-executorch's
``recipe_registry.register_recipe``; unlike there, a recipe imports its backend library only
inside its methods, so a missing coremltools fails the Core ML recipe alone, with
``edgenst.extras.require``'s one-line message.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import torch
from torch import nn

from edgenst.errors import InputError

if TYPE_CHECKING:  # only for hints: the bundle and verify modules import this one
    from edgenst.export.bundle import ExportConfig
    from edgenst.export.checks import ArtifactCheck, Tolerances
    from edgenst.models.serialization import ModelInfo
    from edgenst.perceptual import PerceptualLoss

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportJob:
    """What every recipe's ``export`` gets: the model, where to write, and the bundle's settings."""

    model: nn.Module
    info: ModelInfo
    out: Path
    config: ExportConfig
    calibration_photos: Sequence[torch.Tensor] = ()

    @property
    def styles(self) -> list[str]:
        return list(self.info.styles)


@dataclass(frozen=True)
class VerifyJob:
    """What every recipe's ``verify`` gets: the folder, the source model it must match, and the gates."""

    folder: Path
    model: nn.Module
    styles: list[str]
    photos: Sequence[torch.Tensor]
    tolerances: Tolerances
    loss: PerceptualLoss | None = None
    style_image: Callable[[str], torch.Tensor | None] | None = None


class Recipe(ABC):
    """One export format. Subclass, set ``name``, implement the three methods, decorate with
    ``@register_recipe``; ``bundle`` and ``verify`` then pick it up with no other edit."""

    #: The format's name on the command line and in ``ExportConfig.formats``.
    name: str = ""
    #: Part of the default format list (``default_formats``)?
    default: bool = False
    #: Does ``export`` need calibration photos (``ExportJob.calibration_photos``)?
    needs_calibration: bool = False

    def require(self) -> None:
        """Raise ``MissingExtraError`` (one line, exit 2) when the backend's library is missing.

        Called before any work starts, so a missing optional stack fails fast."""

    @abstractmethod
    def export(self, job: ExportJob) -> dict[str, Any]:
        """Write the artifact into ``job.out``; return its manifest entry (``manifest.artifact_entry``)."""

    @abstractmethod
    def claims(self, entry: dict[str, Any]) -> bool:
        """Is this manifest artifact entry one this recipe wrote (and so verifies)?"""

    @abstractmethod
    def verify(self, job: VerifyJob, entry: dict[str, Any]) -> ArtifactCheck:
        """Check the artifact of ``entry`` against ``job.model``; failures go in the returned check."""


_REGISTRY: dict[str, Recipe] = {}


def register_recipe(cls: type[Recipe]) -> type[Recipe]:
    """Class decorator: add one instance of ``cls`` to the registry under ``cls.name``."""
    name = getattr(cls, "name", "")
    if not isinstance(name, str) or not name or "," in name or name != name.strip():
        raise ValueError(f"recipe {cls.__name__} needs a name without commas or spaces at the ends, got {name!r}")
    if name in _REGISTRY and type(_REGISTRY[name]) is not cls:
        raise ValueError(f"export format {name!r} is already registered by {type(_REGISTRY[name]).__name__}")
    _REGISTRY[name] = cls()
    return cls


def unregister_recipe(name: str) -> None:
    """Remove a recipe (tests register toy recipes and take them out again)."""
    _REGISTRY.pop(name, None)


def recipe_names() -> tuple[str, ...]:
    """Every registered format, in registration order."""
    return tuple(_REGISTRY)


def default_formats() -> tuple[str, ...]:
    """The formats an export writes when none are named."""
    return tuple(n for n, r in _REGISTRY.items() if r.default)


def get_recipe(name: str) -> Recipe:
    """The recipe for a format name; ``InputError`` naming the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InputError(f"unknown export format {name!r}; choose from {', '.join(_REGISTRY)}") from None


def recipe_for_entry(entry: dict[str, Any]) -> Recipe | None:
    """The recipe that owns a manifest artifact entry, or None (an artifact this edgenst does not know)."""
    owners = [r for r in _REGISTRY.values() if r.claims(entry)]
    if len(owners) > 1:
        raise InputError(f"{entry.get('file')}: claimed by several export formats ({', '.join(r.name for r in owners)})")
    return owners[0] if owners else None


def log_delegation(recipe: Recipe, file: str, summary: str) -> None:
    """The one line each recipe logs after export: what runs in the delegate, what does not."""
    log.info("%s %s: %s", recipe.name, file, summary)
