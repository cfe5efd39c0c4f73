"""Bulk header scans: ``scan(source, tags)`` turns many files into one typed table.

The per-file work (open, read a prefix, walk the header as far as the largest wanted
tag, copy the wanted values out) runs in C without the GIL (``_scan.FileScanner``), over
chunks of files that ``threads`` workers pull from a shared queue. The values become
typed columns afterwards (``_columns.ColumnBuilder``), in file order, so the table does
not depend on the number of threads. Files the C path does not handle exactly as
``dcmread`` would (no DICM prefix with ``force``, deflate, command sets, truncation,
ambiguous VRs, other character sets, ...) are read with ``dcmread`` itself.
"""
from __future__ import annotations

import glob
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Union

from . import _dictionary
from ._charset import convert_encodings
from ._columns import (
    CHARSET_LATIN1, CHARSET_OTHER, CHARSET_UTF8, KIND_BYTES, KIND_FLOAT, KIND_INT, KIND_STR,
    ColumnBuilder,
)
from ._scan import (
    STATUS_BAD_PATH, STATUS_NOT_DICOM, STATUS_OPEN_ERROR, FileScanner,
)
from ._values import LATIN1_CODECS, convert
from .dataset import format_tag, tag_of
from .errors import DicomError
from .filereader import dcmread

__all__ = ["ScanResult", "TagSpec", "scan"]

TagKey = Union[str, int, "tuple[int, int]"]
CHARSET_TAG = 0x00080005
PIXEL_DATA_TAG = 0x7FE00010
CHUNK_SIZE = 256
NOT_DICOM_MESSAGE = (
    "InvalidDicomError: File is missing DICOM File Meta Information header or the 'DICM' "
    "prefix is missing from the header. Use force=True to force reading.")

INT_VRS = frozenset("IS US UL SS SL SV UV AT".split() + ["US or SS"])
FLOAT_VRS = frozenset("DS FL FD".split())
TEXT_VRS = frozenset("AE AS CS DA DT LO LT PN SH ST TM UC UI UR UT".split())
KIND_NAMES = {KIND_INT: "int64", KIND_FLOAT: "float64", KIND_STR: "string", KIND_BYTES: "binary"}


@dataclass(frozen=True)
class TagSpec:
    """One requested column: its name, top-level tag, the value's dictionary VR, kind and
    list-ness; for a value inside sequences, ``path`` holds the (item index, tag) hops
    from the top-level sequence ``tag`` to it."""

    name: str
    tag: int
    vr: str
    kind: int
    is_list: bool
    path: tuple[tuple[int, int], ...] | None = None

    @property
    def type_name(self) -> str:
        base = KIND_NAMES[self.kind]
        return f"list<{base}>" if self.is_list else base


def _parse_tag(key: TagKey) -> int:
    if isinstance(key, str):
        text = key.strip()
        if text.startswith("(") and text.endswith(")") and "," in text:
            group, element = text[1:-1].split(",")
            return (int(group, 16) << 16) | int(element, 16)
        if text.lower().startswith("0x"):
            return int(text, 16)
        if len(text) == 8 and all(c in "0123456789abcdefABCDEF" for c in text):
            return int(text, 16)
    return tag_of(key)


def tag_spec(key: TagKey) -> TagSpec:
    """The column for a keyword, int tag, (group, element) tuple, "(gggg,eeee)" text, or a
    path into sequences such as "SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0]
    .PixelSpacing" (each sequence with an item index, the last part a value)."""
    if isinstance(key, str) and ("[" in key or "." in key):
        return _path_spec(key)
    tag = _checked_tag(key)
    if _dictionary.dictionary_vr(tag) == "SQ":
        raise ValueError(f"{key!r} is a sequence: ask for a value inside it, e.g. "
                         f"'{key}[0].<keyword>'")
    return _value_spec(key, tag, None)


def _checked_tag(key: TagKey) -> int:
    try:
        tag = _parse_tag(key)
    except (KeyError, ValueError):
        raise ValueError(f"unknown tag or keyword: {key!r}") from None
    if tag >= PIXEL_DATA_TAG or tag >> 16 in (0x0000, 0x0002):
        raise ValueError(f"{key!r}: scans read dataset elements before the pixel data "
                         f"(file meta and command groups are not columns)")
    return tag


def _value_spec(name: TagKey, tag: int, path: tuple[tuple[int, int], ...] | None) -> TagSpec:
    leaf = path[-1][1] if path else tag
    vr = _dictionary.dictionary_vr(leaf) if (leaf >> 16) & 1 == 0 else None
    if vr == "SQ":
        raise ValueError(f"{name!r} ends in a sequence: scans read single values")
    keyword = _dictionary.keyword_for_tag(leaf) if vr is not None else None
    column = name if path else (keyword or f"{leaf:08X}")
    if vr in INT_VRS:
        kind = KIND_INT
    elif vr in FLOAT_VRS:
        kind = KIND_FLOAT
    elif vr in TEXT_VRS:
        kind = KIND_STR
    else:  # binary VRs, ambiguous ones with OB/OW, private and unknown tags: the raw bytes
        kind = KIND_BYTES
    vm = _dictionary.dictionary_vm(leaf) if vr is not None else "1"
    return TagSpec(str(column), tag, vr or "UN", kind, kind != KIND_BYTES and vm != "1", path)


def _path_spec(text: str) -> TagSpec:
    """Parse "Seq[i].Seq[j]....Value" into a spec with (item index, tag) hops."""
    parts = text.strip().split(".")
    hops: list[tuple[str, int]] = []
    for part in parts[:-1]:
        if not part.endswith("]") or "[" not in part:
            raise ValueError(f"{text!r}: every part but the last needs an item index, "
                             f"as in 'ReferencedImageSequence[0]'")
        keyword, index = part[:-1].split("[", 1)
        if not index.isdigit():
            raise ValueError(f"{text!r}: item indexes are non-negative integers")
        hops.append((keyword, int(index)))
    if not hops or "[" in parts[-1]:
        raise ValueError(f"{text!r}: a path ends in a value keyword, as in "
                         f"'ReferencedImageSequence[0].ReferencedSOPInstanceUID'")
    tags = [_checked_tag(keyword) for keyword, _ in hops]
    for (keyword, _), tag in zip(hops, tags):
        if _dictionary.dictionary_vr(tag) != "SQ":
            raise ValueError(f"{text!r}: {keyword} is not a sequence")
    leaf = _parse_tag(parts[-1]) if parts[-1] else -1
    if leaf < 0:
        raise ValueError(f"{text!r}: no value keyword at the end")
    path = tuple((index, tag) for (_, index), tag in zip(hops, tags[1:] + [leaf]))
    return _value_spec(text, tags[0], path)


def iter_paths(source: str | os.PathLike | Iterable, recursive: bool = True) -> Iterator[str]:
    """The files of a directory (sorted, recursively), a glob pattern, a file, or an iterable."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if os.path.isdir(path):
            yield from _walk_directory(path, recursive)
        elif os.path.exists(path) or not glob.has_magic(path):
            yield path
        else:
            for match in sorted(glob.glob(path, recursive=recursive)):
                if os.path.isdir(match):
                    yield from _walk_directory(match, recursive)
                else:
                    yield match
        return
    if isinstance(source, (list, tuple)) and all(type(item) is str for item in source):
        yield from source
        return
    for item in source:
        yield os.fspath(item)


def _walk_directory(top: str, recursive: bool) -> Iterator[str]:
    pending = [top]
    while pending:  # a stack, not recursion: directory trees can be deep
        directory = pending.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        subdirectories = []
        for entry in entries:
            try:
                if entry.is_dir():
                    if recursive:
                        subdirectories.append(entry.path)
                elif entry.is_file():
                    yield entry.path
            except OSError:
                continue
        pending.extend(reversed(subdirectories))


class _CharsetKinds:
    """(0008,0005) value bytes -> how the fast path decodes text (CHARSET_* or -1)."""

    def __init__(self) -> None:
        self._cache: dict[bytes, int] = {}

    def __call__(self, raw: bytes) -> int:
        kind = self._cache.get(raw)
        if kind is None:
            kind = self._kind(raw)
            if len(self._cache) < 1024:
                self._cache[raw] = kind
        return kind

    @staticmethod
    def _kind(raw: bytes) -> int:
        if not raw:
            return CHARSET_LATIN1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # anything dcmread would warn about: fallback
                value = convert("CS", raw)
                encodings = convert_encodings(value)
        except Exception:
            return -1
        first = encodings[0]
        if first in LATIN1_CODECS:
            return CHARSET_LATIN1
        if first == "UTF8":
            return CHARSET_UTF8
        return CHARSET_OTHER


def _describe_error(status: int, err: int, path: str) -> str:
    if status == STATUS_NOT_DICOM:
        return NOT_DICOM_MESSAGE
    if status == STATUS_BAD_PATH:
        return "ValueError: embedded null byte in the path"
    exc = OSError(err, os.strerror(err), path)
    action = "open" if status == STATUS_OPEN_ERROR else "read"
    return f"{type(exc).__name__}: cannot {action}: {exc}"


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class _Fallback:
    """Read one file with ``dcmread`` and take the wanted values as it gives them."""

    def __init__(self, specs: Sequence[TagSpec], force: bool):
        self.specs = specs
        self.force = force

    def __call__(self, path: str) -> tuple[list | None, str | None]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = dcmread(path, stop_before_pixels=True, force=self.force)
                try:
                    return self._values(ds)
                finally:
                    ds.close()
        except Exception as exc:  # a bad file is a row with its error, never the end
            return None, _error_text(exc)

    def _values(self, ds: Any) -> tuple[list, str | None]:
        values: list[tuple[Any, bool, bool]] = []
        error = None
        for spec in self.specs:
            try:
                if spec.path is not None:
                    values.append(_follow(ds, spec))
                elif spec.tag not in ds:
                    values.append((None, False, False))
                elif ds.element(spec.tag).value_length == 0:
                    values.append((None, True, True))
                elif spec.kind == KIND_BYTES:
                    values.append((bytes(ds.element(spec.tag).raw), True, False))
                else:
                    values.append((ds[spec.tag], True, False))
            except (DicomError, ValueError, TypeError) as exc:
                values.append((None, False, False))
                if error is None:
                    error = f"{spec.name}: {_error_text(exc)}"
        return values, error


def _follow(ds: Any, spec: TagSpec) -> tuple[Any, bool, bool]:
    """(value, present, empty) of a path spec in a dataset read by dcmread."""
    current = ds
    tag = spec.tag
    for index, next_tag in spec.path or ():
        items = current.get(tag)
        if not items or len(items) <= index:
            return None, False, False
        current = items[index]
        tag = next_tag
    if tag not in current:
        return None, False, False
    if current.element(tag).value_length == 0:
        return None, True, True
    if spec.kind == KIND_BYTES:
        return bytes(current.element(tag).raw), True, False
    return current[tag], True, False


@dataclass
class ScanResult:
    """The table a scan made: ``path``, one typed column per tag, and ``error``.

    ``columns`` maps names to the builders' buffers; use ``to_arrow()``, ``to_pandas()``,
    ``to_pylist()``, ``write_parquet()`` or ``write_csv()``.
    """

    paths: list[str]
    specs: list[TagSpec]
    columns: dict[str, dict]
    errors: list[str | None]
    fallback_count: int = 0  # files read by dcmread instead of the C path

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def column_names(self) -> list[str]:
        return ["path"] + [spec.name for spec in self.specs] + ["error"]

    @property
    def error_count(self) -> int:
        return sum(error is not None for error in self.errors)

    def to_arrow(self) -> Any:
        """A ``pyarrow.Table`` (columns built from the C buffers without copying them)."""
        from ._arrow import table_from_scan
        return table_from_scan(self)

    def to_pandas(self, **kwargs: Any) -> Any:
        """A ``pandas.DataFrame`` with Arrow-backed columns (``pd.ArrowDtype``), so int64
        columns with absent values stay int64 and list columns stay lists; ``kwargs`` go
        to ``pyarrow.Table.to_pandas`` (e.g. ``types_mapper=None`` for NumPy dtypes)."""
        if "types_mapper" not in kwargs:
            import pandas
            kwargs["types_mapper"] = pandas.ArrowDtype
        return self.to_arrow().to_pandas(**kwargs)

    def to_pylist(self) -> list[dict[str, Any]]:
        """One dict per file: path, each tag's value (None where absent), error."""
        from ._arrow import python_columns
        columns = python_columns(self)
        names = [spec.name for spec in self.specs]
        return [
            {"path": path, **{name: columns[name][row] for name in names},
             "error": self.errors[row]}
            for row, path in enumerate(self.paths)
        ]

    def write_parquet(self, path: str | os.PathLike, **kwargs: Any) -> None:
        """Write the table as Parquet (needs pyarrow)."""
        import pyarrow.parquet as pq
        pq.write_table(self.to_arrow(), os.fspath(path), **kwargs)

    def write_csv(self, path: str | os.PathLike | Any) -> None:
        """Write the table as CSV (to a path or a text stream): lists joined with "\\",
        bytes as hex, absent values empty."""
        if hasattr(path, "write"):
            self._write_csv(path)
            return
        with open(path, "w", newline="", encoding="utf-8") as stream:
            self._write_csv(stream)

    def _write_csv(self, stream: Any) -> None:
        import csv
        names = self.column_names
        writer = csv.writer(stream)
        writer.writerow(names)
        for row in self.to_pylist():
            writer.writerow([_csv_cell(row[name]) for name in names])


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\\".join("" if v is None else str(v) for v in value)
    if isinstance(value, bytes):
        return value.hex()
    return value


LUT_DESCRIPTOR_TAGS = frozenset((0x00281101, 0x00281102, 0x00281103, 0x00283002))


def _builder(spec: TagSpec) -> ColumnBuilder:
    builder = ColumnBuilder(spec.kind, spec.is_list, spec.vr)
    builder.unsigned_first = spec.tag in LUT_DESCRIPTOR_TAGS
    return builder


def _chunks(paths: list[str], size: int) -> list[list[str]]:
    return [paths[i:i + size] for i in range(0, len(paths), size)]


def scan(source: str | os.PathLike | Iterable, tags: Iterable[TagKey] | str, *,
         threads: int | None = None, recursive: bool = True, on_error: str = "record",
         progress: bool | Callable[[int, int, int], None] = False, force: bool = False,
         read_size: int = 0) -> ScanResult:
    """Scan many files' headers into a table with one typed column per tag.

    ``source``: a directory (walked recursively unless ``recursive=False``), a glob
    pattern, a file, or an iterable of paths. ``tags``: keywords, int tags, (group,
    element) tuples, "(gggg,eeee)" strings, paths into sequences such as
    "SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing" (or one
    comma-separated string).
    ``threads``: workers running the C pass (default: the number of CPUs, at most 8).
    ``on_error``: "record" (a bad file is a row with its ``error``), "skip" (drop those
    rows) or "raise" (raise the first error as DicomError). ``progress``: True for a
    progress line on stderr, or a callable ``(done, total, errors)``. ``force`` reads
    files without the DICM prefix, as ``dcmread(force=True)`` does. ``read_size``: bytes
    of the first read of each file (0: learnt from the files read so far).
    Values equal what ``dcmread(path, stop_before_pixels=True)`` gives; list columns hold
    every value of a multi-valued tag (one value -> a one-item list).
    """
    if on_error not in ("record", "skip", "raise"):
        raise ValueError(f"on_error must be 'record', 'skip' or 'raise', not {on_error!r}")
    if isinstance(tags, str):
        tags = [t for t in tags.split(",") if t.strip()]
    specs = [tag_spec(key) for key in tags]
    if not specs:
        raise ValueError("scan() needs at least one tag")
    if len({(spec.tag, spec.path) for spec in specs}) != len(specs):
        raise ValueError("a tag is requested twice")
    names = [spec.name for spec in specs]
    if "path" in names or "error" in names:
        raise ValueError("'path' and 'error' are reserved column names")
    paths = list(iter_paths(source, recursive))
    if threads is None:
        threads = min(os.cpu_count() or 1, 8)
    threads = max(1, min(int(threads), max(1, len(paths) // CHUNK_SIZE + 1)))

    # the C pass wants each top-level tag once (columns may share a sequence), plus the
    # character set, which decides how text decodes
    slots = sorted({spec.tag for spec in specs} | {CHARSET_TAG})
    slot_of = {tag: i for i, tag in enumerate(slots)}
    sequence_slots = [False] * len(slots)
    for spec in specs:
        if spec.path is not None:
            sequence_slots[slot_of[spec.tag]] = True
    column_slots = [slot_of[spec.tag] for spec in specs]
    column_paths = [spec.path for spec in specs]
    charset_column = slot_of[CHARSET_TAG]
    chunks = _chunks(paths, CHUNK_SIZE)
    reporter = _progress_reporter(progress, len(paths))
    builders = [_builder(spec) for spec in specs]
    errors: list[str | None] = []
    fallback = _Fallback(specs, force)
    charset_kinds = _CharsetKinds()
    fallbacks = 0

    def consume(result: Any) -> None:
        nonlocal fallbacks
        fallbacks += result.fill(builders, column_slots, column_paths, charset_column,
                                 charset_kinds, fallback, _describe_error, errors)

    _run_c_pass(chunks, threads, slots, sequence_slots, read_size, force, reporter, consume)
    if reporter is not None:
        reporter.finish(sum(e is not None for e in errors))
    table = ScanResult(paths, specs, {spec.name: b.finish() for spec, b in zip(specs, builders)},
                       errors, fallbacks)
    if on_error == "raise":
        for path, error in zip(paths, errors):
            if error is not None:
                raise DicomError(f"{path}: {error}")
    if on_error == "skip" and table.error_count:
        from ._arrow import select_rows
        table = select_rows(table, [i for i, e in enumerate(errors) if e is None])
    return table


def _run_c_pass(chunks: list[list[str]], threads: int, tags: list[int], sequences: list[bool],
                read_size: int, force: bool, reporter: Any,
                consume: Callable[[Any], None]) -> None:
    """Scan the chunks and hand each ChunkResult to ``consume``, in chunk order.

    With several threads, workers pull the next chunk from a shared counter and scan it
    without the GIL; a worker that finishes a chunk also turns the finished chunks that
    are next in order into column rows, while the others go on scanning.
    """
    if threads == 1:
        scanner = FileScanner(tags, range(len(tags)), read_size, force, 128, sequences)
        for chunk in chunks:
            result = scanner.scan(chunk)
            if reporter is not None:
                reporter.advance(len(chunk), result.failed())
            consume(result)
        return
    lock = threading.Lock()      # the shared counter and the finished chunks
    filling = threading.Lock()   # one thread at a time turns chunks into rows, in order
    results: dict[int, Any] = {}
    next_chunk = iter(range(len(chunks)))
    next_fill = [0]
    failures: list[BaseException] = []

    def drain() -> None:
        """Fill every finished chunk that is next in order (whoever holds ``filling``)."""
        while filling.acquire(blocking=False):
            try:
                while True:
                    with lock:
                        result = results.pop(next_fill[0], None)
                        if result is None:
                            break
                        next_fill[0] += 1
                    consume(result)  # holds the GIL; the other workers go on scanning
            finally:
                filling.release()
            with lock:
                if next_fill[0] not in results:
                    return

    def work() -> None:
        scanner = FileScanner(tags, range(len(tags)), read_size, force, 128, sequences)
        try:
            while not failures:
                with lock:
                    index = next(next_chunk, None)
                if index is None:
                    return
                result = scanner.scan(chunks[index])
                with lock:
                    results[index] = result
                    if reporter is not None:
                        reporter.advance(len(chunks[index]), result.failed())
                drain()
        except BaseException as exc:  # re-raised in the caller's thread
            failures.append(exc)

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if not failures:
        drain()  # a chunk left behind while another thread was filling
        if next_fill[0] != len(chunks):
            raise RuntimeError("scan: chunks were lost")  # never expected
    if failures:
        raise failures[0]


def _progress_reporter(progress: Any, total: int) -> Any:
    from ._progress import Progress, ProgressLine
    if callable(progress):
        return Progress(total, progress)
    if progress and sys.stderr.isatty():
        return Progress(total, ProgressLine(sys.stderr))
    return None
