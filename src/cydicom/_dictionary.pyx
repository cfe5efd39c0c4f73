"""DICOM data dictionary: VR, VM and keyword lookups matching pydicom 3.0.2.

The tables are static C arrays generated from pydicom by tools/gen_dictionary.py;
only the keyword -> tag dict is built as Python objects at import.
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t
from libc.string cimport memcmp

from cydicom._vr cimport VR_NONE, VR_OB_OW, VR_OB_OW_PRIVATE, VR_US_OW, VR_US_SS, VR_US_SS_OW

# Included here only (not in the .pxd) so the tables are compiled into this module alone.
cdef extern from "_dictionary_table.h":
    ctypedef struct cyd_dict_entry:
        uint32_t tag
        uint16_t vr
        uint8_t retired
        const char *vm
        const char *keyword
    ctypedef struct cyd_repeater:
        uint32_t mask1
        uint32_t mask2
        cyd_dict_entry entry
    ctypedef struct cyd_private_creator:
        const char *name
        size_t len
        uint32_t first
        uint32_t count
    ctypedef struct cyd_private_entry:
        char key[9]
        uint16_t vr
    const cyd_dict_entry CYD_DICT[]
    const cyd_repeater CYD_REPEATERS[]
    const cyd_private_creator CYD_PRIVATE_CREATORS[]
    const cyd_private_entry CYD_PRIVATE[]
    enum:
        CYD_DICT_LEN
        CYD_REPEATERS_LEN
        CYD_PRIVATE_CREATORS_LEN
        CYD_PRIVATE_LEN

# Indexed by the small VR codes of _vr.pxd (0 = VR_IMPLICIT has no name).
cdef tuple _SPECIAL_VRS = (None, "US or SS", "US or OW", "US or SS or OW", "OB or OW", "NONE", "OB_OW")
assert _SPECIAL_VRS.index("US or SS") == VR_US_SS and _SPECIAL_VRS.index("US or OW") == VR_US_OW
assert _SPECIAL_VRS.index("US or SS or OW") == VR_US_SS_OW and _SPECIAL_VRS.index("OB or OW") == VR_OB_OW
assert _SPECIAL_VRS.index("NONE") == VR_NONE and _SPECIAL_VRS.index("OB_OW") == VR_OB_OW_PRIVATE

cdef const char *_HEX = b"0123456789ABCDEF"


cdef const cyd_dict_entry *_entry(uint32_t tag) noexcept nogil:
    """Standard dictionary entry, else first matching repeater for even groups (pydicom's get_entry)."""
    cdef Py_ssize_t lo = 0, hi = CYD_DICT_LEN, mid, i
    while lo < hi:
        mid = (lo + hi) >> 1
        if CYD_DICT[mid].tag < tag:
            lo = mid + 1
        else:
            hi = mid
    if lo < CYD_DICT_LEN and CYD_DICT[lo].tag == tag:
        return &CYD_DICT[lo]
    if (tag >> 16) & 1:
        return NULL
    for i in range(CYD_REPEATERS_LEN):
        if ((tag ^ CYD_REPEATERS[i].mask1) & CYD_REPEATERS[i].mask2) == 0:
            return &CYD_REPEATERS[i].entry
    return NULL


cdef int dictionary_vr_code(uint32_t tag) noexcept nogil:
    cdef const cyd_dict_entry *e = _entry(tag)
    return e.vr if e != NULL else -1


cdef int _cmp_bytes(const char *a, size_t alen, const char *b, size_t blen) noexcept nogil:
    # Same order as Python bytes comparison, which the generator sorts by.
    cdef size_t n = alen if alen < blen else blen
    cdef int r = memcmp(a, b, n) if n else 0  # memcmp on a NULL pointer is UB even for n == 0
    if r:
        return r
    return (alen > blen) - (alen < blen)


cdef int _private_key_vr(const cyd_private_creator *c, const char *key) noexcept nogil:
    cdef Py_ssize_t lo = c.first, hi = c.first + c.count, mid
    cdef int r
    while lo < hi:
        mid = (lo + hi) >> 1
        r = memcmp(CYD_PRIVATE[mid].key, key, 8)
        if r == 0:
            return CYD_PRIVATE[mid].vr
        if r < 0:
            lo = mid + 1
        else:
            hi = mid
    return -1


cdef int private_dictionary_vr_code(uint32_t tag, const char *creator, Py_ssize_t creator_len) noexcept nogil:
    cdef Py_ssize_t lo = 0, hi = CYD_PRIVATE_CREATORS_LEN, mid
    cdef int r
    cdef const cyd_private_creator *c = NULL
    cdef char key[8]
    cdef int i
    if creator_len < 0:
        return -1
    while lo < hi:
        mid = (lo + hi) >> 1
        r = _cmp_bytes(CYD_PRIVATE_CREATORS[mid].name, CYD_PRIVATE_CREATORS[mid].len, creator, <size_t>creator_len)
        if r == 0:
            c = &CYD_PRIVATE_CREATORS[mid]
            break
        if r < 0:
            lo = mid + 1
        else:
            hi = mid
    if c == NULL:
        return -1
    for i in range(8):
        key[i] = _HEX[(tag >> (28 - 4 * i)) & 0xF]
    # pydicom tries "ggggeeee", then "ggggxxee", then "ggxxxxee".
    r = _private_key_vr(c, key)
    if r < 0:
        key[4] = key[5] = b"x"
        r = _private_key_vr(c, key)
        if r < 0:
            key[2] = key[3] = b"x"
            r = _private_key_vr(c, key)
    return r


def vr_code_to_str(int code):
    """Return the VR string for a VR code, e.g. 0x5553 -> "US", 1 -> "US or SS".

    Raises ValueError for 0 (VR_IMPLICIT) and codes that are not two printable ASCII bytes.
    """
    if 0 < code < len(_SPECIAL_VRS):
        return _SPECIAL_VRS[code]
    if 0x20 <= (code >> 8) < 0x7F and 0x20 <= (code & 0xFF) < 0x7F:
        return chr(code >> 8) + chr(code & 0xFF)
    raise ValueError(f"invalid VR code {code:#x}")


def vr_str_to_code(str s):
    """Return the VR code for a VR string, e.g. "US" -> 0x5553, "US or SS" -> 1.

    Raises ValueError if `s` is neither a dictionary VR spelling nor two printable ASCII characters.
    """
    if len(s) == 2 and " " <= s[0] <= "~" and " " <= s[1] <= "~":
        return (ord(s[0]) << 8) | ord(s[1])
    if s in _SPECIAL_VRS[1:]:
        return _SPECIAL_VRS.index(s)
    raise ValueError(f"invalid VR {s!r}")


def dictionary_vr(uint32_t tag):
    """Return the dictionary VR of `tag` (repeaters included), or None if unknown."""
    cdef int code = dictionary_vr_code(tag)
    return vr_code_to_str(code) if code >= 0 else None


def dictionary_vm(uint32_t tag):
    """Return the dictionary VM of `tag` (repeaters included), or None if unknown."""
    cdef const cyd_dict_entry *e = _entry(tag)
    return e.vm.decode("ascii") if e != NULL else None


def dictionary_is_retired(uint32_t tag):
    """Return True if `tag` is retired, False if not, None if unknown."""
    cdef const cyd_dict_entry *e = _entry(tag)
    return bool(e.retired) if e != NULL else None


def keyword_for_tag(uint32_t tag):
    """Return the keyword of `tag` (repeaters included), or "" if unknown."""
    cdef const cyd_dict_entry *e = _entry(tag)
    return e.keyword.decode("ascii") if e != NULL else ""


def tag_for_keyword(keyword):
    """Return the tag of a standard dictionary keyword, or None (repeater keywords are not included)."""
    return KEYWORD_TO_TAG.get(keyword)


def private_dictionary_vr(uint32_t tag, creator):
    """Return the private dictionary VR of `tag` for private creator `creator`, or None if unknown."""
    if not isinstance(creator, str):
        return None
    try:
        b = (<str>creator).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: no dictionary creator has them
        return None
    cdef int code = private_dictionary_vr_code(tag, b, len(b))
    return vr_code_to_str(code) if code >= 0 else None


cdef dict _build_keyword_to_tag():
    cdef dict d = {}
    cdef Py_ssize_t i
    for i in range(CYD_DICT_LEN):
        if CYD_DICT[i].keyword[0]:
            d[CYD_DICT[i].keyword.decode("ascii")] = CYD_DICT[i].tag
    return d


KEYWORD_TO_TAG = _build_keyword_to_tag()
