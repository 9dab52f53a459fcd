"""``manifest.json``: what an app needs to know about an export folder, and how to check it.

It lists the styles (name -> index of the style-weights input), the inputs and outputs with shapes
and value ranges, each artifact with its size, sha256 and quantization, and the edgenst version.
``read_manifest`` refuses a manifest that does not match the files beside it, with one line.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Sequence

from edgenst import __version__
from edgenst.errors import InputError
from edgenst.export.app_model import INPUT_NAMES, OUTPUT_NAME

MANIFEST = "manifest.json"
FORMAT = "edgenst-export"
FORMAT_VERSION = 1


def artifact_sha256(path: Path) -> str:
    """sha256 of a file, or of a folder (an .mlpackage) as its sorted relative paths and contents."""
    h = hashlib.sha256()
    if path.is_dir():
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            h.update(f.relative_to(path).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(f.read_bytes()).digest())
    else:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def artifact_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def io_spec(styles: int) -> dict[str, Any]:
    """The app-facing inputs and output (see ``edgenst.export.app_model``)."""
    image, weights, strength = INPUT_NAMES
    return {
        "inputs": [
            {"name": image, "dtype": "float32", "shape": [1, 3, "H", "W"], "layout": "NCHW", "color": "RGB",
             "range": [0.0, 1.0], "coreml": "RGB image, 0-255"},
            {"name": weights, "dtype": "float32", "shape": [1, styles], "range": [0.0, 1.0],
             "note": "one weight per style (see styles[].index); rows sum to 1 to blend"},
            {"name": strength, "dtype": "float32", "shape": [1, 1], "range": [0.0, 1.0],
             "note": "0 returns the photo, 1 the full style"},
        ],
        "outputs": [
            {"name": OUTPUT_NAME, "dtype": "float32", "shape": [1, 3, "H", "W"], "layout": "NCHW", "color": "RGB",
             "range": [0.0, 1.0], "coreml": "RGB image, 0-255"},
        ],
    }


def artifact_entry(folder: Path, file: str, **fields: Any) -> dict[str, Any]:
    path = folder / file
    return {"file": file, "bytes": artifact_bytes(path), "sha256": artifact_sha256(path), **fields}


def build_manifest(styles: Sequence[str], source: dict[str, Any], artifacts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "edgenst_version": __version__,
        "source_model": source,
        "styles": [{"index": i, "name": n} for i, n in enumerate(styles)],
        **io_spec(len(styles)),
        "artifacts": list(artifacts),
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    path = folder / MANIFEST
    tmp = path.with_name(MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def read_manifest(folder: str | os.PathLike[str], check_files: bool = True) -> dict[str, Any]:
    """Load and check the manifest: format, required fields, and every artifact's size and sha256."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not folder.is_dir():
        raise InputError(f"{folder} is not an export folder")
    if not path.is_file():
        raise InputError(f"{folder} has no {MANIFEST} (not an edgenst export folder?)")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{path} is not an edgenst export manifest")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise InputError(f"{path} has format version {manifest['format_version']}; this edgenst reads up to "
                         f"{FORMAT_VERSION} (upgrade edgenst)")
    for key in ("styles", "inputs", "outputs", "artifacts", "source_model"):
        if key not in manifest:
            raise InputError(f"{path} lacks {key!r}")
    if [s.get("index") for s in manifest["styles"]] != list(range(len(manifest["styles"]))):
        raise InputError(f"{path}: style indices must be 0..{len(manifest['styles']) - 1} in order")
    if check_files:
        for entry in [manifest["source_model"], *manifest["artifacts"]]:
            check_artifact(folder, entry)
    return manifest


def check_artifact(folder: Path, entry: dict[str, Any]) -> None:
    file = entry.get("file")
    if not isinstance(file, str) or Path(file).name != file:
        raise InputError(f"manifest entry has a bad file name: {file!r}")
    path = folder / file
    if not path.exists():
        raise InputError(f"{file} is listed in the manifest but missing from {folder}")
    if artifact_bytes(path) != entry.get("bytes"):
        raise InputError(f"{file} is {artifact_bytes(path)} bytes, the manifest says {entry.get('bytes')} "
                         f"(truncated or replaced)")
    if artifact_sha256(path) != entry.get("sha256"):
        raise InputError(f"{file} does not match its sha256 in the manifest (corrupt or replaced)")
