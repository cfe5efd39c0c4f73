"""Sources: paths (mapped), header-prefix reads, bytes, file objects; closing."""
import io
import os
import struct
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


def _pixel_file(tmp_path, name, after=b"", pixels=b"\x01\x02" * 20_000, header_pad=0):
    body = (element(0x00100020, "LO", b"X" * header_pad + b"ID")
            + element(0x00280010, "US", b"\x02\x00")
            + element(0x7FE00010, "OW", pixels) + after)
    path = tmp_path / name
    path.write_bytes(dicom_file(body))
    return path


@pytest.mark.parametrize("case", ["pixels_last", "trailing_padding", "long_header"])
def test_lazily_mapped_pixel_data_equals_the_file(tmp_path, case):
    after = element(0xFFFCFFFC, "OB", b"\0" * 8) if case == "trailing_padding" else b""
    pad = 40_000 if case == "long_header" else 0
    path = _pixel_file(tmp_path, case + ".dcm", after=after, header_pad=pad)
    data = path.read_bytes()
    with cydicom.dcmread(path) as ds:
        el = ds.element("PixelData")
        assert ds.PixelData == data[el.offset:el.offset + el.length] == b"\x01\x02" * 20_000
        assert bytes(el.raw) == ds.PixelData
        assert ds.Rows == 2 and len(ds.PatientID) == pad + 2
        assert ("DataSetTrailingPadding" in ds) == (case == "trailing_padding")


def test_lazily_mapped_truncated_pixel_data(tmp_path):
    path = _pixel_file(tmp_path, "cut.dcm")
    path.write_bytes(path.read_bytes()[:-1000])
    with pytest.warns(cydicom.DicomWarning, match="truncated"):
        ds = cydicom.dcmread(path)
    el = ds.element("PixelData")
    assert el.is_truncated and el.value_length == el.length - 1000
    assert len(ds.PixelData) == el.value_length


def test_encapsulated_pixel_data_from_a_path(tmp_path):
    fragments = (struct.pack("<HHL", 0xFFFE, 0xE000, 0)
                 + struct.pack("<HHL", 0xFFFE, 0xE000, 30_000) + b"\xff" * 30_000
                 + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))
    body = element(0x00280010, "US", b"\x02\x00") + element(
        0x7FE00010, "OB", b"", length=0xFFFFFFFF) + fragments
    path = tmp_path / "encapsulated.dcm"
    path.write_bytes(dicom_file(body, "1.2.840.10008.1.2.4.50"))
    ds = cydicom.dcmread(path)
    assert ds.element("PixelData").is_undefined_length
    assert ds.PixelData == fragments[:-8]


@pytest.mark.parametrize("stop", [False, True])
def test_deflated_file_larger_than_the_header_prefix(tmp_path, stop):
    import os
    body = element(0x00100020, "LO", os.urandom(20_000).hex().encode()) + element(
        0x7FE00010, "OB", os.urandom(30_000))
    path = tmp_path / "deflated.dcm"
    path.write_bytes(dicom_file(body, "1.2.840.10008.1.2.1.99"))
    ds = cydicom.dcmread(path, stop_before_pixels=stop)
    assert len(ds.PatientID) == 40_000
    assert ("PixelData" in ds) != stop


@pytest.fixture(autouse=True)
def small_prefix(monkeypatch):
    """The header prefix size learnt from earlier tests' files (up to megabytes) would
    cover these files whole: start from the smallest. Datasets that other tests keep
    (session caches) may hold unused maps made at open: allow 16 more than those."""
    monkeypatch.setattr(cydicom.filereader, "_prefix_hint", cydicom.filereader.MIN_PREFIX)
    monkeypatch.setattr(cydicom.dataset, "MAX_UNUSED_TAIL_MAPS",
                        cydicom.dataset.unused_tail_maps() + 16)


def _prime(tmp_path, pixels_used):
    """Make the next dcmread map at open (the last file's pixel data was used) or not."""
    path = _pixel_file(tmp_path, "primer.dcm")
    with cydicom.dcmread(path) as ds:
        if pixels_used:
            ds.PixelData
    assert cydicom.dataset.map_tails_at_open() is pixels_used


@pytest.fixture
def counted_maps(monkeypatch):
    """Calls of map_file made when the pixel data is first used."""
    calls = []
    original = cydicom.dataset.map_file

    def counting(path):
        calls.append(path)
        return original(path)

    monkeypatch.setattr(cydicom.dataset, "map_file", counting)
    return calls


def test_pixel_readers_get_the_next_file_mapped_at_open(tmp_path, counted_maps):
    path = _pixel_file(tmp_path, "next.dcm")
    _prime(tmp_path, pixels_used=True)
    with cydicom.dcmread(path) as ds:
        assert ds.PixelData == b"\x01\x02" * 20_000
    assert counted_maps == [] and cydicom.dataset.map_tails_at_open()
    with cydicom.dcmread(path) as ds:  # a header reader: the mapping made at open goes
        assert ds.Rows == 2
    assert not cydicom.dataset.map_tails_at_open()
    with cydicom.dcmread(path) as ds:
        assert bytes(ds.element("PixelData").raw) == b"\x01\x02" * 20_000
    assert counted_maps == [os.fspath(path)]  # mapped when first used


def test_an_unclosed_header_reader_also_turns_mapping_at_open_off(tmp_path):
    path = _pixel_file(tmp_path, "dropped.dcm")
    _prime(tmp_path, pixels_used=True)
    ds = cydicom.dcmread(path)
    assert ds.Rows == 2
    del ds  # freed, its mapping unused
    assert not cydicom.dataset.map_tails_at_open()


@pytest.mark.parametrize("mapped_at_open", [False, True])
def test_file_truncated_after_open_is_a_clean_error(tmp_path, mapped_at_open):
    path = _pixel_file(tmp_path, "shrinks.dcm")
    _prime(tmp_path, pixels_used=mapped_at_open)
    ds = cydicom.dcmread(path)
    path.write_bytes(path.read_bytes()[:-20_000])  # reading a lost page would be SIGBUS
    with pytest.raises(cydicom.TruncatedError, match="shorter than when it was opened"):
        ds.PixelData


def test_file_renamed_and_truncated_after_mapping_at_open_is_a_clean_error(tmp_path):
    """The size check asks the open file that was mapped, not whatever the path names now
    (a whole new file there would hide the truncation, and reading a lost page is SIGBUS)."""
    path = _pixel_file(tmp_path, "moved.dcm")
    _prime(tmp_path, pixels_used=True)
    ds = cydicom.dcmread(path)
    moved = path.rename(tmp_path / "moved_away.dcm")
    os.truncate(moved, moved.stat().st_size - 20_000)
    _pixel_file(tmp_path, "moved.dcm")
    with pytest.raises(cydicom.TruncatedError, match="shorter than when it was opened"):
        ds.PixelData


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_mapping_at_open_keeps_its_file_open_only_until_checked(tmp_path):
    path = _pixel_file(tmp_path, "held.dcm")
    _prime(tmp_path, pixels_used=True)
    before = len(os.listdir("/proc/self/fd"))
    ds = cydicom.dcmread(path)
    assert len(os.listdir("/proc/self/fd")) == before + 1
    assert ds.PixelData == b"\x01\x02" * 20_000
    assert len(os.listdir("/proc/self/fd")) == before
    unused = cydicom.dcmread(path)
    assert len(os.listdir("/proc/self/fd")) == before + 1
    unused.close()
    assert len(os.listdir("/proc/self/fd")) == before
    ds.close()


def test_file_removed_after_mapping_at_open_keeps_its_pixel_data(tmp_path):
    path = _pixel_file(tmp_path, "removed.dcm")
    _prime(tmp_path, pixels_used=True)
    with cydicom.dcmread(path) as ds:
        path.unlink()
        assert ds.PixelData == b"\x01\x02" * 20_000


def test_header_readers_that_keep_their_datasets_hold_few_mappings(tmp_path):
    path = _pixel_file(tmp_path, "kept.dcm")
    _prime(tmp_path, pixels_used=True)
    before = cydicom.dataset.unused_tail_maps()
    kept = [cydicom.dcmread(path) for _ in range(48)]
    assert cydicom.dataset.unused_tail_maps() == before + 16
    assert not cydicom.dataset.map_tails_at_open()
    assert all(ds.Rows == 2 for ds in kept)
    assert kept[-1].PixelData == kept[0].PixelData == b"\x01\x02" * 20_000
    del kept
    assert cydicom.dataset.unused_tail_maps() == before


def test_file_shrinking_while_it_is_opened_is_read_as_it_is_now(tmp_path, monkeypatch):
    """The header runs past the prefix, and the file shrinks just after the prefix read
    (and its mapping at open): the whole file is mapped again at its new size."""
    path = _pixel_file(tmp_path, "shrinking.dcm", header_pad=40_000)
    _prime(tmp_path, pixels_used=True)
    read_prefix = cydicom.filereader.read_prefix

    def then_shrink(*args):
        result = read_prefix(*args)
        path.write_bytes(path.read_bytes()[:20_000])
        return result

    monkeypatch.setattr(cydicom.filereader, "read_prefix", then_shrink)
    with pytest.warns(cydicom.DicomWarning, match="truncated"):
        ds = cydicom.dcmread(path)
    assert "Rows" not in ds and len(ds.PatientID) < 20_000


def test_the_prefix_size_is_learnt_from_a_whole_file_read(tmp_path):
    path = _pixel_file(tmp_path, "long_header.dcm", header_pad=40_000)
    with cydicom.dcmread(path) as ds:  # the 4 KiB prefix is not enough: the whole file
        offset = ds.element("PixelData").offset
    assert offset < cydicom.filereader._prefix_hint <= 2 * offset + 32


def test_deflated_file_with_bytes_after_its_stream(tmp_path):
    """Offsets in a deflated dataset are in the inflated bytes: never read from the file."""
    body = element(0x00280010, "US", b"\x02\x00") + element(
        0x7FE00010, "OB", b"\xaa" * 10, length=100_000)
    data = dicom_file(body, "1.2.840.10008.1.2.1.99") + b"\x55" * 20_000
    path = tmp_path / "deflated_trailing.dcm"
    path.write_bytes(data)
    with pytest.warns(cydicom.DicomWarning):
        ds = cydicom.dcmread(path)
    assert ds.PixelData == b"\xaa" * 10


def test_close_during_another_threads_first_pixel_access(tmp_path, monkeypatch):
    import threading
    import time

    path = _pixel_file(tmp_path, "closing.dcm")
    _prime(tmp_path, pixels_used=True)
    ds = cydicom.dcmread(path)
    check = cydicom.dataset.shrank_since_mapped
    monkeypatch.setattr(cydicom.dataset, "shrank_since_mapped",
                        lambda mapped: (time.sleep(0.2), check(mapped))[1])
    outcome = []

    def first_access():
        try:
            outcome.append(len(ds.PixelData))
        except ValueError as exc:
            outcome.append(str(exc))

    thread = threading.Thread(target=first_access)
    thread.start()
    time.sleep(0.05)  # the thread is in the size check, without the GIL
    ds.close()
    thread.join()
    monkeypatch.undo()
    assert ds.closed and outcome == ["the dataset's file is closed: read values before "
                                     "closing it"]


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc/self/maps")
def test_first_pixel_access_from_two_threads_switches_once(tmp_path, monkeypatch):
    """One thread waits in the size check (without the GIL) while another maps the file
    and switches the dataset to it: the first must not switch again (it would drop the
    header prefix that a GIL-free walk may still be reading, and keep a second map)."""
    import threading
    import time

    path = _pixel_file(tmp_path, "twice.dcm")
    _prime(tmp_path, pixels_used=True)
    ds = cydicom.dcmread(path)
    check = cydicom.dataset.shrank_since_mapped
    first = threading.Event()

    def slow_check(mapped):
        first.set()
        time.sleep(0.2)
        return check(mapped)

    monkeypatch.setattr(cydicom.dataset, "shrank_since_mapped", slow_check)
    results = []
    slow = threading.Thread(target=lambda: results.append(ds.PixelData))
    slow.start()
    first.wait()  # the slow thread took the map made at open: this one maps the file now
    results.append(ds.PixelData)
    slow.join()
    monkeypatch.undo()
    assert results == [b"\x01\x02" * 20_000] * 2
    with open("/proc/self/maps") as maps:
        assert sum(str(path) in line for line in maps) == 1
    ds.close()


def test_str_subclasses_and_path_likes_are_paths(tmp_path):
    class Name(str):
        pass

    class PathLike:
        def __fspath__(self):
            return str(path)

    path = _pixel_file(tmp_path, "named.dcm")
    for source in (Name(str(path)), PathLike(), path, str(path)):
        with cydicom.dcmread(source) as ds:
            assert ds.Rows == 2 and ds.PixelData == b"\x01\x02" * 20_000
