# Value conversion, callable from the dataset layer without Python call overhead.
from libc.stdint cimport uint8_t

cdef object convert_value(str vr, const uint8_t *p, Py_ssize_t n, bint little, tuple encodings)
