# Column builders for scans, shared with the scan engine (see _columns.pyx).
from libc.stdint cimport int64_t, uint8_t, uint16_t

cdef enum:
    K_INT = 0
    K_FLOAT = 1
    K_STR = 2
    K_BYTES = 3

# how a file's charset VRs decode: latin-1 (also the default), UTF-8, or by the fallback
cdef enum:
    CS_LATIN1 = 0
    CS_UTF8 = 1
    CS_OTHER = 2

cdef enum:
    RAW_FALLBACK = 1          # push_raw: this value needs dcmread's reading

ctypedef struct Buf:
    uint8_t *data
    size_t size
    size_t capacity


cdef class ColumnBuilder:
    cdef readonly int kind
    cdef readonly bint is_list
    cdef readonly str vr
    cdef uint16_t vr_code
    cdef Buf values          # int64 / float64 items, or the text / bytes data
    cdef Buf offsets         # int64 item offsets into ``values`` (text and bytes)
    cdef Buf item_valid
    cdef Buf list_offsets    # int64 row offsets into the items (list columns)
    cdef Buf row_valid
    cdef size_t nitems
    cdef size_t nrows
    cdef size_t mark[7]
    cdef public bint unsigned_first  # LUT descriptors: a negative first of several values + 65536

    cdef void save(self)
    cdef void restore(self)
    cdef int end_row(self, bint valid) except -1
    cdef int null_row(self) except -1
    cdef int null_item(self) except -1
    cdef int int_item(self, int64_t value) except -1
    cdef int float_item(self, double value) except -1
    cdef int append_text(self, const uint8_t *p, size_t n, bint latin1) except -1
    cdef int close_item(self) except -1
    cdef int push_raw(self, uint16_t vr, const uint8_t *p, size_t n, bint little,
                      int charset) except -1
    cdef int _binary(self, uint16_t vr, const uint8_t *p, size_t n, bint little) except -1
    cdef int _number(self, int64_t value) except -1
    cdef int _number_text(self, uint16_t vr, const uint8_t *p, size_t n) except -1
    cdef int _text(self, uint16_t vr, const uint8_t *p, size_t n, int charset) except -1
    cdef object _python_item(self, item)
    cdef object _push_python(self, value, bint present, bint empty)
