# cython: language_level=3
"""RLE Lossless (PS3.5 Annex G) frame decoder: C loops, the GIL released while decoding.

Decodes the way pydicom 3.0.2's own RLE decoder does (big-endian segment order, a short
segment is an error, surplus decoded bytes are ignored with a warning), but writes the
samples straight into pixel-interleaved (planar configuration 0) little-endian order.
"""
import warnings

import numpy

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from cydicom.errors import DecoderError, DicomWarning

cdef enum:
    HEADER_LENGTH = 64
    MAX_SEGMENTS = 15


cdef inline uint32_t _u32le(const uint8_t *p) noexcept nogil:
    return p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24)


cdef uint64_t _decode_segment(const uint8_t *src, uint64_t n, uint8_t *out,
                              uint64_t wanted) noexcept nogil:
    """Decode one PackBits segment into out[0:wanted]; returns the bytes it decodes to.

    At most ``wanted`` bytes are written; the count returned goes on past it, so the
    caller can tell short segments from padded ones.
    """
    cdef uint64_t pos = 0, produced = 0, run, room
    cdef uint8_t header
    while pos < n:
        header = src[pos]
        pos += 1
        if header > 128:            # replicate the next byte 257 - header times
            if pos >= n:
                break
            run = 257 - header
            room = wanted - produced if produced < wanted else 0
            memset(out + produced, src[pos], run if run < room else room)
            pos += 1
            produced += run
        elif header < 128:          # copy the next header + 1 bytes (fewer at the end)
            run = <uint64_t>header + 1
            if run > n - pos:
                run = n - pos
            room = wanted - produced if produced < wanted else 0
            memcpy(out + produced, src + pos, run if run < room else room)
            pos += run
            produced += run
        # header == 128: no operation
    return produced


cdef void _interleave(const uint8_t *planes, uint8_t *out, uint64_t pixels, int samples,
                      int bytes_per_sample) noexcept nogil:
    """Segments (MSB first, per sample) -> pixel-interleaved little-endian samples."""
    cdef uint64_t p
    cdef int s, k, stride = samples * bytes_per_sample
    cdef const uint8_t *high
    cdef const uint8_t *low
    cdef const uint8_t *plane
    if samples == 1 and bytes_per_sample == 2:      # the common case: 16-bit grey
        high = planes
        low = planes + pixels
        for p in range(pixels):
            (<uint16_t *>out)[p] = (<uint16_t>high[p] << 8) | low[p]
        return
    for s in range(samples):
        for k in range(bytes_per_sample):
            plane = planes + (s * bytes_per_sample + k) * pixels
            for p in range(pixels):
                out[p * stride + s * bytes_per_sample + bytes_per_sample - 1 - k] = plane[p]


cdef int _decode_frame(const uint8_t *src, uint64_t n, uint8_t *out, uint64_t pixels,
                       int samples, int bytes_per_sample, uint64_t *segment_lengths,
                       int *segment_count) noexcept nogil:
    """Decode a frame; 0, or -1 (bad header) / -2 (segment count) / -3 (short segment) /
    -4 (no memory)."""
    cdef uint64_t offsets[MAX_SEGMENTS + 1]
    cdef uint64_t start, end
    cdef uint32_t count
    cdef int index, status = 0
    cdef uint8_t *planes
    if n < HEADER_LENGTH:
        return -1
    count = _u32le(src)
    segment_count[0] = <int>count
    if count > MAX_SEGMENTS:
        return -1
    if count != <uint32_t>(samples * bytes_per_sample):
        return -2
    if pixels > (n - HEADER_LENGTH) * 64:   # a 2-byte run makes at most 128 bytes
        return -3
    for index in range(<int>count):
        offsets[index] = _u32le(src + 4 + 4 * index)
    offsets[count] = n
    # one segment is the output itself; several are decoded side by side, then interleaved
    planes = out if count == 1 else <uint8_t *>malloc(pixels * count)
    if planes == NULL:
        return -4
    for index in range(<int>count):
        start = offsets[index]
        end = offsets[index + 1]
        if start > n:
            start = n
        if end > n:
            end = n
        if end < start:
            end = start
        segment_lengths[index] = _decode_segment(src + start, end - start,
                                                 planes + index * pixels, pixels)
        if segment_lengths[index] < pixels:
            status = -3
            break
    if count > 1:
        if status == 0:
            _interleave(planes, out, pixels, samples, bytes_per_sample)
        free(planes)
    return status


def decode_frame(src, int rows, int columns, int samples, int bits_allocated,
                 str transfer_syntax="1.2.840.10008.1.2.5"):
    """One RLE frame -> a 1-D uint8 array: pixel-interleaved, little-endian samples.

    Raises ``DecoderError`` for a bad header, a segment count that does not match the
    image description, or a segment that decodes to too few bytes.
    """
    if bits_allocated % 8 or not 8 <= bits_allocated <= 64:
        raise DecoderError(f"RLE Lossless ({transfer_syntax}), cydicom RLE decoder: "
                           f"cannot decode {bits_allocated} bits allocated")
    cdef const uint8_t[::1] data = memoryview(src).cast("B")
    cdef int bytes_per_sample = bits_allocated // 8
    cdef uint64_t pixels = <uint64_t>rows * columns
    cdef uint64_t[MAX_SEGMENTS] lengths
    cdef int count = 0, status
    cdef uint64_t n = data.shape[0]
    # allocate only what the frame can decode to (a 2-byte run makes at most 128 bytes);
    # otherwise _decode_frame fails before writing
    cdef bint decodable = n >= HEADER_LENGTH and pixels <= (n - HEADER_LENGTH) * 64
    out = numpy.empty(pixels * samples * bytes_per_sample if decodable else 1, dtype=numpy.uint8)
    cdef uint8_t[::1] target = out
    cdef const uint8_t *p = &data[0] if n else NULL
    with nogil:
        status = _decode_frame(p, n, &target[0], pixels, samples, bytes_per_sample,
                               lengths, &count)
    if status == -1:
        raise DecoderError(f"RLE Lossless ({transfer_syntax}), cydicom RLE decoder: invalid "
                           f"RLE header ({n} bytes of frame, {count} segments)")
    if status == -2:
        raise DecoderError(f"RLE Lossless ({transfer_syntax}), cydicom RLE decoder: the "
                           f"number of RLE segments doesn't match the expected amount "
                           f"({count} vs. {samples * bytes_per_sample} segments)")
    if status == -4:
        raise MemoryError("no memory for the RLE segments")
    if status == -3:
        raise DecoderError(f"RLE Lossless ({transfer_syntax}), cydicom RLE decoder: a segment "
                           f"decodes to fewer bytes than the {pixels} pixels of the frame")
    for index in range(count):
        if lengths[index] != pixels:
            warnings.warn(f"The decoded RLE segment contains non-conformant padding - "
                          f"{lengths[index]} vs. {pixels} bytes expected", DicomWarning,
                          stacklevel=2)
            break
    return out
