"""``to_pydicom()`` gives a pydicom Dataset equal to pydicom's own reading of the file."""
import io
import warnings

import pydicom
import pytest

import cydicom
from conformance.oracle import _pydicom_elements as canonical_dataset
from realfiles import bundled_files, pydicom_test_file

FILES = [path for path in bundled_files() if path.endswith(".dcm")]


def _pydicom_reading(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path, force=True)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.split("/data/")[-1])
def test_to_pydicom_equals_pydicom_reading(path):
    try:
        theirs = _pydicom_reading(path)
    except Exception:
        pytest.skip("pydicom cannot read this file")
    ours = cydicom.dcmread(path, force=True).to_pydicom()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert canonical_dataset(ours) == canonical_dataset(theirs)
        assert canonical_dataset(ours.file_meta) == canonical_dataset(theirs.file_meta)
    assert ours.preamble == theirs.preamble


def test_to_pydicom_can_be_written_and_read_back():
    ours = cydicom.dcmread(pydicom_test_file("CT_small.dcm")).to_pydicom()
    buffer = io.BytesIO()
    ours.save_as(buffer)
    again = pydicom.dcmread(io.BytesIO(buffer.getvalue()))
    assert again.PatientName == "CompressedSamples^CT1" and again.Rows == 128
