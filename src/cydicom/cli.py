"""The ``cydicom`` command: ``dump`` a file like dcmdump, ``demo`` on pydicom's sample files."""
import argparse
import glob
import os
import sys
import time
import warnings

from . import __version__, dcmread
from .dataset import format_tag
from .errors import DicomError

PREVIEW = 64


def _preview(element):
    try:
        value = element.value
    except DicomError as exc:
        return f"<error: {exc}>"
    if element.vr == "SQ":
        return f"<{len(value)} item(s)>"
    if isinstance(value, bytes):
        head = value[:16].hex(" ")
        return f"<{len(value)} bytes> {head}{' ...' if len(value) > 16 else ''}"
    text = repr(value)
    return text if len(text) <= PREVIEW else text[: PREVIEW - 3] + "..."


def _dump_dataset(ds, out, depth, max_depth, offsets):
    indent = "  " * depth
    for element in ds:
        try:
            vr = element.vr
        except DicomError:
            vr = "??"
        length = "undefined" if element.is_undefined_length else str(element.length)
        where = f"@{element.offset:<8} " if offsets else ""
        name = element.keyword or "(unknown)"
        out.write(f"{indent}{where}{format_tag(element.tag)} {vr} {length:>9} "
                  f"{name:<36} {_preview(element)}\n")
        if vr == "SQ" and depth + 1 < max_depth:
            try:
                items = element.value
            except DicomError:
                continue
            for number, item in enumerate(items, 1):
                out.write(f"{indent}  (FFFE,E000) item {number}\n")
                _dump_dataset(item, out, depth + 2, max_depth, offsets)


def dump(args, out=sys.stdout):
    """Print every element of a file; nested sequences indented."""
    with dcmread(args.file, force=args.force, stop_before_pixels=args.no_pixels) as ds:
        if ds.preamble is not None:
            out.write("# preamble: 128 bytes, DICM prefix\n")
        if len(ds.file_meta):
            out.write("# file meta\n")
            _dump_dataset(ds.file_meta, out, 0, args.depth, args.offsets)
        out.write(f"# dataset ({ds.transfer_syntax or 'no transfer syntax'})\n")
        _dump_dataset(ds, out, 0, args.depth, args.offsets)
    return 0


def _sample_files():
    try:
        import pydicom
    except ImportError:
        raise SystemExit("cydicom demo reads pydicom's bundled sample files: "
                         "pip install 'cydicom[pydicom]'")
    base = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
    return sorted(p for p in glob.glob(os.path.join(base, "*.dcm")) if os.path.isfile(p))


def demo(args, out=sys.stdout):
    """Read every sample file that ships with pydicom and print a one-line summary of each."""
    files = _sample_files()
    start = time.perf_counter()
    failures = 0
    for path in files:
        name = os.path.basename(path)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                ds = dcmread(path, force=True)
                modality = ds.get("Modality", "")
                patient = ds.get("PatientName", "")
                rows, columns = ds.get("Rows", ""), ds.get("Columns", "")
            out.write(f"{name:<44} {len(ds):>4} elements  {str(ds.transfer_syntax):<24} "
                      f"{str(modality):<4} {str(rows):>5}x{str(columns):<5} {str(patient)[:24]}\n")
            for warning in caught:
                out.write(f"{'':<44} warning: {warning.message}\n")
            ds.close()
        except DicomError as exc:
            failures += 1
            out.write(f"{name:<44} error: {exc}\n")
    elapsed = time.perf_counter() - start
    out.write(f"\n{len(files)} files read in {elapsed * 1000:.1f} ms "
              f"({failures} with errors, reported above)\n")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="cydicom", description=__doc__)
    parser.add_argument("--version", action="version", version=f"cydicom {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    p_dump = commands.add_parser("dump", help="print the elements of a DICOM file")
    p_dump.add_argument("file")
    p_dump.add_argument("--depth", type=int, default=64, help="sequence levels to show")
    p_dump.add_argument("--no-pixels", action="store_true", help="stop before the pixel data")
    p_dump.add_argument("--offsets", action="store_true", help="show value byte offsets")
    p_dump.add_argument("--force", action="store_true", help="read files without DICM prefix")
    p_dump.set_defaults(run=dump)
    p_demo = commands.add_parser("demo", help="read pydicom's bundled sample files")
    p_demo.set_defaults(run=demo)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (DicomError, OSError) as exc:
        print(f"cydicom: {getattr(args, 'file', '')}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
