# cython: language_level=3
"""Raw value bytes -> plain Python values, one converter per VR (CONFORMANCE.md section 1).

Every converter has the signature ``(bytes data, bint little, tuple encodings)``. Errors:
``ValueError`` from a converter makes the caller retry pydicom's fallback VR order;
``LengthError`` (numbers whose length is no multiple of their size) is per element.
"""
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

from cydicom._buffer cimport read_u16, read_u32, read_u64
from cydicom._charset import decode_text
from cydicom.errors import InvalidValueError, LengthError

TEXT_EMPTY_VRS = frozenset("AE AS CS DA DT LO LT SH ST TM UC UI UR UT PN".split())
CHARSET_VRS = frozenset("SH LO ST LT UC UT PN".split())
RETRY_ORDER = ("SH UL SL US SS FL FD OF OB UI DA TM PN IS DS LT SQ UN AT OW DT UT").split()


def empty_value(str vr):
    """pydicom's ``empty_value_for_VR`` for a zero-length element (SQ handled by the caller)."""
    if vr in TEXT_EMPTY_VRS:
        return ""
    return None


cdef object _scalar_or_list(list values):
    return values[0] if len(values) == 1 else values


cdef str _latin1(bytes data):
    return data.decode("latin-1")


def convert_ae(bytes data, bint little, tuple encodings):
    return _scalar_or_list([s.strip() for s in _latin1(data).split("\\")])


def convert_string(bytes data, bint little, tuple encodings):
    """AS CS DA DT TM: strip trailing spaces/NULs of the whole value, then split."""
    return _scalar_or_list(_latin1(data).rstrip(" \x00").split("\\"))


cdef object _ds_item(str item):
    if not item.strip():
        return item
    return float(item)


def convert_ds(bytes data, bint little, tuple encodings):
    cdef list items = _latin1(data).strip().rstrip(" \x00").split("\\")
    return _scalar_or_list([_ds_item(item) for item in items])


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


def convert_is(bytes data, bint little, tuple encodings):
    cdef list items = _latin1(data).rstrip(" \x00").split("\\")
    return _scalar_or_list([_is_item(item) for item in items])


def convert_ui(bytes data, bint little, tuple encodings):
    cdef list items = _latin1(data).rstrip("\x00 ").rstrip(" \x00").split("\\")
    return _scalar_or_list([item.strip() for item in items])


def convert_ur(bytes data, bint little, tuple encodings):
    return _latin1(data).rstrip()


def convert_text(bytes data, bint little, tuple encodings):
    """SH LO UC: decode with the character set, split, strip trailing NUL/space each."""
    return _scalar_or_list([s.rstrip("\x00 ") for s in decode_text(data, encodings).split("\\")])


def convert_single_text(bytes data, bint little, tuple encodings):
    """ST LT UT: decode with the character set; backslash is data."""
    return decode_text(data, encodings).rstrip("\x00 ")


cdef str _person_name(str name):
    cdef list components = name.split("=")
    while components and not components[len(components) - 1]:
        components.pop()
    return "=".join(components)


def convert_pn(bytes data, bint little, tuple encodings):
    cdef str text = decode_text(data.rstrip(b"\x00 "), encodings)
    return _scalar_or_list([_person_name(s) for s in text.split("\\")])


def convert_bytes(bytes data, bint little, tuple encodings):
    return data


cdef object _numbers(bytes data, bint little, int size, char kind):
    """Unpack fixed-size numbers: '' for none, a scalar for one, a list otherwise."""
    cdef Py_ssize_t n = len(data)
    cdef const uint8_t *p = data
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


def convert_us(bytes data, bint little, tuple encodings):
    return _numbers(data, little, 2, b'H')


def convert_ss(bytes data, bint little, tuple encodings):
    return _numbers(data, little, 2, b'h')


def convert_ul(bytes data, bint little, tuple encodings):
    return _numbers(data, little, 4, b'L')


def convert_sl(bytes data, bint little, tuple encodings):
    return _numbers(data, little, 4, b'l')


def convert_uv(bytes data, bint little, tuple encodings):
    return _numbers(data, little, 8, b'Q')


def convert_sv(bytes data, bint little, tuple encodings):
    return _numbers(data, little, 8, b'q')


def convert_fl(bytes data, bint little, tuple encodings):
    return _numbers(data, little, 4, b'f')


def convert_fd(bytes data, bint little, tuple encodings):
    return _numbers(data, little, 8, b'd')


def convert_at(bytes data, bint little, tuple encodings):
    """AT: one tag for exactly 4 bytes, otherwise a list (a partial last tag is dropped)."""
    cdef Py_ssize_t n = len(data), i
    cdef const uint8_t *p = data
    if n == 4:
        return (<uint32_t>read_u16(p, little) << 16) | read_u16(p + 2, little)
    return [(<uint32_t>read_u16(p + i, little) << 16) | read_u16(p + i + 2, little)
            for i in range(0, n - n % 4, 4)]


CONVERTERS = {
    "AE": convert_ae, "AS": convert_string, "CS": convert_string, "DA": convert_string,
    "DT": convert_string, "TM": convert_string, "DS": convert_ds, "IS": convert_is,
    "UI": convert_ui, "UR": convert_ur, "SH": convert_text, "LO": convert_text,
    "UC": convert_text, "ST": convert_single_text, "LT": convert_single_text,
    "UT": convert_single_text, "PN": convert_pn, "US": convert_us, "SS": convert_ss,
    "UL": convert_ul, "SL": convert_sl, "UV": convert_uv, "SV": convert_sv,
    "FL": convert_fl, "FD": convert_fd, "AT": convert_at, "OB": convert_bytes,
    "OD": convert_bytes, "OF": convert_bytes, "OL": convert_bytes, "OV": convert_bytes,
    "OW": convert_bytes, "UN": convert_bytes, "OB or OW": convert_bytes,
    "US or SS": convert_bytes, "US or OW": convert_bytes, "US or SS or OW": convert_bytes,
}
