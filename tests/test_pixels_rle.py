"""cydicom's RLE decoder against pydicom's own (the oracle) on generated frames.

pydicom returns planar configuration 1 (all of sample 0, then sample 1, ...); cydicom writes
pixel-interleaved samples directly, so the oracle's output is transposed before comparing.
"""
import struct
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydicom.pixels.decoders.rle import _rle_decode_frame as pydicom_decode_frame

import cydicom
from cydicom.pixels._rle import decode_frame

from pixelgen import rle_encode, rle_frame_from_segments as frame_from_segments


def oracle(src, rows, columns, samples, bits):
    """pydicom's decoding, as pixel-interleaved little-endian samples (or the exception name)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            planar = pydicom_decode_frame(bytes(src), rows, columns, samples, bits)
        except Exception as exc:
            return "error", type(exc).__name__
    samples_le = np.frombuffer(planar, dtype=f"<u{bits // 8}").reshape(samples, rows * columns)
    return "ok", samples_le.T.reshape(-1)


def ours(src, rows, columns, samples, bits):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = decode_frame(src, rows, columns, samples, bits)
        except cydicom.DecoderError as exc:
            return "error", type(exc).__name__
    return "ok", out.view(f"<u{bits // 8}")


def assert_same(src, rows, columns, samples, bits):
    theirs = oracle(src, rows, columns, samples, bits)
    mine = ours(src, rows, columns, samples, bits)
    assert mine[0] == theirs[0], (mine, theirs)
    if theirs[0] == "ok":
        assert np.array_equal(mine[1], theirs[1])


@pytest.mark.parametrize("bits,samples", [(8, 1), (8, 3), (16, 1), (16, 3), (32, 1), (32, 3),
                                          (64, 1)])
def test_encoded_images_of_every_depth_and_sample_count(bits, samples):
    rng = np.random.default_rng(bits * 10 + samples)
    rows, columns = 17, 23
    dtype = np.dtype(f"<u{bits // 8}")
    image = rng.integers(0, 2 ** min(bits, 63), size=(rows, columns, samples), dtype=np.uint64)
    image[:, 5:15] = image[0, 0]  # long runs, as well as noise
    image[3] = 0
    image = image.astype(dtype)
    src = rle_encode(image, columns)
    assert_same(src, rows, columns, samples, bits)
    assert np.array_equal(ours(src, rows, columns, samples, bits)[1], image.reshape(-1))


segment = st.binary(max_size=48)


@given(rows=st.integers(1, 6), columns=st.integers(1, 6), samples=st.sampled_from([1, 3]),
       bits=st.sampled_from([8, 16, 32]), data=st.data())
def test_arbitrary_segments_decode_as_pydicom(rows, columns, samples, bits, data):
    """Random PackBits streams: runs past the end, no-op headers, short and long segments."""
    count = samples * bits // 8
    segments = [data.draw(segment) for _ in range(count)]
    assert_same(frame_from_segments(segments), rows, columns, samples, bits)


@given(src=st.binary(max_size=120), samples=st.sampled_from([1, 3]))
def test_arbitrary_bytes_never_crash(src, samples):
    assert_same(src, 2, 3, samples, 8)


def test_bad_frames_raise_decoder_errors():
    good = frame_from_segments([b"\x05abcdef"])
    assert ours(good, 2, 3, 1, 8)[1].tobytes() == b"abcdef"
    cases = {
        "short header": good[:40],
        "too many segments": struct.pack("<L", 16) + good[4:],
        "segment count": frame_from_segments([b"\x05abcdef", b"\x05abcdef"]),
        "short segment": frame_from_segments([b"\x03abcd"]),
        "offset past the end": struct.pack("<LL", 1, 10_000).ljust(64, b"\0") + b"\x05abcdef",
    }
    for name, src in cases.items():
        with pytest.raises(cydicom.DecoderError, match="RLE Lossless"):
            decode_frame(src, 2, 3, 1, 8)
        assert oracle(src, 2, 3, 1, 8)[0] == "error", name


def test_padded_segment_warns_and_is_cut():
    src = frame_from_segments([b"\x07abcdefgh"])
    with pytest.warns(cydicom.DicomWarning, match="padding"):
        out = decode_frame(src, 2, 3, 1, 8)
    assert out.tobytes() == b"abcdef"


def test_bits_allocated_must_be_whole_bytes():
    with pytest.raises(cydicom.DecoderError):
        decode_frame(frame_from_segments([b"\x00a"]), 1, 1, 1, 12)
