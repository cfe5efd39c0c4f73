/* File access and byte swaps for cydicom's C code: POSIX (Linux, macOS) or Windows.
 *
 * File descriptors are C runtime ints on both. Paths are UTF-8 on Windows (what
 * os.fsencode gives there since Python 3.6) and are opened as UTF-16 with _wopen.
 * Every function sets errno on failure, as its POSIX counterpart does.
 */
#ifndef CYDICOM_PLATFORM_H
#define CYDICOM_PLATFORM_H

#include <errno.h>
#include <stdint.h>

#ifdef _MSC_VER
#define CYD_FN static __inline
#else
#define CYD_FN static inline
#endif
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#include <sys/types.h>

/* No directory handles: the scan opens every file by its full path. */
#define CYD_HAVE_OPENAT 0

CYD_FN int cyd_open_read(const char *utf8_path, int nonblocking)
{
    wchar_t stack_buffer[520];
    wchar_t *wide = stack_buffer;
    int chars, fd;
    (void)nonblocking; /* no FIFOs to block on here */
    chars = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8_path, -1, NULL, 0);
    if (chars <= 0) {
        errno = EINVAL;
        return -1;
    }
    if (chars > (int)(sizeof stack_buffer / sizeof stack_buffer[0])) {
        wide = (wchar_t *)malloc((size_t)chars * sizeof(wchar_t));
        if (wide == NULL) {
            errno = ENOMEM;
            return -1;
        }
    }
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8_path, -1, wide, chars);
    fd = _wopen(wide, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
    if (wide != stack_buffer)
        free(wide);
    return fd;
}

CYD_FN int cyd_open_dir(const char *utf8_path)
{
    (void)utf8_path;
    errno = ENOSYS;
    return -1;
}

CYD_FN int cyd_openat_read(int dir_fd, const char *name, int nonblocking)
{
    (void)dir_fd; (void)name; (void)nonblocking;
    errno = ENOSYS;
    return -1;
}

/* pread: ReadFile at an offset (OVERLAPPED on a synchronous handle). A short count is
 * fine: callers loop until they have what they asked for or 0 (end of file). */
CYD_FN int64_t cyd_pread(int fd, void *buffer, uint64_t count, uint64_t offset)
{
    HANDLE handle = (HANDLE)_get_osfhandle(fd);
    OVERLAPPED at;
    DWORD got = 0;
    if (handle == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    if (count > 0x40000000u)
        count = 0x40000000u;
    memset(&at, 0, sizeof at);
    at.Offset = (DWORD)(offset & 0xFFFFFFFFu);
    at.OffsetHigh = (DWORD)(offset >> 32);
    if (!ReadFile(handle, buffer, (DWORD)count, &got, &at)) {
        if (GetLastError() == ERROR_HANDLE_EOF)
            return 0;
        errno = EIO;
        return -1;
    }
    return (int64_t)got;
}

CYD_FN int cyd_close(int fd) { return _close(fd); }

CYD_FN int cyd_file_size(int fd, uint64_t *size)
{
    struct _stat64 st;
    if (_fstat64(fd, &st) != 0)
        return -1;
    *size = (uint64_t)st.st_size;
    return 0;
}

/* A read-only view of the first ``size`` bytes (size > 0), or NULL. */
CYD_FN void *cyd_map(int fd, uint64_t size)
{
    HANDLE handle = (HANDLE)_get_osfhandle(fd), mapping;
    void *address;
    if (handle == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return NULL;
    }
    if (size > (uint64_t)SIZE_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    mapping = CreateFileMappingW(handle, NULL, PAGE_READONLY, 0, 0, NULL);
    if (mapping == NULL) {
        errno = EACCES;
        return NULL;
    }
    address = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, (SIZE_T)size);
    CloseHandle(mapping); /* the view keeps the mapping alive */
    if (address == NULL)
        errno = ENOMEM;
    return address;
}

CYD_FN void cyd_unmap(void *address, uint64_t size)
{
    (void)size;
    UnmapViewOfFile(address);
}

CYD_FN uint16_t cyd_bswap16(uint16_t v) { return _byteswap_ushort(v); }
CYD_FN uint32_t cyd_bswap32(uint32_t v) { return _byteswap_ulong(v); }
CYD_FN uint64_t cyd_bswap64(uint64_t v) { return _byteswap_uint64(v); }

#else /* POSIX */

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif
/* a directory handle only for openat: O_PATH (Linux) needs no read permission */
#ifdef O_PATH
#define CYD_DIR_FLAGS (O_PATH | O_DIRECTORY | O_CLOEXEC)
#else
#define CYD_DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC)
#endif
#define CYD_HAVE_OPENAT 1

/* O_NONBLOCK: a FIFO must not block the scan (pread then fails on it). */
CYD_FN int cyd_open_read(const char *path, int nonblocking)
{
    return open(path, O_RDONLY | O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0));
}

CYD_FN int cyd_open_dir(const char *path) { return open(path, CYD_DIR_FLAGS); }

CYD_FN int cyd_openat_read(int dir_fd, const char *name, int nonblocking)
{
    return openat(dir_fd, name, O_RDONLY | O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0));
}

CYD_FN int64_t cyd_pread(int fd, void *buffer, uint64_t count, uint64_t offset)
{
    if (count > 0x40000000u)
        count = 0x40000000u;
    return (int64_t)pread(fd, buffer, (size_t)count, (off_t)offset);
}

CYD_FN int cyd_close(int fd) { return close(fd); }

CYD_FN int cyd_file_size(int fd, uint64_t *size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    *size = (uint64_t)st.st_size;
    return 0;
}

CYD_FN void *cyd_map(int fd, uint64_t size)
{
    void *address;
    if (size > (uint64_t)SIZE_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    address = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    return address == MAP_FAILED ? NULL : address;
}

CYD_FN void cyd_unmap(void *address, uint64_t size) { munmap(address, (size_t)size); }

CYD_FN uint16_t cyd_bswap16(uint16_t v) { return __builtin_bswap16(v); }
CYD_FN uint32_t cyd_bswap32(uint32_t v) { return __builtin_bswap32(v); }
CYD_FN uint64_t cyd_bswap64(uint64_t v) { return __builtin_bswap64(v); }

#endif /* _WIN32 */
#endif /* CYDICOM_PLATFORM_H */
