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


def _patched(data, start, jpeg_2000, rows):
    """The file with its first frame's header declaring ``rows`` rows (SIZ Ysiz or SOF Y)."""
    out = bytearray(data)
    if jpeg_2000:
        at = data.index(b"\xff\x4f\xff\x51", start) + 12
        out[at:at + 4] = rows.to_bytes(4, "big")
    else:
        at = min(data.find(bytes([0xFF, m]), start) for m in (0xC0, 0xC1, 0xC3, 0xF7)
                 if data.find(bytes([0xFF, m]), start) >= 0) + 5
        out[at:at + 2] = rows.to_bytes(2, "big")
    return bytes(out)


@pytest.mark.parametrize("name, jpeg_2000", [("MR_small_jp2klossless.dcm", True),
                                             ("SC_rgb_small_odd_jpeg.dcm", False),
                                             ("MR_small_jpeg_ls_lossless.dcm", False)])
def test_a_frame_declaring_more_than_described_is_refused_before_decoding(name, jpeg_2000):
    from cydicom.pixels import codestream, compressed

    with open(real_file(name), "rb") as f:
        data = f.read()
    ds = cydicom.dcmread(data)
    desc = describe(ds)
    frame = compressed.encoded_frames(desc).encoded(0)
    samples, tiles = codestream.declared_size(frame, jpeg_2000)
    assert samples == desc.frame_pixels and tiles == 1  # the real header: as described
    start = ds.element(0x7FE00010).offset
    hostile = _patched(data, start, jpeg_2000, 60000)
    backends = [b.name for b in decoders.BACKENDS[desc.transfer_syntax] if b.available()]
    assert backends
    for backend in backends:
        with pytest.raises(cydicom.DecoderError, match="declares .* samples"):
            cydicom.pixels.pixel_array(cydicom.dcmread(hostile), backend=backend)


def test_too_many_jpeg_2000_tiles_are_refused():
    with open(real_file("JPEG2000.dcm"), "rb") as f:  # 1024 x 256: 262,144 tiles of 1 x 1
        data = bytearray(f.read())
    ds = cydicom.dcmread(bytes(data))
    at = data.index(b"\xff\x4f\xff\x51", ds.element(0x7FE00010).offset) + 24
    data[at:at + 8] = (1).to_bytes(4, "big") * 2  # 1 x 1 tiles: one per pixel
    with pytest.raises(cydicom.DecoderError, match="tiles"):
        cydicom.dcmread(bytes(data)).pixel_array


@pytest.mark.parametrize("name", ["SC_rgb_small_odd_jpeg.dcm", "MR_small_jpeg_ls_lossless.dcm",
                                  "JPEGLSNearLossless_08.dcm"])
def test_a_jpeg_frame_declaring_zero_rows_is_refused_before_decoding(name, monkeypatch):
    """0 rows means "set by a DNL marker later"; without one, pylibjpeg-libjpeg never
    returns (a fuzz input timed out): no decoder may see such a frame."""
    with open(real_file(name), "rb") as f:
        data = f.read()
    ds = cydicom.dcmread(data)
    desc = describe(ds)
    hostile = _patched(data, ds.element(0x7FE00010).offset, False, 0)
    backends = [b.name for b in decoders.BACKENDS[desc.transfer_syntax] if b.available()]

    def never(self, src, desc):
        raise AssertionError(f"{self.name} was given a frame declaring 0 rows")

    monkeypatch.setattr(decoders.Backend, "decode", never)
    for backend in backends:
        with pytest.raises(cydicom.DecoderError, match="declares 0 rows"):
            cydicom.pixels.pixel_array(cydicom.dcmread(hostile), backend=backend)
