/* Exercises src/cydicom/_platform.h on its own: built natively (POSIX branch) and, where
 * a MinGW cross-compiler is installed, for Windows and run under Wine (tests/test_platform.py).
 * Prints "ok" and exits 0, or names the first failed check and exits 1. */
#include <stdio.h>
#include "_platform.h"
#ifdef _WIN32
#include <shellapi.h>
#endif

#define CHECK(cond) do { if (!(cond)) { printf("FAILED line %d: %s\n", __LINE__, #cond); return 1; } } while (0)

int main(int argc, char **argv)
{
    const char *path, *missing;
    unsigned char buffer[64];
    unsigned char expected[300];
    uint64_t size = 0;
    unsigned char *mapped;
    int fd, i;
    FILE *out;
    if (argc != 3) {
        printf("usage: platform_check FILE_TO_CREATE MISSING_FILE (UTF-8 paths)\n");
        return 2;
    }
#ifdef _WIN32
    (void)argv;
    {   /* argv is in the ANSI code page: take the UTF-8 of the wide command line, as
         * Python's os.fsencode gives cydicom */
        static char utf8[2][1024];
        int count = 0, k;
        wchar_t **wide = CommandLineToArgvW(GetCommandLineW(), &count);
        CHECK(wide != NULL && count == 3);
        for (k = 0; k < 2; k++)
            CHECK(WideCharToMultiByte(CP_UTF8, 0, wide[k + 1], -1, utf8[k], 1024, NULL, NULL) > 0);
        LocalFree(wide);
        path = utf8[0];
        missing = utf8[1];
    }
#else
    path = argv[1];
    missing = argv[2];
#endif
    for (i = 0; i < 300; i++)
        expected[i] = (unsigned char)(i * 7 + 3);

    /* write the file through the same wide-path route the reader uses */
    fd = cyd_open_read(missing, 1);
    CHECK(fd < 0 && errno == ENOENT);
#ifdef _WIN32
    {
        wchar_t wide[1024];
        CHECK(MultiByteToWideChar(CP_UTF8, 0, path, -1, wide, 1024) > 0);
        out = _wfopen(wide, L"wb");
    }
#else
    out = fopen(path, "wb");
#endif
    CHECK(out != NULL);
    CHECK(fwrite(expected, 1, 300, out) == 300);
    fclose(out);

    fd = cyd_open_read(path, 1);
    CHECK(fd >= 0);
    CHECK(cyd_file_size(fd, &size) == 0 && size == 300);
    CHECK(cyd_pread(fd, buffer, 64, 0) == 64 && memcmp(buffer, expected, 64) == 0);
    CHECK(cyd_pread(fd, buffer, 64, 250) == 50 && memcmp(buffer, expected + 250, 50) == 0);
    CHECK(cyd_pread(fd, buffer, 64, 300) == 0);
    CHECK(cyd_pread(fd, buffer, 64, 5000) == 0);
    CHECK(cyd_pread(fd, buffer, 10, 100) == 10 && memcmp(buffer, expected + 100, 10) == 0);
    mapped = (unsigned char *)cyd_map(fd, size);
    CHECK(mapped != NULL && memcmp(mapped, expected, 300) == 0);
    CHECK(cyd_close(fd) == 0);
    CHECK(mapped[299] == expected[299]); /* the view outlives the descriptor */
    cyd_unmap(mapped, size);
    CHECK(cyd_pread(fd, buffer, 1, 0) < 0);  /* closed */

    CHECK(cyd_bswap16(0x1234u) == 0x3412u);
    CHECK(cyd_bswap32(0x12345678u) == 0x78563412u);
    CHECK(cyd_bswap64(0x0102030405060708ull) == 0x0807060504030201ull);
#if CYD_HAVE_OPENAT
    {
        char folder[1024];
        const char *slash = strrchr(path, '/');
        int dir_fd;
        CHECK(slash != NULL && (size_t)(slash - path) < sizeof folder);
        memcpy(folder, path, (size_t)(slash - path));
        folder[slash - path] = 0;
        dir_fd = cyd_open_dir(folder);
        CHECK(dir_fd >= 0);
        fd = cyd_openat_read(dir_fd, slash + 1, 1);
        CHECK(fd >= 0 && cyd_pread(fd, buffer, 3, 1) == 3 && buffer[0] == expected[1]);
        CHECK(cyd_close(fd) == 0 && cyd_close(dir_fd) == 0);
    }
#else
    CHECK(cyd_open_dir(".") < 0 && cyd_openat_read(0, "x", 1) < 0);
#endif
    printf("ok\n");
    return 0;
}
