"""Type stubs of ``cydicom._columns`` (Cython): typed scan columns."""
from typing import Any

FALLBACK: int
INT64_MIN: int
INT64_MAX: int
KIND_INT: int
KIND_FLOAT: int
KIND_STR: int
KIND_BYTES: int
CHARSET_LATIN1: int
CHARSET_UTF8: int
CHARSET_OTHER: int

class ColumnBuilder:
    """Items and rows of one column, appended in row order."""

    @property
    def kind(self) -> int: ...
    @property
    def is_list(self) -> bool: ...
    @property
    def vr(self) -> str: ...
    unsigned_first: bool
    def __new__(cls, kind: int, is_list: bool, vr: str) -> ColumnBuilder: ...
    def push_python(self, value: Any, present: bool, empty: bool = False) -> str | None: ...
    def finish(self) -> dict[str, Any]: ...
    def __len__(self) -> int: ...
