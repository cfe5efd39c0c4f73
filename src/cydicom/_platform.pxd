"""File access and byte swaps that build on POSIX and on Windows (``_platform.h``)."""
from libc.stdint cimport int64_t, uint16_t, uint32_t, uint64_t


cdef extern from "_platform.h" nogil:
    enum: CYD_HAVE_OPENAT           # 1 where files can be opened relative to a directory
    int cyd_open_read(const char *path, int nonblocking)
    int cyd_open_dir(const char *path)
    int cyd_openat_read(int dir_fd, const char *name, int nonblocking)
    int64_t cyd_pread(int fd, void *buffer, uint64_t count, uint64_t offset)
    int cyd_close(int fd)
    int cyd_file_size(int fd, uint64_t *size)
    void *cyd_map(int fd, uint64_t size)          # NULL on failure (errno set)
    void cyd_unmap(void *address, uint64_t size)
    uint16_t cyd_bswap16(uint16_t value)
    uint32_t cyd_bswap32(uint32_t value)
    uint64_t cyd_bswap64(uint64_t value)
