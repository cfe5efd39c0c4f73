#!/usr/bin/env bash
# Build cydicom's extension modules with clang, ASan + UBSan and libFuzzer coverage
# (-fsanitize=address,undefined,fuzzer-no-link) into a separate directory, so the normal
# build in the source tree is never replaced.
#
#   fuzz/build_sanitized.sh [OUT_DIR]        (default: /tmp/cydicom-asan)
#
# Afterwards run a harness with fuzz/run_sanitized.sh. Needs clang and its compiler-rt
# (Debian: apt-get install clang libclang-rt-dev) and atheris.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-/tmp/cydicom-asan}"
mkdir -p "$out"
rm -rf "$out/src"
cp -a "$repo/src" "$out/src"
# the normal build's outputs (.so, Cython-generated .c) must not be reused
find "$out/src" \( -name '*.so' -o -name '*.c' -o -name '*.html' -o -name __pycache__ \) -prune \
    -exec rm -rf {} +
cp "$repo/setup.py" "$repo/pyproject.toml" "$repo/README.md" "$out/"
cd "$out"
CYDICOM_SANITIZE=1 nice -n 10 python setup.py -q build_ext --inplace
for so in $(find src -name "*.so"); do
    [ "$(nm -u "$so" | grep -c __asan_)" -gt 0 ] || { echo "not instrumented with ASan: $so" >&2; exit 1; }
    [ "$(nm -u "$so" | grep -c __sanitizer_cov_)" -gt 0 ] || { echo "no fuzzer coverage in: $so" >&2; exit 1; }
done
echo "sanitized build in $out/src"
