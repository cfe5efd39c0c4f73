# cython: language_level=3
"""Raw value bytes -> plain Python values, one converter per VR (CONFORMANCE.md section 1).

``convert_value(vr, p, n, little, encodings)`` dispatches on the VR in C and reads the
value straight from the buffer (no intermediate bytes object). Errors: ``ValueError``
from a converter makes the caller retry pydicom's fallback VR order; ``LengthError``
(numbers whose length is no multiple of their size) fails the element.
"""
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memchr, memcpy

from cydicom._buffer cimport read_u16, read_u32, read_u64
from cydicom._charset import decode_text
from cydicom.errors import InvalidValueError, LengthError

cdef extern from "Python.h":
    object PyUnicode_DecodeLatin1(const char *s, Py_ssize_t size, const char *errors)
    object PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors)

TEXT_EMPTY_VRS = frozenset("AE AS CS DA DT LO LT SH ST TM UC UI UR UT PN".split())
CHARSET_VRS = frozenset("SH LO ST LT UC UT PN".split())
KNOWN_VRS = frozenset(
    "AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN "
    "UR US UT UV".split() + ["OB or OW", "US or SS", "US or OW", "US or SS or OW"])
RETRY_ORDER = tuple("SH UL SL US SS FL FD OF OB UI DA TM PN IS DS LT SQ UN AT OW DT UT".split())
LATIN1_CODECS = frozenset(("iso8859", "latin_1"))


def empty_value(str vr):
    """pydicom's ``empty_value_for_VR`` for a zero-length element (SQ handled by the caller)."""
    if vr in TEXT_EMPTY_VRS:
        return ""
    return None


cdef inline object _scalar_or_list(list values):
    return values[0] if len(values) == 1 else values


cdef inline str _latin1(const uint8_t *p, Py_ssize_t n):
    return PyUnicode_DecodeLatin1(<const char *>p, n, NULL)


cdef str _charset_text(const uint8_t *p, Py_ssize_t n, tuple encodings):
    """Decode with the character set: fast for latin-1 and UTF-8 without escapes."""
    encoding = encodings[0]
    if memchr(p, 0x1B, n) == NULL:
        if encoding in LATIN1_CODECS:
            return _latin1(p, n)
        if encoding == "UTF8":
            try:
                return PyUnicode_DecodeUTF8(<const char *>p, n, NULL)
            except UnicodeDecodeError:
                pass  # decode_text warns and replaces
    return decode_text(PyBytes_FromStringAndSize(<const char *>p, n), encodings)


cdef object _ds_item(str item):
    if not item.strip():
        return item
    return float(item)


cdef object _is_item(str item):
    if not item.strip():
        return item
    try:
        number = int(item)
    except ValueError:
        try:
            number = int(float(item))
        except OverflowError:  # 'inf': pydicom fails on this element (not a ValueError)
            raise InvalidValueError(f"IS value {item!r} has no integer value") from None
    as_float = float(item)
    if number != as_float:
        return as_float
    return number


cdef str _person_name(str name):
    cdef list components = name.split("=")
    while components and not components[len(components) - 1]:
        components.pop()
    return "=".join(components)


cdef object _numbers(const uint8_t *p, Py_ssize_t n, bint little, int size, char kind):
    """Unpack fixed-size numbers: '' for none, a scalar for one, a list otherwise."""
    cdef Py_ssize_t count, i
    cdef uint64_t bits
    cdef uint32_t bits32
    cdef float f32
    cdef double f64
    if n % size:
        raise LengthError(
            f"Expected total bytes to be an even multiple of bytes per value. Instead "
            f"received {n} bytes for a value of {size} bytes per item")
    count = n // size
    if count == 0:
        return ""
    cdef list out = [None] * count
    for i in range(count):
        if kind == b'H':
            out[i] = read_u16(p + 2 * i, little)
        elif kind == b'h':
            out[i] = <int16_t>read_u16(p + 2 * i, little)
        elif kind == b'L':
            out[i] = read_u32(p + 4 * i, little)
        elif kind == b'l':
            out[i] = <int32_t>read_u32(p + 4 * i, little)
        elif kind == b'Q':
            out[i] = read_u64(p + 8 * i, little)
        elif kind == b'q':
            out[i] = <int64_t>read_u64(p + 8 * i, little)
        elif kind == b'f':
            bits32 = read_u32(p + 4 * i, little)
            memcpy(&f32, &bits32, 4)
            out[i] = <double>f32
        else:
            bits = read_u64(p + 8 * i, little)
            memcpy(&f64, &bits, 8)
            out[i] = f64
    return out[0] if count == 1 else out


cdef object _tags(const uint8_t *p, Py_ssize_t n, bint little):
    """AT: one tag for exactly 4 bytes, otherwise a list (a partial last tag is dropped)."""
    cdef Py_ssize_t i
    if n == 4:
        return (<uint32_t>read_u16(p, little) << 16) | read_u16(p + 2, little)
    return [(<uint32_t>read_u16(p + i, little) << 16) | read_u16(p + i + 2, little)
            for i in range(0, n - n % 4, 4)]


cdef inline uint16_t _code(str vr):
    if len(vr) != 2:
        return 0
    return (<uint16_t>(<Py_UCS4>vr[0]) << 8) | <uint16_t>(<Py_UCS4>vr[1])


cdef inline Py_ssize_t _trimmed(const uint8_t *p, Py_ssize_t n) noexcept nogil:
    """Length without trailing spaces and NULs."""
    while n and (p[n - 1] == 0x20 or p[n - 1] == 0):
        n -= 1
    return n


cdef object _single_value(uint16_t code, const uint8_t *p, Py_ssize_t n, tuple encodings):
    """Fast path for a value without a backslash; NotImplemented where it does not apply.

    Trailing spaces/NULs are trimmed on the bytes: for latin-1 and UTF-8 that equals
    pydicom's ``rstrip`` of the decoded text.
    """
    cdef Py_ssize_t m = _trimmed(p, n)
    if code in (0x4353, 0x4153, 0x4441, 0x4454, 0x544D):  # CS AS DA DT TM
        return _latin1(p, m)
    if code == 0x5549:  # UI
        return _latin1(p, m).strip()
    if code == 0x4453:  # DS: pydicom strips whitespace first, then trailing spaces/NULs
        return _ds_item(_latin1(p, n).strip().rstrip(" \x00"))
    if code == 0x4953:  # IS: no leading strip before the item is parsed
        return _is_item(_latin1(p, m))
    if encodings[0] in LATIN1_CODECS:
        if code in (0x5348, 0x4C4F, 0x5543, 0x5354, 0x4C54, 0x5554):  # SH LO UC ST LT UT
            if memchr(p, 0x1B, m) == NULL:
                return _latin1(p, m)
        elif code == 0x504E and memchr(p, 0x3D, m) == NULL and memchr(p, 0x1B, m) == NULL:
            return _latin1(p, m)  # PN without '=' groups
    return NotImplemented


cdef object convert_value(str vr, const uint8_t *p, Py_ssize_t n, bint little,
                          tuple encodings):
    """Convert ``n`` value bytes at ``p`` for ``vr`` (any VR but SQ and the empty case)."""
    cdef uint16_t code = _code(vr)
    cdef str text
    cdef list items
    if code != 0x4145 and memchr(p, 0x5C, n) == NULL:  # no backslash: one value
        value = _single_value(code, p, n, encodings)
        if value is not NotImplemented:
            return value
    if code == 0x4145:  # AE: split, strip each (NUL kept)
        return _scalar_or_list([s.strip() for s in _latin1(p, n).split("\\")])
    if code in (0x4153, 0x4353, 0x4441, 0x4454, 0x544D):  # AS CS DA DT TM
        return _scalar_or_list(_latin1(p, n).rstrip(" \x00").split("\\"))
    if code == 0x4453:  # DS
        items = _latin1(p, n).strip().rstrip(" \x00").split("\\")
        return _scalar_or_list([_ds_item(item) for item in items])
    if code == 0x4953:  # IS
        items = _latin1(p, n).rstrip(" \x00").split("\\")
        return _scalar_or_list([_is_item(item) for item in items])
    if code == 0x5549:  # UI
        items = _latin1(p, n).rstrip("\x00 ").rstrip(" \x00").split("\\")
        return _scalar_or_list([item.strip() for item in items])
    if code == 0x5552:  # UR
        return _latin1(p, n).rstrip()
    if code in (0x5348, 0x4C4F, 0x5543):  # SH LO UC
        text = _charset_text(p, n, encodings)
        return _scalar_or_list([s.rstrip("\x00 ") for s in text.split("\\")])
    if code in (0x5354, 0x4C54, 0x5554):  # ST LT UT
        return _charset_text(p, n, encodings).rstrip("\x00 ")
    if code == 0x504E:  # PN: strip the bytes, decode, split, drop empty trailing groups
        while n and (p[n - 1] == 0 or p[n - 1] == 0x20):
            n -= 1
        text = _charset_text(p, n, encodings)
        return _scalar_or_list([_person_name(s) for s in text.split("\\")])
    if code == 0x5553:
        return _numbers(p, n, little, 2, b'H')
    if code == 0x5353:
        return _numbers(p, n, little, 2, b'h')
    if code == 0x554C:
        return _numbers(p, n, little, 4, b'L')
    if code == 0x534C:
        return _numbers(p, n, little, 4, b'l')
    if code == 0x5556:
        return _numbers(p, n, little, 8, b'Q')
    if code == 0x5356:
        return _numbers(p, n, little, 8, b'q')
    if code == 0x464C:
        return _numbers(p, n, little, 4, b'f')
    if code == 0x4644:
        return _numbers(p, n, little, 8, b'd')
    if code == 0x4154:
        return _tags(p, n, little)
    # OB OD OF OL OV OW UN and the ambiguous dictionary VRs: the bytes as they are
    return PyBytes_FromStringAndSize(<const char *>p, n)


def convert(str vr, bytes data, bint little=True, tuple encodings=("iso8859",)):
    """Python entry point: convert ``data`` as a value of ``vr`` (not SQ)."""
    if vr not in KNOWN_VRS or vr == "SQ":
        raise ValueError(f"no converter for VR {vr!r}")
    return convert_value(vr, data, len(data), little, encodings)
