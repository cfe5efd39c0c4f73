"""Sources: paths (mapped), header-prefix reads, bytes, file objects; closing."""
import io
import pathlib
import subprocess
import sys

import pytest

import cydicom
from conformance.rawgen import dicom_file, element
from realfiles import pydicom_test_file

CT = pydicom_test_file("CT_small.dcm")


def _read_all(ds):
    return [(el.tag, el.vr, el.value if el.vr != "SQ" else len(el.value)) for el in ds]


@pytest.mark.parametrize("make_source", [
    lambda: CT, lambda: pathlib.Path(CT), lambda: open(CT, "rb").read(),
    lambda: bytearray(open(CT, "rb").read()), lambda: memoryview(open(CT, "rb").read()),
    lambda: io.BytesIO(open(CT, "rb").read()),
])
def test_every_source_reads_the_same(make_source):
    with cydicom.dcmread(CT) as reference:
        expected = _read_all(reference)
    ds = cydicom.dcmread(make_source())
    assert _read_all(ds) == expected
    ds.close()


def test_header_prefix_read_grows_past_a_long_header(tmp_path):
    body = element(0x00100020, "LO", b"X" * 40_000) + element(0x00280010, "US", b"\x02\x00") + \
        element(0x7FE00010, "OB", b"\0" * 100_000)
    path = tmp_path / "long_header.dcm"
    path.write_bytes(dicom_file(body))
    ds = cydicom.dcmread(path, stop_before_pixels=True)
    assert ds.Rows == 2 and len(ds.PatientID) == 40_000 and "PixelData" not in ds


def test_prefix_read_of_a_file_without_pixels(tmp_path):
    path = tmp_path / "small.dcm"
    path.write_bytes(dicom_file(element(0x00100020, "LO", b"ID")))
    assert cydicom.dcmread(path, stop_before_pixels=True).PatientID == "ID"


def test_missing_file_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        cydicom.dcmread(tmp_path / "absent.dcm")
    with pytest.raises(FileNotFoundError):
        cydicom.dcmread(tmp_path / "absent.dcm", stop_before_pixels=True)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.dcm"
    path.write_bytes(b"")
    with pytest.raises(cydicom.InvalidDicomError):
        cydicom.dcmread(path)
    assert len(cydicom.dcmread(path, force=True)) == 0


def test_close_keeps_converted_values_and_outlives_raw_views():
    ds = cydicom.dcmread(CT)
    name = ds.PatientName
    raw = ds.element("Rows").raw
    ds.close()
    assert ds.closed and name == "CompressedSamples^CT1"
    assert bytes(raw) == b"\x80\x00"  # the map stays until this view is gone
    del raw


def test_import_does_not_import_pydicom():
    code = "import sys, cydicom; print('pydicom' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_reading_after_close_raises_instead_of_crashing():
    ds = cydicom.dcmread(CT)
    ds.close()
    with pytest.raises(ValueError, match="closed"):
        ds.PatientName
    with pytest.raises(ValueError, match="closed"):
        ds.OtherPatientIDsSequence
