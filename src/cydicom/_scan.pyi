"""Type stubs of ``cydicom._scan`` (Cython): the per-file C pass of scans."""
from collections.abc import Callable, Sequence
from typing import Any

STATUS_OPEN_ERROR: int
STATUS_READ_ERROR: int
STATUS_NOT_DICOM: int
STATUS_BAD_PATH: int

class ChunkResult:
    """The C pass over one chunk of files: per-file outcomes, hits and value bytes."""

    @property
    def paths(self) -> list[Any]: ...
    def status(self, i: int) -> tuple[int, int]: ...
    def raw_value(self, i: int, column: int) -> bytes | None: ...
    def fill(self, builders: list[Any], column_slots: list[int],
             column_paths: list[tuple[tuple[int, int], ...] | None], charset_column: int,
             charset_kind: Callable[[bytes], int],
             fallback: Callable[[Any], tuple[list | None, str | None]],
             describe_error: Callable[[int, int, Any], str], errors: list[str | None]) -> int: ...
    def failed(self) -> int: ...
    def __len__(self) -> int: ...

class FileScanner:
    """Per-thread scan state: read buffer, wanted tags (ascending) and their columns."""

    def __new__(cls, tags: Sequence[int], columns: Sequence[int], read_size: int = 0,
                force: bool = False, max_depth: int = 128,
                sequences: Sequence[bool] | None = None) -> FileScanner: ...
    def scan(self, paths: list[Any]) -> ChunkResult: ...

def read_floor(paths: list[str], read_size: int = 16384) -> int: ...
