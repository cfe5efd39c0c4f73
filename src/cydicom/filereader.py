"""``dcmread``: open a path, bytes or file object and read it lazily.

A path is read as a header prefix (16 KiB); the pixel data, when it is the last element,
is memory-mapped only when first used (page faults of a fresh mapping cost more than
reading the header). Other files are mapped whole. With ``stop_before_pixels`` only the
header prefix is read, grown until the walk reaches the pixel data or the file's end.
"""
import os

from ._reader import read_stream
from ._source import map_file, read_prefix
from .errors import InvalidDicomError, TruncatedError

HEADER_PREFIX = 16 * 1024


def _read_header(path, options):
    """Read a growing prefix of ``path`` until the header (up to Pixel Data) fits."""
    want = HEADER_PREFIX
    while True:
        data, size = read_prefix(path, want)
        if len(data) >= size:
            return read_stream(data, **options)
        try:
            ds = read_stream(data, probe=True, **options)
            if ds.stopped_at_pixels:
                return ds
        except (TruncatedError, InvalidDicomError):
            pass
        want = max(want * 8, 1 << 20)


def dcmread(source, *, stop_before_pixels=False, specific_tags=None, force=False,
            strict=False, max_depth=128):
    """Read a DICOM file lazily from a path, a bytes-like object or a binary file object.

    Parameters mirror pydicom's ``dcmread``. ``strict=True`` raises on data pydicom would
    silently drop or shorten (truncated values, missing delimiters); ``max_depth`` limits
    sequence nesting. Nothing is converted until an element is accessed.
    """
    options = dict(force=force, stop_before_pixels=stop_before_pixels,
                   specific_tags=specific_tags, strict=strict, max_depth=max_depth)
    kind = type(source)
    if kind is str or isinstance(source, os.PathLike):
        if stop_before_pixels:
            return _read_header(source, options)
        data, size = read_prefix(source, HEADER_PREFIX)
        if len(data) >= size:
            return read_stream(data, **options)
        try:
            ds = read_stream(data, path=source, file_size=size, **options)
        except TruncatedError:
            ds = None  # the header runs past the prefix: read the mapped file instead
        if ds is not None:
            return ds
        data = map_file(source)
        try:
            return read_stream(data, getattr(data, "close", None), **options)
        except BaseException:
            if type(data) is not bytes:
                data.close()
            raise
    if isinstance(source, (bytes, bytearray, memoryview)):
        return read_stream(source, **options)
    if hasattr(source, "read"):
        return read_stream(source.read(), **options)
    raise TypeError(f"dcmread() takes a path, bytes or a binary file object, "
                    f"not {kind.__name__}")
