# cython: language_level=3
"""File access in C with the GIL released: a read-only memory map, and a header prefix read.

``open`` + ``mmap`` + ``close`` from C costs a few microseconds, several times less than
Python's ``open()`` and ``mmap.mmap`` together, which matters when reading many files.
"""
from cpython.buffer cimport PyBuffer_FillInfo
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.errno cimport errno
from libc.stdint cimport int64_t, uint64_t

from cydicom._platform cimport cyd_close, cyd_file_size, cyd_map, cyd_open_read, cyd_pread, cyd_unmap

import os

cdef extern from "Python.h":
    bytes PyUnicode_EncodeFSDefault(object unicode)
    const Py_ssize_t PY_SSIZE_T_MAX


cdef bytes _fs_path(path):
    if type(path) is bytes:
        return <bytes>path
    if type(path) is str:
        return PyUnicode_EncodeFSDefault(path)
    return os.fsencode(path)


cdef int _open(bytes path) except -1:
    cdef const char *c_path = path
    cdef int fd
    with nogil:
        fd = cyd_open_read(c_path, 0)
    if fd < 0:
        raise OSError(errno, os.strerror(errno), os.fsdecode(path))
    return fd


cdef class MappedFile:
    """A whole file mapped read-only; unmapped by ``close()`` once no view is left."""
    cdef void *addr
    cdef Py_ssize_t size
    cdef int exports
    cdef bint close_requested
    cdef int fd  # the open file it was mapped from, kept until checked (-1: none kept)

    def __cinit__(self):
        self.fd = -1

    def __getbuffer__(self, Py_buffer *buffer, int flags):
        if self.addr == NULL:
            raise ValueError("the mapped file is closed")
        PyBuffer_FillInfo(buffer, self, self.addr, self.size, 1, flags)
        self.exports += 1

    def __releasebuffer__(self, Py_buffer *buffer):
        self.exports -= 1
        if self.close_requested and self.exports == 0:
            self._unmap()

    cdef void _unmap(self) noexcept:
        if self.addr != NULL:
            cyd_unmap(self.addr, self.size)
            self.addr = NULL

    cdef void _close_file(self) noexcept:
        if self.fd >= 0:
            cyd_close(self.fd)
            self.fd = -1

    def close(self):
        """Unmap now, or as soon as the last exported view is released."""
        self.close_requested = True
        self._close_file()
        if self.exports == 0:
            self._unmap()

    def __len__(self):
        return self.size

    def __dealloc__(self):
        self._close_file()
        self._unmap()


cdef MappedFile _mapped(void *addr, uint64_t size, int fd=-1):
    cdef MappedFile mapped = MappedFile.__new__(MappedFile)
    mapped.addr = addr
    mapped.size = <Py_ssize_t>size
    mapped.fd = fd
    return mapped


def shrank_since_mapped(MappedFile mapped):
    """True if the file ``mapped`` shows is now shorter than the mapping: reading its lost
    pages would be SIGBUS. Asks the open file it was mapped from (``read_prefix`` keeps it;
    a rename or a new file at the path does not matter), then closes that file; a mapping
    without one (``map_file``'s, or checked before) is taken as it is."""
    cdef int fd = mapped.fd
    cdef uint64_t size = 0
    cdef int failed
    if fd < 0:
        return False
    mapped.fd = -1  # under the GIL: one caller checks and closes
    with nogil:
        failed = cyd_file_size(fd, &size)
        cyd_close(fd)
    if failed:
        raise OSError(errno, os.strerror(errno))
    return size < <uint64_t>mapped.size


def map_file(path):
    """The file's bytes without reading them: a MappedFile (b"" for an empty file)."""
    cdef bytes fs_path = _fs_path(path)
    cdef int fd = _open(fs_path)
    cdef uint64_t size = 0
    cdef void *addr = NULL
    cdef int failed
    with nogil:
        failed = cyd_file_size(fd, &size)
        if not failed and size > 0 and size <= <uint64_t>PY_SSIZE_T_MAX:
            addr = cyd_map(fd, size)
        cyd_close(fd)
    if failed:
        raise OSError(errno, os.strerror(errno), os.fsdecode(fs_path))
    if size == 0:
        return b""
    if size > <uint64_t>PY_SSIZE_T_MAX:
        raise OSError(f"{os.fsdecode(fs_path)!r} is too large to map")
    if addr == NULL:
        raise OSError(errno, os.strerror(errno), os.fsdecode(fs_path))
    return _mapped(addr, size)


def read_prefix(path, Py_ssize_t want, bint map_rest=False):
    """(the first ``want`` bytes of the file, or all of it if shorter; the file size;
    the whole file mapped, or None).

    With ``map_rest`` a file longer than ``want`` is also mapped, through the same open
    file: a reader going on to the pixel data saves an open. The mapping keeps that file
    open for ``shrank_since_mapped`` (closed by it, by ``close()`` or when the mapping is
    freed). A mapping that fails (too many maps in the process, say) gives None: the
    caller can still map the file later.
    """
    cdef bytes fs_path = _fs_path(path)
    cdef int fd = _open(fs_path)
    cdef uint64_t size = 0
    cdef Py_ssize_t got = 0
    cdef int64_t n = 0
    cdef void *addr = NULL
    cdef char *out
    cdef bytes data
    try:
        with nogil:
            n = cyd_file_size(fd, &size)
        if n < 0:
            raise OSError(errno, os.strerror(errno), os.fsdecode(fs_path))
        if <uint64_t>want > size:
            want = <Py_ssize_t>size
        data = PyBytes_FromStringAndSize(NULL, want)
        out = PyBytes_AS_STRING(data)
        with nogil:
            while got < want:
                n = cyd_pread(fd, out + got, want - got, got)
                if n <= 0:
                    break
                got += n
            # a short read: the file shrank since fstat, and a map of ``size`` would SIGBUS
            if (n >= 0 and map_rest and got == want and size > <uint64_t>got
                    and size <= <uint64_t>PY_SSIZE_T_MAX):
                addr = cyd_map(fd, size)
        if n < 0:
            if addr != NULL:
                cyd_unmap(addr, size)
            raise OSError(errno, os.strerror(errno), os.fsdecode(fs_path))
        if got < want:
            data = data[:got]
        if addr == NULL:
            return data, size, None
        mapped = _mapped(addr, size, fd)
        fd = -1  # the mapping has it now
        return data, size, mapped
    finally:
        if fd >= 0:
            cyd_close(fd)
