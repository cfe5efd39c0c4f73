# Value conversion, callable from the dataset layer without Python call overhead.
from libc.stdint cimport uint8_t, uint16_t

cdef object convert_value(str vr, const uint8_t *p, Py_ssize_t n, bint little, tuple encodings)


cdef inline bint is_charset_vr_code(uint16_t code) noexcept nogil:
    """True for SH LO ST LT UC UT PN (``CHARSET_VRS``) as a VR code, first letter high."""
    return code in (0x5348, 0x4C4F, 0x5354, 0x4C54, 0x5543, 0x5554, 0x504E)
