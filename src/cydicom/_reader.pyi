"""Type stubs of ``cydicom._reader`` (Cython): preamble, file meta, transfer syntax, deflate."""
from collections.abc import Callable, Iterable
from os import PathLike
from typing import Any, Final

from ._source import MappedFile
from .dataset import Dataset, TagKey

IMPLICIT_VR_LITTLE_ENDIAN: Final[str]
EXPLICIT_VR_LITTLE_ENDIAN: Final[str]
EXPLICIT_VR_BIG_ENDIAN: Final[str]
DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN: Final[str]
CHARSET_TAG: Final[int]
INFLATE_RATIO: Final[int]
MIN_INFLATE_LIMIT: Final[int]

def inflate_limit(compressed_size: int, max_inflated_size: int | None = None) -> int: ...

def read_stream(
    obj: Any,
    closer: Callable[[], object] | None = None,
    force: bool = False,
    stop_before_pixels: bool = False,
    specific_tags: Iterable[TagKey] | None = None,
    strict: bool = False,
    max_depth: int = 128,
    max_inflated_size: int | None = None,
    probe: bool = False,
    path: str | PathLike[str] | None = None,
    file_size: int = 0,
    tail_map: MappedFile | None = None,
) -> Dataset: ...
