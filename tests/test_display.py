"""repr/str of Dataset, Element and Sequence, and the Jupyter HTML view."""
import pytest

import cydicom
from cydicom import _display
from realfiles import bundled_files, data_store_files, pydicom_test_file


@pytest.fixture(scope="module")
def rtplan():
    return cydicom.dcmread(pydicom_test_file("rtplan.dcm"))


@pytest.fixture(scope="module")
def ct():
    return cydicom.dcmread(pydicom_test_file("CT_small.dcm"))


def test_dataset_str_shows_every_element_with_items_indented(rtplan):
    lines = str(rtplan).splitlines()
    top = [line for line in lines if line.startswith("(")]
    assert [line[:11] for line in top] == [cydicom.dataset.format_tag(t) for t in rtplan.tags()]
    beams = lines.index("(300A,00B0) SQ BeamSequence: <1 item>")
    assert lines[beams + 1] == "  (FFFE,E000) item 1"
    assert lines[beams + 2] == "    (0008,0070) LO Manufacturer: 'Linac co.'"
    assert "        (300A,00B8) CS RTBeamLimitingDeviceType: 'X'" in lines  # two levels down


def test_dataset_repr_is_str_shortened(rtplan):
    text, full = repr(rtplan), str(rtplan)
    lines = text.splitlines()
    assert len(lines) == _display.REPR_LINES + 1 < len(full.splitlines())
    assert full.startswith("\n".join(lines[:-1]))
    shown = sum(1 for line in lines if line.startswith("("))
    assert lines[-1] == (f"... and {len(rtplan) - shown} more top-level elements, "
                         f"{len(rtplan)} in all (str() shows everything)")
    small = cydicom.dcmread(pydicom_test_file("rtplan.dcm"), specific_tags=["PatientName"])
    assert repr(small) == str(small) == "(0010,0010) PN PatientName: 'Last^First^mid^pre'"


def test_long_values_are_cut_and_binary_values_shown_as_hex(ct):
    assert all(len(line) < 140 for line in str(ct).splitlines())
    pixel_line = next(line for line in str(ct).splitlines() if "PixelData" in line)
    head = bytes(ct.element("PixelData").raw[:16]).hex(" ")
    assert pixel_line == f"(7FE0,0010) OW PixelData: <32768 bytes> {head} ..."
    assert _display.preview("UT", "x" * 500, 20) == "'xxxxxxxxxxxxxxxx..."
    assert _display.preview("OB", b"\x01\x02", 20) == "<2 bytes> 01 02"
    assert _display.preview("US", [1, 2, 3], 20) == "[1, 2, 3]"
    assert _display.preview("US", list(range(4096)), 40) == (
        "[0, 1, 2, 3, 4, 5, 6, 7... (4096 values)")  # 40 characters
    assert _display.preview("US", list(range(17)), 80) == (
        "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, ...] (17 values)")
    assert _display.preview("DS", [1.5] * 20, 30) == "[1.5, 1.5, 1.5,... (20 values)"


def test_large_binary_values_are_shown_from_their_raw_bytes_the_same(monkeypatch):
    path = pydicom_test_file("CT_small.dcm")
    converted = str(cydicom.dcmread(path))
    monkeypatch.setattr(_display, "BULK_LENGTH", 100)  # the pixel data goes the raw way
    ds = cydicom.dcmread(path)
    seen = []
    real = _display._raw_bytes_vrs
    monkeypatch.setattr(_display, "_raw_bytes_vrs", lambda d: seen.append(d) or real(d))
    assert str(ds) == converted
    assert len(seen) == 1 and seen[0] is ds


@pytest.mark.filterwarnings("ignore::cydicom.DicomWarning")
def test_raw_and_converted_previews_agree_on_every_real_file(monkeypatch):
    differing = []
    for path in bundled_files() + data_store_files():
        texts = []
        for threshold in (1 << 40, 1):  # never raw; raw for every explicit OB/OW/... value
            monkeypatch.setattr(_display, "BULK_LENGTH", threshold)
            try:
                texts.append(str(cydicom.dcmread(path, force=True)))
            except cydicom.DicomError as exc:
                texts.append(type(exc))
        if texts[0] != texts[1]:
            differing.append(path)
    assert differing == []


def test_private_tags_are_named_as_such(ct):
    text = str(ct)
    assert "(0009,0010) LO (private creator): 'GEMS_IDEN_01'" in text
    assert "(0043,104E) FL (private): 10.60060977935791" in text


def test_element_and_sequence_reprs(rtplan):
    assert repr(rtplan.element("PatientName")) == (
        "(0010,0010) PN PatientName: 'Last^First^mid^pre'")
    assert repr(rtplan.element("BeamSequence")) == "(300A,00B0) SQ BeamSequence: <1 item>"
    assert repr(rtplan.DoseReferenceSequence) == "<Sequence of 2 items>"
    text = str(rtplan.DoseReferenceSequence).splitlines()
    assert text[:3] == ["<Sequence of 2 items>", "  (FFFE,E000) item 1",
                        "    (300A,0012) IS DoseReferenceNumber: 1"]
    assert repr(cydicom.Sequence()) == "<Sequence of 0 items>"


@pytest.mark.filterwarnings("ignore::cydicom.DicomWarning")
def test_an_unreadable_value_is_shown_not_raised():
    body = b"\x08\x00\x60\x00ZZ\x02\x00CT" + b"\x10\x00\x20\x00LO\x02\x00ID"
    ds = cydicom.dcmread(body, force=True)
    text = repr(ds)
    assert "(0008,0060) ?? Modality: <error: Unknown Value Representation 'ZZ'" in text
    assert text.endswith("(0010,0020) LO PatientID: 'ID'")


def test_repr_after_close_shows_what_was_read():
    with cydicom.dcmread(pydicom_test_file("rtplan.dcm")) as ds:
        name = ds.PatientName
    text = repr(ds)
    assert f"(0010,0010) PN PatientName: {name!r}" in text  # read before closing: cached
    assert "(0010,0020) ?? PatientID: <error: the dataset's file is closed" in text


def test_jupyter_html_escapes_values(rtplan):
    html = rtplan._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == _display.REPR_LINES + 1
    assert "PatientName: &#x27;Last^First^mid^pre&#x27;" in html
    assert "padding-left:3.3em" in html  # an element of a sequence item, one level down
