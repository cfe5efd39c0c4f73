"""Pixel data of every real file (pydicom's test files, pydicom-data) against pydicom 3.0.2.

pydicom is the oracle here only: ``pixel_array`` must have the same shape, dtype kind and
size and values; where pydicom raises, cydicom must raise a ``DicomError``. Frames must
equal slices of the full array, and native data without processing must be zero-copy.
"""
import os
import warnings

import numpy as np
import pydicom
import pydicom.pixels
import pytest

import cydicom
from cydicom.pixels import decoders, describe

from pixelgen import assert_same_pixels
from realfiles import bundled_files, data_store_files

PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)


def _label(path):
    parts = path.replace(os.sep, "/").split("/")
    return "/".join(parts[-2:])


FILES = {_label(p): p for p in bundled_files() + data_store_files()}


def _pydicom(path, **options):
    """("ok", array) or ("error", exception name); None when pydicom cannot read the file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(path)
        except Exception:
            return None
        if not any(tag in ds for tag in PIXEL_TAGS):
            return None
        try:
            if options:
                return "ok", pydicom.pixels.pixel_array(ds, **options)
            return "ok", ds.pixel_array
        except Exception as exc:
            return "error", type(exc).__name__


def _cydicom(path, get):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cydicom.dcmread(path)
        try:
            return "ok", get(ds)
        except cydicom.DicomError as exc:
            return "error", type(exc).__name__


@pytest.fixture(scope="module")
def oracle():
    """pydicom's pixel_array per file, computed once per module."""
    cache = {}

    def get(label):
        if label not in cache:
            cache[label] = _pydicom(FILES[label])
        return cache[label]
    return get


def read_decodable(label, oracle):
    """cydicom's dataset and pydicom's pixel_array, for a file pydicom decodes (else skip)."""
    theirs = oracle(label)
    if theirs is None or theirs[0] == "error":
        pytest.skip("pydicom decodes no pixel data from this file")
    return cydicom.dcmread(FILES[label]), theirs[1]


@pytest.mark.parametrize("label", sorted(FILES))
def test_pixel_array_matches_pydicom(label, oracle):
    theirs = oracle(label)
    if theirs is None:
        pytest.skip("pydicom reads no pixel data from this file")
    ours = _cydicom(FILES[label], lambda ds: ds.pixel_array)
    if theirs[0] == "error":
        assert ours[0] == "error", f"pydicom raised {theirs[1]}, cydicom returned an array"
        return
    assert ours[0] == "ok", f"cydicom raised {ours[1]}"
    assert_same_pixels(ours[1], theirs[1])


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("label", sorted(FILES))
def test_frames_match_pixel_array(label, oracle):
    ds, _ = read_decodable(label, oracle)
    full = ds.pixel_array
    n = ds.num_frames
    if n == 1:
        assert np.array_equal(ds.frame(0), full)
        assert len(list(ds.iter_frames())) == 1
        return
    assert n == full.shape[0]
    for index in sorted({0, n // 2, n - 1}):
        frame = ds.frame(index)
        assert frame.shape == full.shape[1:]
        assert np.array_equal(frame, full[index])
    if n <= 10:
        assert all(np.array_equal(f, full[i]) for i, f in enumerate(ds.iter_frames()))
    with pytest.raises(IndexError):
        ds.frame(n)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("label", sorted(FILES))
def test_every_decoder_backend_matches_pydicom(label, oracle):
    """Compressed data through each installed backend, serial and threaded."""
    ds, theirs = read_decodable(label, oracle)
    desc = describe(ds)
    if not desc.encapsulated:
        pytest.skip("native data")
    for backend in [b for b in decoders.BACKENDS[desc.transfer_syntax] if b.available()]:
        for threads in (1, 2):
            ours = cydicom.pixels.pixel_array(ds, threads=threads, backend=backend.name)
            assert_same_pixels(ours, theirs)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("label", sorted(FILES))
def test_native_pixel_view_and_zero_copy(label, oracle):
    ds, theirs = read_decodable(label, oracle)
    desc = describe(ds)
    if desc.encapsulated:
        with pytest.raises(cydicom.PixelDataError):
            ds.pixel_view()
        return
    try:
        view = ds.pixel_view()
    except cydicom.PixelDataError:
        assert desc.bits_allocated == 1 or desc.photometric == "YBR_FULL_422" or (
            desc.vr == "OW" and not desc.little_endian)
        return
    raw = _pydicom(FILES[label], raw=True, correct_unused_bits=False)
    assert_same_pixels(view, raw[1])
    source = np.frombuffer(ds.element(desc.element.tag).raw, dtype=np.uint8)
    assert np.shares_memory(view, source) and not view.flags.writeable
    processed = ds.pixel_array
    if np.array_equal(raw[1], theirs) and raw[1].dtype == theirs.dtype and (
            not desc.photometric.startswith("YBR_FULL")):
        # nothing changes values: pixel_array is the same zero-copy view
        assert np.shares_memory(processed, source)
        assert not processed.flags.owndata and not processed.flags.writeable
    else:
        assert not np.shares_memory(processed, source)
