"""The int8 ``.pte`` the demo runs: an existing export folder, or the shipped student exported once.

First start exports the student (``edgenst.export.bundle.export_bundle``, int8 only, calibrated on
the built-in sample photos like ``edgenst export``) into a cache folder named after the weights'
sha256; later starts check that folder's manifest (every file's sha256) and reuse it. The export
goes to a temporary sibling that is renamed into place, so an interrupted first start or two demos
starting at once never leave a half-written cache behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from edgenst.errors import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Artifact:
    """One int8 ExecuTorch program and what the page shows about it."""

    folder: Path
    file: str
    sha256: str
    bytes: int
    precision: str
    styles: tuple[str, ...]
    sizes: tuple[tuple[int, int], ...]  # (height, width), one ``forward_HxW`` method each
    source: str  # the model it was exported from (a shipped name or a file name)
    #: The sizes with a ``vector_HxW`` method (exported with a style vector), and the vector's length.
    vector_sizes: tuple[tuple[int, int], ...] = ()
    vector_dim: int | None = None
    source_file: str = ""  # the source model's file in ``folder`` (the server predicts with it)
    predictor_file: str | None = None  # an int8 predictor ``.pte`` beside it, when exported

    @property
    def path(self) -> Path:
        return self.folder / self.file

    @property
    def takes_vectors(self) -> bool:
        """Every size paints with a style vector too (so an uploaded painting works at each)."""
        return self.vector_dim is not None and set(self.sizes) <= set(self.vector_sizes)

    def describe(self) -> dict[str, Any]:
        out = {"file": self.file, "sha256": self.sha256, "bytes": self.bytes, "precision": self.precision,
               "source": self.source, "sizes": [f"{h}x{w}" for h, w in self.sizes], "styles": list(self.styles)}
        if self.takes_vectors:
            out["style_vector"] = {"length": self.vector_dim, "predictor": self.predictor_file}
        return out


def open_export(folder: str | os.PathLike[str]) -> Artifact:
    """The int8 ``.pte`` of an ``edgenst export`` folder, after checking every sha256 in its manifest."""
    from edgenst.export.manifest import manifest_spec, read_manifest

    folder = Path(folder)
    manifest = read_manifest(folder)
    spec = manifest_spec(manifest, str(folder / "manifest.json"))
    entries = [a for a in manifest["artifacts"] if a.get("format") == "executorch" and a.get("precision") == "int8"
               and a.get("role", "student") == "student"]
    if not entries:
        have = ", ".join(a.get("file", "?") for a in manifest["artifacts"]) or "nothing"
        raise InputError(f"{folder} has no int8 .pte (it holds {have}); export one with "
                         f"'edgenst export --formats pte-int8 -o {folder}'")
    entry = entries[0]
    sizes = []
    for key in sorted(entry.get("methods", {})):
        h, _, w = key.partition("x")
        if h.isdigit() and w.isdigit():
            sizes.append((int(h), int(w)))
    if not sizes:
        raise InputError(f"{folder / entry['file']}: the manifest lists no forward_HxW methods")
    vector_sizes = [(int(h), int(w)) for h, _, w in (k.partition("x") for k in entry.get("vector_methods", {}))
                    if h.isdigit() and w.isdigit()]
    predictors = [a["file"] for a in manifest["artifacts"]
                  if a.get("role") == "style-predictor" and a.get("format") == "executorch"]
    return Artifact(
        folder=folder, file=entry["file"], sha256=entry["sha256"], bytes=int(entry["bytes"]), precision="int8",
        styles=spec.style_names, sizes=tuple(sorted(sizes, key=lambda s: s[0] * s[1])),
        source=str(manifest["source_model"].get("name") or manifest["source_model"].get("file", "")),
        vector_sizes=tuple(sorted(vector_sizes)), vector_dim=spec.vector.dim if spec.vector is not None else None,
        source_file=str(manifest["source_model"]["file"]), predictor_file=predictors[0] if predictors else None,
    )


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/edgenst/demo`` (``~/.cache/edgenst/demo`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "edgenst" / "demo"


def prepare_artifact(model: str = "fast", cache_dir: str | os.PathLike[str] | None = None,
                     sizes: Sequence[tuple[int, int]] | None = None, style_vector: bool = False) -> Artifact:
    """The cached int8 export of ``model`` (a shipped name or a model file), exporting it if needed.

    ``style_vector``: with ``vector_HxW`` methods too, so visitors can upload paintings (a folder of
    its own in the cache: the export takes about twice as long)."""
    from edgenst.export.app_model import DEFAULT_SIZES

    sizes = tuple(tuple(s) for s in (sizes or DEFAULT_SIZES))
    digest = _weights_sha256(model)
    name = digest[:16] if sizes == tuple(DEFAULT_SIZES) else digest[:16] + "-" + "_".join(f"{h}x{w}" for h, w in sizes)
    name += "-vector" if style_vector else ""
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    folder = root / name
    if folder.is_dir():
        try:
            artifact = open_export(folder)
            if set(sizes) <= set(artifact.sizes) and (artifact.takes_vectors or not style_vector):
                log.info("using the cached export %s", artifact.path)
                return artifact
        except InputError as exc:  # damaged or from an incompatible version: export again
            log.warning("cached export %s is not usable (%s); exporting again", folder, exc)
    _export_into(model, folder, sizes, style_vector)
    return open_export(folder)


def _weights_sha256(model: str) -> str:
    from edgenst.pretrained import StudentWeights, get_weights, model_file

    path = model_file(model)
    if path is not None:
        if not path.is_file():
            raise InputError(f"no model file at {path}")
        return hashlib.sha256(path.read_bytes()).hexdigest()
    member: StudentWeights = get_weights(model)
    return member.value.sha256


def _export_into(model: str, folder: Path, sizes: tuple[tuple[int, int], ...], style_vector: bool = False) -> None:
    from edgenst.export.app_model import Size
    from edgenst.export.bundle import ExportConfig, export_bundle
    from edgenst.reference_images import DEFAULT_PHOTOS, load_photos
    from edgenst.pretrained import resolve_model

    log.warning("first start: exporting %s to an int8 .pte at %s into %s (once; 169 s measured on a busy "
                "2-core machine)", model, ", ".join(f"{h}x{w}" for h, w in sizes), folder)
    student, info = resolve_model(model)
    photos = load_photos(DEFAULT_PHOTOS, len(DEFAULT_PHOTOS), max_side=1280)  # as 'edgenst export' calibrates
    config = ExportConfig(sizes=tuple(Size(h, w) for h, w in sizes), formats=("pte-int8",), style_vector=style_vector)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.{uuid.uuid4().hex}.tmp"
    try:
        export_bundle(student, info, tmp, config, photos, source_name=Path(model).name)
        if folder.exists():  # a damaged cache, or another demo finished first: keep one
            shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    except OSError:
        if not folder.is_dir():
            raise
        log.info("another process wrote %s first; using it", folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
