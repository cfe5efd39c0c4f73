# cython: language_level=3
"""Dataset, Element and Sequence: lazy views over a buffer and its element tables.

A ``Dataset`` owns the element table of one level (walked by ``_walker``); values are
converted on first access (``_values``) and cached by the dataset, per record. ``Element`` objects
are light views made on demand (they point at their dataset, never the reverse, so
datasets form no reference cycles and free their buffers at once). Nested sequences
are walked into item datasets when first accessed.
"""
import warnings

cimport cython
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.object cimport PyObject_GenericGetAttr
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

from cydicom._walker cimport (
    DEFAULT_MAX_DEPTH, EF_NO_DELIMITER, EF_SEQUENCE, EF_TRUNCATED, EF_UNDEFINED,
    EF_UNKNOWN_VR, ERR_CHARSET_VR, ERR_NESTING, ERR_TOO_MANY_HOPS, ERR_NO_ITEM_TAG, ERR_NO_MEMORY, ERR_TRUNCATED_HEADER,
    ERR_TRUNCATED_PEEK, ElementRecord, ElementTable, ItemRecord, ItemTable, STOP_NONE,
    UNDEFINED_LENGTH, WALK_NO_DELIMITER, WalkContext, init_context, items_free, table_find, table_free,
    table_sort_unique, walk_dataset, walk_sequence,
)

from cydicom import _dictionary
from cydicom._source import map_file, shrank_since_mapped
from cydicom._charset import DEFAULT_ENCODINGS, convert_encodings
from cydicom._values cimport convert_value, is_charset_vr_code
from cydicom._values import CHARSET_VRS, KNOWN_VRS, RETRY_ORDER, empty_value
from cydicom.errors import (
    AmbiguousVRError, DicomError, DicomWarning, InvalidValueError, InvalidVRError, LengthError,
    LimitError,
    NestingError, TruncatedError,
)

cdef extern from "Python.h":
    int Py_EnterRecursiveCall(const char *where) except? -1
    void Py_LeaveRecursiveCall()

cdef enum:
    VR_CODE_UN = 0x554E
    TAG_CHARSET = 0x00080005
    TAG_PIXEL_REPRESENTATION = 0x00280103
    TAG_PIXEL_DATA = 0x7FE00010

AMBIGUOUS_VRS = frozenset(("US or SS", "US or OW", "US or SS or OW", "OB or OW"))
AMBIGUOUS_US_SS_TAGS = frozenset((
    0x00189810, 0x00221452, 0x00280104, 0x00280105, 0x00280106, 0x00280107, 0x00280108,
    0x00280109, 0x00280110, 0x00280111, 0x00280120, 0x00280121, 0x00281101, 0x00281102,
    0x00281103, 0x00283002, 0x00409211, 0x00409216, 0x00603004, 0x00603006,
))
AMBIGUOUS_OB_OW_TAGS = frozenset((0x54000110, 0x54000112, 0x5400100A, 0x54001010))
OVERLAY_DATA_TAGS = frozenset((group << 16) | 0x3000 for group in range(0x6000, 0x601F, 2))

MAX_DEPTH_LIMIT = 1000
cdef object _MISSING = object()
# the two-letter VR strings, created once: (b0 - 65) * 26 + (b1 - 65) -> "AE", ...
cdef list _VR_NAMES = [chr(65 + i // 26) + chr(65 + i % 26) for i in range(26 * 26)]
cdef dict _KEYWORDS = {}
cdef dict _ENCODINGS_BY_VALUE = {}  # (0008,0005) value (one term) -> Python codecs


cdef inline object _tag_for_keyword(str keyword):
    tag = _KEYWORDS.get(keyword)
    if tag is None:
        tag = _dictionary.tag_for_keyword(keyword)
        if tag is not None:
            _KEYWORDS[keyword] = tag
    return tag


def tag_of(key):
    """An int tag from an int, a (group, element) tuple or a keyword; KeyError otherwise."""
    if isinstance(key, int):
        if 0 <= key <= 0xFFFFFFFF:
            return key
    elif isinstance(key, str):
        tag = _tag_for_keyword(key)
        if tag is not None:
            return tag
    elif isinstance(key, tuple) and len(key) == 2:
        group, element = key
        if 0 <= group <= 0xFFFF and 0 <= element <= 0xFFFF:
            return (group << 16) | element
    raise KeyError(key)


def format_tag(uint32_t tag):
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def walk_error(int status, uint64_t offset, uint32_t tag):
    """The exception for a negative walker status."""
    where = f"at offset {offset}" + (f" in tag {format_tag(tag)}" if tag else "")
    if status == ERR_TRUNCATED_HEADER:
        return TruncatedError(f"Element header cut off by the end of the data {where}")
    if status == ERR_TRUNCATED_PEEK:
        return TruncatedError(f"Data ends inside an undefined-length element {where}")
    if status == ERR_NO_ITEM_TAG:
        return TruncatedError(f"No item or sequence delimiter tag to read {where}")
    if status == ERR_NESTING:
        return NestingError(f"Sequences nested deeper than the limit {where}")
    if status == ERR_CHARSET_VR:
        return InvalidVRError(f"Specific Character Set with an unknown VR {where}")
    if status == ERR_TOO_MANY_HOPS:
        return LimitError(f"Too many item hops finding the end of undefined-length values "
                          f"(a hostile chain of items?) {where}")
    if status == ERR_NO_MEMORY:
        return MemoryError("out of memory while walking elements")
    return DicomError(f"walker status {status} {where}")


class Sequence(list):
    """The value of an SQ element: a list of item ``Dataset`` objects."""

    is_undefined_length = False

    def __repr__(self):
        from cydicom._display import sequence_repr
        return sequence_repr(self)

    def __str__(self):
        from cydicom._display import sequence_text
        return sequence_text(self)


# Whether the last lazily read file that was done with had its tail (the pixel data) read:
# dcmread then maps the next file at open, through the same open file, instead of later
# (one open and close less for pixel readers; an unused mapping turns it off). A plain hint,
# as filereader's prefix size: threads may race on it.
cdef bint _tails_used = False
# Sources holding such a mapping not used yet: a program keeping many header-only datasets
# would otherwise keep as many mappings (a process may have about 65,000).
cdef Py_ssize_t _unused_tail_maps = 0
MAX_UNUSED_TAIL_MAPS = 16


def map_tails_at_open():
    """True if dcmread should map a file longer than its header prefix when it opens it."""
    return _tails_used and _unused_tail_maps < MAX_UNUSED_TAIL_MAPS


def unused_tail_maps():
    """Datasets holding a mapping made at open that nothing has read yet (tests)."""
    return _unused_tail_maps


cdef class Source:
    """The bytes of one file (or of its inflated dataset), shared by its datasets."""

    def __cinit__(self, obj, closer=None):
        PyObject_GetBuffer(obj, &self.view, PyBUF_SIMPLE)
        self.has_view = True
        self.data = <const uint8_t *>self.view.buf
        self.size = <uint64_t>self.view.len
        self.obj = obj
        self.closer = closer
        self.memview = None
        self.no_delimiter_from = 0xFFFFFFFFFFFFFFFF
        self.no_delimiter_end = 0

    cdef int check_open(self) except -1:
        if not self.has_view:
            raise ValueError("the dataset's file is closed: read values before closing it")
        return 0

    cdef int ensure(self, uint64_t offset, uint64_t length) except -1:
        """Make data[offset:offset+length] addressable, mapping the whole file if needed.

        A file read lazily walks only its header prefix; the first access beyond it (the
        pixel data) switches to the whole file: mapped at open (``tail_map``), else now.
        The prefix's offsets stay valid: it is the file's start.
        """
        global _tails_used
        self.check_open()
        if offset <= self.size and length <= self.size - offset:
            return 0
        path = self.path
        if path is None:
            raise IndexError(f"bytes {offset}+{length} outside a buffer of {self.size}")
        _tails_used = True
        mapped = self.take_tail_map()
        if mapped is None:
            mapped = map_file(path)
        elif shrank_since_mapped(mapped):
            mapped = b""  # truncated since it was mapped: reading the lost pages is SIGBUS
        # the GIL was released above: another thread may have closed or switched this source
        self.check_open()
        if offset <= self.size and length <= self.size - offset:
            return 0
        if len(mapped) < offset + length:
            raise TruncatedError(f"{path!r} is shorter than when it was opened")
        self.retired = self.obj  # another thread may still be walking the prefix
        PyBuffer_Release(&self.view)
        self.has_view = False
        PyObject_GetBuffer(mapped, &self.view, PyBUF_SIMPLE)
        self.has_view = True
        self.data = <const uint8_t *>self.view.buf
        self.size = <uint64_t>self.view.len
        self.obj = mapped
        self.closer = mapped.close
        self.memview = None
        self.path = None
        return 0

    cdef object slice(self, uint64_t offset, uint64_t length):
        """A zero-copy read-only memoryview of data[offset:offset+length]."""
        self.ensure(offset, length)
        if self.memview is None:
            self.memview = memoryview(self.obj).cast("B")
            if not self.memview.readonly:
                self.memview = self.memview.toreadonly()
        return self.memview[offset:offset + length]

    cdef bytes copy(self, uint64_t offset, uint64_t length):
        self.ensure(offset, length)
        return (<const char *>self.data)[offset:offset + length]

    cdef int begin_walk(self) except -1:
        """Mark a GIL-free walk over ``data``: close() waits for it to end."""
        self.check_open()
        self.walkers += 1
        return 0

    cdef void load_delimiter_memo(self, WalkContext *ctx) noexcept:
        """Start ``ctx`` from what earlier walks of this buffer learnt about delimiters
        (the item walks of a sequence would otherwise each scan to the end again)."""
        ctx.no_delimiter_from = self.no_delimiter_from
        ctx.no_delimiter_end = self.no_delimiter_end

    cdef void save_delimiter_memo(self, const WalkContext *ctx) noexcept:
        self.no_delimiter_from = ctx.no_delimiter_from
        self.no_delimiter_end = ctx.no_delimiter_end

    cdef void end_walk(self):
        self.walkers -= 1
        if self.walkers == 0 and self.close_pending:
            self.close_pending = False
            self.close()

    def close(self):
        """Release the buffer; a mapped file is unmapped once no view of it is left."""
        if self.walkers:
            self.close_pending = True  # another thread is walking: the last walk closes
            return
        if self.has_view:
            PyBuffer_Release(&self.view)
            self.has_view = False
            self.data = NULL
            self.size = 0
        if self.memview is not None:
            try:
                self.memview.release()
            except BufferError:
                pass
            self.memview = None
        closer, self.closer = self.closer, None
        if closer is not None:
            try:
                closer()
            except BufferError:
                pass  # a caller still holds a view: the map goes when that view goes
        if self.tail_map is not None:
            self._drop_unused_tail()

    @property
    def closed(self):
        return not self.has_view

    cdef void hold_tail_map(self, object mapped) noexcept:
        """Keep ``mapped`` (the whole file, mapped at open) for the first read past the prefix."""
        global _unused_tail_maps
        if mapped is not None and self.tail_map is None:
            self.tail_map = mapped
            _unused_tail_maps += 1

    cdef object take_tail_map(self):
        global _unused_tail_maps
        mapped, self.tail_map = self.tail_map, None
        if mapped is not None:
            _unused_tail_maps -= 1
        return mapped

    cdef void _drop_unused_tail(self) noexcept:
        """The file was mapped at open but its tail never read: map later from now on."""
        global _tails_used
        _tails_used = False
        self.take_tail_map()  # MappedFile unmaps when its last reference goes

    def __dealloc__(self):
        if self.has_view:
            PyBuffer_Release(&self.view)
        if self.tail_map is not None:
            self._drop_unused_tail()


cdef class ReadOptions:
    """Per-call reading options (never global state)."""

    def __cinit__(self, bint strict=False, int max_depth=DEFAULT_MAX_DEPTH):
        if not 0 <= max_depth <= MAX_DEPTH_LIMIT:
            # the walker recurses once per level, ~300 bytes of C stack each: a higher
            # limit could overflow a thread's stack on hostile nesting
            raise ValueError(f"max_depth must be between 0 and {MAX_DEPTH_LIMIT}, "
                             f"not {max_depth}")
        self.strict = strict
        self.max_depth = max_depth


@cython.freelist(64)
cdef class Element:
    """One data element: header fields, zero-copy raw bytes and the lazily converted value."""

    @property
    def tag(self):
        """The tag as an int, e.g. 0x00100010."""
        return self._tag

    @property
    def length(self):
        """The length field as written (0xFFFFFFFF for undefined length)."""
        return self._declared

    @property
    def offset(self):
        """Absolute offset of the value in the (inflated, for deflated files) byte stream."""
        return self._offset

    @property
    def value_length(self):
        """Bytes of value present (less than ``length`` when the data was truncated)."""
        return self._length

    @property
    def is_undefined_length(self):
        return bool(self._flags & EF_UNDEFINED)

    @property
    def is_truncated(self):
        """True if the data ended before the declared length (or the delimiter)."""
        return bool(self._flags & (EF_TRUNCATED | EF_NO_DELIMITER))

    @property
    def keyword(self):
        """The dictionary keyword, '' for unknown and private tags."""
        return _dictionary.keyword_for_tag(self._tag)

    @property
    def raw(self):
        """The value bytes as a zero-copy, read-only memoryview (file byte order)."""
        return self._ds._source.slice(self._offset, self._length)

    @property
    def vr(self):
        """The VR after pydicom's resolution (dictionary, UN replacement, ambiguous VRs)."""
        if not self._converted:
            self._convert()
        return self._vr

    @property
    def value(self):
        """The value as plain Python (str, int, float, bytes, list, Sequence or None)."""
        if not self._converted:
            self._convert()
        return self._value

    cdef bytes _bytes(self):
        return self._ds._source.copy(self._offset, self._length)

    cdef str _resolve_vr(self):
        """pydicom's ``hooks.raw_element_vr``."""
        cdef uint16_t code = self._raw_vr
        cdef Dataset ds = self._ds
        if code == 0:
            vr = _dictionary.dictionary_vr(self._tag)
            if vr is not None:
                return vr
            if self._tag & 0x10000:
                return ds._private_vr(self._tag)
            if self._tag & 0xFFFF == 0:
                return "UL"
            warnings.warn(f"VR lookup failed for the raw element with tag "
                          f"{format_tag(self._tag)} - setting VR to 'UN'", DicomWarning,
                          stacklevel=4)
            return "UN"
        if code == VR_CODE_UN:
            if self._tag & 0x10000:
                return ds._private_vr(self._tag)
            if self._length < 0xFFFF:
                return _dictionary.dictionary_vr(self._tag) or "UN"
            return "UN"
        cdef int b0 = code >> 8, b1 = code & 0xFF
        if 65 <= b0 <= 90 and 65 <= b1 <= 90:
            return _VR_NAMES[(b0 - 65) * 26 + b1 - 65]
        return chr(b0) + chr(b1)

    cdef object _convert_as(self, str vr):
        """pydicom's ``values.convert_value`` for a VR known to have a converter."""
        if self._declared == 0:
            return Sequence() if vr == "SQ" else empty_value(vr)
        if vr == "SQ":
            return self._ds._read_sequence(self)
        cdef Source source = self._ds._source
        source.ensure(self._offset, self._length)
        cdef const uint8_t *p = source.data + self._offset
        cdef Py_ssize_t n = <Py_ssize_t>self._length
        cdef tuple encodings = DEFAULT_ENCODINGS
        if self._tag != TAG_CHARSET and vr in CHARSET_VRS:
            encodings = self._ds._encodings()
        cdef bint little = self._ds._little
        source.begin_walk()  # Python code may run below: keep the buffer for `p` alive
        try:
            return self._convert_with_retries(vr, p, n, little, encodings)
        finally:
            source.end_walk()

    cdef object _convert_with_retries(self, str vr, const uint8_t *p, Py_ssize_t n,
                                      bint little, tuple encodings):
        """Convert; on a ValueError retry pydicom's fallback VRs, else keep the bytes."""
        try:
            return convert_value(vr, p, n, little, encodings)
        except ValueError as exc:
            if isinstance(exc, DicomError):
                raise
        for retry in RETRY_ORDER:
            if retry == vr:
                continue
            try:
                if retry == "SQ":
                    return self._ds._read_sequence(self)
                if retry in CHARSET_VRS and self._tag != TAG_CHARSET:
                    encodings = self._ds._encodings()
                return convert_value(retry, p, n, little, encodings)
            except Exception:
                pass
        return self._bytes()

    cdef int _convert(self) except -1:
        cdef Dataset ds = self._ds
        cdef list vrs = ds._cached_vrs()
        cached = vrs[self._index]
        if cached is not None:
            self._vr = cached
            self._value = ds._cache_values[self._index]
            self._converted = True
            return 0
        # conversions can look at other elements (charset, creators, PixelRepresentation):
        # a malformed file must never turn that into unbounded C recursion
        if Py_EnterRecursiveCall(" while converting a DICOM value"):
            return -1
        try:
            self._convert_uncached(ds)
        finally:
            Py_LeaveRecursiveCall()
        return 0

    cdef int _convert_uncached(self, Dataset ds) except -1:
        cdef str vr
        if self._flags & EF_SEQUENCE:
            vr = "SQ"
            value = self._ds._read_sequence(self)
        else:
            vr = self._resolve_vr()
            if vr not in KNOWN_VRS:
                shown = vr if vr.isalpha() else " ".join(f"0x{ord(c):02x}" for c in vr)
                raise InvalidVRError(f"Unknown Value Representation '{shown}' in tag "
                                     f"{format_tag(self._tag)} at offset {self._offset}")
            value = self._convert_as(vr)
            if (0x00281101 <= self._tag <= 0x00281103 or self._tag == 0x00283002) and (
                    type(value) is list and value):
                try:  # as pydicom's hooks.raw_element_value, which ignores any error here
                    if value[0] < 0:
                        value[0] += 65536
                except TypeError:  # e.g. a str value, with a corrupted VR
                    pass
        if vr == "SQ" and not (self._flags & EF_SEQUENCE):
            # pydicom stores the converted SQ, then runs _set_pixel_representation
            ds._store(self._index, vr, value)
            try:
                ds._propagate_pixel_rep(value)
            except BaseException:
                ds._store(self._index, None, None)
                raise
        if self._tag & 0x10000:
            # pydicom's __setitem__ looks up the private creator of every private element,
            # so an unconvertible creator fails its whole block
            creator_tag = (self._tag & 0xFFFF0000) | ((self._tag & 0xFFFF) >> 8)
            if creator_tag != self._tag and table_find(&ds._table, creator_tag) >= 0:
                ds._value_of(creator_tag, None)
        if vr in AMBIGUOUS_VRS:
            try:
                vr, value = self._ds._correct_ambiguous(self, vr, value)
            except (TypeError, IndexError) as exc:  # e.g. an empty LUTDescriptor
                raise AmbiguousVRError(f"Failed to resolve ambiguous VR for tag "
                                       f"{format_tag(self._tag)}: {exc}") from None
        self._vr = vr
        self._value = value
        self._converted = True
        ds._store(self._index, vr, value)
        return 0

    def __repr__(self):
        from cydicom._display import element_repr
        return element_repr(self)


cdef Dataset new_dataset(Source source, uint64_t stream_end, bint implicit, bint little,
                         int depth, ReadOptions options, tuple parent_encodings):
    cdef Dataset ds = Dataset.__new__(Dataset)
    ds._source = source
    ds._stream_end = stream_end
    ds._implicit = implicit
    ds._encoded_implicit = implicit
    ds._little = little
    ds._depth = depth
    ds._options = options
    ds._parent_encodings = parent_encodings
    return ds


def _warn(message):
    warnings.warn(message, DicomWarning, stacklevel=3)


cdef object _pixels_module = None


cdef object _pixels():
    """cydicom.pixels, imported on first use (it imports numpy)."""
    global _pixels_module
    if _pixels_module is None:
        from cydicom import pixels
        _pixels_module = pixels
    return _pixels_module


cdef bint _is_text_vr(uint16_t code, uint32_t tag) except -1:
    """True if an element with this VR code (0: the dictionary's) is decoded by charset."""
    if code == 0:
        vr = _dictionary.dictionary_vr(tag)
        return vr is None or vr in CHARSET_VRS
    return is_charset_vr_code(code)


cdef class Dataset:
    """A lazily read DICOM dataset (one level: the file, or a sequence item).

    ``ds[key]`` and ``ds.Keyword`` return values; ``ds.element(key)`` returns the
    ``Element``; iteration yields elements in tag order.
    """

    def __dealloc__(self):
        table_free(&self._table)

    # ---- walking -------------------------------------------------------------------
    cdef int walk(self, uint64_t start, uint64_t byte_length, int stop_mode,
                  uint64_t *end_pos, bint check=True) except -1000:
        """Walk this level's elements from ``start`` into the table; returns the status.

        ``check=False`` skips the truncation warnings (a header prefix being probed).
        """
        cdef WalkContext ctx
        cdef int status
        self._source.begin_walk()
        init_context(&ctx, self._source.data, self._little, self._options.max_depth)
        self._source.load_delimiter_memo(&ctx)
        try:
            with nogil:
                status = walk_dataset(&ctx, start, self._stream_end, byte_length,
                                      self._implicit, self._depth, stop_mode, &self._table,
                                      end_pos)
        finally:
            self._source.save_delimiter_memo(&ctx)
            self._source.end_walk()
        if status < 0:
            raise walk_error(status, ctx.error_offset, ctx.error_tag)
        table_sort_unique(&self._table)
        self._table_changed()
        if check:
            self._check_truncation(status, ctx.error_offset, ctx.error_tag)
        return status

    cdef int _check_truncation(self, int status, uint64_t offset, uint32_t tag) except -1:
        cdef size_t i
        cdef ElementRecord *rec
        if status == WALK_NO_DELIMITER:
            msg = (f"End of data reached before the delimiter (FFFE,E0DD) of "
                   f"{format_tag(tag)} at offset {offset}")
            if self._options.strict:
                raise TruncatedError(msg)
            _warn(msg + " - keeping the value read up to the end")
        for i in range(self._table.count):
            rec = &self._table.records[i]
            if rec.flags & EF_TRUNCATED:
                msg = (f"Value of {format_tag(rec.tag)} at offset {rec.value_offset} is "
                       f"truncated: {rec.value_length} of {rec.declared_length} bytes present")
                if self._options.strict:
                    raise TruncatedError(msg)
                _warn(msg)
        return 0

    cdef object _read_sequence(self, Element element):
        """Walk the items of an SQ element into item datasets (pydicom's read_sequence)."""
        cdef WalkContext ctx
        cdef ItemTable items
        cdef uint64_t end, item_end, stream_end, byte_length
        cdef int status
        cdef size_t i
        cdef Dataset item
        cdef ItemRecord *rec
        cdef bint undefined = element._flags & EF_SEQUENCE
        if undefined:
            stream_end = self._stream_end  # read eagerly from the file by pydicom
            byte_length = UNDEFINED_LENGTH
        else:
            stream_end = element._offset + element._length  # pydicom: BytesIO(value)
            byte_length = element._length
            self._source.ensure(element._offset, element._length)
        if self._depth + 1 > self._options.max_depth:
            raise NestingError(f"Sequences nested deeper than {self._options.max_depth} "
                               f"at {format_tag(element._tag)}, offset {element._offset}")
        items.items = NULL
        items.count = items.capacity = 0
        sequence = Sequence()
        sequence.is_undefined_length = undefined
        encodings = self._item_encodings(element)
        try:
            self._source.begin_walk()
            init_context(&ctx, self._source.data, self._little, self._options.max_depth)
            self._source.load_delimiter_memo(&ctx)
            try:
                with nogil:
                    status = walk_sequence(&ctx, element._offset, stream_end, byte_length,
                                           self._implicit, self._depth + 1, &items, &end)
            finally:
                self._source.save_delimiter_memo(&ctx)
                self._source.end_walk()
            if status < 0:
                raise walk_error(status, ctx.error_offset, element._tag)
            for i in range(items.count):
                rec = &items.items[i]
                item = new_dataset(self._source, stream_end, rec.implicit, self._little,
                                   self._depth + 1, self._options, encodings)
                item.is_undefined_length_item = rec.undefined
                item._offset = rec.content_offset
                item.walk(rec.content_offset, rec.declared_length, STOP_NONE, &item_end)
                item._encodings()  # pydicom converts (0008,0005) while reading the item
                sequence.append(item)
        finally:
            items_free(&items)
        return sequence

    cdef int _propagate_pixel_rep(self, object items) except -1:
        """pydicom's ``_set_pixel_representation``, run when a defined-length SQ is read.

        It reads this dataset's PixelRepresentation (so its errors become the SQ's) and
        hands it, or what this dataset inherited, to the items.
        """
        pixel_rep = self._own_pixel_rep()
        if pixel_rep is None:
            pixel_rep = self._inherited_pixel_rep
        for item in items:
            (<Dataset>item)._inherited_pixel_rep = pixel_rep
        return 0

    # ---- lookup --------------------------------------------------------------------
    cdef Element _element_for_tag(self, uint32_t tag):
        """A new Element view of ``tag`` (its value is cached by the dataset), or None."""
        if self._foreign is not None and tag in self._foreign:
            return (<Dataset>self._foreign[tag])._element_for_tag(tag)
        cdef Py_ssize_t index = table_find(&self._table, tag)
        if index < 0:
            return None
        return self._element_at(index)

    cdef Element _element_at(self, Py_ssize_t index):
        cdef ElementRecord *rec = &self._table.records[index]
        cdef Element el = Element.__new__(Element)
        el._index = index
        el._tag = rec.tag
        el._raw_vr = rec.vr
        el._flags = rec.flags
        el._declared = rec.declared_length
        el._offset = rec.value_offset
        el._length = rec.value_length
        el._ds = self
        return el

    cdef list _cached_vrs(self):
        """Per-record caches of converted VRs and values (None: not converted yet)."""
        if self._cache_vrs is None:
            self._cache_vrs = [None] * self._table.count
            self._cache_values = [None] * self._table.count
        return self._cache_vrs

    cdef void _store(self, Py_ssize_t index, vr, value):
        self._cache_vrs[index] = vr
        self._cache_values[index] = value

    cdef void _table_changed(self):
        """Records were added, removed or moved: drop what was cached by index."""
        self._cache_vrs = None
        self._cache_values = None

    cdef object _value_of(self, uint32_t tag, default):
        if self._foreign is not None and tag in self._foreign:
            return (<Dataset>self._foreign[tag])._value_of(tag, default)
        cdef Py_ssize_t index = table_find(&self._table, tag)
        if index < 0:
            return default
        cdef list vrs = self._cached_vrs()
        if vrs[index] is not None:
            return self._cache_values[index]
        cdef Element el = self._element_at(index)
        el._convert()
        return el._value

    def element(self, key):
        """The ``Element`` for a tag, (group, element) tuple or keyword; KeyError if absent."""
        cdef Element el = self._element_for_tag(tag_of(key))
        if el is None:
            raise KeyError(key)
        return el

    def __getitem__(self, key):
        tag = tag_of(key)
        value = self._value_of(tag, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __getattribute__(self, str name):
        # keywords first: they are CamelCase, so they never shadow methods or properties;
        # none starts with "_" (private attributes, used on every pixel read, go straight)
        if name and name[0] != "_":
            tag = _KEYWORDS.get(name)
            if tag is None and name[0].isupper():
                tag = _tag_for_keyword(name)
            if tag is not None:
                value = self._value_of(tag, _MISSING)
                if value is not _MISSING:
                    return value
        return PyObject_GenericGetAttr(self, name)

    def get(self, key, default=None):
        """The value for ``key``, or ``default`` if the element is absent."""
        try:
            tag = tag_of(key)
        except KeyError:
            return default
        return self._value_of(tag, default)

    def __contains__(self, key):
        try:
            tag = tag_of(key)
        except KeyError:
            return False
        return table_find(&self._table, tag) >= 0

    def __len__(self):
        return self._table.count

    def __iter__(self):
        cdef size_t i
        for i in range(self._table.count):
            yield self._element_for_tag(self._table.records[i].tag)

    def tags(self):
        """The tags of this level, ascending."""
        cdef size_t i
        return [self._table.records[i].tag for i in range(self._table.count)]

    def keys(self):
        return self.tags()

    def _raw_fingerprint(self, tuple tags, Py_ssize_t max_value=64):
        """Bytes naming how ``tags`` (ints) are encoded at this level, or None.

        Two datasets with equal fingerprints convert those tags to equal values (same
        byte order, VR, flags and value bytes; absent tags marked), so results computed
        from the values can be shared between the files of a series. None when a value
        is longer than ``max_value``, text in a character set, or from a merged group.
        """
        cdef bytearray out = bytearray(b"\x00" * (len(tags) * (5 + max_value) + 1))
        cdef uint8_t *o = out
        cdef Py_ssize_t index, n = 1
        cdef ElementRecord *rec
        cdef uint32_t tag
        o[0] = 2 * self._little + self._implicit
        for key in tags:
            tag = key
            if self._foreign is not None and tag in self._foreign:
                return None
            index = table_find(&self._table, tag)
            if index < 0:
                o[n] = 0xFF
                n += 1
                continue
            rec = &self._table.records[index]
            if rec.value_length > <uint64_t>max_value or _is_text_vr(rec.vr, tag):
                return None
            self._source.ensure(rec.value_offset, rec.value_length)
            memcpy(o + n, &rec.vr, 2)
            memcpy(o + n + 2, &rec.flags, 2)
            o[n + 4] = <uint8_t>rec.value_length
            memcpy(o + n + 5, self._source.data + rec.value_offset, rec.value_length)
            n += 5 + <Py_ssize_t>rec.value_length
        return (<const char *>o)[:n]

    def element_table(self):
        """This level's element records as a numpy structured array (a copy).

        Fields: tag, vr (two ASCII bytes as ``(b0 << 8) | b1``, 0 = implicit), flags,
        length (as written), offset and value_length (bytes present).
        """
        import numpy

        dtype = numpy.dtype([("tag", "<u4"), ("vr", "<u2"), ("flags", "<u2"),
                             ("length", "<u4"), ("reserved", "<u4"), ("offset", "<u8"),
                             ("value_length", "<u8")])
        assert dtype.itemsize == sizeof(ElementRecord)
        cdef bytes raw = (<const char *>self._table.records)[
            :self._table.count * sizeof(ElementRecord)] if self._table.count else b""
        return numpy.frombuffer(raw, dtype=dtype)

    def __dir__(self):
        names = [_dictionary.keyword_for_tag(tag) for tag in self.tags()]
        return sorted(set(object.__dir__(self)) | {n for n in names if n})

    # ---- context needed by conversions ----------------------------------------------
    cdef tuple _encodings(self):
        """The Python codecs for text values: own (0008,0005), else the parent's."""
        if self._encodings_cache is not None:
            return self._encodings_cache
        cdef Element charset = self._element_for_tag(TAG_CHARSET)
        if charset is None:
            result = self._parent_encodings
        else:
            value = charset.value
            if value and charset.vr == "PN":  # pydicom: a PersonName, neither str nor list
                raise InvalidValueError(f"Specific Character Set value {value!r} is a "
                                        f"person name (VR PN), not text")
            key = value if type(value) is str else None
            result = _ENCODINGS_BY_VALUE.get(key) if key is not None else None
            if result is None:
                result = tuple(convert_encodings(value))
                if key is not None and len(_ENCODINGS_BY_VALUE) < 256:
                    _ENCODINGS_BY_VALUE[key] = result
        self._encodings_cache = result
        return result

    cdef tuple _item_encodings(self, Element sequence):
        """The character set items of ``sequence`` inherit.

        pydicom reads undefined-length sequences while walking the file, with the
        character set known at that point: this dataset's own (0008,0005) only if it came
        earlier in the stream. Defined-length sequences are read on access, with the
        dataset's final character set.
        """
        if sequence._tag == TAG_CHARSET:
            return DEFAULT_ENCODINGS  # pydicom converts (0008,0005) itself with the default
        if not (sequence._flags & EF_SEQUENCE):
            return self._encodings()
        cdef Py_ssize_t index = table_find(&self._table, TAG_CHARSET)
        if index >= 0 and self._table.records[index].value_offset < sequence._offset:
            return self._encodings()
        return self._parent_encodings

    cdef str _private_vr(self, uint32_t tag):
        """pydicom's ``hooks._private_vr_for_tag``."""
        cdef uint32_t element = tag & 0xFFFF
        if 0x10 <= element < 0x100:
            return "LO"
        if element & 0xFF00:
            creator = self._value_of((tag & 0xFFFF0000) | (element >> 8), None)
            if creator and isinstance(creator, str):
                vr = _dictionary.private_dictionary_vr(tag, creator)
                if vr is not None:
                    return vr
        return "UN"

    cdef object _own_pixel_rep(self):
        value = self._value_of(TAG_PIXEL_REPRESENTATION, None)
        if isinstance(value, bytes):
            return int(b"\x01" in value)
        return value

    cdef object _required(self, str keyword, uint32_t tag, Element element):
        if table_find(&self._table, tag) < 0:
            raise AmbiguousVRError(f"Failed to resolve ambiguous VR for tag "
                                   f"{format_tag(element._tag)}: no {keyword} in the dataset")
        return self._value_of(tag, None)

    cdef object _lut_descriptor(self, Element lut_data):
        """LUTDescriptor as pydicom sees it while correcting LUTData's VR.

        LUTDescriptor is ambiguous itself; when its correction fails pydicom has already
        stored the uncorrected element, and a later access returns its raw bytes.
        """
        cdef Element descriptor = self._element_for_tag(0x00283002)
        if descriptor is None:
            raise AmbiguousVRError(f"Failed to resolve ambiguous VR for tag "
                                   f"{format_tag(lut_data._tag)}: no LUTDescriptor in the dataset")
        try:
            return descriptor.value
        except AmbiguousVRError:
            return descriptor._convert_as(descriptor._resolve_vr())

    cdef tuple _correct_ambiguous(self, Element element, str vr, value):
        """pydicom's ``filewriter._correct_ambiguous_vr_element`` (ancestors = [self])."""
        cdef uint32_t tag = element._tag
        if tag == TAG_PIXEL_DATA:
            if element._flags & EF_UNDEFINED:
                return "OB", value
            if self._encoded_implicit:
                return "OW", value
            return ("OW" if self._required("BitsAllocated", 0x00280100, element) > 8
                    else "OB"), value
        if tag in AMBIGUOUS_US_SS_TAGS:
            pixel_rep = self._value_of(TAG_PIXEL_REPRESENTATION, None)
            if pixel_rep is None:
                pixel_rep = self._inherited_pixel_rep
            if pixel_rep is None:
                if (table_find(&self._table, TAG_PIXEL_REPRESENTATION) < 0
                        and table_find(&self._table, TAG_PIXEL_DATA) < 0):
                    pixel_rep = 0
                else:
                    pixel_rep = 0 if self._required(
                        "PixelRepresentation", TAG_PIXEL_REPRESENTATION, element) == 0 else 1
            new_vr = "US" if pixel_rep == 0 else "SS"
            if value is None or not value:
                return new_vr, value
            if isinstance(value, bytes):
                value = convert_value(new_vr, value, len(value), self._little, DEFAULT_ENCODINGS)
            return new_vr, value
        if tag in AMBIGUOUS_OB_OW_TAGS:
            if self._encoded_implicit:
                return "OW", value
            bits = self._required("WaveformBitsAllocated", 0x003A021A, element)
            return ("OW" if bits > 8 else "OB"), value
        if tag == 0x00283006:
            descriptor = self._lut_descriptor(element)
            if descriptor[0] == 1:
                if value is None or not value:
                    return "US", value
                if isinstance(value, bytes):
                    value = convert_value("US", value, len(value), self._little,
                                          DEFAULT_ENCODINGS)
                return "US", value
            return "OW", value
        if tag in OVERLAY_DATA_TAGS:
            return "OW", value
        return vr, value

    # ---- pixel data (cydicom.pixels, imported on first use) ---------------------------
    @property
    def pixel_array(self):
        """The pixel data as pydicom's ``pixel_array``; zero-copy and read-only when possible."""
        return _pixels().pixel_array(self)

    def pixel_view(self):
        """The native pixel data as stored: a read-only array sharing the file's memory."""
        return _pixels().pixel_view(self)

    @property
    def num_frames(self):
        """The number of frames of the pixel data."""
        return _pixels().num_frames(self)

    def frame(self, index):
        """Frame ``index`` of ``pixel_array``, decoding or viewing only that frame."""
        return _pixels().frame(self, index)

    def iter_frames(self):
        """Yield the frames of ``pixel_array`` one by one."""
        return _pixels().iter_frames(self)

    # ---- file-level attributes ------------------------------------------------------
    @property
    def is_little_endian(self):
        return self._little

    @property
    def is_implicit_VR(self):
        """True if this level was read as implicit VR."""
        return self._implicit

    @property
    def closed(self):
        return self._source.closed

    def close(self):
        """Release the file (unmap it). Values already read stay valid."""
        self._pixel_cache = None  # it refers back to this dataset
        self._source.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def __repr__(self):
        from cydicom._display import dataset_repr
        return dataset_repr(self)

    def __str__(self):
        from cydicom._display import dataset_text
        return dataset_text(self)

    def _repr_html_(self):
        from cydicom._display import dataset_html
        return dataset_html(self)

    def to_pydicom(self):
        """An equivalent ``pydicom.Dataset`` built from cydicom's own elements."""
        from cydicom._interop import to_pydicom
        return to_pydicom(self)

    def to_json_dict(self, bulk_data_threshold=1024, bulk_data_element_handler=None,
                     suppress_invalid_tags=False):
        """This dataset in the DICOM JSON model (PS3.18 F.2), as pydicom's ``to_json_dict``."""
        from cydicom.jsonmodel import dataset_json
        return dataset_json(self, bulk_data_threshold, bulk_data_element_handler,
                            suppress_invalid_tags)

    def to_json(self, bulk_data_threshold=1024, bulk_data_element_handler=None,
                dump_handler=None, suppress_invalid_tags=False):
        """``to_json_dict()`` serialised (``json.dumps`` with sorted keys unless ``dump_handler``)."""
        from cydicom.jsonmodel import dataset_json_text
        return dataset_json_text(self, bulk_data_threshold, bulk_data_element_handler,
                                 dump_handler, suppress_invalid_tags)
