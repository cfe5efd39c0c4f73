"""The command line: ``cydicom dump`` and ``cydicom demo`` (run as subprocesses)."""
import subprocess
import sys

from realfiles import pydicom_test_file


def _run(*args):
    return subprocess.run([sys.executable, "-m", "cydicom", *args], capture_output=True,
                          text=True)


def test_dump_prints_elements_and_nested_items():
    result = _run("dump", pydicom_test_file("rtplan.dcm"))
    assert result.returncode == 0
    assert "(300A,00B0) SQ" in result.stdout and "item 1" in result.stdout
    assert "PatientName" in result.stdout


def test_dump_of_a_non_dicom_file_is_one_clean_error(tmp_path):
    path = tmp_path / "not.dcm"
    path.write_bytes(b"hello")
    result = _run("dump", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "force=True" in result.stderr


def test_demo_reads_every_sample_file():
    result = _run("demo")
    assert result.returncode == 0
    assert "CT_small.dcm" in result.stdout and "(0 with errors" in result.stdout
