"""The web runtime's build script without its toolchain: the compile fast path and the arguments.

``demo_app/web_runtime/recipe/emcc-fast.sh`` runs, for a compile whose flags it has seen before, the
clang command emcc ran for them, with this compile's file names filled in. Here a fake emcc (which
prints its clang command under ``EMCC_VERBOSE=1``, as emcc does, and runs it) and a fake clang (which
writes its arguments into the object) stand in for the toolchain: the objects must be the ones emcc
would make, the first compile of a flag set must go through emcc, the later ones must not, and
anything that is not a plain compile must go through emcc. The real build compares real objects
(``scripts/build-web-runtime.sh``'s fast compile check); this checks the launcher's logic in a second.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = ROOT / "demo_app" / "web_runtime" / "recipe" / "emcc-fast.sh"
SCRIPT = ROOT / "scripts" / "build-web-runtime.sh"

# The fake clang writes its whole command line into the object, so equal objects mean equal commands.
FAKE_CLANG = """#!/bin/bash
echo clang >> "$CALLS"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[i]}" = -o ] && out=${args[i+1]}; done
printf '%s\\n' "$@" > "$out"
"""

# Like emcc: fixed flags first, response files expanded, `-o OUT` moved last; a -s setting changes the
# fixed flags (so its flag set must be learnt separately).
FAKE_EMCC = """#!/bin/bash
echo emcc >> "$CALLS"
prefix=(-target wasm32-unknown-emscripten -DEMSCRIPTEN)
args=() out=
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    @*) for w in $(cat "${1#@}"); do args+=("$w"); done; shift ;;
    -sFOO) prefix+=(-DFOO); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
cmd=("$FAKE_CLANG_PATH" "${prefix[@]}" "${args[@]}" -o "$out")
if [ "${EMCC_VERBOSE:-0}" = 1 ]; then printf ' "%s"' "${cmd[0]}" >&2; printf ' %q' "${cmd[@]:1}" >&2; echo >&2; fi
exec "${cmd[@]}"
"""


@pytest.fixture()
def toolchain(tmp_path: Path) -> dict[str, str]:
    for name, text in (("clang", FAKE_CLANG), ("emcc", FAKE_EMCC)):
        path = tmp_path / name
        path.write_text(text)
        path.chmod(0o755)
    (tmp_path / "includes.rsp").write_text("-I/inc/a -I/inc/b\n")
    for src in ("a.c", "b.c", "c.c"):
        (tmp_path / src).write_text("int x;\n")
    return {**os.environ, "CALLS": str(tmp_path / "calls"), "FAKE_CLANG_PATH": str(tmp_path / "clang"),
            "EMCC_FAST_LOG": str(tmp_path / "fast.log")}


def compile_args(src: str, extra: tuple[str, ...] = (), folder: Path = Path("/src")) -> list[str]:
    # as CMake writes them: the source by its absolute path, the dependency target another path
    return ["-DX=1", "@includes.rsp", *extra, "-O3", "-MD", "-MT", f"obj/{src}.o", "-MF", f"{src}.o.d",
            "-o", f"{src}.o", "-c", str(folder / src)]


def calls(tmp_path: Path) -> list[str]:
    text = (tmp_path / "calls").read_text() if (tmp_path / "calls").exists() else ""
    (tmp_path / "calls").unlink(missing_ok=True)
    return text.split()


def run(tmp_path: Path, env: dict[str, str], args: list[str], via: str = "launcher") -> None:
    cmd = [str(LAUNCHER), str(tmp_path / "cache"), str(tmp_path / "emcc"), *args]
    if via == "emcc":
        cmd = [str(tmp_path / "emcc"), *args]
    subprocess.run(cmd, cwd=tmp_path, env=env, check=True, capture_output=True, text=True)


def test_later_compiles_skip_emcc_and_make_the_objects_emcc_makes(tmp_path: Path, toolchain):
    run(tmp_path, toolchain, compile_args("a.c", folder=tmp_path))
    assert calls(tmp_path) == ["emcc", "clang"]  # the first of a flag set: through emcc, which is learnt
    run(tmp_path, toolchain, compile_args("b.c", folder=tmp_path))
    assert calls(tmp_path) == ["clang"]  # the same flags: clang directly
    fast = (tmp_path / "b.c.o").read_bytes()
    run(tmp_path, toolchain, compile_args("b.c", folder=tmp_path), via="emcc")
    assert calls(tmp_path) == ["emcc", "clang"]
    assert (tmp_path / "b.c.o").read_bytes() == fast  # the command emcc runs, file names and all
    lines = fast.decode().splitlines()
    assert "-I/inc/a" in lines and str(tmp_path / "b.c") in lines and "b.c.o.d" in lines
    assert str(tmp_path / "a.c") not in lines
    log = (tmp_path / "fast.log").read_text().splitlines()
    assert len(log) == 1 and log[0].split("\t")[1] == "b.c.o"  # for the build script's sample check


def test_other_flags_and_non_compiles_go_through_emcc(tmp_path: Path, toolchain):
    run(tmp_path, toolchain, compile_args("a.c", folder=tmp_path))
    calls(tmp_path)
    run(tmp_path, toolchain, compile_args("b.c", ("-sFOO",), tmp_path))  # a new flag set (it changes emcc's flags)
    assert calls(tmp_path) == ["emcc", "clang"]
    run(tmp_path, toolchain, compile_args("c.c", ("-sFOO",), tmp_path))
    assert calls(tmp_path) == ["clang"]
    assert b"-DFOO" in (tmp_path / "c.c.o").read_bytes()  # its own fixed flags, not a.c's
    (tmp_path / "includes.rsp").write_text("-I/inc/other\n")  # a response file's content is part of the flags
    run(tmp_path, toolchain, compile_args("a.c", folder=tmp_path))
    assert calls(tmp_path) == ["emcc", "clang"]
    run(tmp_path, toolchain, ["a.c.o", "-o", "linked.js"])  # a link: emcc, always
    run(tmp_path, toolchain, ["a.c.o", "-o", "linked.js"])
    assert calls(tmp_path) == ["emcc", "clang", "emcc", "clang"]


@pytest.mark.parametrize(("args", "message"), [
    (["--jobs", "two"], "--jobs needs a positive integer"),
    (["--frobnicate"], "unknown argument --frobnicate"),
])
def test_the_build_script_rejects_bad_arguments_in_one_line(args: list[str], message: str, tmp_path: Path):
    r = subprocess.run([str(SCRIPT), "--work", str(tmp_path / "w"), *args], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2 and r.stdout == "" and r.stderr.count("\n") == 1 and message in r.stderr, r
