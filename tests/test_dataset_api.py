"""The Dataset / Element / Sequence API on real and hand-built files."""
import os
import struct

import pytest

import cydicom
from conformance.rawgen import (
    EXPLICIT_BE, IMPLICIT_LE, dicom_file, element, item, sequence,
)
from realfiles import pydicom_test_file


@pytest.fixture(scope="module")
def ct():
    with cydicom.dcmread(pydicom_test_file("CT_small.dcm")) as ds:
        yield ds


def test_keys_of_every_kind_give_the_same_value(ct):
    assert ct.PatientName == "CompressedSamples^CT1"
    assert ct["PatientName"] == ct[0x00100010] == ct[(0x0010, 0x0010)] == ct.PatientName
    assert ct.get("PatientName") == ct.PatientName
    assert ct.get("MilitaryRank", "absent") == "absent"
    assert ct.get(0x00990099, 7) == 7


def test_missing_keys_raise_the_usual_errors(ct):
    with pytest.raises(KeyError):
        ct[0x00990099]
    with pytest.raises(KeyError):
        ct["NotAKeyword"]
    with pytest.raises(AttributeError):
        ct.MilitaryRank  # a keyword, but not in this file
    with pytest.raises(AttributeError):
        ct.not_an_attribute


def test_contains_len_iteration_and_tags(ct):
    assert "PatientName" in ct and 0x00100010 in ct and (0x0010, 0x0010) in ct
    assert "MilitaryRank" not in ct and "NotAKeyword" not in ct
    tags = [element.tag for element in ct]
    assert tags == sorted(tags) == ct.tags()
    assert len(ct) == len(tags)


def test_element_fields(ct):
    el = ct.element("Rows")
    assert (el.tag, el.vr, el.length, el.keyword, el.value) == (0x00280010, "US", 2, "Rows", 128)
    assert el.raw.readonly and bytes(el.raw) == struct.pack("<H", 128)
    with open(pydicom_test_file("CT_small.dcm"), "rb") as f:
        data = f.read()
    assert data[el.offset:el.offset + 2] == struct.pack("<H", 128)
    assert not el.is_undefined_length and not el.is_truncated
    assert "Rows" in repr(el)


def test_values_are_plain_python(ct):
    assert type(ct.PatientName) is str
    assert type(ct.Rows) is int
    assert type(ct.SliceThickness) is float
    assert type(ct.ImagePositionPatient) is list
    assert all(type(v) is float for v in ct.ImagePositionPatient)
    assert type(ct.PixelData) is bytes


def test_sequences_are_lists_of_datasets(ct):
    seq = ct.OtherPatientIDsSequence
    assert isinstance(seq, cydicom.Sequence) and isinstance(seq, list)
    assert len(seq) == 2 and all(isinstance(item, cydicom.Dataset) for item in seq)
    assert seq[0].PatientID
    assert "Sequence" in repr(seq)


def test_file_level_attributes(ct):
    assert ct.preamble == b"\x00" * 128 or len(ct.preamble) == 128
    assert ct.file_meta.TransferSyntaxUID == ct.transfer_syntax == "1.2.840.10008.1.2.1"
    assert ct.is_little_endian and not ct.is_implicit_VR


def test_dir_lists_keywords(ct):
    assert "PatientName" in dir(ct)


def test_repr_is_readable(ct):
    text = repr(ct)
    assert "(0010,0010) PN PatientName: 'CompressedSamples^CT1'" in text
    assert "more top-level elements" in text  # long datasets are shortened


def test_values_are_cached(ct):
    assert ct.ImageType is ct.ImageType


def test_duplicate_tags_keep_the_last_and_order_by_tag():
    body = element(0x00100020, "LO", b"ID") + element(0x00080060, "CS", b"CT") + element(
        0x00080060, "CS", b"MR")
    ds = cydicom.dcmread(dicom_file(body))
    assert ds.tags() == [0x00080060, 0x00100020]
    assert ds.Modality == "MR"


@pytest.mark.parametrize("ts,implicit,little", [(IMPLICIT_LE, True, True),
                                                (EXPLICIT_BE, False, False)])
def test_nested_items_inherit_the_character_set(ts, implicit, little):
    name = "Müller".encode("latin-1")
    inner = element(0x00100010, "PN", name + b" ", implicit=implicit, little=little)
    body = (element(0x00080005, "CS", b"ISO_IR 100", implicit=implicit, little=little)
            + sequence(0x00081140, [item(inner, little=little)], implicit=implicit, little=little))
    ds = cydicom.dcmread(dicom_file(body, ts))
    assert ds.ReferencedImageSequence[0].PatientName == "Müller"


def test_utf8_character_set():
    body = element(0x00080005, "CS", b"ISO_IR 192") + element(0x00100010, "PN", "山田^太郎".encode())
    ds = cydicom.dcmread(dicom_file(body))
    assert ds.PatientName == "山田^太郎"


def test_specific_tags_keep_only_those_and_the_charset():
    path = pydicom_test_file("CT_small.dcm")
    ds = cydicom.dcmread(path, specific_tags=["PatientName", 0x00280010])
    assert ds.tags() == [0x00080005, 0x00100010, 0x00280010]


def test_stop_before_pixels_reads_no_pixel_data():
    path = pydicom_test_file("CT_small.dcm")
    ds = cydicom.dcmread(path, stop_before_pixels=True)
    assert "PixelData" not in ds and ds.Rows == 128
    assert os.path.getsize(path) > 0


def test_element_table_offsets_point_into_the_file():
    body = element(0x00100010, "PN", b"A^B ")
    data = dicom_file(body)
    ds = cydicom.dcmread(data)
    el = ds.element("PatientName")
    assert data[el.offset:el.offset + el.length] == b"A^B "


def test_element_table_is_a_structured_array(ct):
    table = ct.element_table()
    assert list(table["tag"]) == ct.tags()
    rows = table[table["tag"] == 0x00280010][0]
    assert (rows["vr"], rows["length"], rows["value_length"]) == (0x5553, 2, 2)
    assert rows["offset"] == ct.element("Rows").offset
