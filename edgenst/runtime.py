"""Stylize with an exported ``.pte`` in the ExecuTorch runtime (what a phone app embeds).

``PteModel`` opens a program, finds its ``forward_<H>x<W>`` methods (one per exported size) and
runs them. A corrupt, truncated or foreign file is an ``InputError`` with one line, never a crash:
the file's header is checked before the runtime sees it (a truncated file is found from the sizes
its header records), a ``manifest.json`` beside it must list the same sha256 (a flipped byte in a
weight would otherwise run, painting wrong), and ExecuTorch's own log lines go into the error's one
line and the ``executorch.native`` logger instead of the terminal (``edgenst.native_stderr``).

The program names its styles itself: ``edgenst export`` writes ``style_count`` and ``style_names``
constant methods (``edgenst.io_spec``). A program exported before that falls back to the manifest
beside it for the names, and to its forward method's input shape for the count.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

import torch

from edgenst.errors import InputError
from edgenst.io_spec import STYLE_COUNT_METHOD, STYLE_NAMES_METHOD, IOSpec, check_inputs
from edgenst.native_stderr import native_stderr, quiet_import

log = logging.getLogger(__name__)

_METHOD = re.compile(r"forward_(\d+)x(\d+)")
_VECTOR_METHOD = re.compile(r"vector_(\d+)x(\d+)")
#: A .pte is a flatbuffer with file identifier "ET12" at bytes 4..8, then an optional extended
#: header "eh00" at 8 (length u32, program size u64, segment base offset u64, segment data size u64).
_IDENTIFIER, _EXT_MAGIC = b"ET12", b"eh00"


def _portable_lib():
    with quiet_import(log):
        from executorch.extension.pybindings import portable_lib as lib
    return lib


def set_threads(threads: int) -> None:
    """Size XNNPACK's thread pool (ExecuTorch keeps one pool per process).

    Call it before opening any ``PteModel``: loaded XNNPACK methods keep a pointer to the old pool,
    and running one after a reset crashes the process (seen with ExecuTorch 1.5.1). Open the
    models again after changing the thread count.
    """
    if threads < 1:
        raise InputError(f"threads must be >= 1, got {threads}")
    _portable_lib()._unsafe_reset_threadpool(threads)


def thread_count() -> int:
    return int(_portable_lib()._threadpool_get_thread_count())


def check_pte_header(path: Path, data: bytes) -> None:
    """Refuse a foreign or truncated file before the runtime sees it (its refusal is a native log, not a message)."""
    if len(data) < 16 or data[4:8] != _IDENTIFIER:
        raise InputError(f"{path} is not an ExecuTorch program (bad header; corrupt or another format)")
    if data[8:12] != _EXT_MAGIC:
        return  # programs without segments have no extended header
    length = int.from_bytes(data[12:16], "little")
    if length < 24 or len(data) < 8 + length:
        raise InputError(f"{path} has a damaged ExecuTorch header (corrupt or truncated)")
    program_size = int.from_bytes(data[16:24], "little")
    segment_base = int.from_bytes(data[24:32], "little")
    segment_size = int.from_bytes(data[32:40], "little") if length >= 32 else 0
    expected = max(program_size, segment_base + segment_size if segment_base else 0)
    if len(data) < expected:
        raise InputError(f"{path} is truncated: {len(data)} bytes, its header says {expected}")


def manifest_beside(path: Path) -> dict | None:
    """The ``manifest.json`` beside ``path`` when there is one and it lists ``path`` (schema-checked)."""
    from edgenst.export.manifest import MANIFEST, find_artifact, read_manifest

    if not (path.parent / MANIFEST).is_file():
        return None
    manifest = read_manifest(path.parent, check_files=False)
    return manifest if find_artifact(manifest, path.name) is not None else None


def check_against_manifest(path: Path, data: bytes) -> None:
    """When ``manifest.json`` lies beside ``path`` and lists it, ``data`` must have its size and sha256.

    The sha256 of the bytes about to be loaded, not of the file again, so what runs is what was checked.
    """
    from edgenst.export.manifest import MANIFEST, find_artifact, read_manifest

    if not (path.parent / MANIFEST).is_file():
        return
    entry = find_artifact(read_manifest(path.parent, check_files=False), path.name)
    if entry is None:
        log.info("%s is not listed in the %s beside it: loaded without a checksum", path, MANIFEST)
        return
    if len(data) != entry["bytes"]:
        raise InputError(f"{path} is {len(data)} bytes, the {MANIFEST} beside it says {entry['bytes']} "
                         f"(truncated or replaced)")
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise InputError(f"{path} does not match its sha256 in the {MANIFEST} beside it (corrupt or replaced)")


class PteModel:
    """An exported student: ``run(image, style_weights, strength)`` picks the method for the size;
    ``run_vector`` adds a style vector, when the program was exported with one.

    ``styles`` is the style count; ``style_names`` the names in table order (None only for a program
    exported before programs named their styles and lying without a manifest); ``spec`` the
    ``IOSpec`` when the names are known. ``check_manifest``: check the file against the
    ``manifest.json`` beside it, when there is one.
    """

    def __init__(self, path: str | os.PathLike[str], *, check_manifest: bool = True) -> None:
        self.path = Path(path)
        self._program = _load_program(self.path, check_manifest)
        names = sorted(self._program.method_names)
        self.sizes: dict[tuple[int, int], str] = {}
        #: The ``vector_<H>x<W>`` methods (exported with ``--style-vector``), which also take a style vector.
        self.vector_sizes: dict[tuple[int, int], str] = {}
        for name in names:
            for pattern, table in ((_METHOD, self.sizes), (_VECTOR_METHOD, self.vector_sizes)):
                m = pattern.fullmatch(name)
                if m:
                    table[(int(m.group(1)), int(m.group(2)))] = name
        if not self.sizes:
            raise InputError(f"{self.path} has no forward_<H>x<W> methods (found: {', '.join(names) or 'none'})")
        self._methods: dict[str, object] = {}
        self.style_names: tuple[str, ...] | None = None
        self.styles = self._read_styles(set(names))

    @property
    def spec(self) -> IOSpec | None:
        return IOSpec(self.style_names) if self.style_names is not None else None

    def _constant(self, name: str) -> list:
        error: RuntimeError | None = None
        with native_stderr(log) as native:
            try:
                return list(self._program.load_method(name).execute([]))
            except RuntimeError as exc:
                error = exc
        raise InputError(f"{self.path}: method {name} failed to run (corrupt file?): {native.reason(error)}")

    def _read_styles(self, methods: set[str]) -> int:
        """The style count and names from the program's constant methods; old programs fall back."""
        # Loading a forward method here also makes a damaged program fail on open, not on its first frame.
        first = next(iter(self.sizes.values()))
        count = self._input_width(first)
        if STYLE_COUNT_METHOD in methods:
            (declared,) = self._constant(STYLE_COUNT_METHOD)
            if int(declared) != count:
                raise InputError(f"{self.path} says it has {declared} styles, but {first} takes {count} style weights")
        if STYLE_NAMES_METHOD in methods:
            self.style_names = tuple(str(n) for n in self._constant(STYLE_NAMES_METHOD))
        else:
            manifest = manifest_beside(self.path)
            if manifest is not None:
                self.style_names = tuple(s["name"] for s in manifest["styles"])
                log.info("%s names no styles itself (exported by an older edgenst or without names): "
                         "using the %d names in the manifest beside it", self.path.name, len(self.style_names))
            else:
                log.info("%s names no styles itself and has no manifest beside it: %d unnamed style(s)",
                         self.path.name, count)
        if self.style_names is not None and len(self.style_names) != int(count):
            raise InputError(f"{self.path} takes {count} style weights but names {len(self.style_names)} styles")
        return int(count)

    def _method(self, name: str):
        if name not in self._methods:
            error: RuntimeError | None = None
            with native_stderr(log) as native:
                try:
                    self._methods[name] = self._program.load_method(name)
                except RuntimeError as exc:
                    error = exc
            if error is not None:
                raise InputError(f"{self.path}: method {name} failed to load (corrupt file?): {native.reason(error)}")
        return self._methods[name]

    def _input_width(self, name: str) -> int:
        """The style count of a program without constant methods: its style-weights input is 1 x S."""
        sizes = tuple(self._method(name).metadata.input_tensor_meta(1).sizes())
        if len(sizes) != 2 or sizes[0] != 1:
            raise InputError(f"{self.path}: the style-weights input of {name} is {list(sizes)}, expected [1, S]")
        return int(sizes[1])

    def method_for(self, height: int, width: int) -> str:
        if (height, width) not in self.sizes:
            have = ", ".join(f"{h}x{w}" for h, w in sorted(self.sizes))
            raise InputError(f"{self.path.name} has no method for {height}x{width}; exported sizes: {have}")
        return self.sizes[(height, width)]

    @property
    def vector_dim(self) -> int | None:
        """Entries of the style vector the ``vector`` methods take; None when the program has none."""
        if not self.vector_sizes:
            return None
        sizes = tuple(self._method(next(iter(self.vector_sizes.values()))).metadata.input_tensor_meta(3).sizes())
        return int(sizes[-1])

    def run_vector(self, image: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor,
                   style_vector: torch.Tensor, vector_weight: torch.Tensor) -> torch.Tensor:
        """``run`` with a style vector (1 x D, ``edgenst.styles.StyleVector`` layout) blended with the
        table's ``style_weights`` by ``vector_weight`` (1 x 1: 0 the table alone, 1 the vector alone)."""
        dim = self.vector_dim
        if dim is None:
            raise InputError(f"{self.path.name} takes no style vector (export it with --style-vector)")
        check_inputs(image, style_weights, strength, self.styles)
        if tuple(style_vector.shape) != (1, dim):
            raise InputError(f"style_vector must be 1 x {dim}, got {tuple(style_vector.shape)}")
        if tuple(vector_weight.shape) != (1, 1):
            raise InputError(f"vector_weight must be 1 x 1, got {tuple(vector_weight.shape)}")
        h, w = image.shape[-2:]
        if (h, w) not in self.vector_sizes:
            have = ", ".join(f"{a}x{b}" for a, b in sorted(self.vector_sizes))
            raise InputError(f"{self.path.name} has no vector method for {h}x{w}; exported sizes: {have}")
        method = self._method(self.vector_sizes[(h, w)])
        inputs = [t.contiguous().to(torch.float32) for t in (image, style_weights, strength, style_vector, vector_weight)]
        return method.execute(inputs)[0]

    def run(self, image: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor) -> torch.Tensor:
        """``image`` 1 x 3 x H x W in [0, 1] at an exported size -> stylized, same shape."""
        check_inputs(image, style_weights, strength, self.styles)
        method = self._method(self.method_for(*image.shape[-2:]))
        inputs = [t.contiguous().to(torch.float32) for t in (image, style_weights, strength)]
        return method.execute(inputs)[0]


class PredictorProgram:
    """An exported style predictor (``predictor.pte``): ``run(painting)`` -> the 1 x D style vector.

    The program says its input side and vector length itself (constant methods ``input_size`` and
    ``style_vector_dim``, written by ``edgenst.export.predictor``); the painting is resized and
    centre-cropped to that square here, as an app would. Same file checks as ``PteModel``.
    """

    def __init__(self, path: str | os.PathLike[str], *, check_manifest: bool = True) -> None:
        self.path = Path(path)
        program = _load_program(self.path, check_manifest)
        names = set(program.method_names)
        if not {"forward", "input_size", "style_vector_dim"} <= names:
            raise InputError(f"{self.path} is not a style predictor program (methods: {', '.join(sorted(names))})")
        error: RuntimeError | None = None
        with native_stderr(log) as native:
            try:
                self.size = int(program.load_method("input_size").execute([])[0])
                self.dim = int(program.load_method("style_vector_dim").execute([])[0])
                self._forward = program.load_method("forward")
            except RuntimeError as exc:
                error = exc
        if error is not None:
            raise InputError(f"{self.path} could not be loaded by the ExecuTorch runtime (corrupt or truncated?): "
                             f"{native.reason(error)}")
        self._program = program

    def run(self, painting: torch.Tensor) -> torch.Tensor:
        """``painting`` 1 x 3 x H x W RGB in [0, 1], any size -> style vector 1 x ``dim``."""
        if painting.dim() != 4 or painting.shape[:2] != (1, 3):
            raise InputError(f"expected a 1 x 3 x H x W painting, got {tuple(painting.shape)}")
        x = _square(painting.to(torch.float32), self.size)
        return self._forward.execute([x.contiguous()])[0]


def _load_program(path: Path, check_manifest: bool):  # noqa: ANN202 - an ExecuTorch Program
    """Read, check (header; sha256 against the manifest beside it) and load a ``.pte``: a missing,
    foreign, altered or truncated file gets one ``InputError`` line, never a runtime crash."""
    if not path.is_file():
        raise InputError(f"no .pte file at {path}")
    data = path.read_bytes()
    check_pte_header(path, data)
    if check_manifest:
        check_against_manifest(path, data)
    with quiet_import(log):
        from executorch.runtime import Runtime

    error: RuntimeError | None = None
    with native_stderr(log) as native:
        try:
            return Runtime.get().load_program(data)
        except RuntimeError as exc:
            error = exc
    raise InputError(f"{path} could not be loaded by the ExecuTorch runtime (corrupt or truncated?): "
                     f"{native.reason(error)}")


def _square(image: torch.Tensor, side: int) -> torch.Tensor:
    """Resize so the short side is ``side`` (antialiased when shrinking), then take the centre square."""
    import torch.nn.functional as F

    h, w = image.shape[-2:]
    scale = side / min(h, w)
    size = (max(side, round(h * scale)), max(side, round(w * scale)))
    if size != (h, w):
        image = F.interpolate(image, size=size, mode="bilinear", antialias=scale < 1, align_corners=False)
    top, left = (size[0] - side) // 2, (size[1] - side) // 2
    return image[..., top : top + side, left : left + side].clamp(0, 1)
