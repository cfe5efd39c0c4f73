# cython: language_level=3
"""Does pydicom's unused-bits correction change any value? Checked in C, GIL released.

pydicom shifts every sample left then right by (BitsAllocated - BitsStored): unsigned
samples lose their high bits, signed ones are sign-extended from bit BitsStored - 1. When
no sample changes, the raw bytes can be returned as they are (a zero-copy view).
"""
from libc.stdint cimport uintptr_t, int16_t, int32_t, int64_t, int8_t, uint8_t, uint16_t, uint32_t, uint64_t

cdef enum:
    BLOCK = 16384       # samples per block between early-exit checks


from cydicom._platform cimport cyd_bswap16 as bswap16, cyd_bswap32 as bswap32, cyd_bswap64 as bswap64


cdef inline uint64_t _swap(uint64_t v, int itemsize) noexcept nogil:
    if itemsize == 2:
        return bswap16(<uint16_t>v)
    if itemsize == 4:
        return bswap32(<uint32_t>v)
    if itemsize == 8:
        return bswap64(v)
    return v


cdef bint _unsigned_clean(const uint8_t *p, uint64_t count, int itemsize, uint64_t mask,
                          bint swap) noexcept nogil:
    """OR all samples together (byte order does not matter for OR), then test the mask."""
    cdef uint64_t i, start, stop, acc = 0
    cdef uint16_t a16
    cdef uint32_t a32
    cdef uint8_t a8
    start = 0
    while start < count:
        stop = start + BLOCK if count - start > BLOCK else count
        if itemsize == 1:
            a8 = 0
            for i in range(start, stop):
                a8 |= p[i]
            acc |= a8
        elif itemsize == 2:
            a16 = 0
            for i in range(start, stop):
                a16 |= (<const uint16_t *>p)[i]
            acc |= a16
        elif itemsize == 4:
            a32 = 0
            for i in range(start, stop):
                a32 |= (<const uint32_t *>p)[i]
            acc |= a32
        else:
            for i in range(start, stop):
                acc |= (<const uint64_t *>p)[i]
        if (_swap(acc, itemsize) if swap else acc) & mask:
            return False
        start = stop
    return True


cdef bint _signed_clean(const uint8_t *p, uint64_t count, int itemsize, int bits_stored,
                        bint swap) noexcept nogil:
    """Every sample's bits from BitsStored - 1 up are all 0 or all 1 (sign-extended)."""
    cdef uint64_t i, start, stop
    cdef int shift = bits_stored - 1
    cdef int16_t v16, bad16
    cdef int32_t v32, bad32
    cdef int64_t v64, bad64
    cdef int8_t bad8
    start = 0
    while start < count:
        stop = start + BLOCK if count - start > BLOCK else count
        bad64 = 0
        if itemsize == 1:
            bad8 = 0
            for i in range(start, stop):
                bad8 |= ((<int8_t>p[i] >> shift) + 1) & ~1
            bad64 = bad8
        elif itemsize == 2 and not swap:
            bad16 = 0
            for i in range(start, stop):
                v16 = (<const int16_t *>p)[i]
                bad16 |= ((v16 >> shift) + 1) & ~1
            bad64 = bad16
        elif itemsize == 4 and not swap:
            bad32 = 0
            for i in range(start, stop):
                v32 = (<const int32_t *>p)[i]
                bad32 |= ((v32 >> shift) + 1) & ~1
            bad64 = bad32
        else:
            for i in range(start, stop):
                if itemsize == 2:
                    v64 = <int16_t>_swap((<const uint16_t *>p)[i], 2) if swap else (<const int16_t *>p)[i]
                elif itemsize == 4:
                    v64 = <int32_t>_swap((<const uint32_t *>p)[i], 4) if swap else (<const int32_t *>p)[i]
                else:
                    v64 = <int64_t>_swap((<const uint64_t *>p)[i], 8) if swap else (<const int64_t *>p)[i]
                bad64 |= ((v64 >> shift) + 1) & ~1
        if bad64:
            return False
        start = stop
    return True


def unused_bits_clean(buffer, int itemsize, int bits_stored, bint signed, bint swap=False):
    """True if pydicom's unused-bits shift would leave every sample of ``buffer`` unchanged.

    ``buffer`` holds whole samples of ``itemsize`` bytes (1, 2, 4 or 8), in native byte
    order, or swapped when ``swap`` is true.
    """
    if itemsize not in (1, 2, 4, 8):
        raise ValueError(f"unsupported sample size {itemsize}")
    if bits_stored >= itemsize * 8:
        return True
    if bits_stored < 1:
        raise ValueError(f"invalid bits stored {bits_stored}")
    view = memoryview(buffer).cast("B")
    cdef const uint8_t[::1] data = view
    if data.shape[0] and (<uintptr_t>&data[0]) % itemsize:
        data = bytes(view)  # the C loops read whole aligned samples
    cdef uint64_t count = <uint64_t>data.shape[0] // itemsize
    if count == 0:
        return True
    cdef const uint8_t *p = &data[0]
    cdef uint64_t mask = ~((<uint64_t>1 << bits_stored) - 1)
    if itemsize < 8:
        mask &= (<uint64_t>1 << (itemsize * 8)) - 1
    cdef bint clean
    with nogil:
        if signed:
            clean = _signed_clean(p, count, itemsize, bits_stored, swap)
        else:
            clean = _unsigned_clean(p, count, itemsize, mask, swap)
    return clean
