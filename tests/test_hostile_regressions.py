"""Replay fuzz/regressions/: every input that ever crashed, hung or misbehaved.

Each must read to a Dataset or a DicomError, in a memory- and time-limited process
(tests/hostile.py), with everything touched as the fuzz harness touches it. Large
regular inputs (quadratic-work cases, deflate bombs) are stored gzip-compressed.
"""
import glob
import gzip
import os

import pytest

from hostile import FUZZ_DIR, assert_all_handled

REGRESSIONS = sorted(glob.glob(os.path.join(FUZZ_DIR, "regressions", "*.dcm"))
                     + glob.glob(os.path.join(FUZZ_DIR, "regressions", "*.dcm.gz")))


def read_regression(path):
    """The input bytes of a regression file (gunzipped if it ends in .gz)."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as handle:
        return handle.read()


def test_there_are_regressions_to_replay():
    assert REGRESSIONS, "fuzz/regressions/ is empty or missing"


def test_every_regression_is_handled():
    cases = {}
    for path in REGRESSIONS:
        cases[os.path.basename(path)] = read_regression(path)
    assert_all_handled(cases)


@pytest.mark.parametrize("name", ["to-pydicom-unconvertible-sq-as-un.dcm",
                                  "to-pydicom-unconvertible-is-as-un.dcm"])
def test_to_pydicom_keeps_an_unconvertible_element_as_un(name):
    import warnings

    import cydicom

    with open(os.path.join(FUZZ_DIR, "regressions", name), "rb") as handle:
        data = handle.read()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cydicom.dcmread(data, force=True)
        broken = []
        for el in ds:
            try:
                el.value
            except cydicom.DicomError:
                broken.append(el)
        assert broken, "the regression input no longer has an unconvertible element"
        pds = ds.to_pydicom()
    for el in broken:
        assert pds[el.tag].VR == "UN" and pds[el.tag].value == bytes(el.raw)


@pytest.mark.parametrize("name", sorted(os.path.basename(path) for path in REGRESSIONS
                                        if os.path.basename(path).startswith("differential-")))
def test_differential_regression_reads_as_pydicom_does(name):
    """Findings of fuzz_differential.py: cydicom's values equal pydicom's on the input."""
    from conformance.oracle import compare_outcomes, cydicom_canonical, pydicom_outcome

    data = read_regression(os.path.join(FUZZ_DIR, "regressions", name))
    theirs, quirks = pydicom_outcome(data, force=True)
    assert theirs[0] == "ok" and not quirks, "pydicom no longer reads this input cleanly"
    compare_outcomes(theirs, cydicom_canonical(data, force=True))
