# cython: language_level=3
"""Reading a whole DICOM stream: preamble, file meta, command set, transfer syntax, dataset.

Follows pydicom 3.0.2's ``filereader.read_partial``: the file meta (group 0002) is
explicit VR little endian (implicit tolerated), group 0000 after it is read as implicit
VR little endian and merged into the dataset, and the transfer syntax decides how the
rest is read. A deflated dataset is inflated once, then walked like any other.
"""
import warnings
import zlib

from libc.stdint cimport uint8_t, uint32_t, uint64_t

from cydicom._walker cimport (
    DEFAULT_MAX_DEPTH, EF_TRUNCATED, STOP_AT_PIXELS, STOP_NONE, STOP_NOT_GROUP_0, STOP_NOT_GROUP_2,
    UNDEFINED_LENGTH, WALK_END, WALK_STOPPED, ElementHeader, ElementRecord, WalkContext,
    detect_implicit, init_context, read_header, standard_vr_kind, table_append, table_find, table_sort_unique,
)
from cydicom.dataset cimport Dataset, ReadOptions, Source, new_dataset

from cydicom._charset import DEFAULT_ENCODINGS
from cydicom.dataset import tag_of
from cydicom.errors import (
    DeflateError, DicomWarning, InvalidDicomError, InvalidVRError, TruncatedError,
)

IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
EXPLICIT_VR_BIG_ENDIAN = "1.2.840.10008.1.2.2"
DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99"
CHARSET_TAG = 0x00080005
# Deflate bomb guard: by default a deflated dataset may inflate to INFLATE_RATIO times its
# compressed size, and always to MIN_INFLATE_LIMIT (dcmread's max_inflated_size overrides).
INFLATE_RATIO = 100
MIN_INFLATE_LIMIT = 64 << 20


cdef bint _choose_mode(Source source, uint64_t pos, bint assumed, int stop_mode) except -1:
    """Detect implicit/explicit VR at ``pos`` as pydicom's ``_is_implicit_vr`` (top level)."""
    cdef WalkContext ctx
    cdef bint mismatch
    init_context(&ctx, source.data, True, DEFAULT_MAX_DEPTH)
    cdef bint implicit = detect_implicit(&ctx, pos, source.size, assumed, False, stop_mode,
                                         &mismatch)
    if mismatch:
        found, expected = ("implicit", "explicit") if implicit else ("explicit", "implicit")
        warnings.warn(f"Expected {expected} VR, but found {found} VR - using {found} VR "
                      f"for reading (offset {pos})", DicomWarning, stacklevel=3)
    return implicit


cdef Dataset _read_group(Source source, uint64_t pos, bint assumed_implicit, int stop_mode,
                         ReadOptions options, uint64_t *end):
    """Read the group-0002 or group-0000 elements at ``pos`` (always little endian)."""
    cdef bint implicit = _choose_mode(source, pos, assumed_implicit, stop_mode)
    cdef Dataset group = new_dataset(source, source.size, implicit, True, 0, options,
                                     DEFAULT_ENCODINGS)
    group._offset = pos
    group.walk(pos, UNDEFINED_LENGTH, stop_mode, end)
    return group


cdef Dataset _read_file_meta(Source source, uint64_t pos, ReadOptions options, uint64_t *end):
    cdef Dataset meta = _read_group(source, pos, False, STOP_NOT_GROUP_2, options, end)
    if len(meta):
        # pydicom converts the first meta element: an unknown VR makes it re-read the meta as
        # implicit VR, any other conversion error is file-level
        try:
            meta.get(meta._table.records[0].tag)
        except InvalidVRError:
            meta = _read_group(source, pos, True, STOP_NOT_GROUP_2, options, end)
    # pydicom converts these two while reading, so their errors are file-level
    for tag in (0x00020000, 0x00020010):
        meta.get(tag)
    return meta


cdef tuple _transfer_syntax_mode(Source source, uint64_t pos, ts):
    """(implicit, little, deflated) for the dataset at ``pos``."""
    if pos >= source.size:
        return True, True, False
    if ts is None:
        if source.size - pos < 6:
            raise TruncatedError(f"No transfer syntax and only {source.size - pos} bytes "
                                 f"of dataset at offset {pos}")
        vr = (<uint32_t>source.data[pos + 4] << 8) | source.data[pos + 5]
        if standard_vr_kind(vr):
            group = source.data[pos] | (<uint32_t>source.data[pos + 1] << 8)
            return False, group < 1024, False
        return True, True, False
    if ts == IMPLICIT_VR_LITTLE_ENDIAN:
        return True, True, False
    if ts == EXPLICIT_VR_BIG_ENDIAN:
        return False, False, False
    if ts == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
        return False, True, True
    return False, True, False


def inflate_limit(uint64_t compressed_size, max_inflated_size=None):
    """Bytes a deflated dataset of ``compressed_size`` bytes may inflate to."""
    if max_inflated_size is not None:
        if max_inflated_size < 0:
            raise ValueError(f"max_inflated_size must be >= 0, not {max_inflated_size}")
        return max_inflated_size
    return max(MIN_INFLATE_LIMIT, INFLATE_RATIO * compressed_size)


cdef bytes _inflate(Source source, uint64_t pos, max_inflated_size):
    """Raw-deflate the rest of the stream (trailing bytes ignored, as pydicom does).

    Never produces more than the inflate limit (plus one byte, to know it was exceeded).
    """
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    compressed = source.copy(pos, source.size - pos)
    limit = inflate_limit(len(compressed), max_inflated_size)
    try:
        data = inflater.decompress(compressed, limit + 1)
    except zlib.error as exc:
        raise DeflateError(f"Cannot inflate the deflated dataset at offset {pos}: {exc}") from None
    if len(data) > limit:
        raise DeflateError(
            f"Deflated dataset at offset {pos} inflates to more than {limit} bytes "
            f"({len(compressed)} compressed): a deflate bomb? Pass dcmread(..., "
            f"max_inflated_size=N) to allow more")
    if not inflater.eof:
        raise DeflateError(f"Deflated dataset at offset {pos} is truncated")
    return data


def read_stream(obj, closer=None, bint force=False, bint stop_before_pixels=False,
                specific_tags=None, bint strict=False, int max_depth=128,
                max_inflated_size=None, bint probe=False, path=None, uint64_t file_size=0,
                tail_map=None):
    """Read a DICOM stream held by ``obj`` (any object with the buffer protocol).

    ``probe=True`` reads a header prefix: truncation is not reported unless the walk
    reached the pixel data (the caller reads more otherwise). With ``path`` and
    ``file_size``, ``obj`` is a prefix of that file: the walk stops at the pixel data,
    whose value is read from ``tail_map`` (the whole file, mapped at open) or, without
    it, from the file mapped when first used; None is returned when the prefix is not
    enough for that (the caller then reads the whole file).
    ``max_inflated_size``: see ``inflate_limit``.
    """
    cdef ReadOptions options = ReadOptions(strict, max_depth)
    cdef Source source = Source(obj, closer)
    cdef uint64_t pos = 0, end = 0
    preamble = None
    if source.size >= 132 and source.copy(128, 4) == b"DICM":
        preamble = source.copy(0, 128)
        pos = 132
    elif not force:
        source.close()
        raise InvalidDicomError(
            "File is missing DICOM File Meta Information header or the 'DICM' prefix is "
            "missing from the header. Use force=True to force reading.")

    cdef Dataset meta = _read_file_meta(source, pos, options, &end)
    pos = end
    cdef Dataset command_set = _read_group(source, pos, True, STOP_NOT_GROUP_0, options, &end)
    pos = end

    ts = meta.get(0x00020010)
    implicit, little, deflated = _transfer_syntax_mode(source, pos, ts)
    cdef Source body = source
    if deflated:
        # keep one buffer: everything before the dataset, then the inflated dataset
        body = Source(source.copy(0, pos) + _inflate(source, pos, max_inflated_size),
                      source.closer)
        source.closer = None
        meta._source = body
        command_set._source = body
        source.close()

    # a deflated dataset's offsets are in the inflated bytes, not the file: never a lazy tail
    cdef bint lazy_tail = (path is not None and file_size > body.size and not stop_before_pixels
                           and not deflated)
    cdef int stop_mode = STOP_AT_PIXELS if stop_before_pixels or lazy_tail else STOP_NONE
    implicit_found = _choose_mode(body, pos, implicit, stop_mode) if pos < body.size else implicit
    cdef Dataset ds = new_dataset(body, body.size, implicit_found, little, 0, options,
                                  DEFAULT_ENCODINGS)
    ds._encoded_implicit = implicit
    ds._offset = pos
    status = ds.walk(pos, UNDEFINED_LENGTH, stop_mode, &end, not (probe or lazy_tail))
    if lazy_tail:
        if status != WALK_STOPPED or not _append_pixel_tail(ds, end, file_size):
            return None
        body.path = path
        body.hold_tail_map(tail_map)
        status = WALK_END
        ds._check_truncation(status, 0, 0)
    ds._encodings()  # pydicom converts (0008,0005) while reading: its errors are file-level
    ds.stopped_at_pixels = status == WALK_STOPPED
    ds.header_end = end
    if len(command_set):
        # merged elements are converted with the dataset's character set, as in pydicom
        command_set._parent_encodings = ds._encodings()
        command_set._encodings_cache = None
        _merge_command_set(ds, command_set)
    if specific_tags:  # pydicom: an empty list means no filtering
        _keep_only(ds, specific_tags)
    ds.preamble = preamble
    ds.file_meta = meta
    ds.transfer_syntax = ts
    return ds


cdef bint _append_pixel_tail(Dataset ds, uint64_t pos, uint64_t file_size) except -1:
    """Record the pixel data element whose header is at ``pos`` without reading its value.

    Only when it is the file's last element with a defined length: then the result is
    the one a walk of the whole file gives. Returns False otherwise.
    """
    cdef WalkContext ctx
    cdef ElementHeader header
    cdef ElementRecord record
    init_context(&ctx, ds._source.data, ds._little, DEFAULT_MAX_DEPTH)
    if read_header(&ctx, pos, ds._source.size, ds._implicit, &header) < 0:
        return False
    cdef uint64_t value_start = pos + header.size
    if header.length == UNDEFINED_LENGTH or value_start + header.length < file_size:
        return False
    record.tag = header.tag
    record.vr = header.vr
    record.flags = header.flags
    record.declared_length = header.length
    record.header_offset_hi = 0
    record.value_offset = value_start
    record.value_length = min(<uint64_t>header.length, file_size - value_start)
    if record.value_length < header.length:
        record.flags |= EF_TRUNCATED
    if table_append(&ds._table, &record) < 0:
        raise MemoryError()
    table_sort_unique(&ds._table)
    ds._table_changed()
    return True


cdef int _merge_command_set(Dataset ds, Dataset command_set) except -1:
    """pydicom merges group 0000 (read as implicit LE) into the dataset; it wins on clashes.

    The merged elements stay bound to ``command_set``, which knows their byte order.
    """
    cdef size_t i
    cdef Py_ssize_t index
    cdef ElementRecord *rec
    for i in range(command_set._table.count):
        rec = &command_set._table.records[i]
        index = table_find(&ds._table, rec.tag)
        if index >= 0:
            ds._table.records[index] = rec[0]
        elif table_append(&ds._table, rec) < 0:
            raise MemoryError()
        if ds._foreign is None:
            ds._foreign = {}
        ds._foreign[rec.tag] = command_set
    table_sort_unique(&ds._table)
    ds._table_changed()
    return 0


cdef int _keep_only(Dataset ds, specific_tags) except -1:
    """pydicom's ``specific_tags``: keep those top-level tags and (0008,0005)."""
    wanted = {tag_of(key) for key in specific_tags}
    wanted.add(CHARSET_TAG)
    cdef size_t i, kept = 0
    for i in range(ds._table.count):
        if ds._table.records[i].tag in wanted:
            ds._table.records[kept] = ds._table.records[i]
            kept += 1
    ds._table.count = kept
    ds._table_changed()
    return 0
