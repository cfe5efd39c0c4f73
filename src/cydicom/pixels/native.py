"""Native (uncompressed) pixel data: numpy views of the file's bytes, copied only when needed.

``pixel_array`` equals pydicom's: the view is returned as it is (read-only, zero-copy)
unless a processing step changes values - unused bits that are not clean (checked in C),
bit-packed 1-bit data, YBR_FULL(_422) -> RGB, or 8-bit OW data in big endian.
"""
import math
import warnings

import numpy

from cydicom.errors import DicomWarning, PixelDataError
from cydicom.pixels import processing


def frame_count(desc, length):
    """Frames in ``length`` bytes of native data, after pydicom's length checks.

    Too little data is an error; whole extra frames are kept with a warning (pydicom's
    ``allow_excess_frames``); other excess bytes are ignored with a warning.
    """
    frame_bytes = desc.frame_bytes
    expected = math.ceil(frame_bytes * desc.frames)
    padded = expected + expected % 2
    if length < padded:
        if length != expected:
            raise PixelDataError(
                f"The number of bytes of pixel data is less than expected ({length} vs "
                f"{padded} bytes) - the dataset may be corrupted, have an invalid group "
                "0028 element value, or the transfer syntax may be incorrect")
        return desc.frames
    if length > padded:
        if desc.photometric == "YBR_FULL_422":
            ybr_length = expected // 2 * 3
            if length >= ybr_length + ybr_length % 2:
                raise PixelDataError(
                    f"The number of bytes of pixel data is a third larger than expected "
                    f"({length} vs {expected} bytes) which indicates the (0028,0004) "
                    "'Photometric Interpretation' value of 'YBR_FULL_422' is incorrect")
        else:
            whole = int(length // frame_bytes)
            if whole > desc.frames:
                warnings.warn(f"The pixel data holds {whole} frames, more than the "
                              f"(0028,0008) 'Number of Frames' value of {desc.frames}: "
                              "returning all of them", DicomWarning, stacklevel=4)
                return whole
        warnings.warn(f"The pixel data is {length} bytes long, which indicates it contains "
                      f"{length - expected} bytes of excess padding to be removed",
                      DicomWarning, stacklevel=4)
    return desc.frames


def _exact_length(desc, length):
    """True if ``length`` is the described size, padding included (no excess to warn of)."""
    expected = math.ceil(desc.frame_bytes * desc.frames)
    return length in (expected, expected + expected % 2)


def _swap_ow(desc):
    """pydicom's ``be_swap_ow``: 8-bit data written as OW in big endian is byte-swapped."""
    return (not desc.little_endian and desc.bits_allocated // 8 == 1
            and desc.keyword == "PixelData" and desc.vr == "OW")


def _copy_needed_layout(desc):
    return desc.bits_allocated == 1 or desc.photometric == "YBR_FULL_422" or _swap_ow(desc)


def view(desc, index=None):
    """The raw samples as a read-only zero-copy array shaped like pydicom's output."""
    if _copy_needed_layout(desc):
        raise PixelDataError("This pixel data has no zero-copy view (bit-packed, "
                             "YBR_FULL_422 or big endian 8-bit OW): use pixel_array")
    if index is None:
        kept = desc.__dict__.get("_full_view")
        if kept is not None:
            return kept.view()  # a new array object: reshaping it leaves the kept one alone
    raw = desc.element.raw
    frames = frame_count(desc, len(raw))
    dtype = desc.dtype
    count = desc.frame_pixels
    if index is None:
        flat = numpy.frombuffer(raw, dtype=dtype, count=count * frames)
        full = processing.reshape(flat, desc, frames, desc.planar_configuration)
        if _exact_length(desc, len(raw)):  # frame_count gave no warning to repeat
            desc.__dict__["_full_view"] = full
        return full.view()
    _check_index(index, frames)
    flat = numpy.frombuffer(raw, dtype=dtype, count=count, offset=index * desc.frame_bytes)
    return processing.reshape(flat, desc, 1, desc.planar_configuration)


def _check_index(index, frames):
    if not 0 <= index < frames:
        raise IndexError(f"frame index {index} out of range: the pixel data has {frames} "
                         "frame(s)")


def _unpacked_bits(desc, raw, frames, index):
    pixels = desc.frame_pixels
    frame_bytes = desc.frame_bytes
    if index is None:
        start_bit, count = 0, pixels * frames
        data = raw[:math.ceil(frame_bytes * frames)]
    else:
        first = math.floor(index * frame_bytes)
        start_bit, count = (index * pixels) % 8, pixels
        data = raw[first:first + math.ceil(frame_bytes) + 1]
    bits = numpy.unpackbits(numpy.frombuffer(data, dtype=numpy.uint8), bitorder="little")
    return bits[start_bit:start_bit + count]


def _swapped_ow(desc, raw, frames, index):
    frame_bytes = desc.frame_bytes
    if index is None:
        length = frame_bytes * frames
        data = numpy.frombuffer(raw[:length + length % 2], dtype="u2").byteswap()
        return data.view(desc.dtype)[:length]
    odd = index % 2 if frame_bytes % 2 else 0
    start = index * frame_bytes - odd
    data = numpy.frombuffer(raw[start:start + frame_bytes + (frame_bytes % 2)], dtype="u2")
    data = data.byteswap().view(desc.dtype)
    return data[odd:odd + frame_bytes]


def array(desc, index=None):
    """pydicom's ``pixel_array`` (or its frame ``index``), zero-copy when nothing changes."""
    raw = desc.element.raw
    frames = frame_count(desc, len(raw))
    if index is not None:
        _check_index(index, frames)
    n = 1 if index is not None else frames
    photometric = desc.photometric
    owned = True
    if desc.bits_allocated == 1:
        flat = _unpacked_bits(desc, raw, frames, index)
    else:
        if _swap_ow(desc):
            flat = _swapped_ow(desc, raw, frames, index)
        else:
            frame_bytes = desc.frame_bytes
            count = (frame_bytes // desc.dtype.itemsize) * n
            offset = 0 if index is None else index * frame_bytes
            flat = numpy.frombuffer(raw, dtype=desc.dtype, count=count, offset=offset)
            owned = False
        if photometric == "YBR_FULL_422":
            flat, owned, photometric = processing.expand_ybr422(flat), True, "YBR_FULL"
    if desc.keyword == "PixelData" and desc.bits_stored < desc.bits_allocated:
        if owned:
            processing.keep_low_bits(flat, desc.bits_stored)
        else:
            flat = processing.low_bits_kept(flat, desc.bits_stored)
    arr = processing.reshape(flat, desc, n, desc.planar_configuration)
    if processing.needs_rgb(photometric):
        arr = processing.ybr_full_to_rgb(arr)
    return arr
