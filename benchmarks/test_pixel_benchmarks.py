"""pytest-benchmark suite for pixel data: cydicom vs pydicom on the cases of compare_pixels.py.

    pytest benchmarks/test_pixel_benchmarks.py --benchmark-enable   # timed
    pytest benchmarks/test_pixel_benchmarks.py                      # smoke test (CI default)

Small generated files (made once per session): a native 40-frame 256x256 file with 12 of
16 bits stored and 8-frame JPEG 2000, JPEG-LS, JPEG lossless and RLE files. Every benchmark
checks its result against pydicom's.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare_pixels  # noqa: E402
import pixel_corpus  # noqa: E402

try:
    cydicom = compare_pixels.import_cydicom()
except ImportError:  # not built: the cydicom benchmarks are skipped
    cydicom = None

KINDS = sorted(pixel_corpus.SYNTAXES)


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    import pydicom

    root = tmp_path_factory.mktemp("cydicom-pixel-bench")
    paths = {"native": pixel_corpus.native_file(root / "native.dcm", 40, 256, 256)}
    for kind in KINDS:
        paths[kind] = pixel_corpus.compressed_file(root / f"{kind}.dcm", kind, 8, 256, 256)
    expected = {name: pydicom.dcmread(path).pixel_array for name, path in paths.items()}
    return paths, expected


def _library(name):
    if name == "cydicom":
        if cydicom is None:
            pytest.skip("cydicom is not built")
        return cydicom
    import pydicom

    return pydicom


def _pixel_array(module, path):
    return module.dcmread(path).pixel_array


@pytest.mark.parametrize("library", ["cydicom", "pydicom"])
@pytest.mark.parametrize("name", ["native"] + KINDS)
def test_pixel_array(benchmark, files, library, name):
    paths, expected = files
    module = _library(library)
    benchmark.group = f"pixel_array {name}"
    result = benchmark(_pixel_array, module, paths[name])
    assert np.array_equal(result, expected[name])


def test_cydicom_pixel_view(benchmark, files):
    paths, expected = files
    module = _library("cydicom")
    benchmark.group = "pixel_array native"
    view = benchmark(lambda: module.dcmread(paths["native"]).pixel_view())
    assert np.array_equal(view, expected["native"]) and not view.flags.writeable


@pytest.mark.parametrize("library", ["cydicom", "pydicom"])
def test_one_jpeg_2000_frame(benchmark, files, library):
    paths, expected = files
    module = _library(library)
    benchmark.group = "one JPEG 2000 frame"
    if library == "cydicom":
        frame = benchmark(lambda: module.dcmread(paths["j2k"]).frame(5))
    else:
        import pydicom.pixels

        frame = benchmark(pydicom.pixels.pixel_array, paths["j2k"], index=5)
    assert np.array_equal(frame, expected["j2k"][5])


def test_compare_pixels_runs_quickly(tmp_path, capsys):
    """Smoke run of the side-by-side script: a few cases, one round, a table."""
    if cydicom is None:
        pytest.skip("cydicom is not built")
    table = tmp_path / "pixels.md"
    report = compare_pixels.main(["--quick", "--rounds", "1", "--markdown", str(table),
                                  "--only", "mf_opened_view,mf_native_array,rle_full"])
    assert [r["case"] for r in report["results"]] == ["mf_opened_view", "mf_native_array",
                                                      "rle_full"]
    assert all(r["ratio"] > 0 for r in report["results"])
    text = table.read_text()
    assert "| 40-frame native: pixel_array |" in text and "plain loop" in text
