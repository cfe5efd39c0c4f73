"""``dcmread``: open a path, bytes or file object and read it lazily.

A path is read as a header prefix (sized from the previous file's header); the pixel data,
when it is the last element, is read from a mapping of the file only when first used (page
faults of a fresh mapping cost more than reading the header). The file is mapped when its
pixel data is first used, or already at open, through the same open file, while the files
read before had theirs used (``dataset.map_tails_at_open``). Other files are mapped whole.
With ``stop_before_pixels`` only the header prefix is read, grown until the walk reaches
the pixel data or the file's end.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO, Union

from ._reader import DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN as DEFLATED
from ._reader import read_stream
from ._source import map_file, read_prefix
from .dataset import map_tails_at_open
from .errors import DeflateError, InvalidDicomError, TruncatedError

MIN_PREFIX = 4096
# How much to read first: the header size of the last file read, rounded up. Files of one
# series have similar headers, so a scan reads each file once and reads little; copying a
# 16 KiB prefix costs about 3x a 4 KiB one here. A plain hint: threads may race on it.
_prefix_hint = MIN_PREFIX

if TYPE_CHECKING:
    from .dataset import Dataset, TagKey

    ReadOptions = tuple[bool, bool, Union[Iterable[TagKey], None], bool, int, Union[int, None]]


def _learn_header_size(header_end: int) -> None:
    global _prefix_hint
    needed = header_end + 16
    hint = MIN_PREFIX
    while hint < needed:
        hint *= 2
    _prefix_hint = hint


def _learn_pixel_offset(ds: Dataset) -> None:
    """After a whole-file read: the next prefix covers this file's header (to Pixel Data)."""
    if ds.transfer_syntax != DEFLATED and 0x7FE00010 in ds:
        _learn_header_size(ds.element(0x7FE00010).offset)


def _read_header(path: str | os.PathLike[str], options: ReadOptions) -> Dataset:
    """Read a growing prefix of ``path`` until the header (up to Pixel Data) fits."""
    want = _prefix_hint
    while True:
        data, size, _ = read_prefix(path, want)
        if len(data) >= size:
            return read_stream(data, None, *options)
        try:
            ds = read_stream(data, None, *options, True)
            if ds.stopped_at_pixels:
                _learn_header_size(ds.header_end)
                return ds
        except (TruncatedError, InvalidDicomError, DeflateError):
            pass  # the prefix ends inside the header (or inside a deflated dataset)
        want *= 8


def dcmread(source: str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO, *,
            stop_before_pixels: bool = False, specific_tags: Iterable[TagKey] | None = None,
            force: bool = False, strict: bool = False, max_depth: int = 128,
            max_inflated_size: int | None = None) -> Dataset:
    """Read a DICOM file lazily from a path, a bytes-like object or a binary file object.

    Parameters mirror pydicom's ``dcmread``. ``strict=True`` raises on data pydicom would
    silently drop or shorten (truncated values, missing delimiters); ``max_depth`` limits
    sequence nesting (at most 1000). A deflated dataset may inflate to
    ``max_inflated_size`` bytes (default: 100 times its compressed size, at least 64 MiB),
    else ``DeflateError``. Nothing is converted until an element is accessed.
    """
    options: ReadOptions = (force, stop_before_pixels, specific_tags, strict, max_depth,
                            max_inflated_size)  # read_stream's
    if isinstance(source, (str, os.PathLike)):
        source = os.fspath(source)  # once: a Path would be converted at every use
        if stop_before_pixels:
            return _read_header(source, options)
        data, size, mapped = read_prefix(source, _prefix_hint, map_tails_at_open())
        if len(data) >= size:
            return read_stream(data, None, *options)
        try:
            ds = read_stream(data, None, *options, False, source, size, mapped)
        except (TruncatedError, DeflateError):
            ds = None  # the header runs past the prefix: read the mapped file instead
        except BaseException:
            if mapped is not None:
                mapped.close()
            raise
        if ds is not None:
            if ds.transfer_syntax != DEFLATED:  # its header_end is in the inflated bytes
                _learn_header_size(ds.header_end)
            return ds
        if mapped is not None:
            mapped.close()  # its size is the size at open: map the file as it is now
        whole = map_file(source)
        try:
            ds = read_stream(whole, getattr(whole, "close", None), *options)
        except BaseException:
            if not isinstance(whole, bytes):
                whole.close()
            raise
        _learn_pixel_offset(ds)
        return ds
    if isinstance(source, (bytes, bytearray, memoryview)):
        return read_stream(source, None, *options)
    if hasattr(source, "read"):
        return read_stream(source.read(), None, *options)
    raise TypeError(f"dcmread() takes a path, bytes or a binary file object, "
                    f"not {type(source).__name__}")
