#!/usr/bin/env bash
# Rebuild the demo's in-browser runtime (demo_app/web_runtime/edgenst_et.{js,wasm}) from pinned sources.
#
# Why a script and committed outputs: the toolchain (emscripten 3.1.6 driving clang 22, cmake >= 3.29,
# npm's binaryen) is big and slow to build with, so CI and users run the committed files; a maintainer
# reproduces them with this one command. Sources, patches and the link target live in
# demo_app/web_runtime/recipe/; demo_app/web_runtime/BUILD.md records what was built with what.
#
# Usage: scripts/build-web-runtime.sh [--work DIR] [--jobs N] [--python PY] [--no-fast-compile]
#   --work       scratch folder (default build/web-runtime, ignored by git)
#   --jobs       parallel compile jobs (default 2)
#   --python     a Python with torch (ExecuTorch's cmake runs torchgen; default: python3 on PATH)
#   --no-fast-compile  run every compile through emcc (default: recipe/emcc-fast.sh runs the clang
#                command emcc would run, skipping emcc's Python start-up; same objects, checked on a sample)
# Resumable: run it again after an interruption and it continues (sources, configure and objects
# already made are kept; each step is stamped with what it was made from).
# Deterministic: the build folder's path is mapped away (-ffile-prefix-map), so the outputs do not
# depend on --work.
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
FAST=1
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
    --no-fast-compile) FAST=0; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs needs a positive integer, got '$JOBS'"
mkdir -p "$WORK"; WORK=$(realpath "$WORK")
STARTED=$SECONDS
elapsed() { printf '%dm%02ds' $(((SECONDS - STARTED) / 60)) $(((SECONDS - STARTED) % 60)); }

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
  rm -rf "$TOOLS/venv"
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
    # git still names an excluded missing blob ("error: invalid object"), harmlessly: that line is dropped.
    git --git-dir="$gd" archive --format=tar "$2" -- . "${excludes[@]}" 2> >(grep -v '^error: invalid object' >&2) \
      | tar -x -C "$3"
  else
    curl -fsSL "https://codeload.github.com/$1/tar.gz/$2" | tar -xz -C "$3" --strip-components=1
  fi
}
# The stamp is written last: a tree without it (an interrupted extraction) is made again.
STAMP=$SRC/.edgenst-sources
SOURCES_ID=$(cat "$RECIPE/sources.lock" "$RECIPE"/patches/*.patch | sha256sum | cut -c1-64)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$SOURCES_ID" ]; then
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
  echo "$SOURCES_ID" > "$STAMP"
else
  echo "   already in place (stamp matches recipe/sources.lock and patches)"
fi
mkdir -p "$SRC/extension/wasm/edgenst"  # the link target; copied when it changed (cmake then re-runs)
cmp -s "$RECIPE/CMakeLists.txt" "$SRC/extension/wasm/edgenst/CMakeLists.txt" \
  || cp "$RECIPE/CMakeLists.txt" "$SRC/extension/wasm/edgenst/CMakeLists.txt"

step "configure (XNNPACK; no portable kernels are linked, see recipe/CMakeLists.txt)"
cd "$SRC"
OUT=$WORK/cmake-out
CONFIGURE=(-DCMAKE_BUILD_TYPE=Release -DPYTHON_EXECUTABLE="$(command -v "$PY")"
  -DEXECUTORCH_BUILD_WASM=ON -DEXECUTORCH_BUILD_EXTENSION_MODULE=ON -DEXECUTORCH_BUILD_EXTENSION_TENSOR=ON
  -DEXECUTORCH_BUILD_EXTENSION_DATA_LOADER=ON -DEXECUTORCH_BUILD_EXTENSION_FLAT_TENSOR=ON
  -DEXECUTORCH_BUILD_EXTENSION_NAMED_DATA_MAP=ON -DEXECUTORCH_BUILD_EXTENSION_RUNNER_UTIL=ON
  -DEXECUTORCH_BUILD_XNNPACK=ON -DEXECUTORCH_BUILD_PTHREADPOOL=ON -DEXECUTORCH_BUILD_CPUINFO=ON
  -DEXECUTORCH_BUILD_KERNELS_OPTIMIZED=OFF -DXNNPACK_ENABLE_WASMRELAXEDSIMDFP16=OFF)
if [ "$FAST" = 1 ]; then
  LAUNCHER="$RECIPE/emcc-fast.sh;$OUT/emcc-fast"  # CMake's launcher list: program;its first argument
else
  LAUNCHER=""
fi
CONFIGURE+=(-DCMAKE_C_COMPILER_LAUNCHER="$LAUNCHER" -DCMAKE_CXX_COMPILER_LAUNCHER="$LAUNCHER")
# Paths under the build folder (ExecuTorch's __FILE__ strings) are written relative to it.
export CFLAGS="-ffile-prefix-map=$WORK/=" CXXFLAGS="-ffile-prefix-map=$WORK/="
CONFIGURE_ID=$(printf '%s\n' "$SOURCES_ID" "$CFLAGS" "${CONFIGURE[@]}" | sha256sum | cut -c1-64)
if [ "$(cat "$OUT/.edgenst-configure" 2>/dev/null)" != "$CONFIGURE_ID" ]; then
  nice -n 10 emcmake cmake . -B"$OUT" "${CONFIGURE[@]}" > "$WORK/configure.log" 2>&1 \
    || { tail -30 "$WORK/configure.log"; die "configure failed (log: $WORK/configure.log)"; }
  echo "$CONFIGURE_ID" > "$OUT/.edgenst-configure"
else
  echo "   already configured with these options"
fi

FAST_LOG=$WORK/emcc-fast.log
step "build with $JOBS jobs, fast compile $([ "$FAST" = 1 ] && echo on || echo off) (log: $WORK/build.log)"
# Progress: objects compiled so far, every 50 (make's own percentages restart in each sub-build, such
# as flatc's for the build machine). Objects already built by an interrupted run are kept, not counted.
TOTAL=$(grep -c '"file":' "$OUT/compile_commands.json" 2>/dev/null || echo '?')
COMPILED=0 BUILD_RC=
: > "$WORK/build.log"  # this run's log only, so a failure shows this run's errors
while IFS= read -r line; do
  if [[ $line =~ ^edgenst-build-exit\ ([0-9]+)$ ]]; then BUILD_RC=${BASH_REMATCH[1]}; continue; fi
  printf '%s\n' "$line" >> "$WORK/build.log"
  if [[ $line == *"] Building "*" object "* ]]; then
    COMPILED=$((COMPILED + 1))
    [ $((COMPILED % 50)) != 0 ] || echo "   $COMPILED objects compiled (of at most $TOTAL configured), $(elapsed)"
  elif [[ $line == *"] Linking CXX executable edgenst_et.js" ]]; then
    echo "   $COMPILED objects compiled; linking, $(elapsed)"
  fi
done < <(EMCC_FAST_LOG=$FAST_LOG nice -n 10 cmake --build "$OUT" --target edgenst_et -j"$JOBS" 2>&1 \
  && echo "edgenst-build-exit 0" || echo "edgenst-build-exit $?")
[ "$BUILD_RC" = 0 ] \
  || { grep -m5 -B2 -A8 'error' "$WORK/build.log" || tail -30 "$WORK/build.log"; die "build failed (log: $WORK/build.log)"; }
BUILT=$(find "$OUT" -name edgenst_et.wasm | sed -n 1p)
[ -n "$BUILT" ] || die "the build made no edgenst_et.wasm"

if [ "$FAST" = 1 ] && [ -s "$FAST_LOG" ]; then
  step "fast compile check: $(wc -l < "$FAST_LOG") objects compiled without emcc; 3 of them again through emcc"
  N=$(wc -l < "$FAST_LOG")
  for at in 1 $(((N + 1) / 2)) "$N"; do
    IFS=$'\t' read -r dir obj args < <(sed -n "${at}p" "$FAST_LOG")
    eval "argv=($args)"
    for i in "${!argv[@]}"; do  # same arguments, the object and its depfile written elsewhere
      case ${argv[$i]} in "$obj") argv[$i]=$WORK/check.o ;; *.o.d) argv[$i]=$WORK/check.o.d ;; esac
    done
    (cd "$dir" && "${argv[@]}") || die "fast compile check: emcc failed on $obj"
    cmp -s "$WORK/check.o" "$dir/$obj" || die "fast compile check: $obj differs from emcc's (rerun with --no-fast-compile)"
    echo "   byte-identical: ${obj##*/}"
  done
  rm -f "$WORK/check.o" "$WORK/check.o.d"
fi

step "optimise with wasm-opt $("$WASM_OPT" --version | awk '{print $3}')"
"$WASM_OPT" -O3 --enable-simd --enable-relaxed-simd --enable-bulk-memory --enable-sign-ext \
  --enable-mutable-globals --enable-nontrapping-float-to-int --enable-bulk-memory-opt --enable-call-indirect-overlong \
  --strip-debug --strip-producers "$BUILT" -o "$WORK/edgenst_et.wasm"
mv "$WORK/edgenst_et.wasm" "$OUTDIR/edgenst_et.wasm"  # never a half-written file in the repository
cp "$(dirname "$BUILT")/edgenst_et.js" "$WORK/edgenst_et.js" && mv "$WORK/edgenst_et.js" "$OUTDIR/edgenst_et.js"

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
echo "done in $(elapsed): $OUTDIR/edgenst_et.wasm, $OUTDIR/edgenst_et.js (update the tables in BUILD.md from build-record.txt)"
