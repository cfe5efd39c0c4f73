# The element walker: reads one dataset level of a DICOM byte stream into a table of
# element records, without creating Python objects. See _walker.pyx.
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t

cdef enum:
    UNDEFINED_LENGTH = 0xFFFFFFFF
    TAG_ITEM = 0xFFFEE000
    TAG_ITEM_DELIMITER = 0xFFFEE00D
    TAG_SEQUENCE_DELIMITER = 0xFFFEE0DD
    DEFAULT_MAX_DEPTH = 128

# ElementRecord.flags
cdef enum:
    EF_UNDEFINED = 1        # the length field was 0xFFFFFFFF
    EF_IMPLICIT = 2         # the header was read as implicit VR (file mode or a per-element switch)
    EF_TRUNCATED = 4        # fewer value bytes were present than the length field declared
    EF_SEQUENCE = 8         # undefined length, read as a sequence of items
    EF_NO_DELIMITER = 16    # undefined-length value whose delimiter was never found
    EF_UNKNOWN_VR = 32      # explicit VR bytes that are not a DICOM VR (2-byte length assumed)

# stop conditions of a dataset walk (pydicom's stop_when callbacks)
cdef enum:
    STOP_NONE = 0
    STOP_NOT_GROUP_2 = 1    # file meta: stop at the first tag outside group 0002
    STOP_NOT_GROUP_0 = 2    # command set: stop at the first tag outside group 0000
    STOP_AT_PIXELS = 3      # stop_before_pixels: (7FE0,0008/0009/0010)
    STOP_AFTER_TAG = 4      # scans: stop at pixel data or at the first tag above ctx.stop_tag

# walk results; negative values are errors
cdef enum:
    WALK_END = 0              # data or item length exhausted
    WALK_ITEM_DELIMITER = 1   # (FFFE,E00D) ended the dataset
    WALK_STOPPED = 2          # the stop condition matched; end = start of that element
    WALK_NO_DELIMITER = 3     # an undefined-length value had no delimiter (pydicom's EOFError)
    ERR_TRUNCATED_HEADER = -1 # 4-byte explicit length cut off (pydicom: struct.error)
    ERR_NO_ITEM_TAG = -2      # item header cut off / sequence delimiter missing (pydicom: OSError)
    ERR_TRUNCATED_PEEK = -3   # tag after an undefined length cut off (pydicom: struct.error)
    ERR_NESTING = -4          # sequences nested deeper than max_depth
    ERR_NO_MEMORY = -5
    ERR_CHARSET_VR = -6       # (0008,0005) with an unknown VR: pydicom converts it while reading
    ERR_TOO_MANY_HOPS = -7    # item hops of undefined-length values beyond the walk's budget

ctypedef struct ElementRecord:
    uint32_t tag
    uint16_t vr               # (b0 << 8) | b1 for explicit VRs; 0 for implicit (see _vr.pxd)
    uint16_t flags
    uint32_t declared_length  # the length field as written
    uint32_t header_offset_hi # high 32 bits of the header offset (rarely non-zero)
    uint64_t value_offset     # absolute offset of the value in the buffer
    uint64_t value_length     # bytes of value present (undefined: up to the delimiter)

ctypedef struct ElementTable:
    ElementRecord *records
    size_t count
    size_t capacity

ctypedef struct ItemRecord:
    uint64_t content_offset   # first byte after the item header
    uint64_t content_end      # where reading the item's elements ended
    uint32_t declared_length
    uint8_t implicit          # items may switch to implicit VR (PS3.5 6.2.2)
    uint8_t undefined
    uint8_t lost_tail         # a value without delimiter ended the item early
    uint8_t reserved

ctypedef struct ItemTable:
    ItemRecord *items
    size_t count
    size_t capacity

ctypedef struct ElementHeader:
    uint32_t tag
    uint16_t vr
    uint16_t flags
    uint32_t length
    uint32_t size             # header bytes: 8, or 12 for explicit VRs with a 4-byte length

ctypedef struct WalkContext:
    const uint8_t *buf
    bint little
    int max_depth
    uint32_t stop_tag         # STOP_AFTER_TAG: the largest tag still wanted
    uint64_t error_offset     # where the failing read was attempted
    uint32_t error_tag        # the element being read (0 if none)
    # a delimiter scan found none from no_delimiter_from up to no_delimiter_end: later
    # scans inside that range are answered at once (hostile input can ask for one scan
    # per 20 bytes, each to the end of the data: quadratic without this). Datasets carry
    # it from walk to walk of the same buffer (Source.begin_walk / end_walk).
    uint64_t no_delimiter_from
    uint64_t no_delimiter_end
    # item hops left for undefined-length values (set at the first one): hostile input can
    # make every value hop over the same long chain of items
    uint64_t hops_left

cdef enum:
    # Item hops allowed per walk: a valid stream needs at most one hop per 8 bytes per
    # walk; hostile chains need one per item per value (quadratic). Enough slack for any
    # real file, then ERR_TOO_MANY_HOPS.
    MIN_HOP_BUDGET = 1 << 16

cdef uint64_t HOPS_UNSET = 0xFFFFFFFFFFFFFFFF


cdef inline void init_context(WalkContext *ctx, const uint8_t *buf, bint little,
                              int max_depth) noexcept nogil:
    """Every field of a walk context set, error fields cleared."""
    ctx.buf = buf
    ctx.little = little
    ctx.max_depth = max_depth
    ctx.stop_tag = 0xFFFFFFFF
    ctx.error_offset = 0
    ctx.error_tag = 0
    ctx.no_delimiter_from = 0xFFFFFFFFFFFFFFFF
    ctx.no_delimiter_end = 0
    ctx.hops_left = HOPS_UNSET

cdef int detect_implicit(WalkContext *ctx, uint64_t pos, uint64_t stream_end, bint assumed,
                         bint is_sequence, int stop_mode, bint *mismatch) noexcept nogil
cdef int read_header(WalkContext *ctx, uint64_t pos, uint64_t stream_end, bint implicit,
                     ElementHeader *header) noexcept nogil
cdef int walk_dataset(WalkContext *ctx, uint64_t start, uint64_t stream_end,
                      uint64_t byte_length, bint implicit, int depth, int stop_mode,
                      ElementTable *out, uint64_t *end_pos) noexcept nogil
cdef int walk_sequence(WalkContext *ctx, uint64_t start, uint64_t stream_end,
                       uint64_t byte_length, bint implicit, int depth,
                       ItemTable *items, uint64_t *end_pos) noexcept nogil
cdef void table_free(ElementTable *table) noexcept nogil
cdef int table_append(ElementTable *table, const ElementRecord *record) noexcept nogil
cdef int table_sort_unique(ElementTable *table) noexcept nogil
cdef Py_ssize_t table_find(const ElementTable *table, uint32_t tag) noexcept nogil
cdef void items_free(ItemTable *items) noexcept nogil
cdef int standard_vr_kind(uint16_t vr) noexcept nogil
