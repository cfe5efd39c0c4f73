"""Bad input: precise DicomError subclasses, lenient by default, strict on request."""
import struct
import warnings

import pytest

import cydicom
from cydicom import errors
from conformance.rawgen import (
    DEFLATED, IMPLICIT_LE, dicom_file, element, file_meta, item, sequence,
)


def test_every_error_is_a_value_error():
    for name in dir(errors):
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, Exception) and cls is not errors.DicomWarning:
            assert issubclass(cls, cydicom.DicomError) and issubclass(cls, ValueError)


@pytest.mark.parametrize("data", [b"", b"not dicom", b"\x00" * 200])
def test_not_dicom_without_force(data):
    with pytest.raises(cydicom.InvalidDicomError, match="force=True"):
        cydicom.dcmread(data)


def test_force_reads_a_body_without_preamble():
    body = element(0x00080060, "CS", b"CT") + element(0x00100020, "LO", b"ID")
    ds = cydicom.dcmread(body, force=True)
    assert ds.preamble is None and ds.Modality == "CT" and len(ds.file_meta) == 0


def test_force_on_empty_input_gives_an_empty_dataset():
    assert len(cydicom.dcmread(b"", force=True)) == 0


def _truncated_value_file():
    data = dicom_file(element(0x00100020, "LO", b"ABCDEFGH"))
    return data[:-3]


def test_truncated_value_is_kept_with_a_warning():
    with pytest.warns(cydicom.DicomWarning, match="truncated"):
        ds = cydicom.dcmread(_truncated_value_file())
    el = ds.element("PatientID")
    assert ds.PatientID == "ABCDE" and el.is_truncated and el.length == 8 and el.value_length == 5


def test_truncated_value_raises_in_strict_mode():
    with pytest.raises(cydicom.TruncatedError, match=r"\(0010,0020\)"):
        cydicom.dcmread(_truncated_value_file(), strict=True)


def test_cut_explicit_length_field_is_a_file_error():
    data = dicom_file(element(0x00101010, "AS", b"030Y") + element(0x7FE00010, "OB", b"\0" * 8))
    cut = data[: len(data) - 8 - 2]  # inside the 4-byte length of the OB header
    with pytest.raises(cydicom.TruncatedError, match="offset"):
        cydicom.dcmread(cut)


def test_missing_sequence_delimiter_is_a_file_error():
    seq = sequence(0x00081140, [item(element(0x00081150, "UI", b"1.2\0"))], undefined=True)
    with pytest.raises(cydicom.TruncatedError):
        cydicom.dcmread(dicom_file(seq[:-8]))


def test_undefined_length_value_without_delimiter_lenient_and_strict():
    data = dicom_file(element(0x00080060, "CS", b"CT")
                      + element(0x7FE00010, "OB", b"", length=0xFFFFFFFF) + b"\x01\x02\x03\x04")
    with pytest.warns(cydicom.DicomWarning, match="delimiter"):
        ds = cydicom.dcmread(data)
    assert ds.Modality == "CT"  # pydicom returns an empty dataset here: we keep what was read
    assert ds.element("PixelData").is_truncated
    with pytest.raises(cydicom.TruncatedError):
        cydicom.dcmread(data, strict=True)


def _deep(depth):
    """Undefined-length SQ/item chains, built flat (no quadratic concatenation)."""
    open_ = struct.pack("<HH2sHL", 0x0008, 0x1140, b"SQ", 0, 0xFFFFFFFF) + struct.pack(
        "<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF)
    close = struct.pack("<HHL", 0xFFFE, 0xE00D, 0) + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
    return dicom_file(open_ * depth + element(0x00100020, "LO", b"ID") + close * depth)


def test_deep_nesting_raises_nesting_error():
    with pytest.raises(cydicom.NestingError):
        cydicom.dcmread(_deep(100_000))


def test_nesting_limit_is_configurable():
    data = _deep(20)
    ds = cydicom.dcmread(data)
    inner = ds
    for _ in range(20):
        inner = inner.ReferencedImageSequence[0]
    assert inner.PatientID == "ID"
    with pytest.raises(cydicom.NestingError):
        cydicom.dcmread(data, max_depth=10)


def test_defined_length_nesting_is_limited_on_access():
    body = element(0x00100020, "LO", b"ID")
    for _ in range(12):
        body = sequence(0x00081140, [item(body)])
    ds = cydicom.dcmread(dicom_file(body), max_depth=5)
    with pytest.raises(cydicom.NestingError):
        inner = ds
        for _ in range(12):
            inner = inner.ReferencedImageSequence[0]


def test_unknown_vr_fails_only_that_element():
    body = element(0x00080060, "CS", b"CT") + struct.pack("<HH2sH", 0x0010, 0x0020, b"XX", 2) + b"ID"
    ds = cydicom.dcmread(dicom_file(body))
    assert ds.Modality == "CT"
    with pytest.raises(cydicom.InvalidVRError, match="XX"):
        ds.PatientID
    assert bytes(ds.element("PatientID").raw) == b"ID"  # the bytes are kept


def test_numbers_of_the_wrong_length_fail_that_element():
    ds = cydicom.dcmread(dicom_file(element(0x00280010, "US", b"\x01\x02\x03")))
    with pytest.raises(cydicom.LengthError):
        ds.Rows


def test_corrupt_deflate_stream():
    data = file_meta(DEFLATED) + b"\xff\xfe garbage"
    with pytest.raises(cydicom.DeflateError):
        cydicom.dcmread(data)


def test_truncated_deflate_stream():
    data = dicom_file(element(0x00100020, "LO", b"ID" * 400), DEFLATED)
    with pytest.raises(cydicom.DeflateError):
        cydicom.dcmread(data[:-3])


def test_deflated_dataset_reads():
    data = dicom_file(element(0x00100020, "LO", b"ID" * 400), DEFLATED)
    assert cydicom.dcmread(data).PatientID == "ID" * 400


def test_ambiguous_vr_without_pixel_representation():
    body = (element(0x00280106, "", b"\x05\x00", implicit=True)
            + element(0x7FE00010, "", b"\0\0", implicit=True))
    ds = cydicom.dcmread(dicom_file(body, IMPLICIT_LE))
    with pytest.raises(cydicom.AmbiguousVRError):
        ds.SmallestImagePixelValue


def test_huge_declared_length_allocates_nothing_big():
    data = dicom_file(element(0x00100020, "LO", b"", length=0xFFFFFFF0) + b"abc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cydicom.dcmread(data)
    assert ds.element("PatientID").value_length == 3


def test_bad_source_type():
    with pytest.raises(TypeError):
        cydicom.dcmread(12)
