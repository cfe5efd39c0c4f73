"""The ``cydicom`` command: ``dump`` a file like dcmdump, ``demo`` on pydicom's sample files."""
import argparse
import glob
import os
import sys
import time
import warnings

from . import __version__, dcmread
from .errors import DicomError


def dump(args, out=None):
    """Print every element of a file; nested sequences indented."""
    from ._dump import run
    return run(args, out)


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
    from .scanning import scan
    start = time.perf_counter()
    result = scan(files, ["PatientID", "Modality", "SeriesInstanceUID", "Rows", "Columns",
                          "PixelSpacing"], force=True)
    elapsed = time.perf_counter() - start
    modalities = sorted({row["Modality"] for row in result.to_pylist() if row["Modality"]})
    out.write(f"scan of the same files, 6 tags: {elapsed * 1000:.1f} ms, "
              f"{result.error_count} errors, {result.fallback_count} read by the fallback; "
              f"modalities: {', '.join(modalities)}\n")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="cydicom", description=__doc__)
    parser.add_argument("--version", action="version", version=f"cydicom {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    p_dump = commands.add_parser("dump", help="print the elements of a DICOM file")
    from ._dump import add_arguments as add_dump_arguments
    add_dump_arguments(p_dump)
    p_dump.set_defaults(run=dump)
    p_scan = commands.add_parser("scan", help="index many files' header tags into a table")
    from ._scan_cli import add_arguments as add_scan_arguments, run as run_scan
    add_scan_arguments(p_scan)
    p_scan.set_defaults(run=run_scan)
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
