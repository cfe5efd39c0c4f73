"""Encapsulated pixel data: frame splitting against pydicom's, zero-copy fragments, clean errors."""
import struct
import warnings
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydicom.encaps import generate_fragmented_frames
from pydicom.uid import JPEG2000Lossless, RLELossless

import cydicom
from cydicom.pixels import decoders, encaps

from pixelgen import assert_same_pixels, image_file, read_both, rle_encode, shares_file


def item(body, tag=0xFFFEE000, length=None):
    return struct.pack("<HHL", tag >> 16, tag & 0xFFFF, len(body) if length is None else length) + body


def ours_frames(value, number_of_frames, extended=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frames = encaps.frame_fragments(value, number_of_frames, extended)
        except cydicom.EncapsulationError:
            return "error"
    return [bytes(encaps.frame_bytes(value, f)) for f in frames]


def pydicom_frames(value, number_of_frames, extended=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return [b"".join(f) for f in generate_fragmented_frames(
                value, number_of_frames=number_of_frames, extended_offsets=extended)]
        except Exception:
            return "error"


fragment = st.one_of(st.binary(max_size=12).map(lambda b: b + b"\xff\xd9"),
                     st.binary(min_size=1, max_size=12))


@given(fragments=st.lists(fragment.map(lambda b: b + b"\0" * (len(b) % 2)), min_size=1,
                          max_size=8),
       use_bot=st.booleans(), number_of_frames=st.integers(0, 6), data=st.data())
def test_frames_split_as_pydicom_splits_them(fragments, use_bot, number_of_frames, data):
    offsets = []
    if use_bot:  # frame boundaries at some fragment boundaries
        starts, position = [], 0
        for f in fragments:
            starts.append(position)
            position += len(f) + 8
        chosen = sorted(set([0] + data.draw(st.lists(st.sampled_from(starts), max_size=4))))
        offsets = chosen
    bot = item(b"".join(struct.pack("<L", o) for o in offsets))
    value = bot + b"".join(item(f) for f in fragments)
    if data.draw(st.booleans()):
        value += item(b"", tag=0xFFFEE0DD)
    assert ours_frames(value, number_of_frames) == pydicom_frames(value, number_of_frames)


def test_extended_offset_table():
    frames = [b"\x01\x02", b"\x03\x04\x05\x06", b"\x07\x08"]
    value = item(b"") + b"".join(item(f) for f in frames)
    offsets = struct.pack("<3Q", 0, 10, 22)
    lengths = struct.pack("<3Q", 2, 4, 2)
    assert ours_frames(value, 3, (offsets, lengths)) == frames
    assert pydicom_frames(value, 3, (offsets, lengths)) == frames
    with pytest.raises(cydicom.EncapsulationError):
        encaps.frame_fragments(value, 3, (offsets, struct.pack("<3Q", 2, 4, 200)))


@pytest.mark.parametrize("value", [
    item(b"") + item(b"ab", tag=0x00080016),                 # not an item tag
    item(b"") + item(b"ab", length=0xFFFFFFFF),              # undefined item length
    item(b"") + item(b"ab")[:6],                             # cut inside an item header
    item(b"\0\0\0", tag=0xFFFEE000),                         # BOT length not a multiple of 4
    item(b"", tag=0x7FE00010) + item(b"ab"),                 # no BOT item
    item(b"")[:5],                                           # no room for the BOT
    struct.pack("<HHL", 0xFFFE, 0xE000, 400) + b"\0" * 8,    # BOT past the end
])
def test_corrupted_fragments_raise_encapsulation_errors(value):
    with pytest.raises(cydicom.EncapsulationError):
        encaps.frame_fragments(value, 2)
    assert pydicom_frames(value, 2) == "error"


def test_fewer_fragments_than_frames():
    value = item(b"") + item(b"a\0") + item(b"b\0")
    with pytest.raises(cydicom.EncapsulationError, match="fewer fragments"):
        encaps.frame_fragments(value, 3)


def rle_file(frames=3, rows=8, columns=8, **attrs):
    rng = np.random.default_rng(1)
    image = rng.integers(0, 4096, size=(frames, rows, columns, 1)).astype("<u2")
    encoded = [rle_encode(image[i], columns) for i in range(frames)]
    return image, encoded, image_file(encoded, RLELossless, encapsulated=True, frames=frames,
                                      Rows=rows, Columns=columns, BitsStored=12, HighBit=11,
                                      **attrs)


def test_rle_multiframe_matches_pydicom_and_one_fragment_frames_are_views():
    image, encoded, data = rle_file()
    ds, theirs = read_both(data)
    for threads in (1, 2):
        assert_same_pixels(cydicom.pixels.pixel_array(ds, threads=threads), theirs)
    assert_same_pixels(ds.frame(2), theirs[2])
    desc = cydicom.pixels.describe(ds)
    value = desc.element.raw
    fragments = encaps.frame_fragments(value, 3)
    frame = encaps.frame_bytes(value, fragments[1])
    assert isinstance(frame, memoryview) and bytes(frame) == encoded[1]
    assert shares_file(np.frombuffer(frame, dtype=np.uint8), data)


def test_extended_offset_table_file():
    image, encoded, _ = rle_file()
    data = image_file(encoded, RLELossless, encapsulated=True, extended=True, frames=3, Rows=8,
                      Columns=8, BitsStored=12, HighBit=11)
    ds, theirs = read_both(data)
    assert_same_pixels(ds.pixel_array, theirs)
    assert_same_pixels(ds.frame(1), theirs[1])


def test_truncated_frame_gives_a_decoder_error():
    image, encoded, _ = rle_file()
    encoded[1] = encoded[1][:len(encoded[1]) // 2]
    data = image_file(encoded, RLELossless, encapsulated=True, frames=3, Rows=8, Columns=8,
                      BitsStored=12, HighBit=11)
    ds = cydicom.dcmread(data)
    with pytest.raises(cydicom.DecoderError, match=r"RLE Lossless \(1.2.840.10008.1.2.5\)"):
        ds.pixel_array
    assert np.array_equal(ds.frame(0), image[0, :, :, 0])  # the good frames still decode
    with pytest.raises(cydicom.DecoderError, match="frame"):
        ds.frame(1)


def test_garbage_jpeg_2000_frame_names_syntax_and_decoder():
    data = image_file([b"\xff\x4f\xff\x51" + b"\x00" * 60, b"junk" * 8], JPEG2000Lossless,
                      encapsulated=True, frames=2)
    ds = cydicom.dcmread(data)
    for backend in [b for b in decoders.BACKENDS[JPEG2000Lossless] if b.available()]:
        with pytest.raises(cydicom.DecoderError) as info:
            cydicom.pixels.pixel_array(ds, backend=backend.name)
        assert "JPEG 2000 Lossless" in str(info.value) and backend.name in str(info.value)


def test_missing_decoder(monkeypatch):
    data = image_file([b"\xff\x4f\xff\x51" + b"\x00" * 60], JPEG2000Lossless, encapsulated=True)
    for backend in decoders.BACKENDS[JPEG2000Lossless]:
        monkeypatch.setattr(backend, "_decode", False)
    ds = cydicom.dcmread(data)
    with pytest.raises(cydicom.MissingDecoderError, match="pylibjpeg-openjpeg"):
        ds.pixel_array
    with pytest.raises(cydicom.MissingDecoderError):
        cydicom.pixels.pixel_array(ds, backend="no such decoder")


def test_unsupported_transfer_syntax():
    data = image_file([b"\0" * 8], "1.2.840.10008.1.2.4.100", encapsulated=True)  # MPEG2
    with pytest.raises(cydicom.UnsupportedTransferSyntaxError):
        cydicom.dcmread(data).pixel_array


@pytest.mark.parametrize("attrs,message", [
    (dict(Rows=None), "Rows"),
    (dict(BitsAllocated=24, BitsStored=24), "Bits Allocated 24"),
    (dict(SamplesPerPixel=4), "Samples per Pixel"),
    (dict(BitsStored=17), "Bits Stored"),
    (dict(PhotometricInterpretation="NONSENSE"), "Photometric"),
    (dict(PixelRepresentation=2), "Pixel Representation"),
])
def test_invalid_descriptions(attrs, message):
    data = image_file(b"\0" * 96, **attrs)
    with pytest.raises(cydicom.PixelDataError, match=message):
        cydicom.dcmread(data).pixel_array


def test_truncated_native_data():
    data = image_file(b"\0" * 30)
    with pytest.raises(cydicom.PixelDataError, match="less than expected"):
        cydicom.dcmread(data).pixel_array


def deflated(frame):
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(frame) + compressor.flush()


@pytest.mark.parametrize("bits", [1, 16])
def test_deflated_image_frame_compression(bits):
    """pydicom 3.0.2 has no decoder for this syntax: the generated image is the oracle."""
    rng = np.random.default_rng(bits)
    if bits == 1:
        image = rng.integers(0, 2, size=(3, 5, 7), dtype=np.uint8)
        frames = [np.packbits(f.reshape(-1), bitorder="little").tobytes() for f in image]
        attrs = dict(BitsAllocated=1, BitsStored=1, HighBit=0)
    else:
        image = rng.integers(0, 4096, size=(3, 5, 7)).astype("<u2")
        frames = [f.tobytes() for f in image]
        attrs = dict(BitsStored=12, HighBit=11)
    data = image_file([deflated(f) for f in frames], "1.2.840.10008.1.2.8.1", encapsulated=True,
                      frames=3, Rows=5, Columns=7, **attrs)
    ds = cydicom.dcmread(data)
    assert np.array_equal(ds.pixel_array, image)
    assert np.array_equal(ds.frame(2), image[2])
    broken = image_file([deflated(f)[:5] for f in frames], "1.2.840.10008.1.2.8.1",
                        encapsulated=True, frames=3, Rows=5, Columns=7, **attrs)
    with pytest.raises(cydicom.DecoderError, match="Deflated Image Frame Compression"):
        cydicom.dcmread(broken).pixel_array


def test_tiny_frames_claiming_huge_images_allocate_nothing_big():
    """A 65535 x 65535 64-bit image in a few bytes: an error, not a 34 GB array."""
    import tracemalloc

    from cydicom.pixels._rle import decode_frame

    offsets = b"".join(struct.pack("<L", 64 + 2 * i) for i in range(8))
    frame = (struct.pack("<L", 8) + offsets).ljust(64, b"\0") + b"\x81\x00" * 8
    tracemalloc.start()
    try:
        with pytest.raises(cydicom.DecoderError, match="fewer bytes"):
            decode_frame(frame, 65535, 65535, 1, 64)
        assert tracemalloc.get_traced_memory()[1] < 1 << 20
    finally:
        tracemalloc.stop()
    bomb = deflated(b"\0" * (1 << 20))
    data = image_file([bomb], "1.2.840.10008.1.2.8.1", encapsulated=True, Rows=4, Columns=4)
    with pytest.raises(cydicom.DecoderError, match="expected 32"):
        cydicom.dcmread(data).pixel_array
