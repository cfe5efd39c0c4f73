"""``cydicom dump``: print every element of a file, like dcmdump.

Columns: [byte offset,] tag, VR, length as written, keyword, value preview. Sequence items
follow their sequence, indented. A value that cannot be read is shown inline and makes the
exit status 1, as does a truncated value; a file that cannot be read at all is one line on
stderr (see ``cli.main``). Warnings are one line each on stderr.
"""
import sys
import warnings

from ._display import Formatter
from .filereader import dcmread

PREVIEW_WIDTH = 64


def add_arguments(parser):
    """The options of ``cydicom dump``."""
    parser.add_argument("file", help="the DICOM file to show")
    parser.add_argument("--depth", type=int, default=None, metavar="N",
                        help="show sequence items nested at most N levels deep (0: top level only)")
    parser.add_argument("--no-pixels", action="store_true",
                        help="stop before the pixel data (reads only the header)")
    parser.add_argument("--offsets", action="store_true", help="show each value's byte offset")
    parser.add_argument("--force", action="store_true", help="read files without a DICM prefix")
    parser.add_argument("--strict", action="store_true",
                        help="fail on truncated values and missing delimiters instead of warning")


def dump_file(path, out, *, depth=None, no_pixels=False, offsets=False, force=False,
              strict=False):
    """Write the dump of ``path`` to ``out``; returns the ``Formatter`` (its error counts)."""
    formatter = Formatter(width=PREVIEW_WIDTH, lengths=True, offsets=offsets, max_depth=depth)
    with dcmread(path, force=force, stop_before_pixels=no_pixels, strict=strict) as ds:
        if ds.preamble is not None:
            out.write("# preamble: 128 bytes, DICM prefix\n")
        if ds.file_meta is not None and len(ds.file_meta):
            out.write("# file meta\n")
            _write(out, formatter.lines(ds.file_meta))
        syntax = ds.transfer_syntax or "no transfer syntax"
        mode = ("implicit" if ds.is_implicit_VR else "explicit") + " VR " + (
            "little" if ds.is_little_endian else "big") + " endian"
        out.write(f"# dataset: {syntax} ({mode}), {len(ds)} elements at the top level\n")
        _write(out, formatter.lines(ds))
    return formatter


def _write(out, lines):
    for line in lines:
        out.write(line)
        out.write("\n")


def run(args, out=None):
    """The ``dump`` subcommand: 0 if every value was read, 1 otherwise."""
    out = sys.stdout if out is None else out
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warning_line
            shown = dump_file(args.file, out, depth=args.depth, no_pixels=args.no_pixels,
                              offsets=args.offsets, force=args.force, strict=args.strict)
        out.flush()
    except BrokenPipeError:
        _silence_stdout()  # `cydicom dump f | head`: the reader left, nothing is wrong
        return 0
    problems = [f"{count} {what}" for count, what in (
        (shown.errors, "value(s) could not be read"), (shown.truncated, "value(s) truncated"))
        if count]
    if problems:
        print(f"cydicom: {args.file}: {', '.join(problems)}", file=sys.stderr)
        return 1
    return 0


def _warning_line(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line on stderr, without the source line of cydicom that raised them."""
    print(f"cydicom: warning: {message}", file=sys.stderr)


def _silence_stdout():
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
