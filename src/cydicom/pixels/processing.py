"""pydicom's default processing steps after decoding: reshape, bit corrections, YBR -> RGB.

Each step works on a writeable array the caller owns, except ``reshape`` (a view).
"""
import numpy

from cydicom.errors import PixelDataError
from cydicom.pixels import workers
from cydicom.pixels._bits import unused_bits_clean

_YBR_TO_RGB = numpy.asarray(
    [[1.000, 1.000, 1.000],
     [0.000, -0.114 * 1.772 / 0.587, 1.772],
     [1.402, -0.299 * 1.402 / 0.587, 0.000]],
    dtype=numpy.float32)


def reshape(arr, desc, frames, planar_configuration):
    """A view of the flat ``arr`` shaped as pydicom does (samples last, no axis for 1 frame)."""
    spp, rows, columns = desc.samples_per_pixel, desc.rows, desc.columns
    if spp == 1 or planar_configuration == 0:
        return arr.reshape(desc.shape(frames))
    if frames == 1:
        return arr.reshape(spp, rows, columns).transpose(1, 2, 0)
    return arr.reshape(frames, spp, rows, columns).transpose(0, 2, 3, 1)


def shift_out(arr, bits):
    """In place: drop the top ``bits`` bits of every sample (sign-extending signed ones)."""
    if bits > 0:
        numpy.left_shift(arr, bits, out=arr)
        numpy.right_shift(arr, bits, out=arr)
    return arr


PARALLEL_CHECK_BYTES = 8 << 20


def bits_clean(flat, bits_used):
    """True if keeping ``bits_used`` bits per sample (pydicom's shift) changes nothing.

    A flat array of 8 MiB or more is checked in parts on all cores (the C loop is bound by
    memory bandwidth, which one core rarely saturates).
    """
    size = flat.dtype.itemsize
    options = (size, bits_used, flat.dtype.kind == "i", not flat.dtype.isnative)
    cores = workers.cpu_count()
    if flat.nbytes < PARALLEL_CHECK_BYTES or cores < 2:
        return unused_bits_clean(flat, *options)
    parts = [flat[r.start:r.stop] for r in workers.split(len(flat), cores)]
    return all(workers.executor(cores).map(lambda part: unused_bits_clean(part, *options),
                                            parts))


def low_bits_kept(flat, bits_used):
    """``flat`` itself when pydicom's shift keeping ``bits_used`` bits per sample changes
    nothing (checked in C), else a corrected copy: for read-only views of the file."""
    size = flat.dtype.itemsize
    if 0 < bits_used < 8 * size and not bits_clean(flat, bits_used):
        return shift_out(flat.copy(), 8 * size - bits_used)
    return flat


def keep_low_bits(flat, bits_used):
    """In place, on a contiguous array: pydicom's shift keeping ``bits_used`` bits per sample.

    The C check runs first: most data is already clean, and checking is cheaper than shifting.
    """
    size = flat.dtype.itemsize
    if 0 < bits_used < 8 * size and not bits_clean(flat, bits_used):
        shift_out(flat, 8 * size - bits_used)
    return flat


def ybr_full_to_rgb(arr):
    """YBR_FULL -> RGB for uint8 samples, with pydicom's float32 arithmetic and rounding."""
    if arr.dtype != numpy.dtype("u1"):
        raise PixelDataError(f"Invalid ndarray.dtype '{arr.dtype}' for color space "
                             "conversion, must be 'uint8' or an equivalent")
    out = arr.astype(numpy.float32)
    out -= [0, 128, 128]
    numpy.matmul(out, _YBR_TO_RGB, out=out)
    out += 0.5
    numpy.floor(out, out=out)
    numpy.clip(out, 0, 255, out=out)
    return out.astype(arr.dtype)


def expand_ybr422(arr):
    """Native YBR_FULL_422 (Y1 Y2 Cb Cr) -> YBR_FULL (Y1 Cb Cr Y2 Cb Cr), a new array."""
    out = numpy.empty(arr.shape[0] // 2 * 3, dtype=arr.dtype)
    out[::6] = arr[::4]
    out[3::6] = arr[1::4]
    out[1::6], out[4::6] = arr[2::4], arr[2::4]
    out[2::6], out[5::6] = arr[3::4], arr[3::4]
    return out


def needs_rgb(photometric):
    return photometric in ("YBR_FULL", "YBR_FULL_422")
