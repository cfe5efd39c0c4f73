"""Scan columns (the builders' buffers) as Arrow arrays or Python lists."""
from __future__ import annotations

from typing import Any

import numpy

from ._columns import KIND_BYTES, KIND_FLOAT, KIND_INT, KIND_STR, ColumnBuilder

_NUMPY_TYPES = {KIND_INT: numpy.int64, KIND_FLOAT: numpy.float64}


def _valid(buffer: bytes, count: int) -> numpy.ndarray:
    return numpy.frombuffer(buffer, dtype=numpy.uint8, count=count).astype(bool)


def _bitmap(pa: Any, buffer: bytes, count: int) -> Any:
    """An Arrow validity bitmap, or None when every slot is valid."""
    valid = numpy.frombuffer(buffer, dtype=numpy.uint8, count=count)
    if count == 0 or valid.all():
        return None
    return pa.py_buffer(numpy.packbits(valid, bitorder="little"))


def _offsets(pa: Any, buffer: bytes, count: int) -> tuple[Any, bool]:
    """Offsets as int32 when they fit (Arrow's default types), else int64 (large types)."""
    offsets = numpy.frombuffer(buffer, dtype=numpy.int64, count=count)
    if count == 0 or offsets[-1] < 2**31:
        return pa.py_buffer(offsets.astype(numpy.int32)), False
    return pa.py_buffer(offsets), True


def column_array(column: dict) -> Any:
    """One scan column as a pyarrow Array (numbers are not copied)."""
    import pyarrow as pa

    kind, nitems = column["kind"], column["items"]
    validity = _bitmap(pa, column["item_valid"], nitems)
    if kind in _NUMPY_TYPES:
        arrow_type = pa.int64() if kind == KIND_INT else pa.float64()
        items = pa.Array.from_buffers(arrow_type, nitems, [validity, pa.py_buffer(column["values"])])
    else:
        offsets, large = _offsets(pa, column["offsets"], nitems + 1)
        if kind == KIND_STR:
            arrow_type = pa.large_string() if large else pa.string()
        else:
            arrow_type = pa.large_binary() if large else pa.binary()
        items = pa.Array.from_buffers(arrow_type, nitems,
                                      [validity, offsets, pa.py_buffer(column["values"])])
    if not column["is_list"]:
        return items
    rows = column["rows"]
    offsets, large = _offsets(pa, column["list_offsets"], rows + 1)
    list_type = pa.large_list(items.type) if large else pa.list_(items.type)
    return pa.Array.from_buffers(list_type, rows, [_bitmap(pa, column["row_valid"], rows), offsets],
                                 children=[items])


def table_from_scan(result: Any) -> Any:
    """The scan as a pyarrow Table: path, the tag columns, error."""
    import pyarrow as pa

    arrays = [pa.array(result.paths, type=pa.string())]
    arrays += [column_array(result.columns[spec.name]) for spec in result.specs]
    arrays.append(pa.array(result.errors, type=pa.string()))
    return pa.Table.from_arrays(arrays, names=result.column_names)


def _python_items(column: dict) -> list:
    kind, nitems = column["kind"], column["items"]
    valid = _valid(column["item_valid"], nitems)
    if kind in _NUMPY_TYPES:
        values = numpy.frombuffer(column["values"], dtype=_NUMPY_TYPES[kind], count=nitems).tolist()
        return [v if ok else None for v, ok in zip(values, valid)]
    offsets = numpy.frombuffer(column["offsets"], dtype=numpy.int64, count=nitems + 1).tolist()
    data = column["values"]
    items: list = []
    for i in range(nitems):
        if not valid[i]:
            items.append(None)
            continue
        raw = data[offsets[i]:offsets[i + 1]]
        items.append(raw.decode("utf-8", "surrogatepass") if kind == KIND_STR else raw)
    return items


def python_column(column: dict) -> list:
    """One scan column as a list of Python values (None where absent)."""
    items = _python_items(column)
    if not column["is_list"]:
        return items
    rows = column["rows"]
    offsets = numpy.frombuffer(column["list_offsets"], dtype=numpy.int64, count=rows + 1).tolist()
    valid = _valid(column["row_valid"], rows)
    return [items[offsets[r]:offsets[r + 1]] if valid[r] else None for r in range(rows)]


def python_columns(result: Any) -> dict[str, list]:
    return {spec.name: python_column(result.columns[spec.name]) for spec in result.specs}


def select_rows(result: Any, rows: list[int]) -> Any:
    """A copy of the scan result keeping only ``rows``."""
    from .scanning import ScanResult

    values = python_columns(result)
    columns = {}
    for spec in result.specs:
        builder = ColumnBuilder(spec.kind, spec.is_list, spec.vr)  # values already final
        column = values[spec.name]
        for row in rows:
            builder.push_python(column[row], column[row] is not None, column[row] == [])
        columns[spec.name] = builder.finish()
    return ScanResult([result.paths[r] for r in rows], result.specs, columns,
                      [result.errors[r] for r in rows], result.fallback_count)


__all__ = ["KIND_BYTES", "column_array", "python_column", "python_columns", "select_rows",
           "table_from_scan"]
