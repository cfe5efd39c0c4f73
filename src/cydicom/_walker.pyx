# cython: language_level=3
"""The hot loop: walk one dataset level of a DICOM stream into an element table.

The walker reproduces pydicom 3.0.2's reading of element headers exactly
(``filereader.data_element_generator``, ``read_sequence``, ``read_sequence_item``,
``fileutil.read_undefined_length_value``) but records offsets instead of building
objects. Undefined-length sequences are walked without recording, only to find their
end; their items are read into tables when the sequence is first accessed.

Every read is checked against ``stream_end`` with 64-bit arithmetic; errors are
returned as negative status codes and mapped to exceptions by the caller.
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, qsort, realloc
from libc.string cimport memchr

from cydicom._buffer cimport fits, read_tag, read_u16, read_u32
from cydicom._dictionary cimport dictionary_vr_code

cdef enum:
    VR_SQ = 0x5351
    VR_UN = 0x554E

cdef uint64_t UNDEFINED_OFFSET = 0xFFFFFFFFFFFFFFFF

# 0 = not a DICOM VR, 1 = 2-byte length, 2 = reserved bytes + 4-byte length
cdef uint8_t VR_KIND[26 * 26]


cdef void _init_vr_kinds():
    cdef int i
    for i in range(26 * 26):
        VR_KIND[i] = 0
    short_vrs = ("AE AS AT CS DA DS DT FD FL IS LO LT PN SH SL SS ST TM UI UL US").split()
    long_vrs = ("OB OD OF OL OV OW SQ SV UC UN UR UT UV").split()
    for names, kind in ((short_vrs, 1), (long_vrs, 2)):
        for name in names:
            VR_KIND[(ord(name[0]) - 65) * 26 + ord(name[1]) - 65] = kind


_init_vr_kinds()


cdef int standard_vr_kind(uint16_t vr) noexcept nogil:
    """1 for a 2-byte-length VR, 2 for a 4-byte-length VR, 0 if not one of the 34 VRs."""
    cdef int b0 = vr >> 8, b1 = vr & 0xFF
    if b0 < 65 or b0 > 90 or b1 < 65 or b1 > 90:
        return 0
    return VR_KIND[(b0 - 65) * 26 + b1 - 65]


cdef inline bint _is_upper(uint8_t c) noexcept nogil:
    return 0x40 < c < 0x5B


cdef inline bint _should_stop(const WalkContext *ctx, uint32_t tag, int stop_mode) noexcept nogil:
    if stop_mode == STOP_AFTER_TAG:
        return tag > ctx.stop_tag or tag == 0x7FE00010 or tag == 0x7FE00009 or tag == 0x7FE00008
    if stop_mode == STOP_NOT_GROUP_2:
        return (tag >> 16) != 2
    if stop_mode == STOP_NOT_GROUP_0:
        return (tag >> 16) != 0
    if stop_mode == STOP_AT_PIXELS:
        return tag == 0x7FE00010 or tag == 0x7FE00009 or tag == 0x7FE00008
    return False


cdef int _reserve(void **items, size_t *capacity, size_t count, size_t item_size,
                  size_t initial) noexcept nogil:
    """Make room for one more item in a realloc-grown array (doubling)."""
    cdef size_t new_capacity
    cdef void *grown
    if count < capacity[0]:
        return 0
    new_capacity = capacity[0] * 2 if capacity[0] else initial
    grown = realloc(items[0], new_capacity * item_size)
    if grown == NULL:
        return ERR_NO_MEMORY
    items[0] = grown
    capacity[0] = new_capacity
    return 0


cdef int _append(ElementTable *table, uint32_t tag, uint16_t vr, uint16_t flags,
                 uint32_t declared, uint64_t value_offset, uint64_t value_length) noexcept nogil:
    if _reserve(<void **>&table.records, &table.capacity, table.count,
                sizeof(ElementRecord), 32) < 0:
        return ERR_NO_MEMORY
    cdef ElementRecord *rec = &table.records[table.count]
    rec.tag = tag
    rec.vr = vr
    rec.flags = flags
    rec.declared_length = declared
    rec.header_offset_hi = 0
    rec.value_offset = value_offset
    rec.value_length = value_length
    table.count += 1
    return 0


cdef int _append_item(ItemTable *items, uint64_t content_offset, uint64_t content_end,
                      uint32_t declared, bint implicit, bint undefined, bint lost) noexcept nogil:
    if _reserve(<void **>&items.items, &items.capacity, items.count, sizeof(ItemRecord), 8) < 0:
        return ERR_NO_MEMORY
    cdef ItemRecord *item = &items.items[items.count]
    item.content_offset = content_offset
    item.content_end = content_end
    item.declared_length = declared
    item.implicit = implicit
    item.undefined = undefined
    item.lost_tail = lost
    item.reserved = 0
    items.count += 1
    return 0


cdef int detect_implicit(WalkContext *ctx, uint64_t pos, uint64_t stream_end, bint assumed,
                         bint is_sequence, int stop_mode, bint *mismatch) noexcept nogil:
    """pydicom's ``_is_implicit_vr``: guess the VR mode from the first element's VR bytes.

    Returns the mode to read with; ``mismatch`` is set when pydicom would warn
    ("Expected explicit VR, but found implicit VR").
    """
    mismatch[0] = False
    if is_sequence and assumed:
        return True
    if not fits(pos, 6, stream_end):
        return assumed
    cdef bint found_implicit = not (_is_upper(ctx.buf[pos + 4]) and _is_upper(ctx.buf[pos + 5]))
    if found_implicit == assumed:
        return found_implicit
    if stop_mode != STOP_NONE and _should_stop(ctx, read_tag(ctx.buf + pos, ctx.little), stop_mode):
        return found_implicit
    if found_implicit and is_sequence:
        return True
    mismatch[0] = True
    return found_implicit


cdef uint64_t _find_delimiter(const uint8_t *buf, uint64_t start, uint64_t end, bint little) noexcept nogil:
    """Offset of the first sequence delimiter tag at or after start, or end if none."""
    cdef uint8_t b0 = 0xFE if little else 0xFF
    cdef uint8_t b1 = 0xFF if little else 0xFE
    cdef uint8_t b2 = 0xDD if little else 0xE0
    cdef uint8_t b3 = 0xE0 if little else 0xDD
    cdef const uint8_t *hit
    cdef uint64_t pos = start
    while end >= 4 and pos <= end - 4:
        hit = <const uint8_t *>memchr(buf + pos, b0, end - 3 - pos)
        if hit == NULL:
            return end
        pos = hit - buf
        if buf[pos + 1] == b1 and buf[pos + 2] == b2 and buf[pos + 3] == b3:
            return pos
        pos += 1
    return end


cdef int _undefined_value_end(WalkContext *ctx, uint64_t start, uint64_t stream_end,
                              uint64_t *value_end, uint64_t *next_pos) noexcept nogil:
    """Find the end of an undefined-length non-sequence value (encapsulated pixel data).

    First hop over items as pydicom's ``_try_read_encapsulated_pixel_data`` does, then
    fall back to scanning for the sequence delimiter bytes. The value excludes the
    delimiter; ``next_pos`` is where pydicom's stream stands afterwards.
    """
    cdef const uint8_t *buf = ctx.buf
    cdef bint little = ctx.little
    cdef uint64_t pos = start
    cdef uint32_t tag
    if ctx.hops_left == HOPS_UNSET:
        ctx.hops_left = MIN_HOP_BUDGET + stream_end // 2
    while fits(pos, 4, stream_end):
        if ctx.hops_left == 0:
            ctx.error_offset = start
            return ERR_TOO_MANY_HOPS
        ctx.hops_left -= 1
        tag = read_tag(buf + pos, little)
        pos += 4
        if tag == TAG_SEQUENCE_DELIMITER:
            value_end[0] = pos - 4
            next_pos[0] = pos + 4
            return WALK_END
        if tag != TAG_ITEM or not fits(pos, 4, stream_end):
            break
        pos += 4 + <uint64_t>read_u32(buf + pos, little)
    if start >= ctx.no_delimiter_from and stream_end <= ctx.no_delimiter_end:
        pos = stream_end
    else:
        pos = _find_delimiter(buf, start, stream_end, little)
        if pos == stream_end:
            ctx.no_delimiter_from = start
            ctx.no_delimiter_end = stream_end
    if pos == stream_end:
        value_end[0] = stream_end
        next_pos[0] = start
        return WALK_NO_DELIMITER
    value_end[0] = pos
    next_pos[0] = pos + 8 if fits(pos, 8, stream_end) else stream_end
    return WALK_END


cdef int read_header(WalkContext *ctx, uint64_t pos, uint64_t stream_end, bint implicit,
                     ElementHeader *header) noexcept nogil:
    """Parse the element header at ``pos`` (8 bytes known to be present) as pydicom does.

    Explicit VR: a 4-byte length for the long VRs; VR bytes outside b"AA".."ZZ" make
    pydicom re-read this one header as implicit; other unknown VRs take a 2-byte length.
    """
    cdef const uint8_t *p = ctx.buf + pos
    cdef bint little = ctx.little
    cdef int kind
    header.tag = read_tag(p, little)
    if implicit:
        header.vr = 0
        header.flags = EF_IMPLICIT
        header.length = read_u32(p + 4, little)
        header.size = 8
        return 0
    header.vr = (<uint16_t>p[4] << 8) | p[5]
    header.flags = 0
    header.size = 8
    kind = standard_vr_kind(header.vr)
    if kind == 2:
        if not fits(pos + 8, 4, stream_end):
            ctx.error_offset = pos
            ctx.error_tag = header.tag
            return ERR_TRUNCATED_HEADER
        header.length = read_u32(p + 8, little)
        header.size = 12
    elif kind == 1:
        header.length = read_u16(p + 6, little)
    elif header.vr < 0x4141 or header.vr > 0x5A5A:
        header.vr = 0
        header.flags = EF_IMPLICIT
        header.length = read_u32(p + 4, little)
    else:
        header.flags = EF_UNKNOWN_VR
        header.length = read_u16(p + 6, little)
    return 0


cdef int walk_dataset(WalkContext *ctx, uint64_t start, uint64_t stream_end,
                      uint64_t byte_length, bint implicit, int depth, int stop_mode,
                      ElementTable *out, uint64_t *end_pos) noexcept nogil:
    """Walk the elements of one dataset starting at ``start`` (see ``_walk_elements``).

    A (0008,0005) with an unknown VR fails the dataset as pydicom does: after all its
    elements were read, so that errors met on the way are reported first.
    """
    cdef uint64_t charset_error_at = UNDEFINED_OFFSET
    cdef int status = _walk_elements(ctx, start, stream_end, byte_length, implicit, depth,
                                     stop_mode, out, end_pos, &charset_error_at)
    if status >= 0 and charset_error_at != UNDEFINED_OFFSET:
        ctx.error_offset = charset_error_at
        ctx.error_tag = 0x00080005
        return ERR_CHARSET_VR
    return status


cdef int _walk_elements(WalkContext *ctx, uint64_t start, uint64_t stream_end,
                        uint64_t byte_length, bint implicit, int depth, int stop_mode,
                        ElementTable *out, uint64_t *end_pos,
                        uint64_t *charset_error_at) noexcept nogil:
    """Walk the elements of one dataset starting at ``start``.

    ``byte_length`` is the item length (UNDEFINED_LENGTH: until an item delimiter or the
    end of the stream). Elements are appended to ``out`` unless it is NULL (skip mode).
    ``end_pos`` receives the stream position where pydicom would stand afterwards.
    """
    cdef const uint8_t *buf = ctx.buf
    cdef bint little = ctx.little
    cdef uint64_t pos = start, value_start, available, hdr, seq_end, value_end, next_pos
    cdef uint32_t tag, length
    cdef uint16_t vr, flags
    cdef int status, code
    cdef bint is_sequence
    cdef ElementHeader header
    while True:
        if byte_length != UNDEFINED_LENGTH and pos - start >= byte_length:
            end_pos[0] = pos
            return WALK_END
        if not fits(pos, 8, stream_end):
            # pydicom's short read of the 8 header bytes consumes what is left
            end_pos[0] = stream_end if pos < stream_end else pos
            return WALK_END
        status = read_header(ctx, pos, stream_end, implicit, &header)
        if status < 0:
            end_pos[0] = pos
            return status
        tag = header.tag
        vr = header.vr
        flags = header.flags
        length = header.length
        hdr = header.size
        if tag == TAG_ITEM_DELIMITER:
            end_pos[0] = pos + hdr
            return WALK_ITEM_DELIMITER
        if stop_mode != STOP_NONE and _should_stop(ctx, tag, stop_mode):
            end_pos[0] = pos
            return WALK_STOPPED
        if tag == 0x00080005:
            # pydicom fails on an unknown VR once the dataset is read - unless a later
            # (0008,0005) replaced it in its dict
            charset_error_at[0] = pos if flags & EF_UNKNOWN_VR else UNDEFINED_OFFSET
        value_start = pos + hdr

        if length != UNDEFINED_LENGTH:
            available = stream_end - value_start
            if length <= available:
                available = length
            else:
                flags |= EF_TRUNCATED
            if out != NULL and _append(out, tag, vr, flags, length, value_start, available) < 0:
                return ERR_NO_MEMORY
            pos = value_start + available
            continue

        # undefined length: a sequence, or a value ended by a sequence delimiter
        flags |= EF_UNDEFINED
        is_sequence = vr == VR_SQ or vr == VR_UN
        if vr == 0:
            code = dictionary_vr_code(tag)
            if code >= 0:
                is_sequence = code == VR_SQ
            else:
                if not fits(value_start, 4, stream_end):
                    ctx.error_offset = value_start
                    ctx.error_tag = tag
                    end_pos[0] = value_start
                    return ERR_TRUNCATED_PEEK
                is_sequence = read_tag(buf + value_start, little) == TAG_ITEM
        if is_sequence:
            if depth + 1 > ctx.max_depth:
                ctx.error_offset = pos
                ctx.error_tag = tag
                end_pos[0] = pos
                return ERR_NESTING
            status = walk_sequence(ctx, value_start, stream_end, UNDEFINED_LENGTH, implicit,
                                   depth + 1, NULL, &seq_end)
            if status < 0:
                end_pos[0] = seq_end
                return status
            if status == WALK_NO_DELIMITER:  # an item's value took the rest of the data
                if out != NULL and _append(out, tag, VR_SQ, flags | EF_SEQUENCE | EF_NO_DELIMITER,
                                           length, value_start, seq_end - value_start) < 0:
                    return ERR_NO_MEMORY
                end_pos[0] = seq_end
                return WALK_NO_DELIMITER
            if out != NULL and _append(out, tag, VR_SQ, flags | EF_SEQUENCE, length,
                                       value_start, seq_end - 8 - value_start) < 0:
                return ERR_NO_MEMORY
            pos = seq_end
            continue

        status = _undefined_value_end(ctx, value_start, stream_end, &value_end, &next_pos)
        if status < 0:
            ctx.error_tag = tag
            end_pos[0] = value_start
            return status
        if status == WALK_NO_DELIMITER:
            flags |= EF_NO_DELIMITER
        if out != NULL and _append(out, tag, vr, flags, length, value_start,
                                   value_end - value_start) < 0:
            return ERR_NO_MEMORY
        if status == WALK_NO_DELIMITER:
            # pydicom raises EOFError and rewinds to the value start; the dataset ends here
            ctx.error_offset = value_start
            ctx.error_tag = tag
            end_pos[0] = next_pos
            return WALK_NO_DELIMITER
        pos = next_pos


cdef int walk_sequence(WalkContext *ctx, uint64_t start, uint64_t stream_end,
                       uint64_t byte_length, bint implicit, int depth,
                       ItemTable *items, uint64_t *end_pos) noexcept nogil:
    """Walk the items of a sequence value (pydicom's ``read_sequence``).

    ``byte_length`` is the sequence length, UNDEFINED_LENGTH to read until the
    sequence delimiter. Items are appended to ``items`` unless it is NULL.
    """
    cdef const uint8_t *buf = ctx.buf
    cdef bint little = ctx.little
    cdef uint64_t pos = start, item_end
    cdef uint32_t tag, length
    cdef bint item_implicit, mismatch
    cdef int status
    if byte_length == 0:
        end_pos[0] = pos
        return WALK_END
    while True:
        if byte_length != UNDEFINED_LENGTH and pos - start >= byte_length:
            end_pos[0] = pos
            return WALK_END
        if not fits(pos, 8, stream_end):
            ctx.error_offset = pos
            ctx.error_tag = 0
            end_pos[0] = pos
            return ERR_NO_ITEM_TAG
        tag = read_tag(buf + pos, little)
        length = read_u32(buf + pos + 4, little)
        pos += 8
        if tag == TAG_SEQUENCE_DELIMITER:
            end_pos[0] = pos
            return WALK_END
        # pydicom does not check that `tag` is the item tag
        item_implicit = detect_implicit(ctx, pos, stream_end, implicit, True, STOP_NONE, &mismatch)
        status = walk_dataset(ctx, pos, stream_end, length, item_implicit, depth, STOP_NONE,
                              NULL, &item_end)
        if status < 0:
            end_pos[0] = item_end
            return status
        if items != NULL and _append_item(items, pos, item_end, length, item_implicit,
                                          length == UNDEFINED_LENGTH,
                                          status == WALK_NO_DELIMITER) < 0:
            return ERR_NO_MEMORY
        if status == WALK_NO_DELIMITER:
            # a value without delimiter took the rest of the data: reading items from
            # inside it (where pydicom's stream rewinds to) would give every later item
            # a value overlapping all the others, quadratic in memory once converted
            end_pos[0] = stream_end
            return WALK_NO_DELIMITER
        pos = item_end


cdef int table_append(ElementTable *table, const ElementRecord *record) noexcept nogil:
    return _append(table, record.tag, record.vr, record.flags, record.declared_length,
                   record.value_offset, record.value_length)


cdef void table_free(ElementTable *table) noexcept nogil:
    free(table.records)
    table.records = NULL
    table.count = table.capacity = 0


cdef void items_free(ItemTable *items) noexcept nogil:
    free(items.items)
    items.items = NULL
    items.count = items.capacity = 0


cdef int _compare_records(const void *a, const void *b) noexcept nogil:
    cdef const ElementRecord *x = <const ElementRecord *>a
    cdef const ElementRecord *y = <const ElementRecord *>b
    if x.tag != y.tag:
        return -1 if x.tag < y.tag else 1
    # same tag: file order (value offsets grow along a walk)
    if x.value_offset != y.value_offset:
        return -1 if x.value_offset < y.value_offset else 1
    return 0


cdef int table_sort_unique(ElementTable *table) noexcept nogil:
    """Sort by tag, keeping only the last occurrence of a repeated tag (as pydicom's dict).

    Returns 1 if the table had to be changed, 0 if it was already strictly ascending.
    """
    cdef size_t i, kept = 0
    cdef ElementRecord *records = table.records
    for i in range(1, table.count):
        if records[i].tag <= records[i - 1].tag:
            break
    else:
        return 0
    qsort(records, table.count, sizeof(ElementRecord), _compare_records)
    for i in range(table.count):
        if i + 1 < table.count and records[i + 1].tag == records[i].tag:
            continue
        records[kept] = records[i]
        kept += 1
    table.count = kept
    return 1


cdef Py_ssize_t table_find(const ElementTable *table, uint32_t tag) noexcept nogil:
    """Index of ``tag`` in a sorted table, or -1."""
    cdef Py_ssize_t lo = 0, hi = <Py_ssize_t>table.count - 1, mid
    cdef uint32_t found
    while lo <= hi:
        mid = (lo + hi) >> 1
        found = table.records[mid].tag
        if found == tag:
            return mid
        if found < tag:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1
