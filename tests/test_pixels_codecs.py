"""Generated JPEG 2000, JPEG-LS and lossless JPEG files vs pydicom, through every backend.

The encoders (imagecodecs) are used to make the files only. The cases exercise pydicom's
sign corrections: a signed or unsigned J2K codestream with either Pixel Representation,
JPEG-LS data with Pixel Representation 1 (always decoded unsigned), precisions below the
allocated bits.
"""
import warnings

import numpy as np
import pytest

import cydicom
import cydicom.pixels
from cydicom.pixels import decoders

from pixelgen import assert_same_pixels, image_file, read_both

imagecodecs = pytest.importorskip("imagecodecs")

J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"
JLS_LOSSLESS = "1.2.840.10008.1.2.4.80"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"


def images(frames, signed, bits, seed=0):
    rng = np.random.default_rng(seed)
    low, high = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
    dtype = ("i" if signed else "u") + ("1" if bits <= 8 else "2")
    return rng.integers(low, high, size=(frames, 12, 10)).astype(dtype)


def check_all_backends(data):
    ds, theirs = read_both(data)
    uid = cydicom.pixels.describe(ds).transfer_syntax
    for backend in [b.name for b in decoders.BACKENDS[uid] if b.available()]:
        for threads in (1, 2):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assert_same_pixels(cydicom.pixels.pixel_array(ds, threads=threads,
                                                              backend=backend), theirs)
                if theirs.ndim == 3:
                    assert_same_pixels(cydicom.pixels.frame(ds, 1, backend=backend), theirs[1])


@pytest.mark.parametrize("signed_data,representation", [(True, 1), (False, 1), (True, 0),
                                                        (False, 0)])
@pytest.mark.parametrize("bits", [6, 12, 16])
def test_jpeg_2000_sign_corrections(signed_data, representation, bits):
    frames = images(3, signed_data, bits)
    encoded = [bytes(imagecodecs.jpeg2k_encode(f, level=0, codecformat="J2K", reversible=True,
                                               bitspersample=bits)) for f in frames]
    data = image_file(encoded, J2K_LOSSLESS, encapsulated=True, frames=3, Rows=12, Columns=10,
                      BitsAllocated=16, BitsStored=bits, HighBit=bits - 1,
                      PixelRepresentation=representation)
    check_all_backends(data)


@pytest.mark.parametrize("representation", [0, 1])
@pytest.mark.parametrize("bits", [8, 12, 16])
def test_jpeg_ls_and_lossless_jpeg(representation, bits):
    frames = images(3, False, bits, seed=bits)
    ls = [bytes(imagecodecs.jpegls_encode(f)) for f in frames]
    lossless = [bytes(imagecodecs.ljpeg_encode(f, bitspersample=bits)) for f in frames]
    for syntax, encoded in ((JLS_LOSSLESS, ls), (JPEG_LOSSLESS_SV1, lossless)):
        data = image_file(encoded, syntax, encapsulated=True, frames=3, Rows=12, Columns=10,
                          BitsAllocated=16 if bits > 8 else 8, BitsStored=bits,
                          HighBit=bits - 1, PixelRepresentation=representation)
        check_all_backends(data)


def test_jpeg_ls_frames_without_their_eoi_marker():
    """pydicom's libjpeg decodes JPEG-LS frames whose EOI marker is missing (odd ones padded
    with 0x00 in the file); CharLS rejects them (and a truncated scan without a marker can
    keep it busy for seconds): such frames go to libjpeg, whichever backend is chosen."""
    encoded = []
    for frame in images(4, False, 12, seed=1):
        stream = bytes(imagecodecs.jpegls_encode(frame))
        assert stream.endswith(b"\xff\xd9")
        encoded.append(stream[:-2])
    assert {len(stream) % 2 for stream in encoded} == {0, 1}  # padded and not
    data = image_file(encoded, JLS_LOSSLESS, encapsulated=True, frames=4, Rows=12, Columns=10,
                      BitsAllocated=16, BitsStored=12, HighBit=11, PixelRepresentation=0)
    check_all_backends(data)


def test_eoi_found_at_the_end_only():
    from cydicom.pixels.codestream import ends_with_eoi

    complete = b"\xff\xd8" + b"\x12" * 20 + b"\xff\xd9"
    assert ends_with_eoi(complete) and ends_with_eoi(memoryview(complete + b"\x00"))
    assert not ends_with_eoi(b"\xff\xd8\x12\x00\x00")
    assert not ends_with_eoi(complete + b"\x12")
    assert not ends_with_eoi(memoryview(b"\x00" * 40))


def test_jpeg_ls_frame_without_eoi_and_without_libjpeg(monkeypatch):
    stream = bytes(imagecodecs.jpegls_encode(images(1, False, 12)[0]))[:-2]
    data = image_file([stream], JLS_LOSSLESS, encapsulated=True, frames=1, Rows=12,
                      Columns=10, BitsAllocated=16, BitsStored=12, HighBit=11)
    monkeypatch.setattr(decoders.LIBJPEG, "_decode", False)
    with pytest.raises(cydicom.MissingDecoderError, match="without an EOI marker needs "
                                                          "pylibjpeg-libjpeg"):
        cydicom.dcmread(data).pixel_array


@pytest.mark.parametrize("syntax,reversible", [("1.2.840.10008.1.2.4.201", True),
                                               ("1.2.840.10008.1.2.4.203", True),
                                               ("1.2.840.10008.1.2.4.203", False)])
@pytest.mark.parametrize("bits", [8, 12, 16])
def test_htj2k_through_every_backend(syntax, reversible, bits):
    """imagecodecs decodes HTJ2K with the OpenJPEG that pydicom's plugin uses: the same
    values, lossy frames included (frames made by OpenJPH, imagecodecs' HTJ2K encoder)."""
    if not decoders._ic_supports_htj2k():
        pytest.skip("imagecodecs' OpenJPEG decodes no HTJ2K")
    frames = images(3, False, bits, seed=bits)
    encoded = [bytes(imagecodecs.htj2k_encode(f, reversible=reversible)) for f in frames]
    data = image_file(encoded, syntax, encapsulated=True, frames=3, Rows=12, Columns=10,
                      BitsAllocated=8 if bits == 8 else 16, BitsStored=bits, HighBit=bits - 1,
                      PixelRepresentation=0)
    assert decoders.choose(syntax, 3, 2) is decoders.IC_JPEG2K  # several frames in parallel
    check_all_backends(data)


def _segments(stream):
    """[(marker, segment bytes)] of a JPEG stream up to its first SOS (inclusive)."""
    out, offset = [], 2
    while True:
        marker = stream[offset + 1]
        length = int.from_bytes(stream[offset + 2:offset + 4], "big")
        out.append((marker, stream[offset + 4:offset + 2 + length]))
        offset += 2 + length
        if marker == 0xDA:
            return out, stream[offset:]


def _joined(segments, rest):
    return b"\xff\xd8" + b"".join(b"\xff" + bytes([m]) + (len(s) + 2).to_bytes(2, "big") + s
                                  for m, s in segments) + rest


def test_lossless_jpeg_tables_are_screened_before_imagecodecs():
    """imagecodecs' lossless JPEG decoder segfaults on a scan whose Huffman table is
    missing (one flipped bit turned a DHT into a DAC); such frames go to libjpeg."""
    from cydicom.pixels.codestream import lossless_tables_sound

    image = images(1, False, 12)[0]
    stream = bytes(imagecodecs.ljpeg_encode(image, bitspersample=12))
    segments, rest = _segments(stream)
    assert lossless_tables_sound(stream) and _joined(segments, rest) == stream
    kinds = [m for m, _ in segments]
    dht = kinds.index(0xC4)
    table = segments[dht][1]

    def variant(marker=None, segment=None, index=dht):
        changed = list(segments)
        changed[index] = (marker if marker is not None else changed[index][0],
                          segment if segment is not None else changed[index][1])
        return _joined(changed, rest)

    assert not lossless_tables_sound(variant(marker=0xCC))          # DHT -> DAC
    assert not lossless_tables_sound(_joined(segments[:dht] + segments[dht + 1:], rest))
    assert not lossless_tables_sound(variant(segment=bytes([table[0] | 1]) + table[1:]))
    oversubscribed = table[:1] + bytes([3]) + table[2:]             # three 1-bit codes
    assert not lossless_tables_sound(variant(segment=oversubscribed))
    sos = kinds.index(0xDA)
    scan = segments[sos][1]
    assert not lossless_tables_sound(variant(segment=scan[:-3] + b"\x00" + scan[-2:],
                                             index=sos))             # predictor 0
    sof = kinds.index(0xC3)
    assert not lossless_tables_sound(variant(marker=0xC1, index=sof))  # not lossless
    data = image_file([variant(marker=0xCC)], JPEG_LOSSLESS_SV1, encapsulated=True, frames=1,
                      Rows=12, Columns=10, BitsAllocated=16, BitsStored=12, HighBit=11)
    with pytest.raises(cydicom.DecoderError, match="libjpeg error"):
        cydicom.dcmread(data).pixel_array  # libjpeg's clean error, not a crash
