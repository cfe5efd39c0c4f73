"""Corrupted compressed pixel data from real files: a DicomError or an array, nothing else.

Each file's pixel data is cut at several points and has bytes overwritten inside its
fragments (deterministic positions); every decoding backend must then either return an
array of the described shape or raise a ``DicomError`` subclass - never another exception,
a hang or a crash.
"""
import random
import warnings

import pytest

import cydicom
from cydicom.pixels import decoders, describe

from realfiles import bundled_files, data_store_files

FILES = ["SC_rgb_small_odd_jpeg.dcm", "JPGExtended.dcm", "SC_rgb_jpeg_gdcm.dcm",
         "MR_small_jpeg_ls_lossless.dcm", "emri_small_jpeg_ls_lossless.dcm",
         "MR_small_jp2klossless.dcm", "emri_small_jpeg_2k_lossless.dcm", "SC_rgb_rle_16bit.dcm",
         "emri_small_RLE.dcm"]


def real_file(name):
    found = [p for p in bundled_files() + data_store_files() if p.endswith("/" + name)]
    if not found:
        pytest.skip(f"{name} is not installed")
    return found[0]


def variants(data, start, length, seed):
    """(name, bytes) with the pixel value cut short or with bytes overwritten."""
    rng = random.Random(seed)
    for fraction in (0.1, 0.5, 0.9, 0.99):
        cut = start + int(length * fraction)
        yield f"cut at {fraction}", data[:cut]
    for flips in range(6):
        mutated = bytearray(data)
        for _ in range(1 + flips * 3):
            mutated[start + rng.randrange(16, length)] = rng.randrange(256)
        yield f"{1 + flips * 3} bytes overwritten", bytes(mutated)


@pytest.mark.parametrize("name", FILES)
def test_corrupted_frames_give_clean_errors(name):
    with open(real_file(name), "rb") as f:
        data = f.read()
    ds = cydicom.dcmread(data)
    desc = describe(ds)
    element = ds.element(0x7FE00010)
    backends = [b.name for b in decoders.BACKENDS[desc.transfer_syntax] if b.available()]
    outcomes = set()
    for label, variant in variants(data, element.offset, element.value_length, name):
        for backend in backends:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    arr = cydicom.pixels.pixel_array(cydicom.dcmread(variant), backend=backend)
                except cydicom.DicomError as exc:
                    outcomes.add(type(exc).__name__)
                    continue
            assert arr.shape[-len(desc.shape(1)):] == desc.shape(1), (label, backend)
            outcomes.add("array")
    assert outcomes - {"array"}, "no variant was detected as corrupt"
