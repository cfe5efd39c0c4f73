#!/usr/bin/env bash
# Run a harness against the sanitized build (ASan + UBSan, libFuzzer coverage in C).
#
#   fuzz/run_sanitized.sh fuzz_read.py [libFuzzer options] [CORPUS_DIR ...]
#
# Builds the sanitized copy first if it is missing (fuzz/build_sanitized.sh; directory
# $CYDICOM_ASAN_DIR, default /tmp/cydicom-asan). Python itself is not instrumented, so
# ASan's runtime (merged with libFuzzer by atheris: asan_with_fuzzer.so) is preloaded.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${CYDICOM_ASAN_DIR:-/tmp/cydicom-asan}"
harness="$1"
shift
[ -d "$build/src/cydicom" ] || "$repo/fuzz/build_sanitized.sh" "$build"
runtime="$(python -c 'import atheris; print(atheris.path())')/asan_with_fuzzer.so"
[ -f "$runtime" ] || { echo "no $runtime: install atheris (see fuzz/README.md)" >&2; exit 1; }
# leaks: CPython keeps objects alive at exit on purpose; a bad free or read is what counts
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:handle_abort=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export PYTHONPATH="$build/src"
export LD_PRELOAD="$runtime"
exec python "$repo/fuzz/${harness#fuzz/}" "$@"
