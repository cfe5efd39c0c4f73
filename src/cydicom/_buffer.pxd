# Bounds-checked little/big-endian reads over a raw byte buffer.
# Callers check `pos + n <= end` (with 64-bit arithmetic, see `fits`) before reading;
# the readers themselves only assemble bytes, so they stay branch-free and inline.
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t


cdef inline bint fits(uint64_t pos, uint64_t n, uint64_t end) noexcept nogil:
    """True if the n bytes at pos lie inside [0, end); never overflows."""
    return pos <= end and n <= end - pos


cdef inline uint16_t read_u16(const uint8_t *p, bint little) noexcept nogil:
    if little:
        return <uint16_t>(p[0] | (<uint16_t>p[1] << 8))
    return <uint16_t>(p[1] | (<uint16_t>p[0] << 8))


cdef inline uint32_t read_u32(const uint8_t *p, bint little) noexcept nogil:
    if little:
        return (<uint32_t>p[0] | (<uint32_t>p[1] << 8)
                | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24))
    return (<uint32_t>p[3] | (<uint32_t>p[2] << 8)
            | (<uint32_t>p[1] << 16) | (<uint32_t>p[0] << 24))


cdef inline uint64_t read_u64(const uint8_t *p, bint little) noexcept nogil:
    if little:
        return <uint64_t>read_u32(p, 1) | (<uint64_t>read_u32(p + 4, 1) << 32)
    return <uint64_t>read_u32(p + 4, 0) | (<uint64_t>read_u32(p, 0) << 32)


cdef inline uint32_t read_tag(const uint8_t *p, bint little) noexcept nogil:
    """A tag is two u16 (group, element) in the stream's byte order."""
    return (<uint32_t>read_u16(p, little) << 16) | read_u16(p + 2, little)
