"""Generated seed files: small, valid DICOM that reaches every part of the reader.

Used by ``build_corpus.py`` (the fuzzers' starting points) and by the hostile-input tests
(truncated, flipped and corrupted at many offsets). Written byte by byte with the
conformance suite's raw writer (tests/conformance/rawgen.py).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from conformance.rawgen import (  # noqa: E402
    DEFLATED, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, deep_nesting, dicom_file, element, item,
    sequence,
)

RLE_LOSSLESS = "1.2.840.10008.1.2.5"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"


def _us(value, little):
    return struct.pack("<H" if little else ">H", value)


def header_elements(*, implicit=False, little=True):
    """Text, numbers, a multi-valued DS, a private block and nested sequences."""
    def el(tag, vr, value):
        return element(tag, vr, value, implicit=implicit, little=little)

    inner = (el(0x00081150, "UI", b"1.2.840.10008.5.1.4.1.1.2\x00")
             + el(0x00081155, "UI", b"1.2.3.4"))
    nested = sequence(0x00400275, [item(el(0x00321060, "LO", b"nested item "), little=little)],
                      implicit=implicit, little=little)
    return b"".join([
        el(0x00080005, "CS", b"ISO_IR 100"),
        el(0x00080020, "DA", b"20240101"),
        el(0x00080060, "CS", b"CT"),
        sequence(0x00081140, [item(inner, little=little),
                              item(inner + nested, little=little, undefined=True)],
                 implicit=implicit, little=little, undefined=True),
        el(0x00100010, "PN", b"Doe^Jane=\xe9\xe8"),
        el(0x00100020, "LO", b"ID-1234 "),
        el(0x00180050, "DS", b"2.5 "),
        el(0x00200013, "IS", b"7 "),
        el(0x00200032, "DS", b"-158.1\\-179.0\\-75.7 "),
        el(0x00091010, "LO", b"PRIVATE CREATOR "),
        el(0x00091011, "UN" if not implicit else "OB", b"\x01\x02\x03\x04"),
    ])


def image_elements(rows, columns, frames, *, implicit=False, little=True, bits=16):
    """Image Pixel module elements for a native or encapsulated image."""
    def el(tag, vr, value):
        return element(tag, vr, value, implicit=implicit, little=little)

    return b"".join([
        el(0x00280002, "US", _us(1, little)),
        el(0x00280004, "CS", b"MONOCHROME2 "),
        el(0x00280008, "IS", str(frames).encode().ljust(2)),
        el(0x00280010, "US", _us(rows, little)),
        el(0x00280011, "US", _us(columns, little)),
        el(0x00280100, "US", _us(bits, little)),
        el(0x00280101, "US", _us(bits, little)),
        el(0x00280102, "US", _us(bits - 1, little)),
        el(0x00280103, "US", _us(0, little)),
    ])


def native_image(transfer_syntax, implicit, little):
    """A 2-frame 4x4 16-bit image in a native transfer syntax."""
    pixels = b"".join(_us(i * 37 % 65536, little) for i in range(2 * 4 * 4))
    body = (header_elements(implicit=implicit, little=little)
            + image_elements(4, 4, 2, implicit=implicit, little=little)
            + element(0x7FE00010, "OW", pixels, implicit=implicit, little=little))
    return dicom_file(body, transfer_syntax)


def encapsulated_image(transfer_syntax, frames):
    """Encapsulated pixel data: a basic offset table and one fragment per frame."""
    fragments = [bytes([i]) * 6 for i in range(frames)]
    offsets = b"".join(struct.pack("<L", i * 14) for i in range(frames))
    pixel_items = item(offsets) + b"".join(item(f) for f in fragments)
    body = (header_elements() + image_elements(2, 3, frames, bits=8)
            + element(0x7FE00010, "OB", b"", length=0xFFFFFFFF) + pixel_items
            + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))
    return dicom_file(body, transfer_syntax)


def rle_image():
    """One 2x2 8-bit frame, RLE Lossless: a 64-byte header and one literal run per segment."""
    segment = bytes([3]) + b"\x10\x20\x30\x40"
    header = struct.pack("<16L", 1, 64, *([0] * 14))
    frame = header + segment + b"\x00" * (len(segment) % 2)
    body = (header_elements() + image_elements(2, 2, 1, bits=8)
            + element(0x7FE00010, "OB", b"", length=0xFFFFFFFF) + item(b"") + item(frame)
            + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))
    return dicom_file(body, RLE_LOSSLESS)


def generated_seeds():
    """name -> bytes of every generated seed."""
    seeds = {}
    for name, ts, implicit, little in (("implicit_le", IMPLICIT_LE, True, True),
                                       ("explicit_le", EXPLICIT_LE, False, True),
                                       ("explicit_be", EXPLICIT_BE, False, False),
                                       ("deflated", DEFLATED, False, True)):
        seeds[f"{name}_header"] = dicom_file(header_elements(implicit=implicit, little=little), ts)
        seeds[f"{name}_image"] = native_image(ts, implicit, little)
    seeds["encapsulated_3_frames"] = encapsulated_image(JPEG_BASELINE, 3)
    seeds["rle_1_frame"] = rle_image()
    seeds["nested_40_undefined"] = dicom_file(deep_nesting(40))
    seeds["nested_20_defined"] = dicom_file(deep_nesting(20, undefined_sequences=False,
                                                         undefined_items=False))
    seeds["bare_implicit_no_meta"] = header_elements(implicit=True)
    return seeds
