"""Smoke test of the bulk scan benchmark: it runs, and refuses wrong values.

The timed comparison is ``python benchmarks/compare_scan.py`` (never in tests).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare_scan  # noqa: E402


def test_compare_scan_runs_quickly(tmp_path, capsys):
    out = tmp_path / "scan.json"
    assert compare_scan.main(["--quick", "--files", "40", "--large", "0", "--rounds", "1",
                              "--cache-dir", str(tmp_path), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "I/O floor" in text and "pydicom loop" in text
    import json
    result = json.loads(out.read_text())
    assert result["files"] == 40 and set(result["files_per_second"]) >= {
        "cydicom.scan, 1 thread -> Arrow", "pydicom loop -> Arrow"}
