"""``dcmread``: open a path, bytes or file object and read it lazily.

Paths are memory-mapped (the pixel data is never read unless asked for); with
``stop_before_pixels`` only a header prefix is read, growing until the walk reaches
the pixel data or the end of the file.
"""
import mmap
import os

from ._reader import read_stream
from .errors import InvalidDicomError, TruncatedError

HEADER_PREFIX = 16 * 1024


def _read_prefix(path, options):
    """Read a growing prefix of ``path`` until the header (up to Pixel Data) fits."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        want = min(size, HEADER_PREFIX)
        data = os.read(fd, want)
        while True:
            if len(data) >= size:
                return read_stream(data, **options)
            ds = _try_prefix(data, options)
            if ds is not None:
                return ds
            want = min(size, max(want * 4, 1 << 20))
            data += os.pread(fd, want - len(data), len(data))
    finally:
        os.close(fd)


def _try_prefix(data, options):
    """The dataset if the prefix holds everything up to the pixel data, else None."""
    try:
        ds = read_stream(data, probe=True, **options)
    except (TruncatedError, InvalidDicomError):
        return None
    if ds.stopped_at_pixels:
        return ds
    return None


def _map_file(path):
    """A read-only mapping of the file (bytes for an empty file) and its closer."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            return b"", None
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    return mapped, mapped.close


def dcmread(source, *, stop_before_pixels=False, specific_tags=None, force=False,
            strict=False, max_depth=128):
    """Read a DICOM file lazily: a path, bytes-like object or binary file object.

    Parameters mirror pydicom's ``dcmread``. ``strict=True`` raises on data pydicom would
    silently drop or shorten (truncated values, missing delimiters); ``max_depth`` limits
    sequence nesting. Nothing is converted until an element is accessed.
    """
    options = dict(force=force, stop_before_pixels=stop_before_pixels,
                   specific_tags=specific_tags, strict=strict, max_depth=max_depth)
    if isinstance(source, (str, os.PathLike)):
        if stop_before_pixels:
            return _read_prefix(source, options)
        data, closer = _map_file(source)
        try:
            return read_stream(data, closer, **options)
        except BaseException:
            if closer is not None:
                closer()
            raise
    if isinstance(source, (bytes, bytearray, memoryview)):
        return read_stream(source, **options)
    if hasattr(source, "read"):
        return read_stream(source.read(), **options)
    raise TypeError(f"dcmread() takes a path, bytes or a binary file object, "
                    f"not {type(source).__name__}")
