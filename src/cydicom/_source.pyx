# cython: language_level=3
"""File access in C with the GIL released: a read-only memory map, and a header prefix read.

``open`` + ``mmap`` + ``close`` from C costs a few microseconds, several times less than
Python's ``open()`` and ``mmap.mmap`` together, which matters when reading many files.
"""
from cpython.buffer cimport PyBuffer_FillInfo
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.errno cimport errno
from posix.fcntl cimport O_RDONLY, open as c_open
from posix.mman cimport MAP_FAILED, MAP_PRIVATE, PROT_READ, mmap, munmap
from posix.stat cimport fstat, struct_stat
from posix.unistd cimport close, pread

import os

cdef extern from "fcntl.h":
    enum: O_CLOEXEC

cdef extern from "Python.h":
    bytes PyUnicode_EncodeFSDefault(object unicode)


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
        fd = c_open(c_path, O_RDONLY | O_CLOEXEC)
    if fd < 0:
        raise OSError(errno, os.strerror(errno), os.fsdecode(path))
    return fd


cdef class MappedFile:
    """A whole file mapped read-only; unmapped by ``close()`` once no view is left."""
    cdef void *addr
    cdef Py_ssize_t size
    cdef int exports
    cdef bint close_requested

    def __getbuffer__(self, Py_buffer *buffer, int flags):
        if self.addr == NULL:
            raise ValueError("the mapped file is closed")
        PyBuffer_FillInfo(buffer, self, self.addr, self.size, 1, flags)
        self.exports += 1

    def __releasebuffer__(self, Py_buffer *buffer):
        self.exports -= 1
        if self.close_requested and self.exports == 0:
            self._unmap()

    cdef void _unmap(self):
        if self.addr != NULL:
            munmap(self.addr, self.size)
            self.addr = NULL

    def close(self):
        """Unmap now, or as soon as the last exported view is released."""
        self.close_requested = True
        if self.exports == 0:
            self._unmap()

    def __len__(self):
        return self.size

    def __dealloc__(self):
        self._unmap()


def map_file(path):
    """The file's bytes without reading them: a MappedFile (b"" for an empty file)."""
    cdef bytes fs_path = _fs_path(path)
    cdef int fd = _open(fs_path)
    cdef struct_stat st
    cdef void *addr = NULL
    cdef int failed
    with nogil:
        failed = fstat(fd, &st)
        if not failed and st.st_size > 0:
            addr = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
        close(fd)
    if failed:
        raise OSError(errno, os.strerror(errno), os.fsdecode(fs_path))
    if st.st_size == 0:
        return b""
    if addr == MAP_FAILED:
        raise OSError(errno, os.strerror(errno), os.fsdecode(fs_path))
    cdef MappedFile mapped = MappedFile.__new__(MappedFile)
    mapped.addr = addr
    mapped.size = st.st_size
    return mapped


def read_prefix(path, Py_ssize_t want):
    """(the first ``want`` bytes of the file, or all of it if shorter; the file size)."""
    cdef bytes fs_path = _fs_path(path)
    cdef int fd = _open(fs_path)
    cdef struct_stat st
    cdef Py_ssize_t got = 0, n = 0
    cdef char *out
    cdef bytes data
    try:
        with nogil:
            n = fstat(fd, &st)
        if n < 0:
            raise OSError(errno, os.strerror(errno), os.fsdecode(fs_path))
        if want > st.st_size:
            want = st.st_size
        data = PyBytes_FromStringAndSize(NULL, want)
        out = PyBytes_AS_STRING(data)
        with nogil:
            while got < want:
                n = pread(fd, out + got, want - got, got)
                if n <= 0:
                    break
                got += n
        if n < 0:
            raise OSError(errno, os.strerror(errno), os.fsdecode(fs_path))
        if got < want:
            data = data[:got]
        return data, st.st_size
    finally:
        close(fd)
