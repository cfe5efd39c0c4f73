"""The limits that hold on hostile input, and that they change nothing on valid input."""
import os
import resource
import struct

import pytest

import cydicom
from conformance.oracle import assert_same_as_pydicom
from conformance.rawgen import DEFLATED, dicom_file, element
from cydicom._reader import INFLATE_RATIO, MIN_INFLATE_LIMIT, inflate_limit
from test_hostile_inputs import _ob_undefined, _sq_header, deflate_bomb


def _text_file(size):
    return dicom_file(element(0x00100020, "LO", b"ID") + element(0x00091010, "OB", b"\x00" * size),
                      DEFLATED)


def test_default_inflate_limit_is_a_ratio_with_a_floor():
    assert inflate_limit(1000) == MIN_INFLATE_LIMIT
    assert inflate_limit(10 << 20) == INFLATE_RATIO * (10 << 20)
    assert inflate_limit(10 << 20, 5) == 5
    with pytest.raises(ValueError):
        inflate_limit(1, -1)


def test_max_inflated_size_bounds_the_dataset():
    data = _text_file(1000)
    assert cydicom.dcmread(data, max_inflated_size=2000).PatientID == "ID"
    with pytest.raises(cydicom.DeflateError, match="max_inflated_size"):
        cydicom.dcmread(data, max_inflated_size=1000)


def test_a_deflate_bomb_can_be_allowed_explicitly():
    bomb = deflate_bomb(80)  # 80 MiB: more than the 64 MiB floor, 1000x the input
    with pytest.raises(cydicom.DeflateError, match="deflate bomb"):
        cydicom.dcmread(bomb)
    ds = cydicom.dcmread(bomb, max_inflated_size=100 << 20)
    assert ds.element(0x00091010).value_length == 80 << 20


def test_a_deflated_file_read_from_a_path_honours_the_limit(tmp_path):
    path = tmp_path / "deflated.dcm"
    path.write_bytes(_text_file(1000))
    with pytest.raises(cydicom.DeflateError):
        cydicom.dcmread(str(path), max_inflated_size=100)
    with pytest.raises(cydicom.DeflateError):
        cydicom.dcmread(str(path), max_inflated_size=100, stop_before_pixels=True)
    assert cydicom.dcmread(str(path), max_inflated_size=2000).PatientID == "ID"


def _fail(reason):
    raise AssertionError(reason)


def test_a_hop_chain_below_the_budget_reads_as_pydicom_reads_it():
    """Every value's end is found by hopping over the items after it, up to a delimiter."""
    unit = struct.pack("<HHL", 0xFFFE, 0xE000, 12) + _ob_undefined()
    end = struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
    data = dicom_file(_sq_header() + unit * 40 + end + end + element(0x00100020, "LO", b"ID"))
    outcome = assert_same_as_pydicom(data, on_quirk=_fail)
    assert outcome[0] == "ok"


def test_a_long_hop_chain_is_a_limit_error():
    from test_hostile_inputs import hop_chain_units

    with pytest.raises(cydicom.LimitError, match="item hops"):
        cydicom.dcmread(dicom_file(_ob_undefined() + hop_chain_units(2000)))
    with pytest.warns(cydicom.DicomWarning, match="delimiter"):  # the chain's last value
        assert len(cydicom.dcmread(dicom_file(_ob_undefined() + hop_chain_units(100)))) == 1


def test_a_huge_declared_pixel_length_in_a_file_maps_only_the_file(tmp_path):
    image = element(0x00280010, "US", struct.pack("<H", 65535)) + element(
        0x7FE00010, "OW", b"\x00" * 4096, length=0xC0000000)
    path = tmp_path / "huge.dcm"
    path.write_bytes(dicom_file(image))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.warns(cydicom.DicomWarning, match="truncated"):
        ds = cydicom.dcmread(str(path))
    el = ds.element("PixelData")
    assert (el.length, el.value_length, len(el.raw)) == (0xC0000000, 4096, 4096)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 << 10  # KiB
    ds.close()
    assert os.path.getsize(path) < 8192


def test_max_depth_is_capped_so_the_walker_cannot_overflow_the_stack():
    from test_hostile_inputs import nested_file

    data = nested_file(5000, undefined_sequences=True, undefined_items=True)
    with pytest.raises(cydicom.NestingError):
        cydicom.dcmread(data, max_depth=1000)
    for bad in (1001, 100_000, -1):
        with pytest.raises(ValueError, match="max_depth"):
            cydicom.dcmread(data, max_depth=bad)


def test_nesting_at_the_largest_max_depth_fits_a_small_thread_stack():
    import threading

    from test_hostile_inputs import nested_file

    data = nested_file(2000, undefined_sequences=True, undefined_items=True)
    outcome = []

    def read():
        try:
            cydicom.dcmread(data, max_depth=1000)
        except cydicom.NestingError as exc:
            outcome.append(exc)

    previous = threading.stack_size(1 << 20)
    try:
        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(previous)
    assert len(outcome) == 1


def test_to_pydicom_converts_the_deepest_nesting_allowed():
    from test_hostile_inputs import nested_file

    ds = cydicom.dcmread(nested_file(999, undefined_sequences=True, undefined_items=False),
                         max_depth=1000)
    level = ds.to_pydicom()
    for _ in range(999):
        assert level.ReferencedImageSequence.is_undefined_length
        level = level.ReferencedImageSequence[0]
        assert not level.is_undefined_length_sequence_item
    assert level.PatientID == "ID"
