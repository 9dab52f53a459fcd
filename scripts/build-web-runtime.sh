#!/usr/bin/env bash
# Rebuild the demo's in-browser runtime (demo_app/web_runtime/edgenst_et.{js,wasm}) from pinned sources.
#
# Why a script and committed outputs: the toolchain (emscripten 3.1.6 driving clang 22, cmake >= 3.29,
# npm's binaryen) is big and slow to build with, so CI and users run the committed files; a maintainer
# reproduces them with this one command. Sources, patches and the link target live in
# demo_app/web_runtime/recipe/; demo_app/web_runtime/BUILD.md records what was built with what.
#
# Usage: scripts/build-web-runtime.sh [--work DIR] [--jobs N] [--python PY]
#   --work       scratch folder (default build/web-runtime, ignored by git)
#   --jobs       parallel compile jobs (default 2)
#   --python     a Python with torch (ExecuTorch's cmake runs torchgen; default: python3 on PATH)
# Environment: SOURCE_MIRROR=DIR takes each repository from DIR/<owner>+<name>/repo (a git dir, as the
# project's offline mirror lays them out) instead of downloading github.com tarballs.
# Toolchain (Debian bookworm): apt-get install emscripten binaryen clang-22 lld-22 llvm-22 nodejs npm
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RECIPE=$ROOT/demo_app/web_runtime/recipe
OUTDIR=$ROOT/demo_app/web_runtime
WORK=$ROOT/build/web-runtime
JOBS=2
PY=python3
CMAKE_VERSION=3.31.10
BINARYEN_VERSION=132.0.0
EMSCRIPTEN_VERSION=3.1.6
LLVM_MAJOR=22

die() { echo "build-web-runtime: $*" >&2; exit 2; }
step() { echo "== $*"; }

while [ $# -gt 0 ]; do
  case $1 in
    --work) WORK=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --python) PY=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
mkdir -p "$WORK"; WORK=$(realpath "$WORK")

step "checking the toolchain"
command -v emcc >/dev/null || die "emcc not found: apt-get install emscripten"
EMCC_LINE=$(emcc --version 2>/dev/null | sed -n 1p)
case $EMCC_LINE in *" $EMSCRIPTEN_VERSION "*) ;; *) die "need emscripten $EMSCRIPTEN_VERSION (the bindings patch targets its embind), got: $EMCC_LINE" ;; esac
for tool in clang-$LLVM_MAJOR clang++-$LLVM_MAJOR wasm-ld-$LLVM_MAJOR llvm-ar-$LLVM_MAJOR; do
  command -v "$tool" >/dev/null || die "$tool not found: apt-get install clang-$LLVM_MAJOR lld-$LLVM_MAJOR llvm-$LLVM_MAJOR (XNNPACK's wasm kernels need relaxed SIMD)"
done
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm not found: apt-get install nodejs npm"
[ -d /usr/share/nodejs/acorn ] || die "emscripten's link step needs acorn: apt-get install node-acorn"
"$PY" -c "import torch, torchgen" 2>/dev/null || die "$PY has no torch (ExecuTorch's cmake runs torchgen): pass --python"

step "tools in $WORK/tools (cmake $CMAKE_VERSION from pip, binaryen $BINARYEN_VERSION from npm)"
TOOLS=$WORK/tools
if [ ! -x "$TOOLS/venv/bin/cmake" ]; then
  python3 -m venv "$TOOLS/venv" && "$TOOLS/venv/bin/pip" install -q "cmake==$CMAKE_VERSION"
fi
if [ ! -x "$TOOLS/npm/node_modules/binaryen/bin/wasm-opt" ]; then
  mkdir -p "$TOOLS/npm" && (cd "$TOOLS/npm" && npm install --silent --no-audit --no-fund "binaryen@$BINARYEN_VERSION")
fi
# emcc 3.1.6 drives clang 22 through a folder of versioned links; its wasm-ld must not put the stack
# first (emcc's --global-base is smaller than the stack clang 22's lld would place there).
mkdir -p "$TOOLS/llvm/bin"
for f in /usr/bin/*-$LLVM_MAJOR; do ln -sf "$f" "$TOOLS/llvm/bin/"; done
rm -f "$TOOLS/llvm/bin/wasm-ld-$LLVM_MAJOR"
printf '#!/bin/sh\nexec /usr/bin/wasm-ld-%s --no-stack-first "$@"\n' "$LLVM_MAJOR" > "$TOOLS/llvm/bin/wasm-ld-$LLVM_MAJOR"
chmod +x "$TOOLS/llvm/bin/wasm-ld-$LLVM_MAJOR"
export PATH=$TOOLS/venv/bin:$PATH NODE_PATH=/usr/share/nodejs
export EM_LLVM_ROOT=$TOOLS/llvm/bin EM_LLVM_ADD_VERSION=$LLVM_MAJOR EM_CLANG_ADD_VERSION=$LLVM_MAJOR
WASM_OPT=$TOOLS/npm/node_modules/binaryen/bin/wasm-opt

step "sources at the commits in recipe/sources.lock"
SRC=$WORK/executorch  # ExecuTorch's cmake requires the tree to sit in a folder named executorch
fetch_tree() {  # fetch_tree <owner/name> <commit> <dest>
  mkdir -p "$3"
  if [ -n "${SOURCE_MIRROR:-}" ]; then
    # A mirror may lack some large blobs (demo GIFs, tokenizer files); leave those paths out.
    local gd="$SOURCE_MIRROR/${1/\//+}/repo" excludes=()
    local listing; listing=$(git --git-dir="$gd" ls-tree -r "$2" | awk '$2=="blob"{print $3, $4}')
    mapfile -t excludes < <(cut -d' ' -f1 <<<"$listing" | git --git-dir="$gd" cat-file --batch-check 2>/dev/null \
      | awk '$2=="missing"{print $1}' | while read -r sha; do
          awk -v s="$sha" '$1==s{print ":(exclude)"$2}' <<<"$listing"; done)
    [ ${#excludes[@]} -eq 0 ] || echo "   (absent from the mirror, left out: ${#excludes[@]} files)"
    git --git-dir="$gd" archive --format=tar "$2" -- . "${excludes[@]}" | tar -x -C "$3"
  else
    curl -fsSL "https://codeload.github.com/$1/tar.gz/$2" | tar -xz -C "$3" --strip-components=1
  fi
}
STAMP=$SRC/.edgenst-sources
if [ ! -f "$STAMP" ] || ! cmp -s "$STAMP" "$RECIPE/sources.lock"; then
  rm -rf "$SRC" "$WORK/cmake-out"
  grep -v '^#' "$RECIPE/sources.lock" | while read -r path repo commit; do
    [ -n "$path" ] || continue
    echo "   $repo@${commit:0:10} -> $path"
    fetch_tree "$repo" "$commit" "$SRC/$path"
  done
  for p in "$RECIPE"/patches/*.patch; do
    echo "   patch $(basename "$p")"
    patch -s -p1 -d "$SRC" < "$p"
  done
  echo 'add_subdirectory(edgenst)' >> "$SRC/extension/wasm/CMakeLists.txt"
  cp "$RECIPE/sources.lock" "$STAMP"
fi
mkdir -p "$SRC/extension/wasm/edgenst"  # the link target, copied on every run (cmake sees a change)
cp "$RECIPE/CMakeLists.txt" "$SRC/extension/wasm/edgenst/CMakeLists.txt"

step "configure (XNNPACK; no portable kernels are linked, see recipe/CMakeLists.txt)"
cd "$SRC"
nice -n 10 emcmake cmake . -B"$WORK/cmake-out" -DCMAKE_BUILD_TYPE=Release -DPYTHON_EXECUTABLE="$(command -v "$PY")" \
  -DEXECUTORCH_BUILD_WASM=ON -DEXECUTORCH_BUILD_EXTENSION_MODULE=ON -DEXECUTORCH_BUILD_EXTENSION_TENSOR=ON \
  -DEXECUTORCH_BUILD_EXTENSION_DATA_LOADER=ON -DEXECUTORCH_BUILD_EXTENSION_FLAT_TENSOR=ON \
  -DEXECUTORCH_BUILD_EXTENSION_NAMED_DATA_MAP=ON -DEXECUTORCH_BUILD_EXTENSION_RUNNER_UTIL=ON \
  -DEXECUTORCH_BUILD_XNNPACK=ON -DEXECUTORCH_BUILD_PTHREADPOOL=ON -DEXECUTORCH_BUILD_CPUINFO=ON \
  -DEXECUTORCH_BUILD_KERNELS_OPTIMIZED=OFF -DXNNPACK_ENABLE_WASMRELAXEDSIMDFP16=OFF \
  > "$WORK/configure.log" 2>&1 || { tail -30 "$WORK/configure.log"; die "configure failed (log: $WORK/configure.log)"; }

step "build with $JOBS jobs (slow: XNNPACK's ~600 microkernels; log: $WORK/build.log)"
nice -n 10 cmake --build "$WORK/cmake-out" --target edgenst_et -j"$JOBS" > "$WORK/build.log" 2>&1 \
  || { grep -m5 -B2 -A8 'error' "$WORK/build.log" || tail -30 "$WORK/build.log"; die "build failed (log: $WORK/build.log)"; }
BUILT=$(find "$WORK/cmake-out" -name edgenst_et.wasm | sed -n 1p)
[ -n "$BUILT" ] || die "the build made no edgenst_et.wasm"

step "optimise with wasm-opt $("$WASM_OPT" --version | awk '{print $3}')"
"$WASM_OPT" -O3 --enable-simd --enable-relaxed-simd --enable-bulk-memory --enable-sign-ext \
  --enable-mutable-globals --enable-nontrapping-float-to-int --enable-bulk-memory-opt --enable-call-indirect-overlong \
  --strip-debug --strip-producers "$BUILT" -o "$OUTDIR/edgenst_et.wasm"
cp "$(dirname "$BUILT")/edgenst_et.js" "$OUTDIR/edgenst_et.js"

step "licences"
mkdir -p "$OUTDIR/LICENSES"
cp "$SRC/LICENSE" "$OUTDIR/LICENSES/executorch.txt"
cp "$SRC/backends/xnnpack/third-party/XNNPACK/LICENSE" "$OUTDIR/LICENSES/XNNPACK.txt"
cp "$SRC/backends/xnnpack/third-party/pthreadpool/LICENSE" "$OUTDIR/LICENSES/pthreadpool.txt"
cp "$SRC/backends/xnnpack/third-party/cpuinfo/LICENSE" "$OUTDIR/LICENSES/cpuinfo.txt"
cp "$SRC/backends/xnnpack/third-party/FP16/LICENSE" "$OUTDIR/LICENSES/FP16.txt"
cp "$SRC/backends/xnnpack/third-party/FXdiv/LICENSE" "$OUTDIR/LICENSES/FXdiv.txt"
cp "$SRC/third-party/flatbuffers/LICENSE" "$OUTDIR/LICENSES/flatbuffers.txt"
cp "$(dirname "$(realpath "$(command -v emcc)")")/LICENSE" "$OUTDIR/LICENSES/emscripten.txt" 2>/dev/null \
  || cp /usr/share/doc/emscripten/copyright "$OUTDIR/LICENSES/emscripten.txt"

step "record"
{
  echo "emscripten $(emcc --version | sed -n 1p | awk '{print $NF, $(NF-1)}' | tr -d '()')"
  echo "clang $(clang-$LLVM_MAJOR --version | sed -n 1p)"
  echo "cmake $(cmake --version | sed -n 1p | awk '{print $3}')"
  echo "binaryen wasm-opt $("$WASM_OPT" --version | awk '{print $3}') (npm)"
  echo "node $(node --version)"
  (cd "$OUTDIR" && sha256sum edgenst_et.wasm edgenst_et.js)
  for f in edgenst_et.wasm edgenst_et.js; do
    echo "$f bytes $(stat -c %s "$OUTDIR/$f") gzip-9 $(gzip -9 -c "$OUTDIR/$f" | wc -c)"
  done
} | tee "$OUTDIR/build-record.txt"
echo "done: $OUTDIR/edgenst_et.wasm, $OUTDIR/edgenst_et.js (update the tables in BUILD.md from build-record.txt)"
