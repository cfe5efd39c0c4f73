# cython: language_level=3
"""Typed columns for scans: value bytes -> Arrow-layout buffers, one builder per tag.

A column holds *items* (int64, float64, or UTF-8 text / bytes with int64 offsets) and,
for list columns (VM > 1 in the dictionary), list offsets over the items; validity is one
byte per item and per row (packed into Arrow bitmaps later). The C kernels reproduce
``_values.convert_value`` for the common cases byte for byte; a kernel that meets
anything else returns ``FALLBACK`` and the row's values come from ``dcmread`` instead
(``push_python``), so every value equals what ``dcmread`` gives.
"""
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

from cydicom._columns cimport Buf, CS_LATIN1, CS_OTHER, CS_UTF8, K_BYTES, K_FLOAT, K_INT, K_STR, RAW_FALLBACK
from libc.stdlib cimport free, realloc, strtod
from libc.string cimport memchr, memcpy

from cydicom._buffer cimport read_u16, read_u32, read_u64
from cydicom._values cimport is_charset_vr_code

FALLBACK = RAW_FALLBACK
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
KIND_INT, KIND_FLOAT, KIND_STR, KIND_BYTES = K_INT, K_FLOAT, K_STR, K_BYTES
CHARSET_LATIN1, CHARSET_UTF8, CHARSET_OTHER = CS_LATIN1, CS_UTF8, CS_OTHER


cdef int _reserve(Buf *b, size_t extra) except -1:
    cdef size_t needed = b.size + extra, capacity = b.capacity if b.capacity else 256
    cdef void *grown
    if needed <= b.capacity:
        return 0
    while capacity < needed:
        capacity *= 2
    grown = realloc(b.data, capacity)
    if grown == NULL:
        raise MemoryError()
    b.data = <uint8_t *>grown
    b.capacity = capacity
    return 0


cdef inline int _put(Buf *b, const void *p, size_t n) except -1:
    if n == 0:
        return 0  # an empty value: b.data may still be NULL, and memcpy(NULL, ..., 0) is UB
    if b.size + n > b.capacity:
        _reserve(b, n)
    memcpy(b.data + b.size, p, n)
    b.size += n
    return 0


cdef inline int _put_byte(Buf *b, uint8_t value) except -1:
    if b.size + 1 > b.capacity:
        _reserve(b, 1)
    b.data[b.size] = value
    b.size += 1
    return 0


cdef inline int _put_i64(Buf *b, int64_t value) except -1:
    return _put(b, &value, 8)


cdef bytes _take(Buf *b):
    return PyBytes_FromStringAndSize(<const char *>b.data, b.size) if b.size else b""


cdef inline bint _ws(uint8_t c) noexcept nogil:
    """Python's str.isspace() for a latin-1 character."""
    return c == 32 or 9 <= c <= 13 or 28 <= c <= 31 or c == 0x85 or c == 0xA0


cdef inline bint _space_or_nul(uint8_t c) noexcept nogil:
    return c == 32 or c == 0


cdef inline uint16_t _vr_code(str vr):
    if len(vr) != 2:
        return 0
    return (<uint16_t>(<Py_UCS4>vr[0]) << 8) | <uint16_t>(<Py_UCS4>vr[1])


cdef bint _valid_utf8(const uint8_t *p, size_t n) noexcept nogil:
    """True if Python's strict UTF-8 decoder accepts the bytes."""
    cdef size_t i = 0
    cdef uint8_t c
    cdef int extra, k
    cdef uint32_t cp, minimum
    while i < n:
        c = p[i]
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            extra = 1
            cp = c & 0x1F
            minimum = 0x80
        elif 0xE0 <= c <= 0xEF:
            extra = 2
            cp = c & 0x0F
            minimum = 0x800
        elif 0xF0 <= c <= 0xF4:
            extra = 3
            cp = c & 0x07
            minimum = 0x10000
        else:
            return False
        if n - i <= <size_t>extra:
            return False
        for k in range(1, extra + 1):
            if p[i + k] & 0xC0 != 0x80:
                return False
            cp = (cp << 6) | (p[i + k] & 0x3F)
        if cp < minimum or cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
            return False
        i += extra + 1
    return True


cdef uint64_t MANTISSA_LIMIT = 100000000000000000   # 10**17: one more digit still fits
cdef uint64_t MAX_EXACT = 9007199254740992          # 2**53
cdef double POW10[23]
for _i in range(23):
    POW10[_i] = float(10 ** _i)


cdef bint _decimal(const uint8_t *p, size_t n, double *out) noexcept nogil:
    """Parse ``[+-]?(digits[.digits?]|.digits)([eE][+-]?digits)?`` into ``out``; False for
    anything else (the fallback then asks Python's float()).

    Correctly rounded, as Python's float() is: Clinger's fast path (an exact mantissa
    below 2**53 times or divided by an exact power of ten is one IEEE rounding) covers
    DICOM's short decimals; the rest goes to glibc's strtod, also correctly rounded.
    """
    cdef size_t i = 0, digits = 0, exponent_digits = 0
    cdef uint64_t mantissa = 0
    cdef int exponent = 0, written = 0
    cdef bint negative = False, exact = True, exponent_negative = False
    cdef char tmp[64]
    cdef double value
    if n == 0 or n >= 63:
        return False
    if p[0] == 43 or p[0] == 45:
        negative = p[0] == 45
        i = 1
    while i < n and 48 <= p[i] <= 57:
        if mantissa < MANTISSA_LIMIT:
            mantissa = mantissa * 10 + (p[i] - 48)
        else:
            exponent += 1
            exact = False
        digits += 1
        i += 1
    if i < n and p[i] == 46:
        i += 1
        while i < n and 48 <= p[i] <= 57:
            if mantissa < MANTISSA_LIMIT:
                mantissa = mantissa * 10 + (p[i] - 48)
                exponent -= 1
            else:
                exact = False
            digits += 1
            i += 1
    if digits == 0:
        return False
    if i < n and (p[i] == 101 or p[i] == 69):
        i += 1
        if i < n and (p[i] == 43 or p[i] == 45):
            exponent_negative = p[i] == 45
            i += 1
        while i < n and 48 <= p[i] <= 57:
            if written < 100000:
                written = written * 10 + (p[i] - 48)
            exponent_digits += 1
            i += 1
        if exponent_digits == 0:
            return False
        exponent += -written if exponent_negative else written
    if i != n:
        return False
    if exact and mantissa <= MAX_EXACT and -22 <= exponent <= 22:
        value = <double>mantissa
        if exponent > 0:
            value = value * POW10[exponent]
        elif exponent < 0:
            value = value / POW10[-exponent]
        out[0] = -value if negative else value
        return True
    memcpy(tmp, p, n)
    tmp[n] = 0
    out[0] = strtod(tmp, NULL)
    return True


cdef class ColumnBuilder:
    """Items and rows of one column, appended in row order (see the module docstring)."""

    def __cinit__(self, int kind, bint is_list, str vr):
        self.kind = kind
        self.is_list = is_list
        self.vr = vr
        self.vr_code = _vr_code(vr)
        if kind == K_STR or kind == K_BYTES:
            _put_i64(&self.offsets, 0)
        if is_list:
            _put_i64(&self.list_offsets, 0)

    def __dealloc__(self):
        free(self.values.data)
        free(self.offsets.data)
        free(self.item_valid.data)
        free(self.list_offsets.data)
        free(self.row_valid.data)

    # ---- rows ----------------------------------------------------------------------
    cdef void save(self):
        self.mark[0] = self.values.size
        self.mark[1] = self.offsets.size
        self.mark[2] = self.item_valid.size
        self.mark[3] = self.list_offsets.size
        self.mark[4] = self.row_valid.size
        self.mark[5] = self.nitems
        self.mark[6] = self.nrows

    cdef void restore(self):
        self.values.size = self.mark[0]
        self.offsets.size = self.mark[1]
        self.item_valid.size = self.mark[2]
        self.list_offsets.size = self.mark[3]
        self.row_valid.size = self.mark[4]
        self.nitems = self.mark[5]
        self.nrows = self.mark[6]

    cdef int end_row(self, bint valid) except -1:
        """Close a row whose items were pushed (list columns) or check the one item."""
        cdef int64_t first
        cdef int64_t *items
        if self.is_list:
            if self.unsigned_first and self.kind == K_INT:
                first = (<int64_t *>self.list_offsets.data)[self.nrows]
                items = <int64_t *>self.values.data
                if <int64_t>self.nitems - first >= 2 and items[first] < 0:
                    items[first] += 65536  # dcmread's LUT descriptor rule (first value US)
            _put_i64(&self.list_offsets, <int64_t>self.nitems)
            _put_byte(&self.row_valid, valid)
        self.nrows += 1
        return 0

    cdef int null_row(self) except -1:
        if self.is_list:
            return self.end_row(False)
        self.null_item()
        return self.end_row(False)

    # ---- items ---------------------------------------------------------------------
    cdef int null_item(self) except -1:
        if self.kind == K_INT or self.kind == K_FLOAT:
            _put_i64(&self.values, 0)
        else:
            _put_i64(&self.offsets, <int64_t>self.values.size)
        _put_byte(&self.item_valid, 0)
        self.nitems += 1
        return 0

    cdef int int_item(self, int64_t value) except -1:
        _put_i64(&self.values, value)
        _put_byte(&self.item_valid, 1)
        self.nitems += 1
        return 0

    cdef int float_item(self, double value) except -1:
        _put(&self.values, &value, 8)
        _put_byte(&self.item_valid, 1)
        self.nitems += 1
        return 0

    cdef int append_text(self, const uint8_t *p, size_t n, bint latin1) except -1:
        """Append to the open text item, as UTF-8 (latin-1 transcoded)."""
        cdef size_t i
        cdef uint8_t c
        cdef uint8_t *out
        if n == 0 or not latin1:
            return _put(&self.values, p, n)
        _reserve(&self.values, 2 * n)
        out = self.values.data + self.values.size
        for i in range(n):
            c = p[i]
            if c < 0x80:
                out[0] = c
                out += 1
            else:
                out[0] = 0xC0 | (c >> 6)
                out[1] = 0x80 | (c & 0x3F)
                out += 2
        self.values.size = out - self.values.data
        return 0

    cdef int close_item(self) except -1:
        """Finish a text or bytes item appended with ``append_text``/``_put``."""
        _put_i64(&self.offsets, <int64_t>self.values.size)
        _put_byte(&self.item_valid, 1)
        self.nitems += 1
        return 0

    # ---- values --------------------------------------------------------------------
    cdef int push_raw(self, uint16_t vr, const uint8_t *p, size_t n, bint little,
                      int charset) except -1:
        """Convert one element's value bytes into this row; FALLBACK if the C path can't."""
        if vr == 0:
            vr = self.vr_code  # implicit VR: the dictionary's
        if vr == 0 or vr == 0x554E:  # ambiguous dictionary VR, or UN: dcmread's rules
            return RAW_FALLBACK
        if self.kind == K_BYTES:
            if n == 0:
                return self.null_row()
            _put(&self.values, p, n)
            self.close_item()
            return self.end_row(True)
        if n == 0:
            if self.is_list:
                return self.end_row(True)  # an empty value: no items
            if self.kind == K_STR:
                self.close_item()  # dcmread's '' for empty text
                return self.end_row(True)
            return self.null_row()
        if self.kind == K_STR:
            return self._text(vr, p, n, charset)
        if vr == 0x4453 or vr == 0x4953:  # DS IS
            return self._number_text(vr, p, n)
        return self._binary(vr, p, n, little)

    cdef int _binary(self, uint16_t vr, const uint8_t *p, size_t n, bint little) except -1:
        cdef size_t size, count, i
        cdef uint32_t bits32
        cdef uint64_t bits
        cdef float f32
        cdef double f64
        if vr == 0x5553 or vr == 0x5353:
            size = 2
        elif vr == 0x554C or vr == 0x534C or vr == 0x464C or vr == 0x4154:
            size = 4
        elif vr == 0x4644 or vr == 0x5356 or vr == 0x5556:
            size = 8
        else:
            return RAW_FALLBACK
        if (vr == 0x464C or vr == 0x4644) and self.kind != K_FLOAT:
            return RAW_FALLBACK
        if n % size:
            return RAW_FALLBACK
        count = n // size
        if count > 1 and not self.is_list:
            return RAW_FALLBACK
        for i in range(count):
            if vr == 0x5553:
                self._number(read_u16(p + 2 * i, little))
            elif vr == 0x5353:
                self._number(<int16_t>read_u16(p + 2 * i, little))
            elif vr == 0x554C:
                self._number(read_u32(p + 4 * i, little))
            elif vr == 0x534C:
                self._number(<int32_t>read_u32(p + 4 * i, little))
            elif vr == 0x4154:
                self._number((<uint32_t>read_u16(p + 4 * i, little) << 16)
                             | read_u16(p + 4 * i + 2, little))
            elif vr == 0x5356:
                self._number(<int64_t>read_u64(p + 8 * i, little))
            elif vr == 0x5556:
                bits = read_u64(p + 8 * i, little)
                if bits > 0x7FFFFFFFFFFFFFFF:
                    return RAW_FALLBACK
                self._number(<int64_t>bits)
            elif vr == 0x464C:
                bits32 = read_u32(p + 4 * i, little)
                memcpy(&f32, &bits32, 4)
                self.float_item(f32)
            else:
                bits = read_u64(p + 8 * i, little)
                memcpy(&f64, &bits, 8)
                self.float_item(f64)
        return self.end_row(True)

    cdef int _number(self, int64_t value) except -1:
        if self.kind == K_FLOAT:
            return self.float_item(<double>value)
        return self.int_item(value)

    cdef int _number_text(self, uint16_t vr, const uint8_t *p, size_t n) except -1:
        """DS and IS: backslash-separated decimal text (``_values._ds_item``/``_is_item``)."""
        cdef size_t start = 0, end = n, i, a, b, count = 0
        cdef double number
        cdef int64_t whole
        cdef bint negative
        if (vr == 0x4453) != (self.kind == K_FLOAT):
            return RAW_FALLBACK  # DS into an int column or IS into a float one: dcmread decides
        if vr == 0x4453:  # DS: strip(), then rstrip(" \x00")
            while start < end and _ws(p[start]):
                start += 1
            while end > start and _ws(p[end - 1]):
                end -= 1
        while end > start and _space_or_nul(p[end - 1]):
            end -= 1
        i = start
        while True:
            a = i
            while i < end and p[i] != 0x5C:
                i += 1
            b = i
            count += 1
            if count > 1 and not self.is_list:
                return RAW_FALLBACK
            while a < b and _ws(p[a]):
                a += 1
            while b > a and _ws(p[b - 1]):
                b -= 1
            if a == b:
                self.null_item()  # dcmread keeps the blank text: no number
            elif vr == 0x4453:
                if not _decimal(p + a, b - a, &number):
                    return RAW_FALLBACK
                self.float_item(number)
            else:
                negative = p[a] == 45
                if p[a] == 43 or p[a] == 45:
                    a += 1
                if a == b or b - a > 18:
                    return RAW_FALLBACK
                whole = 0
                while a < b:
                    if not 48 <= p[a] <= 57:
                        return RAW_FALLBACK
                    whole = whole * 10 + (p[a] - 48)
                    a += 1
                self.int_item(-whole if negative else whole)
            if i >= end:
                break
            i += 1
        return self.end_row(True)

    cdef int _text(self, uint16_t vr, const uint8_t *p, size_t n, int charset) except -1:
        """Text VRs as ``_values.convert_value`` trims and splits them."""
        cdef bint latin1 = True, split = True, strip_items = False, rstrip_items = False
        cdef bint pn = False
        cdef size_t start = 0, end = n, i, a, b, count = 0
        if vr == 0x4145:  # AE: split, strip each
            strip_items = True
        elif vr in (0x4153, 0x4353, 0x4441, 0x4454, 0x544D):  # AS CS DA DT TM
            while end and _space_or_nul(p[end - 1]):
                end -= 1
        elif vr == 0x5549:  # UI
            while end and _space_or_nul(p[end - 1]):
                end -= 1
            strip_items = True
        elif vr == 0x5552:  # UR: rstrip(), one value
            while end and _ws(p[end - 1]):
                end -= 1
            split = False
        elif is_charset_vr_code(vr):
            if charset == CS_OTHER or memchr(p, 0x1B, n) != NULL:
                return RAW_FALLBACK
            latin1 = charset == CS_LATIN1
            if not latin1 and not _valid_utf8(p, n):
                return RAW_FALLBACK  # dcmread warns and replaces
            if vr in (0x5348, 0x4C4F, 0x5543):  # SH LO UC
                rstrip_items = True
            else:
                while end and _space_or_nul(p[end - 1]):
                    end -= 1
                if vr == 0x504E:
                    pn = True
                else:
                    split = False
        else:
            return RAW_FALLBACK
        i = start
        while True:
            a = i
            if split:
                while i < end and p[i] != 0x5C:
                    i += 1
            else:
                i = end
            b = i
            if strip_items:
                while a < b and _ws(p[a]):
                    a += 1
                while b > a and _ws(p[b - 1]):
                    b -= 1
            elif rstrip_items:
                while b > a and _space_or_nul(p[b - 1]):
                    b -= 1
            elif pn:  # trailing empty component groups dropped
                while b > a and p[b - 1] == 0x3D:
                    b -= 1
            if count and not self.is_list:
                self.append_text(b"\\", 1, False)  # several values in a VM 1 column: joined
            self.append_text(p + a, b - a, latin1)
            if self.is_list:
                self.close_item()
            count += 1
            if i >= end:
                break
            i += 1
        if not self.is_list:
            self.close_item()
        return self.end_row(True)

    # ---- values from dcmread ---------------------------------------------------------
    def push_python(self, value, bint present, bint empty=False):
        """Append a value as ``dcmread`` gives it; returns an error text or None.

        ``empty``: the element's value had no bytes (stored as ``push_raw`` does).
        """
        cdef bint unsigned_first = self.unsigned_first
        self.unsigned_first = False  # dcmread's values are final (its LUT rule included)
        try:
            return self._push_python(value, present, empty)
        finally:
            self.unsigned_first = unsigned_first

    cdef object _push_python(self, value, bint present, bint empty):
        if present and empty:
            if self.is_list:
                self.end_row(True)
            elif self.kind == K_STR:
                self.close_item()
                self.end_row(True)
            else:
                self.null_row()
            return None
        if not present or value is None:
            self.null_row()
            return None
        items = list(value) if isinstance(value, (list, tuple)) else [value]
        if self.kind != K_STR and isinstance(value, str) and not value.strip():
            items = [] if not self.is_list else [value]
        if not self.is_list:
            if len(items) == 0:
                self.null_row()
                return None
            if len(items) > 1:
                if self.kind == K_STR and all(isinstance(v, str) for v in items):
                    items = ["\\".join(str(v) for v in items)]
                else:
                    self.null_row()
                    return f"{len(items)} values in a single-value column"
        error = None
        self.save()
        for item in items:
            error = self._python_item(item)
            if error is not None:
                self.restore()
                self.null_row()
                return error
        self.end_row(True)
        return None

    cdef object _python_item(self, item):
        cdef bytes data
        if self.kind == K_INT:
            if item is None or isinstance(item, str) and not item.strip():
                self.null_item()  # blank number text, as the C kernels give it
            elif isinstance(item, int) or isinstance(item, float) and item.is_integer():
                if not INT64_MIN <= item <= INT64_MAX:
                    return f"{item} does not fit in int64"
                self.int_item(int(item))
            else:
                return f"{item!r} is not an integer"
        elif self.kind == K_FLOAT:
            if item is None or isinstance(item, str) and not item.strip():
                self.null_item()
            elif isinstance(item, (int, float)):
                self.float_item(float(item))
            else:
                return f"{item!r} is not a number"
        elif self.kind == K_STR:
            if not isinstance(item, str):
                return f"{item!r} is not text"
            data = str(item).encode("utf-8", "surrogatepass")
            self.append_text(data, len(data), False)
            self.close_item()
        else:
            if not isinstance(item, bytes):
                return f"{type(item).__name__} value in a bytes column"
            data = item
            _put(&self.values, <const uint8_t *>data, len(data))
            self.close_item()
        return None

    # ---- output ----------------------------------------------------------------------
    def finish(self):
        """The column's buffers: a dict of bytes objects and counts (see ``scan.py``)."""
        return {
            "kind": self.kind, "is_list": self.is_list, "vr": self.vr,
            "rows": self.nrows, "items": self.nitems,
            "values": _take(&self.values), "offsets": _take(&self.offsets),
            "item_valid": _take(&self.item_valid), "list_offsets": _take(&self.list_offsets),
            "row_valid": _take(&self.row_valid),
        }

    def __len__(self):
        return self.nrows
