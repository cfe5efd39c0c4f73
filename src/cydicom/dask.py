"""Scans beyond one machine: ``cydicom.dask.scan`` returns a ``dask.dataframe``.

Each partition is one chunk of files scanned by the same engine as ``cydicom.scan``,
so a cluster (``dask.distributed``) spreads the files over its workers. Needs the
``dask`` extra: ``pip install 'cydicom[dask]'``.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from .scanning import TagKey, iter_paths, scan as scan_files

__all__ = ["scan"]


def _scan_partition(paths: list[str], tags: list, recursive: bool, force: bool,
                    threads: int, read_size: int) -> Any:
    """One partition: the files ``paths`` as a pandas DataFrame (Arrow-backed values)."""
    return scan_files(paths, tags, threads=threads, force=force, read_size=read_size,
                      recursive=recursive).to_pandas()


def scan(source: str | os.PathLike | Iterable, tags: Iterable[TagKey] | str, *,
         files_per_partition: int = 10_000, recursive: bool = True, force: bool = False,
         threads: int = 1, read_size: int = 0) -> Any:
    """A lazy ``dask.dataframe.DataFrame`` of the scan: one partition per chunk of files.

    The file list is made here (walking ``source`` once); every partition is scanned
    where dask runs it. ``threads`` is per partition (dask already runs partitions in
    parallel). Columns and types are those of ``cydicom.scan(...).to_pandas()``.
    """
    import dask.dataframe as dd

    if isinstance(tags, str):
        tags = [t for t in tags.split(",") if t.strip()]
    tags = list(tags)
    paths = list(iter_paths(source, recursive))
    if files_per_partition < 1:
        raise ValueError("files_per_partition must be at least 1")
    chunks = [paths[i:i + files_per_partition] for i in range(0, len(paths), files_per_partition)]
    meta = _scan_partition([], tags, recursive, force, threads, read_size)
    if not chunks:
        return dd.from_pandas(meta, npartitions=1)
    return dd.from_map(_scan_partition, chunks, tags=tags, recursive=recursive, force=force,
                       threads=threads, read_size=read_size, meta=meta,
                       enforce_metadata=False)
