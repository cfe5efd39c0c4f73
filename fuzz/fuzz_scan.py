"""Harness 2: ``cydicom.scan()`` over the input written to a temporary file.

    python fuzz/fuzz_scan.py [libFuzzer options] [CORPUS_DIR ...]

A bad file must become a row with an ``error`` string, never an exception. The tags
asked for (top-level, paths into sequences, private, past Pixel Data) and ``force``
vary with the input. On a build
without ``cydicom.scan`` (before the bulk-scan branch is merged) the harness reads the
file with ``dcmread(path, stop_before_pixels=True)`` instead, the path scans build on.
"""
import os
import sys
import tempfile

import atheris

with atheris.instrument_imports(include=["cydicom"]):
    import cydicom

from exercise import SCAN_TAG_SETS, scan_bytes


def _header_of_file(data):
    fd, path = tempfile.mkstemp(suffix=".dcm")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        with cydicom.dcmread(path, stop_before_pixels=True, force=True) as ds:
            ds.get("PatientID"), ds.get("Rows"), ds.get("ImagePositionPatient")
    finally:
        os.unlink(path)


def test_one_input(data):
    if hasattr(cydicom, "scan"):
        # The input's length picks the tag set and force: a mutation that only changes
        # bytes keeps the same configuration, so the corpus stays meaningful.
        tags = SCAN_TAG_SETS[len(data) % len(SCAN_TAG_SETS)]
        scan_bytes(data, tags, force=len(data) % 8 >= 4)  # checks the row itself
        return
    try:
        _header_of_file(data)
    except cydicom.DicomError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
