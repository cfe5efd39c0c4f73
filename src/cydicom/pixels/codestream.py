"""Header parameters of JPEG, JPEG-LS and JPEG 2000 codestreams (no decoding).

The same fields pydicom 3.0.2 reads before decoding (``get_j2k_parameters`` and
``_get_jpg_parameters``): they decide sign correction and colour-space hints. Every read is
a slice or a bounds-checked index; a malformed header gives an empty dict, as in pydicom.
"""
from typing import Any

_JP2_SIGNATURE = b"\x00\x00\x00\x0c\x6a\x50\x20\x20"
_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE,
                  0xCF, 0xF7))


def _siz_offset(src):
    """(header bytes, offset of SOC + SIZ) where pydicom's ``get_j2k_parameters`` looks
    (the start, or the jp2c box of a JP2 file), or None."""
    data = bytes(src[:4096]) if len(src) > 4096 else bytes(src)
    offset = 0
    if data.startswith(_JP2_SIGNATURE):
        data = bytes(src)
        offset = 12
        while offset < len(data):
            length = int.from_bytes(data[offset:offset + 4], "big")
            if data[offset + 4:offset + 8] == b"jp2c":
                offset += 8
                break
            if length == 0:  # pydicom would loop forever here: treat as not found
                return None
            offset += length
    if data[offset:offset + 4] != b"\xff\x4f\xff\x51" or len(data) <= offset + 42:
        return None
    return data, offset


def _sof_offset(data, apps=None):
    """Offset of the SOF marker of a JPEG / JPEG-LS frame, walked as pydicom's
    ``_get_jpg_parameters`` does, or None; APPn segments on the way go into ``apps``."""
    if data[:2] != b"\xff\xd8":
        return None
    offset = 2
    while len(data) >= offset + 4:
        marker = data[offset + 1] if data[offset] == 0xFF else -1
        if marker in _SOF:
            return offset
        length = int.from_bytes(data[offset + 2:offset + 4], "big")
        if apps is not None and 0xE0 <= marker <= 0xEF:
            apps[marker] = data[offset + 4:offset + 2 + length]
        offset += length + 2
    return None


def j2k_parameters(src):
    """{"precision", "is_signed"} of the first component, or {} if not found."""
    found = _siz_offset(src)
    if found is None:
        return {}
    data, offset = found
    ssiz = data[offset + 42]
    if ssiz & 0x80:
        return {"precision": (ssiz & 0x7F) + 1, "is_signed": True}
    return {"precision": ssiz + 1, "is_signed": False}


def jpeg_parameters(src):
    """{"precision", "component_ids", "app"?} of a JPEG / JPEG-LS frame, or {}."""
    data = bytes(src)
    apps: dict[int, bytes] = {}
    offset = _sof_offset(data, apps)
    if offset is None:
        return {}
    info: dict[str, Any] = {}
    if apps:
        info["app"] = apps
    try:
        offset += 2
        info["precision"] = data[offset + 2]
        components = data[offset + 7]
        ids = [data[offset + 8 + 3 * i] for i in range(components)]
        info["component_ids"] = ids
    except IndexError:
        return {}
    return info


#: a JPEG 2000 codestream may declare at most this many tiles: OpenJPEG allocates its
#: per-tile state for all of them from the SIZ marker alone (about 12 KiB per tile)
MAX_J2K_TILES = 4096


def declared_size(src, jpeg_2000):
    """(samples, tiles) a JPEG 2000 (SIZ) or JPEG / JPEG-LS (SOF) header declares, or None.

    Decoders size their buffers from these fields before decoding anything; a hostile
    frame can declare gigabytes in a few bytes. ``samples`` is width x height x components
    (0 for a JPEG height of 0: set later by a DNL marker, see ``jpeg_rows``); ``tiles`` is
    1 for JPEG. None when the header is not found (where pydicom looks for it).
    """
    if jpeg_2000:
        return _j2k_size(src)
    dimensions = _jpeg_dimensions(src)
    if dimensions is None:
        return None
    rows, columns, components = dimensions
    return rows * columns * components, 1


def _j2k_size(src):
    found = _siz_offset(src)
    if found is None:
        return None
    data, offset = found
    siz = [int.from_bytes(data[offset + 8 + 4 * k:offset + 12 + 4 * k], "big")
           for k in range(8)]
    x, y, x_origin, y_origin, tile_x, tile_y, tile_x_origin, tile_y_origin = siz
    components = int.from_bytes(data[offset + 40:offset + 42], "big")
    width, height = max(x - x_origin, 0), max(y - y_origin, 0)
    if tile_x == 0 or tile_y == 0:
        return width * height * components, None  # the decoder rejects it
    tiles = (-(-max(x - tile_x_origin, 0) // tile_x)) * (-(-max(y - tile_y_origin, 0) // tile_y))
    return width * height * components, tiles


def jpeg_rows(src):
    """The number of lines a JPEG / JPEG-LS frame header (SOF) declares, or None if none
    is found. 0 means "set later by a DNL marker": pylibjpeg-libjpeg never returns from
    such a frame when the marker is missing (found by fuzzing), so it is not decoded."""
    dimensions = _jpeg_dimensions(src)
    return None if dimensions is None else dimensions[0]


def _jpeg_dimensions(src):
    """(rows, columns, components) of the SOF where pydicom looks for it, or None."""
    data = bytes(src[:65536])
    offset = _sof_offset(data)
    if offset is None or len(data) < offset + 10:
        return None
    return (int.from_bytes(data[offset + 5:offset + 7], "big"),
            int.from_bytes(data[offset + 7:offset + 9], "big"), data[offset + 9])


def ends_with_eoi(src):
    """True if the frame ``src`` ends with an EOI marker (trailing 0x00 padding aside).

    CharLS (imagecodecs' JPEG-LS decoder) given a scan that runs to the end of its buffer
    without a marker can spend seconds on a few kilobytes before it fails (found by
    fuzzing: 30 of 300 mutated frames took over 1 s; none of 1,000 with an EOI), and it
    rejects complete scans without one, which pydicom's libjpeg decodes.
    """
    return bytes(src[-16:]).rstrip(b"\x00").endswith(b"\xff\xd9")


_ARITHMETIC = frozenset((0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF))  # SOF9-15 and DAC


def lossless_tables_sound(src, limit=65536):
    """True if a lossless JPEG frame (SOF3) defines a sound Huffman table for every
    component of its first scan before that scan starts, with no arithmetic-coding segment.

    imagecodecs' lossless JPEG decoder reads a scan whose tables are missing through a
    NULL table: a segfault from one flipped bit (DHT -> DAC, found by fuzzing). Sound:
    at most 256 codes of 1-16 bits that fit the code space (Kraft), difference
    categories 0-16, a predictor 1-7, and the scan's components declared in the SOF3.
    """
    data = bytes(src[:limit])
    if data[:2] != b"\xff\xd8":
        return False
    offset, components = 2, None
    tables: set[int] = set()
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            return False
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        length = int.from_bytes(data[offset + 2:offset + 4], "big")
        segment = data[offset + 4:offset + 2 + length]
        if length < 2 or len(segment) != length - 2 or marker in _ARITHMETIC:
            return False
        if marker == 0xC3:
            components = _frame_components(segment)
        elif marker in _SOF:
            return False  # not lossless Huffman coding
        elif marker == 0xC4:
            if not _huffman_tables(segment, tables):
                return False
        elif marker == 0xDA:
            return components is not None and _scan_sound(segment, components, tables)
        offset += 2 + length
    return False


def _frame_components(segment):
    """The component ids of a SOF3 segment, or None if it is malformed."""
    if len(segment) < 6 or not 2 <= segment[0] <= 16:
        return None
    count = segment[5]
    if count == 0 or len(segment) != 6 + 3 * count:
        return None
    return {segment[6 + 3 * k] for k in range(count)}


def _huffman_tables(segment, tables):
    """Add the DC tables of a DHT segment to ``tables``; False if one is unsound."""
    pos = 0
    while pos < len(segment):
        if pos + 17 > len(segment) or segment[pos] & 0xEC:  # class 0/1, id 0-3
            return False
        counts = segment[pos + 1:pos + 17]
        total = sum(counts)
        values = segment[pos + 17:pos + 17 + total]
        space = sum(n << (16 - bits) for bits, n in enumerate(counts, start=1))
        if total == 0 or total > 256 or len(values) != total or space > 1 << 16:
            return False
        if segment[pos] >> 4 == 0:
            if max(values) > 16:
                return False
            tables.add(segment[pos] & 0x03)
        pos += 17 + total
    return True


def _scan_sound(segment, components, tables):
    if not segment:
        return False
    count = segment[0]
    if count == 0 or len(segment) != 4 + 2 * count:
        return False
    for k in range(count):
        selector, table = segment[1 + 2 * k], segment[2 + 2 * k] >> 4
        if selector not in components or table not in tables:
            return False
    return 1 <= segment[1 + 2 * count] <= 7  # the predictor
