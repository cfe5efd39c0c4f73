"""The command line: ``cydicom dump`` and ``cydicom demo`` (run as subprocesses)."""
import contextlib
import io
import os
import subprocess
import sys

import pytest

import cydicom
from cydicom.cli import main
from realfiles import bundled_files, data_store_files, pydicom_test_file


def _run(*args):
    return subprocess.run([sys.executable, "-m", "cydicom", *args], capture_output=True,
                          text=True)


def _element_lines(stdout):
    return [line for line in stdout.splitlines() if line and not line.startswith("#")]


def test_dump_prints_elements_and_nested_items():
    result = _run("dump", pydicom_test_file("rtplan.dcm"))
    assert result.returncode == 0 and result.stderr == ""
    assert "(300A,00B0) SQ" in result.stdout and "item 1" in result.stdout
    assert "PatientName" in result.stdout
    # nested items are indented under their sequence: two spaces per item, two per level
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "(300A,0010) SQ" in line)
    assert lines[start + 1] == "  (FFFE,E000) item 1"
    assert lines[start + 2].startswith("    (300A,0012) IS         2 DoseReferenceNumber")


def test_dump_columns_match_the_elements():
    path = pydicom_test_file("CT_small.dcm")
    result = _run("dump", path, "--offsets")
    assert result.returncode == 0
    ds = cydicom.dcmread(path)
    top_level = [line for line in _element_lines(result.stdout) if line[10] == "("]
    rows = {line.split()[1]: line.split() for line in top_level}
    assert len(top_level) == len(ds.file_meta) + len(ds)
    for element in ds:
        row = rows[cydicom.dataset.format_tag(element.tag)]
        assert row[0] == f"@{element.offset}"
        assert row[2] == element.vr and row[3] == str(element.length)
    assert rows["(0010,0010)"][4:] == ["PatientName", "'CompressedSamples^CT1'"]
    assert rows["(7FE0,0010)"][4:7] == ["PixelData", "<32768", "bytes>"]


def test_dump_depth_limits_nesting_and_no_pixels_stops_before_pixel_data():
    path = pydicom_test_file("rtplan.dcm")
    full = _run("dump", path).stdout
    top = _run("dump", path, "--depth", "0").stdout
    one = _run("dump", path, "--depth", "1").stdout
    assert "(FFFE,E000)" not in top and top.count("\n") < one.count("\n") < full.count("\n")
    assert all(not line.startswith("      ") for line in one.splitlines())
    ct = pydicom_test_file("CT_small.dcm")
    assert "PixelData" in _run("dump", ct).stdout
    headers_only = _run("dump", ct, "--no-pixels")
    assert headers_only.returncode == 0 and "PixelData" not in headers_only.stdout


def test_dump_of_a_non_dicom_file_is_one_clean_error(tmp_path):
    path = tmp_path / "not.dcm"
    path.write_bytes(b"hello")
    result = _run("dump", str(path))
    assert result.returncode == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr and "force=True" in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"cydicom: {path}: ")


def test_dump_of_a_missing_file_is_one_clean_error(tmp_path):
    result = _run("dump", str(tmp_path / "absent.dcm"))
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "No such file" in result.stderr


@pytest.mark.parametrize("size", [1001, 1003])
def test_dump_of_a_truncated_file_shows_what_is_there_and_fails(tmp_path, size):
    data = open(pydicom_test_file("CT_small.dcm"), "rb").read()[:size]
    path = tmp_path / "cut.dcm"
    path.write_bytes(data)
    result = _run("dump", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert all(line.startswith("cydicom: ") for line in result.stderr.splitlines())
    assert "truncated" in result.stderr and "(0010,1002)" in result.stderr
    assert "PatientName" in result.stdout  # the elements before the cut are shown
    strict = _run("dump", "--strict", str(path))
    assert strict.returncode == 1 and strict.stdout == ""
    assert strict.stderr.count("\n") == 1 and "truncated" in strict.stderr


def test_dump_keeps_going_past_a_value_that_cannot_be_read(tmp_path):
    # explicit VR LE, no meta: (0008,0060) with the unknown VR 'ZZ', then a good element
    body = (b"\x08\x00\x60\x00ZZ\x02\x00CT" + b"\x10\x00\x20\x00LO\x02\x00ID")
    path = tmp_path / "bad_vr.dcm"
    path.write_bytes(b"\x00" * 128 + b"DICM" + _meta("1.2.840.10008.1.2.1") + body)
    result = _run("dump", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "<error: Unknown Value Representation 'ZZ'" in result.stdout
    assert "(0010,0020) LO         2 PatientID" in result.stdout
    assert "1 value(s) could not be read" in result.stderr


def _meta(transfer_syntax):
    uid = transfer_syntax.encode() + b"\x00" * (len(transfer_syntax) % 2)
    element = b"\x02\x00\x10\x00UI" + len(uid).to_bytes(2, "little") + uid
    return b"\x02\x00\x00\x00UL\x04\x00" + len(element).to_bytes(4, "little") + element


def test_dump_into_a_pipe_closed_early_ends_quietly(tmp_path):
    item = b"\x10\x00\x20\x00LO\x08\x00PATIENT1"
    items = (b"\xfe\xff\x00\xe0" + len(item).to_bytes(4, "little") + item) * 5000
    sequence = b"\x10\x00\x02\x10SQ\x00\x00" + len(items).to_bytes(4, "little") + items
    path = tmp_path / "long.dcm"  # ~10,000 lines of dump: more than a pipe holds
    path.write_bytes(b"\x00" * 128 + b"DICM" + _meta("1.2.840.10008.1.2.1") + sequence)
    process = subprocess.Popen([sys.executable, "-m", "cydicom", "dump", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith(b"# preamble")
    process.stdout.close()  # like `| head -1`
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0 and stderr == ""


def test_dump_of_every_real_file_is_clean():
    """In process (fast): every bundled and pydicom-data file dumps, or fails in one line."""
    failed = {}
    for path in bundled_files() + data_store_files():
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["dump", "--force", path])
        problems = err.getvalue().splitlines()
        assert all(line.startswith("cydicom: ") for line in problems), (path, problems)
        assert out.getvalue().count("\n") >= 1
        if code:
            failed[os.path.basename(path)] = problems[-1]
    # only files that really are truncated make the exit status 1
    truncated = {"MR_truncated.dcm", "README", "no_meta.dcm", "rtplan_truncated.dcm"}
    assert truncated <= set(failed) <= truncated | {
        "emri_small_jpeg_2k_lossless_too_short.dcm"}, failed  # (pydicom-data's, if installed)
    assert all("truncated" in problem for problem in failed.values())


def test_version_and_module_entry_point():
    result = _run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"cydicom {cydicom.__version__}"
    usage = _run()
    assert usage.returncode == 2 and "dump" in usage.stderr and "Traceback" not in usage.stderr


def test_demo_reads_every_sample_file():
    result = _run("demo")
    assert result.returncode == 0
    assert "CT_small.dcm" in result.stdout and "(0 with errors" in result.stdout
