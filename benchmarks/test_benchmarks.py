"""pytest-benchmark suite: cydicom vs pydicom on the operations of compare.py.

    pytest benchmarks --benchmark-enable   # timed: one pytest-benchmark table per group
    pytest benchmarks --benchmark-disable  # smoke test: each benchmark runs once
                                           # (pyproject's addopts make this the default)

A small corpus (50 CT files + the 200-frame enhanced file in both length styles) is made
once per session under tmp_path_factory. Every benchmark checks its values against
pydicom's, so a broken reader fails instead of being timed. The cydicom benchmarks are
skipped while cydicom is not built.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402
import corpus  # noqa: E402

N_FILES = 50


@pytest.fixture(scope="session")
def data(tmp_path_factory):
    """CT paths, multi-frame paths and pydicom's reference values for them."""
    import pydicom

    root = tmp_path_factory.mktemp("cydicom-bench")
    ct = corpus.make_ct_corpus(N_FILES, root)
    mf = {kind: corpus.make_multiframe(root, undefined_length=kind == "undefined")
          for kind in ("undefined", "defined")}
    ref = compare.dcmread_reader("pydicom", pydicom)
    compare.warm_page_cache(ct + list(mf.values()))
    return {
        "ct": ct,
        "mf": mf,
        "ct_values": compare.canon([ref.tags(p, True) for p in ct]),
        "mf_value": compare.canon(ref.nested(mf["undefined"])),
    }


@pytest.fixture(scope="session")
def cydicom_reader():
    try:
        compare.import_candidate("cydicom")  # puts this repo's src/ on sys.path if needed
    except ImportError:
        pass
    mod = pytest.importorskip("cydicom")
    if not hasattr(mod, "dcmread"):
        pytest.skip("cydicom is not built (no dcmread)")
    return compare.dcmread_reader("cydicom", mod)


@pytest.fixture(scope="session")
def pydicom_reader():
    import pydicom

    return compare.dcmread_reader("pydicom", pydicom)


def read_corpus(reader, paths, stop_before_pixels):
    return [reader.tags(p, stop_before_pixels) for p in paths]


def run_ct(benchmark, reader, data, stop_before_pixels):
    result = benchmark(read_corpus, reader, data["ct"], stop_before_pixels)
    assert compare.canon(result) == data["ct_values"]


def run_mf(benchmark, reader, data, kind):
    result = benchmark(reader.nested, data["mf"][kind])
    assert compare.canon(result) == data["mf_value"]


@pytest.mark.benchmark(group="ct-12-tags-stop-before-pixels")
def test_ct_header_cydicom(benchmark, cydicom_reader, data):
    run_ct(benchmark, cydicom_reader, data, True)


@pytest.mark.benchmark(group="ct-12-tags-stop-before-pixels")
def test_ct_header_pydicom(benchmark, pydicom_reader, data):
    run_ct(benchmark, pydicom_reader, data, True)


@pytest.mark.benchmark(group="ct-12-tags-default")
def test_ct_default_cydicom(benchmark, cydicom_reader, data):
    run_ct(benchmark, cydicom_reader, data, False)


@pytest.mark.benchmark(group="ct-12-tags-default")
def test_ct_default_pydicom(benchmark, pydicom_reader, data):
    run_ct(benchmark, pydicom_reader, data, False)


@pytest.mark.benchmark(group="multiframe-open-undefined-length")
def test_mf_undefined_cydicom(benchmark, cydicom_reader, data):
    run_mf(benchmark, cydicom_reader, data, "undefined")


@pytest.mark.benchmark(group="multiframe-open-undefined-length")
def test_mf_undefined_pydicom(benchmark, pydicom_reader, data):
    run_mf(benchmark, pydicom_reader, data, "undefined")


@pytest.mark.benchmark(group="multiframe-open-defined-length")
def test_mf_defined_cydicom(benchmark, cydicom_reader, data):
    run_mf(benchmark, cydicom_reader, data, "defined")


@pytest.mark.benchmark(group="multiframe-open-defined-length")
def test_mf_defined_pydicom(benchmark, pydicom_reader, data):
    run_mf(benchmark, pydicom_reader, data, "defined")
