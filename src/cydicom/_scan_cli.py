"""``cydicom scan PATH... --tags ... [--out FILE]``: index many files into Parquet or CSV."""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any, TextIO


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="files, directories (walked recursively) or glob patterns")
    parser.add_argument("--tags", required=True,
                        help="comma-separated keywords or tags, e.g. PatientID,(0020,000E)")
    parser.add_argument("--out", help="output file: .parquet or .csv (default: CSV on stdout)")
    parser.add_argument("--threads", type=int, default=None, help="worker threads (default: CPUs)")
    parser.add_argument("--no-recursive", action="store_true", help="do not descend into folders")
    parser.add_argument("--force", action="store_true",
                        help="also read files without the DICM prefix")
    parser.add_argument("--skip-errors", action="store_true",
                        help="leave files that cannot be read out of the table")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def _paths(arguments: list[str], recursive: bool) -> list[str]:
    from .scanning import iter_paths
    paths: list[str] = []
    for argument in arguments:
        paths.extend(iter_paths(argument, recursive))
    return paths


def run(args: Any, err: TextIO | None = None) -> int:
    from ._progress import ProgressLine
    from .scanning import scan

    err = err if err is not None else sys.stderr
    out = args.out
    if out is not None and not out.lower().endswith((".parquet", ".csv")):
        print(f"cydicom scan: --out must end in .parquet or .csv: {out}", file=err)
        return 2
    started = time.perf_counter()
    try:
        result = scan(_paths(args.paths, not args.no_recursive), args.tags,
                      threads=args.threads, force=args.force,
                      on_error="skip" if args.skip_errors else "record",
                      progress=ProgressLine(err) if not args.quiet and err.isatty() else False)
    except ValueError as exc:
        print(f"cydicom scan: {exc}", file=err)
        return 2
    elapsed = time.perf_counter() - started
    if out is None:
        result.write_csv(sys.stdout)
    elif out.lower().endswith(".parquet"):
        try:
            result.write_parquet(out)
        except ImportError:
            print("cydicom scan: writing Parquet needs pyarrow: pip install 'cydicom[arrow]'",
                  file=err)
            return 2
    else:
        result.write_csv(out)
    if not args.quiet:
        rate = len(result) / elapsed if elapsed > 0 else 0.0
        where = f" -> {os.fspath(out)}" if out else ""
        print(f"{len(result):,} files in {elapsed:.2f} s ({rate:,.0f} files/s), "
              f"{result.error_count:,} errors, {result.fallback_count:,} read by the "
              f"fallback{where}", file=err)
    return 0
