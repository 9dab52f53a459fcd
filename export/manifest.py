"""``manifest.json``: what an app needs to know about an export folder, and how to check it.

It lists the styles (name -> index of the style-weights input), the inputs and outputs with shapes
and value ranges (both from ``edgenst.io_spec.IOSpec``: written by ``build_manifest``, read back by
``manifest_spec``), each artifact with its size, sha256 and quantization, and the edgenst version.
``read_manifest`` refuses a manifest that does not match the files beside it, with one line.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Sequence

from edgenst import __version__
from edgenst.errors import InputError
from edgenst.io_spec import IOSpec

#: What an ExecuTorch artifact's ``precision`` may say (``edgenst.export.executorch.PRECISIONS``).
PTE_PRECISIONS = ("fp32", "int8")
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


def artifact_entry(folder: Path, file: str, **fields: Any) -> dict[str, Any]:
    path = folder / file
    return {"file": file, "bytes": artifact_bytes(path), "sha256": artifact_sha256(path), **fields}


def build_manifest(styles: Sequence[str] | IOSpec, source: dict[str, Any],
                   artifacts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The manifest of an export folder; its interface fields come from the ``IOSpec``."""
    spec = styles if isinstance(styles, IOSpec) else IOSpec(tuple(styles))
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "edgenst_version": __version__,
        "source_model": source,
        **spec.to_manifest(),
        "artifacts": list(artifacts),
    }


def manifest_spec(manifest: dict[str, Any], where: str = MANIFEST) -> IOSpec:
    """The ``IOSpec`` of a manifest ``read_manifest`` returned: what the runtime and the demo read."""
    return IOSpec.from_manifest(manifest, where)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    path = folder / MANIFEST
    tmp = path.with_name(MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def read_manifest(folder: str | os.PathLike[str], check_files: bool = True) -> dict[str, Any]:
    """Load and check the manifest: format, the type of every field, and each artifact's size and sha256."""
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
    version = manifest.get("format_version", 0)
    if not _is_int(version):
        raise InputError(f"{path}: 'format_version' must be an integer, got {_show(version)}")
    if version > FORMAT_VERSION:
        raise InputError(f"{path} has format version {version}; this edgenst reads up to "
                         f"{FORMAT_VERSION} (upgrade edgenst)")
    check_schema(path, manifest)
    if check_files:
        for entry in [manifest["source_model"], *manifest["artifacts"]]:
            check_artifact(folder, entry)
    return manifest


def check_schema(path: Path, manifest: dict[str, Any]) -> None:
    """The type of every field a tool reads, so a hand-edited manifest fails with one clear line.

    Why here and not where each field is used: the manifest is read by verify, the runtime, the
    demo and apps; checking once means none of them meets a list where it expects an object.
    """
    def need(ok: bool, where: str, what: str, got: Any) -> None:
        if not ok:
            raise InputError(f"{path}: {where} must be {what}, got {_show(got)}")

    for key in ("styles", "inputs", "outputs", "artifacts", "source_model"):
        if key not in manifest:
            raise InputError(f"{path} lacks {key!r}")
    version = manifest.get("edgenst_version", "")
    need(isinstance(version, str), "'edgenst_version'", "a string", version)
    _check_file_entry(need, "'source_model'", manifest["source_model"])
    styles = manifest["styles"]
    need(isinstance(styles, list) and bool(styles), "'styles'", "a non-empty list of {index, name} objects", styles)
    for i, style in enumerate(styles):
        need(isinstance(style, dict), f"styles[{i}]", "an object with 'index' and 'name'", style)
        need(_is_int(style.get("index")), f"styles[{i}].index", "an integer", style.get("index"))
        need(isinstance(style.get("name"), str) and bool(style.get("name")), f"styles[{i}].name", "a non-empty string",
             style.get("name"))
    if [s["index"] for s in styles] != list(range(len(styles))):
        raise InputError(f"{path}: style indices must be 0..{len(styles) - 1} in order")
    names = [s["name"] for s in styles]
    if len(set(names)) != len(names):
        raise InputError(f"{path}: style names must be unique, got {names}")
    vector = manifest.get("style_vector")
    need(vector is None or isinstance(vector, dict), "'style_vector'", "an object", vector)
    for key in ("inputs", "outputs"):
        need(isinstance(manifest[key], list), f"{key!r}", "a list of objects", manifest[key])
        for i, item in enumerate(manifest[key]):
            need(isinstance(item, dict) and isinstance(item.get("name"), str), f"{key}[{i}]", "an object with a 'name'",
                 item)
    artifacts = manifest["artifacts"]
    need(isinstance(artifacts, list), "'artifacts'", "a list of objects", artifacts)
    for i, entry in enumerate(artifacts):
        where = f"artifacts[{i}]"
        _check_file_entry(need, where, entry)
        fmt = entry.get("format")
        need(fmt is None or isinstance(fmt, str), f"{where}.format", "a string", fmt)
        precision = entry.get("precision")
        if fmt == "executorch":
            need(precision in PTE_PRECISIONS, f"{where}.precision", " or ".join(map(repr, PTE_PRECISIONS)), precision)
        else:
            need(precision is None or isinstance(precision, str), f"{where}.precision", "a string", precision)
        methods = entry.get("methods", {})
        need(isinstance(methods, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in methods.items()),
             f"{where}.methods", "an object of size -> method name strings", methods)
        vector_methods = entry.get("vector_methods", {})
        need(isinstance(vector_methods, dict)
             and all(isinstance(k, str) and isinstance(v, str) for k, v in vector_methods.items()),
             f"{where}.vector_methods", "an object of size -> method name strings", vector_methods)
        vector_inputs = entry.get("vector_inputs", [])
        need(isinstance(vector_inputs, list)
             and all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in vector_inputs),
             f"{where}.vector_inputs", "a list of objects with a 'name'", vector_inputs)
        sizes = entry.get("sizes", [])
        need(isinstance(sizes, list) and all(isinstance(x, str) for x in sizes), f"{where}.sizes",
             "a list of \"HxW\" strings", sizes)
        compression = entry.get("compression")
        need(compression is None or isinstance(compression, str), f"{where}.compression", "a string or null",
             compression)


def _check_file_entry(need: Callable[[bool, str, str, Any], None], where: str, entry: Any) -> None:
    need(isinstance(entry, dict), where, "an object with 'file', 'bytes' and 'sha256'", entry)
    need(isinstance(entry.get("file"), str), f"{where}.file", "a file name", entry.get("file"))
    need(_is_int(entry.get("bytes")), f"{where}.bytes", "an integer", entry.get("bytes"))
    need(isinstance(entry.get("sha256"), str), f"{where}.sha256", "a hex string", entry.get("sha256"))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value: Any) -> str:
    """A value for a one-line message: its JSON type and at most 40 characters of it."""
    kinds = {dict: "object", list: "list", str: "string", bool: "boolean", int: "integer", float: "number",
             type(None): "null"}
    text = json.dumps(value)
    return f"{kinds.get(type(value), type(value).__name__)} {text if len(text) <= 40 else text[:37] + '...'}"


def find_artifact(manifest: dict[str, Any], file: str) -> dict[str, Any] | None:
    """The artifact entry (or the source model's) for ``file``, or None when the manifest does not list it."""
    for entry in [manifest["source_model"], *manifest["artifacts"]]:
        if entry["file"] == file:
            return entry
    return None


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
