# cython: language_level=3
"""The scan engine: many files' header values into typed columns (see ``scan.py``).

Per file, without the GIL: ``open``, ``pread`` a prefix, read the file meta, walk the top
level only as far as the largest wanted tag (stopping at pixel data), read more only when
a wanted element runs past the prefix, ``close``. Wanted values are copied into the
chunk's arena. Anything unusual (no DICM, a command set, deflate, truncation at the end of
the file, out-of-order tags, ambiguous or unknown VRs, ...) marks the file for the
*fallback*: ``dcmread`` reads it, so every oddity behaves exactly as ``dcmread`` does.

The conversion to columns (``ColumnBuilder``) runs after the scan, in file order, with
C kernels for the common value kinds and the fallback's Python values for the rest.
"""
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.errno cimport EINTR, errno
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc, strtod
from libc.string cimport memcmp, memcpy, strlen

from cydicom._columns cimport CS_LATIN1, RAW_FALLBACK, ColumnBuilder
from cydicom._platform cimport (
    CYD_HAVE_OPENAT, cyd_close, cyd_open_dir, cyd_open_read, cyd_openat_read, cyd_pread,
)
from cydicom._buffer cimport fits, read_tag, read_u16, read_u32, read_u64
from cydicom._walker cimport (
    DEFAULT_MAX_DEPTH, WALK_NO_DELIMITER, EF_IMPLICIT, EF_NO_DELIMITER, EF_SEQUENCE, EF_TRUNCATED, EF_UNDEFINED,
    EF_UNKNOWN_VR, ERR_NESTING, ERR_NO_MEMORY, ERR_CHARSET_VR, ERR_TOO_MANY_HOPS, STOP_AFTER_TAG, STOP_NONE,
    STOP_NOT_GROUP_2, UNDEFINED_LENGTH, WALK_END, WALK_STOPPED, ElementRecord, ElementTable,
    ItemTable, WalkContext, detect_implicit, init_context, items_free, table_find, table_free,
    standard_vr_kind, walk_dataset, walk_sequence,
)

cdef extern from "string.h":
    const char *strrchr(const char *s, int c) nogil
    int strncmp(const char *a, const char *b, size_t n) nogil

cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object unicode, Py_ssize_t *size) except NULL

# per-file outcome of the C pass
cdef enum:
    FILE_OK = 0
    FILE_OPEN_ERROR = 1       # errno in FileResult.err
    FILE_READ_ERROR = 2
    FILE_NOT_DICOM = 3        # no DICM prefix (and force is off)
    FILE_FALLBACK = 4         # read it with dcmread
    FILE_BAD_PATH = 5         # a NUL in the path

STATUS_OPEN_ERROR, STATUS_READ_ERROR = FILE_OPEN_ERROR, FILE_READ_ERROR
STATUS_NOT_DICOM, STATUS_BAD_PATH = FILE_NOT_DICOM, FILE_BAD_PATH

# _parse results besides FILE_*
cdef enum:
    NEED_MORE = 100
    FAST_BAIL = 101           # _fast_walk: the general walker must read this file

cdef uint64_t MAX_HEADER_BYTES = 64 << 20   # beyond this the fallback maps the file
# Adaptive prefix reads: just past what recent files needed, in pages. Copying 16 KiB
# costs about 1 us more than 4 KiB here; a second read costs about as much.
cdef size_t MIN_READ = 4096
cdef size_t MAX_READ = 1 << 20
cdef size_t READ_MARGIN = 512
cdef size_t WINDOW = 64

ctypedef struct Hit:
    uint64_t arena_offset
    uint64_t length
    uint16_t column
    uint16_t vr               # the VR as written, 0 for implicit
    uint32_t flags

ctypedef struct FileResult:
    int status
    int err
    uint8_t little
    uint8_t implicit
    size_t hit_start
    size_t hit_count
    size_t arena_start


cdef inline int _grow(void **items, size_t *capacity, size_t needed, size_t item_size) noexcept nogil:
    """Make room for ``needed`` items in a realloc-grown array (doubling); -1 if out of memory."""
    cdef size_t new_capacity = capacity[0] if capacity[0] else 64
    cdef void *grown
    if needed <= capacity[0]:
        return 0
    while new_capacity < needed:
        new_capacity *= 2
    grown = realloc(items[0], new_capacity * item_size)
    if grown == NULL:
        return -1
    items[0] = grown
    capacity[0] = new_capacity
    return 0


cdef inline bint _is_ui(const ElementRecord *rec) noexcept nogil:
    return rec.vr == 0x5549


cdef class ChunkResult:
    """The C pass over one chunk of files: per-file outcomes, hits and their value bytes."""
    cdef FileResult *files
    cdef size_t nfiles
    cdef Hit *hits
    cdef size_t nhits, hits_capacity
    cdef uint8_t *arena
    cdef size_t arena_size, arena_capacity
    cdef readonly object paths

    def __dealloc__(self):
        free(self.files)
        free(self.hits)
        free(self.arena)

    cdef int add_hit(self, uint16_t column, uint16_t vr, uint32_t flags, const uint8_t *value,
                     uint64_t length) noexcept nogil:
        if _grow(<void **>&self.hits, &self.hits_capacity, self.nhits + 1, sizeof(Hit)) < 0:
            return -1
        if _grow(<void **>&self.arena, &self.arena_capacity, self.arena_size + length, 1) < 0:
            return -1
        cdef Hit *hit = &self.hits[self.nhits]
        hit.arena_offset = self.arena_size
        hit.length = length
        hit.column = column
        hit.vr = vr
        hit.flags = flags
        if length:
            memcpy(self.arena + self.arena_size, value, length)
        self.arena_size += length
        self.nhits += 1
        return 0

    def status(self, Py_ssize_t i):
        """(status, errno) of file ``i``."""
        return self.files[i].status, self.files[i].err

    def raw_value(self, Py_ssize_t i, int column):
        """The value bytes file ``i`` holds for ``column``, or None."""
        cdef FileResult *f = &self.files[i]
        cdef size_t h
        for h in range(f.hit_start, f.hit_start + f.hit_count):
            if self.hits[h].column == column:
                return PyBytes_FromStringAndSize(<const char *>self.arena + self.hits[h].arena_offset,
                                                 self.hits[h].length)
        return None

    def fill(self, list builders, list column_slots, list column_paths, int charset_column,
             charset_kind, fallback, describe_error, list errors):
        """Append this chunk's rows to ``builders`` (one per column), in file order.

        Column ``c`` takes the value of wanted tag ``column_slots[c]`` (the hits' column
        numbers), or, when ``column_paths[c]`` is a tuple of (item index, tag) hops, the
        value found by following them into that sequence's items.

        Returns how many files were read by the fallback.
        ``charset_kind(raw)`` maps a (0008,0005) value to a CS_* kind, or -1 for the
        fallback; ``fallback(path)`` returns (values, error) as read by dcmread;
        ``describe_error(status, errno, path)`` gives the error text of a failed file.
        """
        cdef Py_ssize_t ncols = len(builders), c, i, fallbacks = 0, nslots = 0
        cdef int pushed
        cdef size_t h
        cdef FileResult *f
        cdef ColumnBuilder builder
        cdef Hit *hit
        cdef int charset, status
        cdef bytes last_charset = None
        cdef int last_kind = CS_LATIN1
        for c in range(ncols):
            nslots = max(nslots, <Py_ssize_t>column_slots[c] + 1)
        nslots = max(nslots, charset_column + 1)
        cdef Py_ssize_t *row_hit = <Py_ssize_t *>malloc((nslots + 1) * sizeof(Py_ssize_t))
        if row_hit == NULL:
            raise MemoryError()
        try:
            for i in range(<Py_ssize_t>self.nfiles):
                f = &self.files[i]
                status = f.status
                if status == FILE_OK:
                    for c in range(nslots + 1):
                        row_hit[c] = -1
                    for h in range(f.hit_start, f.hit_start + f.hit_count):
                        row_hit[self.hits[h].column] = h
                    charset = CS_LATIN1
                    if charset_column >= 0 and row_hit[charset_column] >= 0:
                        hit = &self.hits[row_hit[charset_column]]
                        if (last_charset is None or <size_t>len(last_charset) != hit.length
                                or memcmp(<const char *>last_charset, self.arena + hit.arena_offset,
                                          hit.length) != 0):
                            last_charset = PyBytes_FromStringAndSize(
                                <const char *>self.arena + hit.arena_offset, hit.length)
                            last_kind = charset_kind(last_charset)
                        charset = last_kind
                        if hit.vr != 0 and hit.vr != 0x4353:
                            charset = -1  # (0008,0005) not written as CS: dcmread's rules
                    if charset < 0:
                        status = FILE_FALLBACK
                    else:
                        for c in range(ncols):
                            (<ColumnBuilder>builders[c]).save()
                        for c in range(ncols):
                            builder = <ColumnBuilder>builders[c]
                            h = row_hit[<Py_ssize_t>column_slots[c]]
                            if <Py_ssize_t>h < 0:
                                builder.null_row()
                                continue
                            hit = &self.hits[h]
                            path = column_paths[c]
                            if path is None:
                                pushed = builder.push_raw(hit.vr, self.arena + hit.arena_offset,
                                                          hit.length, f.little, charset)
                            else:
                                pushed = _push_path(builder, self.arena + hit.arena_offset,
                                                    hit.length, f.implicit, f.little, charset,
                                                    <tuple>path)
                            if pushed == RAW_FALLBACK:
                                status = FILE_FALLBACK
                                break
                        if status == FILE_FALLBACK:
                            for c in range(ncols):
                                (<ColumnBuilder>builders[c]).restore()
                        else:
                            errors.append(None)
                            continue
                if status == FILE_FALLBACK:
                    fallbacks += 1
                    values, error = fallback(self.paths[i])
                    for c in range(ncols):
                        if values is None:
                            (<ColumnBuilder>builders[c]).null_row()
                            continue
                        problem = (<ColumnBuilder>builders[c]).push_python(*values[c])
                        if problem is not None and error is None:
                            error = problem
                    errors.append(error)
                    continue
                for c in range(ncols):
                    (<ColumnBuilder>builders[c]).null_row()
                errors.append(describe_error(status, f.err, self.paths[i]))
        finally:
            free(row_hit)
        return fallbacks

    def failed(self):
        """Files the C pass could not open, read or recognise (the fallback not counted)."""
        cdef size_t i, count = 0
        for i in range(self.nfiles):
            if self.files[i].status != FILE_OK and self.files[i].status != FILE_FALLBACK:
                count += 1
        return count

    def __len__(self):
        return self.nfiles


cdef class FileScanner:
    """Per-thread scan state: the read buffer, the wanted tags and the walk tables.

    ``tags`` is the ascending list of wanted tags; ``columns`` the column of each.
    """
    cdef uint8_t *buf
    cdef size_t capacity
    cdef size_t read_size
    cdef bint adaptive        # learn read_size from the bytes recent files needed
    cdef size_t needed        # bytes the last parse needed (walk end + a header)
    cdef size_t window_max    # most bytes a file of the current window needed
    cdef size_t window_files
    cdef uint32_t *tags
    cdef uint16_t *columns
    cdef uint8_t *sequences   # per tag: wanted as a sequence (for paths into its items)
    cdef size_t ntags
    cdef bint force
    cdef int max_depth
    cdef ElementTable meta
    cdef ElementTable body
    cdef int dir_fd            # the directory of the previous file, for openat
    cdef char *dir_path
    cdef size_t dir_length

    def __cinit__(self, tags, columns, size_t read_size=0, bint force=False,
                  int max_depth=DEFAULT_MAX_DEPTH, sequences=None):
        cdef size_t i
        self.ntags = len(tags)
        if self.ntags == 0 or self.ntags > 65535:
            raise ValueError("between 1 and 65535 tags")
        self.tags = <uint32_t *>malloc(self.ntags * sizeof(uint32_t))
        self.columns = <uint16_t *>malloc(self.ntags * sizeof(uint16_t))
        self.sequences = <uint8_t *>malloc(self.ntags)
        self.adaptive = read_size == 0
        self.read_size = max(read_size, 256) if read_size else MIN_READ
        self.capacity = max(self.read_size, 4 * MIN_READ)
        self.buf = <uint8_t *>malloc(self.capacity)
        if self.tags == NULL or self.columns == NULL or self.buf == NULL or self.sequences == NULL:
            raise MemoryError()
        for i in range(self.ntags):
            self.tags[i] = tags[i]
            self.columns[i] = columns[i]
            self.sequences[i] = bool(sequences[i]) if sequences is not None else 0
            if i and self.tags[i] <= self.tags[i - 1]:
                raise ValueError("tags must be ascending and unique")
        self.force = force
        if not 0 <= max_depth <= 1000:  # dataset.MAX_DEPTH_LIMIT: deeper walks risk the C stack
            raise ValueError(f"max_depth must be between 0 and 1000, not {max_depth}")
        self.max_depth = max_depth
        self.dir_fd = -1

    def __dealloc__(self):
        if self.dir_fd >= 0:
            cyd_close(self.dir_fd)
        free(self.dir_path)
        free(self.buf)
        free(self.tags)
        free(self.columns)
        free(self.sequences)
        table_free(&self.meta)
        table_free(&self.body)

    def scan(self, list paths):
        """Run the C pass over ``paths`` (a list of str or bytes) into a ChunkResult."""
        cdef ChunkResult result = ChunkResult.__new__(ChunkResult)
        cdef Py_ssize_t n = len(paths), i, size
        cdef list encoded = []
        cdef const char **c_paths = <const char **>malloc(max(n, 1) * sizeof(char *))
        if c_paths == NULL:
            raise MemoryError()
        result.files = <FileResult *>malloc(max(n, 1) * sizeof(FileResult))
        if result.files == NULL:
            free(c_paths)
            raise MemoryError()
        result.nfiles = n
        result.paths = paths
        try:
            for i in range(n):
                path = paths[i]
                result.files[i].status = FILE_OK
                if type(path) is str:
                    try:
                        c_paths[i] = PyUnicode_AsUTF8AndSize(path, &size)
                    except UnicodeEncodeError:  # an undecodable name, kept as surrogates
                        path = _fsencode(path)
                if type(path) is not str:
                    path = bytes(path)
                    encoded.append(path)
                    c_paths[i] = path
                    size = len(<bytes>path)
                if strlen(c_paths[i]) != <size_t>size:
                    result.files[i].status = FILE_BAD_PATH
            with nogil:
                for i in range(n):
                    if result.files[i].status == FILE_BAD_PATH:
                        result.files[i].err = 0
                        result.files[i].hit_start = result.nhits
                        result.files[i].hit_count = 0
                        result.files[i].arena_start = result.arena_size
                        continue
                    self._scan_file(c_paths[i], result, &result.files[i])
        finally:
            free(c_paths)
        return result

    cdef void _scan_file(self, const char *path, ChunkResult result, FileResult *res) noexcept nogil:
        cdef int fd
        cdef Py_ssize_t got
        cdef size_t n = 0
        cdef size_t want = self.read_size
        cdef int status
        res.err = 0
        res.little = 1
        res.hit_start = result.nhits
        res.hit_count = 0
        res.arena_start = result.arena_size
        if want > self.capacity and _grow(<void **>&self.buf, &self.capacity, want, 1) < 0:
            res.status = FILE_FALLBACK
            return
        fd = self._open(path)
        while fd < 0 and errno == EINTR:
            fd = self._open(path)
        if fd < 0:
            res.status = FILE_OPEN_ERROR
            res.err = errno
            return
        while True:
            got = self._read(fd, n, want - n)
            if got < 0:
                res.status = FILE_READ_ERROR
                res.err = errno
                break
            n += got
            status = self._parse(n, n < want, result, res)
            if status != NEED_MORE:
                res.status = status
                break
            if want >= MAX_HEADER_BYTES:
                res.status = FILE_FALLBACK
                break
            want *= 4
            if want > self.capacity:
                if _grow(<void **>&self.buf, &self.capacity, want, 1) < 0:
                    res.status = FILE_FALLBACK
                    break
        cyd_close(fd)
        if self.adaptive and res.status == FILE_OK:
            self._learn(self.needed)
        if res.status != FILE_OK:  # drop what a failed parse collected
            result.nhits = res.hit_start
            result.arena_size = res.arena_start
        else:
            res.hit_count = result.nhits - res.hit_start

    cdef int _open(self, const char *path) noexcept nogil:
        """open() the file; relative to the directory handle when the directory repeats
        (files of one folder come together), which spares the kernel the path walk.
        A FIFO must not block the scan: non-blocking (pread then fails on it)."""
        cdef const char *slash = strrchr(path, 47)
        cdef size_t length
        cdef char *copy
        if not CYD_HAVE_OPENAT or slash == NULL or slash == path:
            return cyd_open_read(path, 1)
        length = slash - path
        if not (self.dir_fd >= 0 and length == self.dir_length
                and strncmp(path, self.dir_path, length) == 0):
            if self.dir_fd >= 0:
                cyd_close(self.dir_fd)
                self.dir_fd = -1
            copy = <char *>realloc(self.dir_path, length + 1)
            if copy == NULL:
                return cyd_open_read(path, 1)
            memcpy(copy, path, length)
            copy[length] = 0
            self.dir_path = copy
            self.dir_length = length
            self.dir_fd = cyd_open_dir(copy)
            if self.dir_fd < 0:
                return cyd_open_read(path, 1)
        return cyd_openat_read(self.dir_fd, slash + 1, 1)

    cdef void _learn(self, size_t needed) noexcept nogil:
        """Adapt the first read to the largest need of the last WINDOW files."""
        cdef size_t size
        if needed > self.window_max:
            self.window_max = needed
        self.window_files += 1
        if needed <= self.read_size and self.window_files < WINDOW:
            return
        size = (self.window_max + READ_MARGIN + MIN_READ - 1) // MIN_READ * MIN_READ
        self.read_size = min(max(size, MIN_READ), MAX_READ)
        if self.window_files >= WINDOW:
            self.window_max = 0
            self.window_files = 0

    cdef Py_ssize_t _read(self, int fd, size_t offset, size_t length) noexcept nogil:
        """pread until ``length`` bytes or the end of the file; -1 on error."""
        cdef size_t done = 0
        cdef int64_t got
        while done < length:
            got = cyd_pread(fd, self.buf + offset + done, length - done, offset + done)
            if got < 0:
                if errno == EINTR:
                    continue
                return -1
            if got == 0:
                break
            done += got
        return done

    cdef int _parse(self, size_t n, bint eof, ChunkResult result, FileResult *res) noexcept nogil:
        """Parse the ``n`` bytes read so far; NEED_MORE when the prefix ended too early."""
        cdef WalkContext ctx
        cdef uint64_t pos, end = 0
        cdef int status
        cdef bint mismatch, implicit, little
        cdef const ElementRecord *rec
        cdef size_t i
        result.nhits = res.hit_start  # a retry after NEED_MORE starts over
        result.arena_size = res.arena_start
        if n < 132:
            if not eof:
                return NEED_MORE
            return FILE_FALLBACK if self.force else FILE_NOT_DICOM
        if memcmp(self.buf + 128, b"DICM", 4) != 0:
            return FILE_FALLBACK if self.force else FILE_NOT_DICOM

        # file meta: explicit VR little endian, as it should be; anything else: fallback
        init_context(&ctx, self.buf, True, self.max_depth)
        if not fits(132, 6, n):
            return FILE_FALLBACK if eof else NEED_MORE
        if detect_implicit(&ctx, 132, n, False, False, STOP_NOT_GROUP_2, &mismatch) or mismatch:
            return FILE_FALLBACK
        self.meta.count = 0
        status = walk_dataset(&ctx, 132, n, UNDEFINED_LENGTH, False, 0, STOP_NOT_GROUP_2,
                              &self.meta, &end)
        if status != WALK_STOPPED:
            return FILE_FALLBACK if eof else NEED_MORE
        cdef const ElementRecord *transfer = NULL
        for i in range(self.meta.count):
            rec = &self.meta.records[i]
            if i == 0 and not _whole_numbers(rec):
                return FILE_FALLBACK  # dcmread converts the first meta element while reading
            if rec.flags & (EF_TRUNCATED | EF_UNKNOWN_VR | EF_IMPLICIT | EF_UNDEFINED):
                return FILE_FALLBACK
            if i and rec.tag <= self.meta.records[i - 1].tag:
                return FILE_FALLBACK
            if rec.tag == 0x00020000 and (rec.vr != 0x554C or rec.value_length != 4):
                return FILE_FALLBACK
            if rec.tag == 0x00020010:
                transfer = rec
        if transfer == NULL or not _is_ui(transfer):
            return FILE_FALLBACK
        status = _transfer_mode(self.buf + transfer.value_offset, transfer.value_length)
        if status < 0:
            return FILE_FALLBACK
        implicit = status == 1
        little = status != 2
        pos = end
        if not fits(pos, 8, n):
            if not eof:
                return NEED_MORE
            if pos >= n:
                self.needed = n
                return FILE_OK  # no dataset after the meta
            return FILE_FALLBACK
        if read_u16(self.buf + pos, True) == 0:
            return FILE_FALLBACK  # a command set: merged by dcmread's rules

        # the dataset, as far as the largest wanted tag
        if detect_implicit(&ctx, pos, n, implicit, False, STOP_NONE, &mismatch) != implicit:
            return FILE_FALLBACK
        init_context(&ctx, self.buf, little, self.max_depth)
        ctx.stop_tag = self.tags[self.ntags - 1]
        res.little = little
        res.implicit = implicit
        status = self._fast_walk(&ctx, pos, n, eof, implicit, result, res)
        if status != FAST_BAIL:
            return status
        result.nhits = res.hit_start  # start over with the general walk
        result.arena_size = res.arena_start
        init_context(&ctx, self.buf, little, self.max_depth)
        ctx.stop_tag = self.tags[self.ntags - 1]
        self.body.count = 0
        status = walk_dataset(&ctx, pos, n, UNDEFINED_LENGTH, implicit, 0, STOP_AFTER_TAG,
                              &self.body, &end)
        if (status == ERR_NESTING or status == ERR_NO_MEMORY or status == ERR_CHARSET_VR
                or status == ERR_TOO_MANY_HOPS):
            return FILE_FALLBACK
        if status != WALK_STOPPED and status != WALK_END:
            return FILE_FALLBACK if eof else NEED_MORE
        if status == WALK_END and not eof:
            return NEED_MORE
        self.needed = end + 12 if status == WALK_STOPPED else n
        res.little = little
        res.implicit = implicit
        return self._collect(eof, implicit, result)

    cdef int _fast_walk(self, WalkContext *ctx, uint64_t pos, uint64_t n, bint eof,
                        bint implicit, ChunkResult result, FileResult *res) noexcept nogil:
        """The common case in one pass: ascending tags, defined lengths, standard VRs.

        Copies the wanted values as it meets them and stops above the largest wanted tag
        or at pixel data, exactly where ``walk_dataset`` in STOP_AFTER_TAG mode stops.
        Anything else (undefined lengths but explicit SQ, odd VR bytes, item delimiters,
        repeated tags, truncation at the end of the file) returns FAST_BAIL: the general
        walker then reads the file as ``dcmread`` does.
        """
        cdef const uint8_t *buf = self.buf
        cdef bint little = ctx.little
        cdef uint32_t tag, previous = 0, stop = ctx.stop_tag
        cdef uint64_t length, header, value_start, seq_end
        cdef uint16_t vr
        cdef int kind, status
        cdef size_t t = 0
        cdef bint first = True, as_sequence
        while True:
            if not fits(pos, 8, n):
                if pos == n and eof:
                    self.needed = n
                    return FILE_OK
                return FAST_BAIL if eof else NEED_MORE
            tag = read_tag(buf + pos, little)
            if implicit:
                vr = 0
                length = read_u32(buf + pos + 4, little)
                header = 8
            else:
                vr = (<uint16_t>buf[pos + 4] << 8) | buf[pos + 5]
                kind = VR_KINDS[vr]
                if kind == 1:
                    length = read_u16(buf + pos + 6, little)
                    header = 8
                elif kind == 2:
                    if not fits(pos + 8, 4, n):
                        return FAST_BAIL if eof else NEED_MORE
                    length = read_u32(buf + pos + 8, little)
                    header = 12
                else:
                    return FAST_BAIL
            # the same order of checks as walk_dataset: header, item delimiter, stop
            if tag >> 16 == 0xFFFE:
                return FAST_BAIL
            if tag > stop or tag == 0x7FE00010 or tag == 0x7FE00009 or tag == 0x7FE00008:
                self.needed = pos + 12
                return FILE_OK
            if not first and tag <= previous:
                return FAST_BAIL
            first = False
            previous = tag
            value_start = pos + header
            while t < self.ntags and self.tags[t] < tag:
                t += 1
            if length == UNDEFINED_LENGTH:
                if vr != 0x5351 or ctx.max_depth < 1:
                    return FAST_BAIL
                status = walk_sequence(ctx, value_start, n, UNDEFINED_LENGTH, False, 1, NULL,
                                       &seq_end)
                if status < 0:
                    return FAST_BAIL
                if t < self.ntags and self.tags[t] == tag:
                    if not self.sequences[t]:
                        return FAST_BAIL
                    if result.add_hit(self.columns[t], vr, EF_UNDEFINED | EF_SEQUENCE,
                                      buf + value_start, seq_end - 8 - value_start) < 0:
                        return FAST_BAIL
                pos = seq_end
                continue
            if not fits(value_start, length, n):
                return FAST_BAIL if eof else NEED_MORE
            if t < self.ntags and self.tags[t] == tag:
                as_sequence = vr == 0x5351 or (implicit and self.sequences[t] != 0)
                if as_sequence != (self.sequences[t] != 0):
                    return FAST_BAIL
                if result.add_hit(self.columns[t], vr, EF_IMPLICIT if implicit else 0,
                                  buf + value_start, length) < 0:
                    return FAST_BAIL
            pos = value_start + length

    cdef int _collect(self, bint eof, bint implicit, ChunkResult result) noexcept nogil:
        """Copy the wanted values out of the walked top level."""
        cdef size_t i, t = 0
        cdef const ElementRecord *rec
        for i in range(self.body.count):
            rec = &self.body.records[i]
            if i and rec.tag <= self.body.records[i - 1].tag:
                return FILE_FALLBACK  # out of order or repeated: dcmread keeps the last
            if rec.flags & (EF_TRUNCATED | EF_NO_DELIMITER):
                if not eof:
                    return NEED_MORE
                return FILE_FALLBACK
            while t < self.ntags and self.tags[t] < rec.tag:
                t += 1
            if t == self.ntags:
                break
            if self.tags[t] != rec.tag:
                continue
            if self.sequences[t]:
                if rec.flags & EF_UNKNOWN_VR or not (rec.vr == 0x5351 or rec.vr == 0
                                                      or rec.flags & EF_SEQUENCE):
                    return FILE_FALLBACK  # not read as a sequence: dcmread's rules
            elif rec.flags & (EF_UNKNOWN_VR | EF_UNDEFINED | EF_SEQUENCE):
                return FILE_FALLBACK
            if rec.flags & EF_IMPLICIT and not implicit:
                return FILE_FALLBACK  # a header re-read as implicit VR in an explicit file
            if result.add_hit(self.columns[t], rec.vr, rec.flags, self.buf + rec.value_offset,
                              rec.value_length) < 0:
                return FILE_FALLBACK
        return FILE_OK


cdef int _push_path(ColumnBuilder builder, const uint8_t *value, uint64_t length, bint implicit,
                    bint little, int charset, tuple path) except -1:
    """Follow (item index, tag) hops from a sequence value to a value and push it.

    The sequence's items are walked as ``dcmread`` walks them (same walker, items may
    switch to implicit VR); anything unusual in the way returns RAW_FALLBACK.
    """
    cdef WalkContext ctx
    cdef ItemTable items
    cdef ElementTable table
    cdef uint64_t start = 0, size = length, end = 0
    cdef Py_ssize_t found
    cdef size_t index
    cdef uint32_t tag
    cdef int status, result = 0
    cdef const ElementRecord *rec
    cdef const ElementRecord *last = NULL
    cdef Py_ssize_t hop, hops = len(path)
    init_context(&ctx, value, little, DEFAULT_MAX_DEPTH)
    items.items = NULL
    items.count = items.capacity = 0
    table.records = NULL
    table.count = table.capacity = 0
    try:
        for hop in range(hops):
            index, tag = path[hop]
            items.count = 0
            status = walk_sequence(&ctx, start, length, size, implicit, 1, &items, &end)
            if status < 0:
                return RAW_FALLBACK
            if index >= items.count:
                return builder.null_row()
            if items.items[index].lost_tail:
                return RAW_FALLBACK
            implicit = items.items[index].implicit
            table.count = 0
            status = walk_dataset(&ctx, items.items[index].content_offset, length,
                                  items.items[index].content_end - items.items[index].content_offset,
                                  implicit, 1, STOP_NONE, &table, &end)
            if status < 0 or status == WALK_NO_DELIMITER:
                return RAW_FALLBACK
            for found in range(1, <Py_ssize_t>table.count):
                if table.records[found].tag <= table.records[found - 1].tag:
                    return RAW_FALLBACK  # repeated or out of order: dcmread keeps the last
            if table_find(&table, 0x00080005) >= 0:
                return RAW_FALLBACK  # the item has its own character set
            found = table_find(&table, tag)
            if found < 0:
                return builder.null_row()
            rec = &table.records[found]
            if rec.flags & (EF_TRUNCATED | EF_NO_DELIMITER | EF_UNKNOWN_VR):
                return RAW_FALLBACK
            if rec.flags & EF_IMPLICIT and not implicit:
                return RAW_FALLBACK
            if hop + 1 < hops:
                if not (rec.vr == 0x5351 or rec.vr == 0 or rec.flags & EF_SEQUENCE):
                    return RAW_FALLBACK
                start = rec.value_offset
                size = rec.value_length
                continue
            if rec.flags & (EF_UNDEFINED | EF_SEQUENCE):
                return RAW_FALLBACK
            return builder.push_raw(rec.vr, value + rec.value_offset, rec.value_length, little,
                                    charset)
    finally:
        items_free(&items)
        table_free(&table)
    return result


# standard_vr_kind's table, local so the hot loop does not call across modules
cdef uint8_t VR_KINDS[65536]
for _vr in range(65536):
    VR_KINDS[_vr] = standard_vr_kind(_vr)


cdef bint _whole_numbers(const ElementRecord *rec) noexcept nogil:
    """False if a binary-number value's length is no multiple of its number size."""
    cdef uint64_t size = 0
    if rec.vr in (0x5553, 0x5353):  # US SS
        size = 2
    elif rec.vr in (0x554C, 0x534C, 0x464C):  # UL SL FL
        size = 4
    elif rec.vr in (0x4644, 0x5356, 0x5556):  # FD SV UV
        size = 8
    return size == 0 or rec.value_length % size == 0


cdef int _transfer_mode(const uint8_t *p, uint64_t n) noexcept nogil:
    """1 implicit LE, 0 explicit LE, 2 explicit BE, -1 anything the fallback must read."""
    while n and (p[n - 1] == 0 or p[n - 1] == 0x20):
        n -= 1
    if n == 0 or n > 64:
        return -1
    if n == 17 and memcmp(p, b"1.2.840.10008.1.2", 17) == 0:
        return 1
    if n == 19 and memcmp(p, b"1.2.840.10008.1.2.2", 19) == 0:
        return 2
    if n == 22 and memcmp(p, b"1.2.840.10008.1.2.1.99", 22) == 0:
        return -1
    cdef uint64_t i
    for i in range(n):  # anything but digits and dots: let dcmread judge it
        if not (p[i] == 0x2E or 0x30 <= p[i] <= 0x39):
            return -1
    return 0


def _fsencode(path):
    import os
    return os.fsencode(path)


def read_floor(list paths, size_t read_size=16384):
    """The I/O floor of a scan: open, pread ``read_size`` bytes, close each path, no parsing.

    Returns the number of files read; benchmarks compare scans against it.
    """
    cdef FileScanner scanner = FileScanner([0], [0], max(read_size, 4 * MIN_READ))
    cdef Py_ssize_t n = len(paths), i, size
    cdef size_t done = 0
    cdef int fd
    cdef const char **c_paths = <const char **>malloc(max(n, 1) * sizeof(char *))
    if c_paths == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            c_paths[i] = PyUnicode_AsUTF8AndSize(paths[i], &size)
        with nogil:
            for i in range(n):
                fd = cyd_open_read(c_paths[i], 1)
                if fd < 0:
                    continue
                if scanner._read(fd, 0, read_size) > 0:
                    done += 1
                cyd_close(fd)
    finally:
        free(c_paths)
    return done
