# Declarations of the lazy dataset classes, so other Cython modules can build them.
from cpython.buffer cimport Py_buffer
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t

from cydicom._walker cimport ElementTable, WalkContext


cdef class Source:
    cdef Py_buffer view
    cdef bint has_view
    cdef const uint8_t *data
    cdef uint64_t size
    cdef object obj
    cdef object closer
    cdef object memview
    cdef object path                  # set while only a prefix of this file is in memory
    cdef object tail_map              # the whole file, mapped at open: used past the prefix
    cdef object retired               # the prefix, kept alive for walks still using it
    cdef int walkers                  # walks running without the GIL over ``data``
    cdef bint close_pending           # close() was called during such a walk
    cdef uint64_t no_delimiter_from   # walks share what delimiter scans found (no
    cdef uint64_t no_delimiter_end    # delimiter in [from, end)): see WalkContext
    cdef int begin_walk(self) except -1
    cdef void end_walk(self)
    cdef void load_delimiter_memo(self, WalkContext *ctx) noexcept
    cdef void save_delimiter_memo(self, const WalkContext *ctx) noexcept
    cdef int check_open(self) except -1
    cdef int ensure(self, uint64_t offset, uint64_t length) except -1
    cdef object slice(self, uint64_t offset, uint64_t length)
    cdef bytes copy(self, uint64_t offset, uint64_t length)
    cdef void hold_tail_map(self, object mapped) noexcept
    cdef object take_tail_map(self)
    cdef void _drop_unused_tail(self) noexcept


cdef class ReadOptions:
    cdef readonly bint strict
    cdef readonly int max_depth


cdef class Element:
    cdef Py_ssize_t _index            # the record's index in its dataset's table
    cdef uint32_t _tag
    cdef uint16_t _raw_vr
    cdef uint16_t _flags
    cdef uint32_t _declared
    cdef uint64_t _offset
    cdef uint64_t _length
    cdef Dataset _ds
    cdef str _vr
    cdef object _value
    cdef bint _converted
    cdef bytes _bytes(self)
    cdef str _resolve_vr(self)
    cdef object _convert_as(self, str vr)
    cdef object _convert_with_retries(self, str vr, const uint8_t *p, Py_ssize_t n,
                                      bint little, tuple encodings)
    cdef int _convert(self) except -1
    cdef int _convert_uncached(self, Dataset ds) except -1


cdef class Dataset:
    cdef Source _source
    cdef ElementTable _table
    cdef uint64_t _stream_end
    cdef uint64_t _offset
    cdef bint _implicit
    cdef bint _encoded_implicit
    cdef bint _little
    cdef int _depth
    cdef ReadOptions _options
    cdef object _inherited_pixel_rep  # pydicom's _pixel_rep, set when the parent SQ is read
    cdef tuple _parent_encodings
    cdef tuple _encodings_cache
    cdef list _cache_vrs              # per record: resolved VR, None until converted
    cdef list _cache_values           # per record: converted value (no Element objects kept)
    cdef dict _foreign                # tag -> Dataset the record belongs to (merged command set)
    cdef public object preamble
    cdef public object file_meta
    cdef public object transfer_syntax
    cdef public bint is_undefined_length_item
    cdef public bint stopped_at_pixels
    cdef public uint64_t header_end   # top level: where the walk stopped (start of pixel data)
    cdef public object _pixel_cache   # cydicom.pixels: (file_meta, PixelDescription)

    cdef int walk(self, uint64_t start, uint64_t byte_length, int stop_mode,
                  uint64_t *end_pos, bint check=*) except -1000
    cdef int _check_truncation(self, int status, uint64_t offset, uint32_t tag) except -1
    cdef object _read_sequence(self, Element element)
    cdef Element _element_for_tag(self, uint32_t tag)
    cdef Element _element_at(self, Py_ssize_t index)
    cdef list _cached_vrs(self)
    cdef void _store(self, Py_ssize_t index, vr, value)
    cdef void _table_changed(self)
    cdef object _value_of(self, uint32_t tag, default)
    cdef tuple _encodings(self)
    cdef tuple _item_encodings(self, Element sequence)
    cdef str _private_vr(self, uint32_t tag)
    cdef object _own_pixel_rep(self)
    cdef int _propagate_pixel_rep(self, object items) except -1
    cdef object _required(self, str keyword, uint32_t tag, Element element)
    cdef object _lut_descriptor(self, Element lut_data)
    cdef tuple _correct_ambiguous(self, Element element, str vr, value)


cdef Dataset new_dataset(Source source, uint64_t stream_end, bint implicit, bint little,
                         int depth, ReadOptions options, tuple parent_encodings)
