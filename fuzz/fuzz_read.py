"""Harness 1: dcmread the input, touch every element recursively, to_pydicom(), pixels.

    python fuzz/fuzz_read.py [libFuzzer options] [CORPUS_DIR ...]

Any exception other than a ``cydicom.DicomError`` is a finding (libFuzzer writes the
input to ``crash-*``); so are crashes, sanitizer reports, timeouts (``-timeout``) and
allocations beyond ``-rss_limit_mb`` / ``-malloc_limit_mb``.
"""
import sys

import atheris

with atheris.instrument_imports(include=["cydicom"]):
    import cydicom
    import cydicom.pixels  # noqa: F401  (imported lazily by the pixel API: instrument it here)

from exercise import read_everything


def test_one_input(data):
    try:
        read_everything(data)
    except cydicom.DicomError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
