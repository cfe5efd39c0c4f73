"""Encapsulated pixel data -> frames, without copying a single-fragment frame.

The value of an encapsulated Pixel Data element is a Basic Offset Table item followed by
fragment items. Frames are found with the Extended Offset Table, else the Basic Offset
Table, else the fragment count and JPEG EOI / J2K EOC markers, exactly as pydicom 3.0.2's
``generate_fragmented_frames`` does. Every offset and length is checked against the end of
the value (Python slicing cannot read past it, and lengths are compared before use).
"""
import struct
import warnings

from cydicom.errors import DicomWarning, EncapsulationError

ITEM = 0xFFFEE000
SEQUENCE_DELIMITER = 0xFFFEE0DD
UNDEFINED = 0xFFFFFFFF
_EOI = b"\xff\xd9"


def _warn(message):
    warnings.warn(message, DicomWarning, stacklevel=4)


def _read_items(value, start):
    """(start, length) of each item from ``start``, clipped to the data, as pydicom reads them."""
    pos, end = start, len(value)
    items = []
    while end - pos >= 4:
        group, element = struct.unpack_from("<HH", value, pos)
        tag = group << 16 | element
        if tag == SEQUENCE_DELIMITER:
            break
        if tag != ITEM:
            raise EncapsulationError(f"Unexpected tag ({group:04X},{element:04X}) at offset "
                                     f"{pos} of the encapsulated pixel data")
        if end - pos < 8:
            raise EncapsulationError(f"The item at offset {pos} of the encapsulated pixel "
                                     "data has no complete length field")
        (length,) = struct.unpack_from("<L", value, pos + 4)
        if length == UNDEFINED:
            raise EncapsulationError(f"Undefined item length at offset {pos + 4} of the "
                                     "encapsulated pixel data")
        body = pos + 8
        items.append((body, min(length, end - body)))  # a cut-off item is kept short
        pos = body + length
    return items


def basic_offsets(value):
    """The Basic Offset Table (a list of int) and the offset of the first fragment item."""
    if len(value) < 8:
        raise EncapsulationError("The encapsulated pixel data is too short for its Basic "
                                 "Offset Table item")
    group, element, length = struct.unpack_from("<HHL", value, 0)
    if group << 16 | element != ITEM:
        raise EncapsulationError(f"Found unexpected tag ({group:04X},{element:04X}) instead "
                                 "of the Basic Offset Table item")
    if length % 4:
        raise EncapsulationError(f"The length of the Basic Offset Table item ({length}) is "
                                 "not a multiple of 4")
    if length > len(value) - 8:
        raise EncapsulationError(f"The Basic Offset Table ({length} bytes) runs past the end "
                                 "of the pixel data")
    return list(struct.unpack_from(f"<{length // 4}L", value, 8)), 8 + length


def _u64_list(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        n = len(value) // 8
        return list(struct.unpack_from(f"<{n}Q", value, 0))
    if isinstance(value, int):
        return [value]
    return list(value)


def frame_fragments(value, number_of_frames, extended_offsets=None):
    """Each frame as a list of (start, length) fragments within ``value``."""
    offsets, first = basic_offsets(value)
    if extended_offsets is not None:
        eot, lengths = (_u64_list(v) for v in extended_offsets)
        if len(eot) != len(lengths):
            _warn("The number of items in (7FE0,0001) 'Extended Offset Table' and "
                  "(7FE0,0002) 'Extended Offset Table Lengths' don't match - the extended "
                  "offset table will be ignored")
        else:
            frames = []
            for offset, length in zip(eot, lengths):
                start = first + offset + 8
                if start > len(value) or length > len(value) - start:
                    raise EncapsulationError(f"Extended Offset Table frame at {offset} "
                                             f"(+{length} bytes) runs past the pixel data")
                frames.append([(start, length)])
            return frames
    fragments = _read_items(value, first)
    if offsets:
        return _split_by_offsets(fragments, offsets)
    if len(fragments) == 1:
        return [fragments]
    if not fragments:
        raise EncapsulationError("The encapsulated pixel data has no fragments")
    if not number_of_frames:
        raise EncapsulationError("No offset table and no Number of Frames: the frame "
                                 "boundaries are unknown")
    if len(fragments) == number_of_frames:
        return [[f] for f in fragments]
    if number_of_frames == 1:
        return [fragments]
    if len(fragments) > number_of_frames:
        return _split_at_markers(value, fragments, number_of_frames)
    raise EncapsulationError(f"Unable to generate frames from the encapsulated pixel data: "
                             f"there are fewer fragments ({len(fragments)}) than frames "
                             f"({number_of_frames})")


def _split_by_offsets(fragments, offsets):
    frames: list[list[tuple[int, int]]] = []
    frame: list[tuple[int, int]] = []
    index, position, last = 0, 0, len(offsets) - 1
    for fragment in fragments:
        if index != last:
            if position >= offsets[index + 1]:
                frames.append(frame)
                index += 1
                frame = []
            position += fragment[1] + 8
        frame.append(fragment)
    frames.append(frame)
    return frames


def _split_at_markers(value, fragments, number_of_frames):
    frames, frame = [], []
    for start, length in fragments:
        frame.append((start, length))
        tail_start = start + max(0, length - 10)
        if _EOI in bytes(value[tail_start:start + length]):
            frames.append(frame)
            frame = []
    if frame:
        if len(frames) >= number_of_frames:
            _warn("The end of the encapsulated pixel data has been reached but no JPEG "
                  "EOI/EOC marker was found, the final frame may be invalid")
        else:
            _warn("The end of the encapsulated pixel data has been reached but fewer frames "
                  "than expected have been found")
        frames.append(frame)
    elif len(frames) < number_of_frames:
        _warn("The end of the encapsulated pixel data has been reached but fewer frames "
              "than expected have been found")
    return frames


def frame_bytes(value, fragments):
    """One encoded frame: a zero-copy memoryview for one fragment, else the joined bytes."""
    if len(fragments) == 1:
        start, length = fragments[0]
        return value[start:start + length]
    return b"".join(value[start:start + length] for start, length in fragments)
