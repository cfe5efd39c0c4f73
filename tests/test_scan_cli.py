"""``cydicom scan``: Parquet and CSV output equal to scan(), errors as rows, bad options."""
import csv
import os
import subprocess
import sys

import pytest

from cydicom.scanning import scan
from tests.realfiles import pydicom_data_dir

TEST_FILES = os.path.join(pydicom_data_dir(), "test_files")
TAGS = "PatientID,Rows,ImagePositionPatient,PatientName"


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cydicom", "scan", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_writes_parquet_equal_to_scan(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "index.parquet"
    done = run_cli(TEST_FILES, "--tags", TAGS, "--out", str(out), "--threads", "2")
    assert done.returncode == 0, done.stderr
    assert "files in" in done.stderr and "errors" in done.stderr
    assert pq.read_table(out).equals(scan(TEST_FILES, TAGS.split(",")).to_arrow())


def test_writes_csv_with_error_rows(tmp_path):
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"not dicom")
    out = tmp_path / "index.csv"
    done = run_cli(TEST_FILES, str(junk), "--tags", TAGS, "--out", str(out))
    assert done.returncode == 0, done.stderr
    with open(out, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    expected = scan([*scan(TEST_FILES, ["PatientID"]).paths, str(junk)], TAGS.split(","))
    assert len(rows) == len(expected)
    by_path = {row["path"]: row for row in rows}
    assert "InvalidDicomError" in by_path[str(junk)]["error"]
    for row in expected.to_pylist():
        got = by_path[row["path"]]
        assert got["PatientID"] == (row["PatientID"] or "")
        assert got["Rows"] == ("" if row["Rows"] is None else str(row["Rows"]))
        position = row["ImagePositionPatient"]
        assert got["ImagePositionPatient"] == ("" if position is None
                                               else "\\".join(str(v) for v in position))


def test_csv_to_stdout_and_skip_errors(tmp_path):
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"not dicom")
    done = run_cli(os.path.join(TEST_FILES, "CT_small.dcm"), str(junk), "--tags", "PatientID",
                   "--skip-errors", "--quiet")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines() == ["path,PatientID,error",
                                        f"{os.path.join(TEST_FILES, 'CT_small.dcm')},1CT1,"]


def test_bad_options_are_one_line_errors(tmp_path):
    done = run_cli(TEST_FILES, "--tags", "NoSuchKeyword")
    assert done.returncode == 2 and "unknown tag or keyword" in done.stderr
    assert "Traceback" not in done.stderr
    done = run_cli(TEST_FILES, "--tags", "PatientID", "--out", str(tmp_path / "x.xlsx"))
    assert done.returncode == 2 and ".parquet or .csv" in done.stderr


def test_progress_bar_on_a_terminal():
    import io

    from cydicom._scan_cli import add_arguments, run

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    import argparse
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    err = Terminal()
    args = parser.parse_args([TEST_FILES, "--tags", "PatientID", "--out", os.devnull + ".csv"])
    args.out = None
    stdout = sys.stdout
    sys.stdout = io.StringIO()
    try:
        assert run(args, err) == 0
    finally:
        sys.stdout = stdout
    text = err.getvalue()
    assert "files/s" in text and "errors" in text and "\r[" in text
