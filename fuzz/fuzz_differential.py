"""Harness 3: whatever pydicom 3.0.2 reads cleanly, cydicom must read to the same values.

    python fuzz/fuzz_differential.py [libFuzzer options] [CORPUS_DIR ...]

The comparison is the conformance suite's (tests/conformance/oracle.py, CONFORMANCE.md):
every element, recursively, after the normalisation of pydicom's wrapper types. Inputs
on which pydicom raises, or meets one of its documented quirks, are not compared.
pydicom itself can be slow on hostile input; use a generous ``-timeout``.
"""
import os
import sys

import atheris

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

with atheris.instrument_imports(include=["cydicom"]):
    import cydicom  # noqa: F401  (instrumented before the oracle imports it)

from conformance.oracle import compare_outcomes, cydicom_canonical, pydicom_outcome


def test_one_input(data):
    theirs, quirks = pydicom_outcome(data, force=True)
    if quirks or theirs[0] != "ok":
        return
    compare_outcomes(theirs, cydicom_canonical(data, force=True))


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
