#!/usr/bin/env bash
# emcc's compile fast path: CMake's compiler launcher in scripts/build-web-runtime.sh.
#
#   emcc-fast.sh CACHE_DIR EMCC ARGS...     (CMake runs it as `<launcher> <emcc> <compile args>`)
#
# Why: emcc is a Python program, and for each of XNNPACK's ~700 small C files its start-up costs
# about 80% of the compile. For a compile, emcc only turns its arguments into one clang command: fixed
# flags first, then the caller's arguments (response files expanded, `-o OUT` moved last). That
# command depends on the flags, not on the file names. So the first compile with a given set of flags
# goes through emcc (with EMCC_VERBOSE=1, which prints the clang command it runs); the command is
# stored under CACHE_DIR as a template with this call's per-file values (-o, -MT, -MF and the source)
# replaced by placeholders. Every later compile with the same flags runs that template with its own
# file names filled in: the very command emcc would run, without emcc. Anything else (links, calls
# without -c, a command whose per-file values cannot be located exactly) goes through emcc unchanged.
# The build script recompiles a sample of fast-path objects through emcc and compares them byte by byte.
set -euo pipefail
cache=$1 emcc=$2
shift 2
orig=("$@")

is_compile=0
for a in "$@"; do [ "$a" = -c ] && is_compile=1; done
[ "$is_compile" = 1 ] || exec "$emcc" "$@"

# The flags: every argument but the per-file values. The key also covers what those flags read from
# elsewhere: the folder (response files are relative), the response files' contents, the suffixes
# of source and object (emcc picks the compiler and mode from them) and emcc's own environment.
flags=() out= mt= mf= src= rsp=()
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    -MT) mt=$2; shift 2 ;;
    -MF) mf=$2; shift 2 ;;
    @*) flags+=("$1"); rsp+=("${1#@}"); shift ;;
    *) flags+=("$1"); shift ;;
  esac
done
src=${flags[-1]}
unset 'flags[-1]'
case $src in -*|'') exec "$emcc" "${orig[@]}" ;; esac
key=$( { printf '%s\0' "$emcc" "$PWD" ".${src##*.}" ".${out##*.}" "${EM_LLVM_ROOT:-}" "${EMCC_CFLAGS:-}" "${flags[@]}"
         for f in "${rsp[@]}"; do cat "$f" 2>/dev/null || true; done; } | md5sum | cut -c1-32)
tpl=$cache/$key

if [ -f "$tpl" ]; then
  if [ "$(head -c4 "$tpl")" != emcc ]; then
    cmd=()
    while IFS= read -r -d '' a; do
      case $a in
        @@OUT@@) a=$out ;; @@MT@@) a=$mt ;; @@MF@@) a=$mf ;; @@SRC@@) a=$src ;;
      esac
      cmd+=("$a")
    done < "$tpl"
    # One line per fast compile (folder, object, arguments) for the build script's sample check.
    [ -z "${EMCC_FAST_LOG:-}" ] || printf '%s\t%s\t%s\n' "$PWD" "$out" "$(printf '%q ' "$emcc" "${orig[@]}")" >> "$EMCC_FAST_LOG"
    exec "${cmd[@]}"
  fi
  exec "$emcc" "${orig[@]}"
fi

# First compile with these flags: through emcc, keeping the clang command it ran.
mkdir -p "$cache"
stages=$(mktemp "$cache/stages.XXXXXX")
rc=0
EMCC_VERBOSE=1 "$emcc" "${orig[@]}" 2> "$stages" || rc=$?
grep -v '^ "' "$stages" >&2 || true
if [ "$rc" = 0 ]; then
  python3 - "$stages" "$tpl" "$out" "$mt" "$mf" "$src" <<'PY' || true
import os, shlex, sys
stages_file, tpl, out, mt, mf, src = sys.argv[1:]
stages = [l[1:] for l in open(stages_file, errors="replace").read().splitlines() if l.startswith(' "')]
# Each per-file value must sit exactly once in its place (after its flag; the source on its own), and
# no other argument may mention one: then the template holds nothing of this file but those places.
template = None
if len(stages) == 1:
    cmd = shlex.split(stages[0])
    template, places = list(cmd), {}
    for flag, value, mark in (("-o", out, "@@OUT@@"), ("-MT", mt, "@@MT@@"), ("-MF", mf, "@@MF@@"), (None, src, "@@SRC@@")):
        if not value:
            continue
        at = [i for i, a in enumerate(cmd) if a == value and (flag is None or (i > 0 and cmd[i - 1] == flag))]
        if len(at) != 1:
            template = None
            break
        places[at[0]] = mark
    if template is not None:
        values = [v for v in (out, mt, mf, src) if v]
        if any(v in a for i, a in enumerate(cmd) if i not in places for v in values):
            template = None
        else:
            for i, mark in places.items():
                template[i] = mark
tmp = tpl + ".tmp%d" % os.getpid()
with open(tmp, "w") as f:
    f.write("emcc\n" if template is None else "".join(a + "\0" for a in template))
os.replace(tmp, tpl)
PY
fi
rm -f "$stages"
exit "$rc"
