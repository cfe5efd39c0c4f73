"""Hostile input: every damaged file reads to a Dataset or a DicomError, in time and memory.

Each test builds its inputs here (from pydicom's test files and fuzz/seeds.py's generated
files) and reads them all in one child process limited in address space and time
(tests/hostile.py), touching every element, sequence item, the pydicom copy and the
pixels as the fuzz harness does. A crash, hang, giant allocation or any exception other
than a DicomError fails the test and names the input.
"""
import os
import random
import struct
import sys

import pytest

from hostile import FUZZ_DIR, assert_all_handled
from realfiles import pydicom_test_file

sys.path.insert(0, FUZZ_DIR)
from seeds import generated_seeds  # noqa: E402

REAL_FILES = [
    "CT_small.dcm", "MR_small_bigendian.dcm", "MR_small_implicit.dcm", "image_dfl.dcm",
    "rtplan.dcm", "UN_sequence.dcm", "nested_priv_SQ.dcm", "JPEG2000.dcm", "MR_small_RLE.dcm",
    "test-SR.dcm", "no_meta.dcm", "ExplVR_BigEndNoMeta.dcm", "emri_small_jpeg_2k_lossless.dcm",
]
LENGTHS_U32 = [0, 1, 2, 3, 7, 0xFFFF, 0x10000, 0x7FFFFFFF, 0xC0000000, 0xFFFFFFF0, 0xFFFFFFFE,
               0xFFFFFFFF]
LENGTHS_U16 = [0, 1, 3, 0xFF, 0x7FFF, 0xFFFE, 0xFFFF]
BOGUS_VRS = [b"XX", b"cs", b"\x00\x00", b"  ", b"U\xb5", b"SQ", b"UN", b"OB", b"UT", b"US", b"AT",
             b"\xff\xff"]
ITEM, ITEM_DELIMITER, SEQUENCE_DELIMITER = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
LONG_VRS = {vr.encode() for vr in "OB OD OF OL OV OW SQ SV UC UN UR UT UV".split()}


def _real(name):
    path = pydicom_test_file(name)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        return handle.read()


def real_files():
    """name -> bytes of the real files used here (those present)."""
    found = {name: _real(name) for name in REAL_FILES}
    return {name: data for name, data in found.items() if data is not None}


def seed_files():
    return {f"gen-{name}": data for name, data in generated_seeds().items()}


def field_offsets(data):
    """(header, vr or None, length offset, length size) of every element, recursively.

    Found by reading the intact file with cydicom: a record's value offset and VR give
    where its header, VR and length field are. None for a deflated file (its offsets are
    into the inflated dataset).
    """
    import warnings

    import cydicom

    fields = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cydicom.dcmread(data, force=True)
        if ds.transfer_syntax == "1.2.840.10008.1.2.1.99":
            return []
        stack = [ds] + ([ds.file_meta] if ds.file_meta is not None else [])
        while stack:
            level = stack.pop()
            for record in level.element_table():
                offset, vr = int(record["offset"]), int(record["vr"])
                if vr == 0:
                    fields.append((offset - 8, None, offset - 4, 4))
                elif vr.to_bytes(2, "big") in LONG_VRS:
                    fields.append((offset - 12, offset - 8, offset - 4, 4))
                else:
                    fields.append((offset - 8, offset - 4, offset - 2, 2))
            for el in level:
                try:
                    if el.vr == "SQ":
                        stack.extend(el.value)
                except cydicom.DicomError:
                    pass
    return [f for f in fields if f[0] >= 0]


def tag_positions(data):
    """Offsets of item, item delimiter and sequence delimiter tags (both byte orders)."""
    found = []
    for tag in (ITEM, ITEM_DELIMITER, SEQUENCE_DELIMITER):
        for order in "<>":
            needle = struct.pack(order + "HH", tag >> 16, tag & 0xFFFF)
            start = data.find(needle)
            while start >= 0:
                found.append(start)
                start = data.find(needle, start + 1)
    return sorted(found)


def test_truncation_of_generated_files_at_every_offset():
    cases = {}
    for name, data in seed_files().items():
        step = 1 if name.endswith("_header") else 3
        for cut in range(0, len(data), step):
            cases[f"{name}-cut{cut}"] = data[:cut]
    assert len(cases) > 3000
    assert_all_handled(cases)


def test_truncation_of_real_files_at_many_offsets():
    cases = {}
    for name, data in real_files().items():
        header = min(len(data), 6000)
        offsets = set(range(0, header, 5)) | set(range(header, len(data), max(1, len(data) // 40)))
        for cut in sorted(offsets):
            cases[f"{name}-cut{cut}"] = data[:cut]
    assert len(cases) > 3000
    assert_all_handled(cases, to_pydicom=False)


def test_random_byte_flips():
    rng = random.Random(20261122)
    sources = {**seed_files(), **{k: v[:16384] for k, v in real_files().items()}}
    cases = {}
    for name, data in sources.items():
        for i in range(60):
            mutated = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                mutated[rng.randrange(128, len(mutated))] = rng.randrange(256)
            cases[f"{name}-flip{i}"] = bytes(mutated)
    assert_all_handled(cases)


def test_length_field_corruption():
    cases = {}
    sources = {**seed_files(), **{k: v for k, v in real_files().items()
                                  if k in ("rtplan.dcm", "UN_sequence.dcm", "test-SR.dcm",
                                           "JPEG2000.dcm", "nested_priv_SQ.dcm")}}
    for name, data in sources.items():
        for header, _, at, size in field_offsets(data)[:120]:
            for value in (LENGTHS_U32 if size == 4 else LENGTHS_U16):
                for order in "<>":
                    mutated = bytearray(data)
                    mutated[at:at + size] = struct.pack(order + ("L" if size == 4 else "H"), value)
                    cases[f"{name}-len{at}-{value:x}{order}"] = bytes(mutated)
    assert len(cases) > 3000
    assert_all_handled(cases, to_pydicom=False, timeout=240)


def test_bogus_vrs():
    cases = {}
    for name, data in seed_files().items():
        for header, vr_at, _, _ in field_offsets(data):
            if vr_at is None:
                continue
            for vr in BOGUS_VRS:
                mutated = bytearray(data)
                mutated[vr_at:vr_at + 2] = vr
                cases[f"{name}-vr{vr_at}-{vr.hex()}"] = bytes(mutated)
    assert len(cases) > 1000
    assert_all_handled(cases)


def test_stray_and_missing_delimiters():
    cases = {}
    stray = [struct.pack("<HHL", tag >> 16, tag & 0xFFFF, length)
             for tag in (ITEM, ITEM_DELIMITER, SEQUENCE_DELIMITER)
             for length in (0, 4, 0xFFFFFFFF)]
    for name, data in seed_files().items():
        boundaries = sorted({f[0] for f in field_offsets(data)})
        for at in boundaries:
            for i, extra in enumerate(stray):
                cases[f"{name}-ins{at}-{i}"] = data[:at] + extra + data[at:]
        for at in tag_positions(data):
            cases[f"{name}-del{at}"] = data[:at] + data[at + 8:]
            cases[f"{name}-len{at}"] = data[:at + 4] + b"\x04\x00\x00\x00" + data[at + 8:]
    assert len(cases) > 1000
    assert_all_handled(cases)


# ---- deep nesting, built iteratively (O(depth) bytes, never by re-copying the body) -------

def nested_file(depth, *, undefined_sequences, undefined_items, implicit=False):
    """A file with ``depth`` sequences nested inside each other."""
    from conformance.rawgen import IMPLICIT_LE, EXPLICIT_LE, element, file_meta

    innermost = element(0x00100020, "LO", b"ID", implicit=implicit)
    sq_header = 8 if implicit else 12
    # sizes from the inside out: item content, then the sequence holding it
    sizes = []
    content = len(innermost)
    for _ in range(depth):
        item_size = 8 + content + (8 if undefined_items else 0)
        sq_value = item_size + (8 if undefined_sequences else 0)
        sizes.append((content, sq_value))
        content = sq_header + sq_value
    prefix, suffix = [], []
    for content, sq_value in reversed(sizes):
        length = 0xFFFFFFFF if undefined_sequences else sq_value
        tag = struct.pack("<HH", 0x0008, 0x1140)
        if implicit:
            prefix.append(tag + struct.pack("<L", length))
        else:
            prefix.append(tag + b"SQ\0\0" + struct.pack("<L", length))
        prefix.append(struct.pack("<HHL", 0xFFFE, 0xE000,
                                  0xFFFFFFFF if undefined_items else content))
        closing = b""
        if undefined_items:
            closing += struct.pack("<HHL", 0xFFFE, 0xE00D, 0)
        if undefined_sequences:
            closing += struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
        suffix.append(closing)
    body = b"".join(prefix) + innermost + b"".join(reversed(suffix))
    return file_meta(IMPLICIT_LE if implicit else EXPLICIT_LE) + body


@pytest.mark.parametrize("undefined_sequences,undefined_items,implicit", [
    (True, True, False), (False, False, False), (False, True, False), (True, False, True),
    (False, False, True),
])
def test_nesting_100000_deep(undefined_sequences, undefined_items, implicit):
    data = nested_file(100_000, undefined_sequences=undefined_sequences,
                       undefined_items=undefined_items, implicit=implicit)
    report = assert_all_handled({"deep": data, "deep-cut": data[:len(data) // 2]},
                                to_pydicom=False)
    # PixelDataError: the file has no pixel data, which the pixel step then reports
    assert set(report.outcomes.values()) <= {"ok", "NestingError", "TruncatedError",
                                             "PixelDataError"}


def test_nesting_within_the_limit_reads_every_level():
    import cydicom

    data = nested_file(100, undefined_sequences=True, undefined_items=False)
    ds = cydicom.dcmread(data)
    for _ in range(100):
        ds = ds.ReferencedImageSequence[0]
    assert ds.PatientID == "ID"
    with pytest.raises(cydicom.NestingError):
        cydicom.dcmread(nested_file(129, undefined_sequences=True, undefined_items=True))


# ---- huge declared lengths: a 3 GiB element in a 1 KiB file allocates nothing big -------

def huge_length_files():
    """Files of a few KiB whose elements, items or pixel data declare up to 4 GiB (and an
    RLE frame that would decode to 500 KiB for a 1-pixel image)."""
    from conformance.rawgen import (DEFLATED, EXPLICIT_BE, IMPLICIT_LE, dicom_file, element,
                                    item)

    from seeds import JPEG_BASELINE, RLE_LOSSLESS, header_elements, image_elements

    three_gib = 0xC0000000
    cases = {}
    for vr in ("OB", "OW", "OF", "OD", "UN", "UT", "UC", "SQ", "LO", "FD"):
        length = 0xFFFF if vr in ("LO", "FD") else three_gib
        body = header_elements() + element(0x00091020, vr, b"\x01" * 600, length=length)
        cases[f"explicit-{vr}"] = dicom_file(body)
        cases[f"deflated-{vr}"] = dicom_file(body, DEFLATED)
    cases["explicit-be-OB"] = dicom_file(
        header_elements(little=False)
        + element(0x00091020, "OB", b"\x01" * 600, length=three_gib, little=False), EXPLICIT_BE)
    cases["implicit-private"] = dicom_file(
        header_elements(implicit=True)
        + element(0x00091020, "OB", b"\x01" * 600, length=three_gib, implicit=True), IMPLICIT_LE)
    # an item declaring 3 GiB inside a defined-length and an undefined-length sequence
    big_item = struct.pack("<HHL", 0xFFFE, 0xE000, three_gib) + element(0x00100020, "LO", b"ID")
    cases["item-in-defined-sq"] = dicom_file(element(0x00081140, "SQ", big_item))
    cases["item-in-undefined-sq"] = dicom_file(
        element(0x00081140, "SQ", b"", length=0xFFFFFFFF) + big_item)
    # pixel data: Rows x Columns x frames x samples far beyond the bytes present
    for frames in (1, 2**31 - 1):
        image = header_elements() + image_elements(65535, 65535, frames)
        cases[f"pixels-native-{frames}"] = dicom_file(
            image + element(0x7FE00010, "OW", b"\x00" * 512, length=three_gib))
        cases[f"pixels-native-short-{frames}"] = dicom_file(
            image + element(0x7FE00010, "OW", b"\x00" * 512))
        fragments = (item(struct.pack("<2L", 0, 0xFFFFFFF0))
                     + struct.pack("<HHL", 0xFFFE, 0xE000, three_gib) + b"\xff\xd8" * 100)
        cases[f"pixels-encapsulated-{frames}"] = dicom_file(
            image + element(0x7FE00010, "OB", b"", length=0xFFFFFFFF) + fragments,
            JPEG_BASELINE)
    # RLE: a 1x1 image whose one segment repeats a byte 128 times, 4000 times over
    rle_frame = struct.pack("<16L", 1, 64, *([0] * 14)) + b"\x81\x07" * 4000
    cases["pixels-rle-bomb"] = dicom_file(
        header_elements() + image_elements(1, 1, 1, bits=8)
        + element(0x7FE00010, "OB", b"", length=0xFFFFFFFF) + item(b"") + item(rle_frame)
        + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0), RLE_LOSSLESS)
    return cases


def test_huge_declared_lengths_allocate_nothing_big():
    cases = huge_length_files()
    assert all(len(data) < 10_000 for data in cases.values())
    # far less than any declared size: the child may grow by 128 MiB only
    assert_all_handled(cases, extra_memory=128 << 20)


# ---- work that must stay linear in the input ------------------------------------------

def _sq_header(length=0xFFFFFFFF):
    return struct.pack("<HH", 0x0008, 0x1140) + b"SQ\0\0" + struct.pack("<L", length)


def _ob_undefined():
    return struct.pack("<HH", 0x0009, 0x1010) + b"OB\0\0" + struct.pack("<L", 0xFFFFFFFF)


def hop_chain_units(units):
    """Items that each hold a sequence delimiter, then an undefined-length OB header.

    Each OB value's end is searched by hopping over every item after it (no delimiter
    tag on the chain), then found by the scan in the very next item: the walk goes on
    there and the next OB hops over the rest of the chain again.
    """
    end = struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
    return (struct.pack("<HHL", 0xFFFE, 0xE000, 20) + end + _ob_undefined()) * units


def quadratic_files(units=64_000):
    """Files on which a naive walker does one scan (or hop chain) per unit, to the end."""
    from conformance.rawgen import JPEG_BASELINE, dicom_file, file_meta

    undefined_item = struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF)
    chained_item = struct.pack("<HHL", 0xFFFE, 0xE000, 12)
    empty_item = struct.pack("<HHL", 0xFFFE, 0xE000, 0)
    end = struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
    return {
        # every item holds an undefined-length value without a delimiter
        "no-delimiter-scans": dicom_file(_sq_header() + (undefined_item + _ob_undefined()) * units),
        # the same inside a defined-length sequence: each item's own walk scans again
        "no-delimiter-scans-item-walks": dicom_file(_sq_header(
            units * (len(undefined_item) + len(_ob_undefined())))
            + (undefined_item + _ob_undefined()) * units),
        # a value without delimiter inside an item of a chain of such items
        "item-chain-no-delimiter": dicom_file(_sq_header()
                                              + (chained_item + _ob_undefined()) * units),
        # every value's end is searched by hopping over all the items after it
        "item-hop-chain": dicom_file(_ob_undefined() + hop_chain_units(units)),
        "many-empty-items": dicom_file(_sq_header() + empty_item * 8 * units + end),
        "many-fragments": file_meta(JPEG_BASELINE) + struct.pack("<HH", 0x7FE0, 0x0010) + b"OB\0\0"
        + struct.pack("<L", 0xFFFFFFFF) + empty_item * 8 * units + end,
        "many-elements": dicom_file(b"".join(
            struct.pack("<HH", 0x0009, 0x1000 + i % 0xF000) + b"OB\0\0\0\0\0\0"
            for i in range(8 * units))),
    }


def test_no_quadratic_work_on_many_tiny_items_and_fragments():
    cases = quadratic_files()
    assert all(len(data) > 1_000_000 for data in cases.values())
    report = assert_all_handled(cases, to_pydicom=False)
    slow = {name: s for name, s in report.seconds.items() if s > 2.0}
    assert not slow, f"more than 2 s for a few MB: {slow}"


# ---- decompression bombs --------------------------------------------------------------

def deflate_bomb(inflated_mib):
    """A deflated dataset of about inflated_mib / 1000 MiB inflating to inflated_mib MiB."""
    import zlib

    from conformance.rawgen import DEFLATED, element, file_meta

    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    size = inflated_mib << 20
    parts = [compressor.compress(element(0x00100020, "LO", b"ID")
                                 + element(0x00091010, "OB", b"", length=size))]
    zeros = b"\x00" * (1 << 20)
    parts += [compressor.compress(zeros) for _ in range(inflated_mib)]
    parts.append(compressor.flush())
    return file_meta(DEFLATED) + b"".join(parts)


def test_deflate_bomb_is_refused_without_inflating_it():
    bomb = deflate_bomb(256)  # 256 KiB: inflating it whole would break the child's limit
    assert len(bomb) < 300 << 10
    report = assert_all_handled({"bomb": bomb, "bomb-cut": bomb[:len(bomb) // 2]},
                                extra_memory=256 << 20)
    assert report.outcomes == {"bomb": "DeflateError", "bomb-cut": "DeflateError"}


def test_scan_glue_calls_scan_as_specified(monkeypatch):
    """fuzz/exercise.py's scan_bytes: one file, one thread, errors recorded, force passed."""
    import cydicom
    from exercise import scan_bytes

    calls = []

    class Table:
        def __init__(self, rows):
            self.rows = rows

        def to_pylist(self):
            return self.rows

    real = scan_bytes(b"abc")  # the real scan: a row with the error, not an exception
    assert real["error"].startswith("InvalidDicomError") and real["PatientID"] is None

    def fake_scan(paths, tags, threads, on_error, force):
        with open(paths[0], "rb") as handle:
            calls.append((handle.read(), list(tags), threads, on_error, force))
        return Table([{"path": paths[0], "PatientID": None, "error": "TruncatedError: ..."}])

    monkeypatch.setattr(cydicom, "scan", fake_scan, raising=False)
    assert scan_bytes(b"abc")["error"].startswith("TruncatedError")
    assert calls[0][0] == b"abc" and calls[0][2:] == (1, "record", False)
    assert "PatientID" in calls[0][1]
    scan_bytes(b"abc", ("Rows",), force=True)
    assert calls[1][1:] == (["Rows"], 1, "record", True)
    monkeypatch.setattr(cydicom, "scan", lambda *a, **k: Table([{"error": 3}]))
    with pytest.raises(AssertionError, match="error string"):
        scan_bytes(b"abc")
