"""Native pixel data on generated files: zero-copy rules, the C unused-bits check, layouts.

pydicom (reading the same bytes) is the oracle for every array.
"""
import gc
import io

import numpy as np
import pydicom
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydicom.uid import ExplicitVRBigEndian, ImplicitVRLittleEndian

import cydicom
from cydicom.pixels._bits import unused_bits_clean

from pixelgen import assert_same_pixels, image_file, read_both, shares_file


@given(values=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=40),
       size=st.sampled_from([1, 2, 4, 8]), signed=st.booleans(), swap=st.booleans(),
       data=st.data())
def test_unused_bits_check_agrees_with_the_shift(values, size, signed, swap, data):
    bits_stored = data.draw(st.integers(1, size * 8))
    raw = np.array([v % (1 << (8 * size)) for v in values], dtype=f"u{size}")
    if data.draw(st.booleans()):  # mostly-clean samples, so both answers occur
        raw &= np.array((1 << bits_stored) - 1, dtype=raw.dtype)
    arr = raw.view(f"{'>' if swap else '<'}{'i' if signed else 'u'}{size}")
    shift = size * 8 - bits_stored
    shifted = (arr.astype(arr.dtype.newbyteorder("=")) << shift) >> shift
    expected = bool(np.array_equal(shifted, arr))
    assert unused_bits_clean(arr, size, bits_stored, signed, swap) is expected


def test_unused_bits_check_on_misaligned_and_long_buffers():
    buffer = np.zeros(100_001, dtype=np.uint8)
    assert unused_bits_clean(buffer[1:], 2, 12, False)
    buffer[-1] = 0xF0  # the high byte of the last sample of buffer[1:]
    assert not unused_bits_clean(buffer[1:], 2, 12, False)
    assert unused_bits_clean(b"", 2, 12, True)


@pytest.mark.parametrize("signed", [0, 1])
def test_clean_12_of_16_bits_is_a_zero_copy_view(signed):
    rng = np.random.default_rng(signed)
    pixels = rng.integers(-2048 if signed else 0, 2048 if signed else 4096, size=(3, 8, 8))
    data = image_file(pixels.astype("<i2" if signed else "<u2").tobytes(), Rows=8, Columns=8,
                      frames=3, BitsStored=12, HighBit=11, PixelRepresentation=signed)
    ds, theirs = read_both(data)
    ours = ds.pixel_array
    assert_same_pixels(ours, theirs)
    assert shares_file(ours, data) and not ours.flags.writeable and not ours.flags.owndata
    assert shares_file(ds.frame(1), data)
    assert np.array_equal(ds.frame(1), theirs[1])


@pytest.mark.parametrize("signed", [0, 1])
def test_dirty_unused_bits_are_corrected_in_a_copy(signed):
    pixels = np.arange(3 * 16, dtype="<u2").reshape(3, 4, 4) | 0xF000
    pixels[0, 0, 0] = 0x0800
    data = image_file(pixels.tobytes(), frames=3, BitsStored=12, HighBit=11,
                      PixelRepresentation=signed)
    ds, theirs = read_both(data)
    ours = ds.pixel_array
    assert_same_pixels(ours, theirs)
    assert not shares_file(ours, data) and ours.flags.writeable
    assert_same_pixels(ds.frame(2), theirs[2])
    raw = ds.pixel_view()
    assert shares_file(raw, data) and raw[0, 0, 1] == (0xF001 if not signed else -4095)


def test_big_endian_16_bit_is_a_non_native_view():
    pixels = np.arange(16, dtype=">u2").reshape(4, 4)
    data = image_file(pixels.tobytes(), ExplicitVRBigEndian)
    ds, theirs = read_both(data)
    ours = ds.pixel_array
    assert ours.dtype == np.dtype(">u2") and shares_file(ours, data)
    assert_same_pixels(ours, theirs)


def test_big_endian_8_bit_ow_is_swapped_like_pydicom():
    data = image_file(bytes(range(1, 31)), ExplicitVRBigEndian, Rows=3, Columns=5, frames=2,
                      BitsAllocated=8, BitsStored=8, HighBit=7, vr="OW")
    ds, theirs = read_both(data)
    assert_same_pixels(ds.pixel_array, theirs)
    for index in range(2):
        assert_same_pixels(ds.frame(index), theirs[index])
    with pytest.raises(cydicom.PixelDataError):
        ds.pixel_view()


def test_implicit_vr_little_endian():
    pixels = np.arange(16, dtype="<i2").reshape(4, 4) - 8
    data = image_file(pixels.tobytes(), ImplicitVRLittleEndian, PixelRepresentation=1)
    ds, theirs = read_both(data)
    assert_same_pixels(ds.pixel_array, theirs)


def test_bit_packed_frames_not_on_byte_boundaries():
    rng = np.random.default_rng(7)
    packed = rng.integers(0, 256, size=12, dtype=np.uint8).tobytes()  # 3 frames of 5x6 bits
    data = image_file(packed, Rows=5, Columns=6, frames=3, BitsAllocated=1, BitsStored=1,
                      HighBit=0)
    ds, theirs = read_both(data)
    assert_same_pixels(ds.pixel_array, theirs)
    for index in range(3):
        assert_same_pixels(ds.frame(index), theirs[index])


def test_excess_whole_frames_are_kept_with_a_warning():
    data = image_file(b"\x01\x02\x03\x04", Rows=1, Columns=2, BitsAllocated=8, BitsStored=8,
                      HighBit=7)
    ds, theirs = read_both(data)
    with pytest.warns(cydicom.DicomWarning, match="frames"):
        ours = ds.pixel_array
    assert ours.shape == (2, 1, 2)
    assert_same_pixels(ours, theirs)
    with pytest.warns(cydicom.DicomWarning):
        assert ds.num_frames == 2


def test_ybr_full_and_422_are_converted_to_rgb():
    rng = np.random.default_rng(3)
    full = rng.integers(0, 256, size=(2, 4, 4, 3), dtype=np.uint8)
    data = image_file(full.tobytes(), frames=2, SamplesPerPixel=3, BitsAllocated=8,
                      BitsStored=8, HighBit=7, PhotometricInterpretation="YBR_FULL")
    ds, theirs = read_both(data)
    assert_same_pixels(ds.pixel_array, theirs)
    assert shares_file(ds.pixel_view(), data)
    half = rng.integers(0, 256, size=2 * 16 * 2, dtype=np.uint8)
    data = image_file(half.tobytes(), frames=2, SamplesPerPixel=3, BitsAllocated=8,
                      BitsStored=8, HighBit=7, PhotometricInterpretation="YBR_FULL_422")
    ds, theirs = read_both(data)
    assert_same_pixels(ds.pixel_array, theirs)
    assert_same_pixels(ds.frame(1), theirs[1])


def test_planar_configuration_1_is_samples_last():
    planes = np.arange(2 * 3 * 16, dtype=np.uint8).reshape(2, 3, 4, 4)
    data = image_file(planes.tobytes(), frames=2, SamplesPerPixel=3, PlanarConfiguration=1,
                      BitsAllocated=8, BitsStored=8, HighBit=7, PhotometricInterpretation="RGB")
    ds, theirs = read_both(data)
    assert_same_pixels(ds.pixel_array, theirs)
    assert shares_file(ds.pixel_array, data)


@pytest.mark.parametrize("keyword,dtype", [("FloatPixelData", "<f4"),
                                           ("DoubleFloatPixelData", "<f8")])
def test_float_pixel_data(keyword, dtype):
    values = np.linspace(-1, 1, 16, dtype=dtype)
    ds = pydicom.Dataset()
    for name, value in dict(Rows=4, Columns=4, SamplesPerPixel=1, BitsAllocated=
                            8 * np.dtype(dtype).itemsize,
                            PhotometricInterpretation="MONOCHROME2").items():
        setattr(ds, name, value)
    setattr(ds, keyword, values.tobytes())
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.3", "1.2.3.4"
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    data = buffer.getvalue()
    ours, theirs = read_both(data)
    assert_same_pixels(ours.pixel_array, theirs)
    assert shares_file(ours.pixel_array, data)


def test_view_outlives_close_of_a_mapped_file(tmp_path):
    pixels = np.arange(64 * 128 * 128, dtype="<u2").reshape(64, 128, 128) & 0x0FFF
    path = tmp_path / "big.dcm"
    path.write_bytes(image_file(pixels.tobytes(), Rows=128, Columns=128, frames=64,
                                BitsStored=12, HighBit=11))
    ds = cydicom.dcmread(path)  # reads a header prefix; the pixels are mapped on first use
    view = ds.pixel_array
    frame = ds.frame(63)
    assert not view.flags.writeable and not view.flags.owndata
    ds.close()
    del ds
    gc.collect()
    assert np.array_equal(view, pixels) and np.array_equal(frame, pixels[63])


@pytest.mark.parametrize("signed", [False, True])
def test_large_buffers_are_checked_in_parts(signed):
    from cydicom.pixels import processing

    flat = np.zeros(processing.PARALLEL_CHECK_BYTES // 2 + 3, dtype="<i2" if signed else "<u2")
    assert processing.bits_clean(flat, 12)
    for position in (0, len(flat) // 2 - 1, len(flat) // 2, len(flat) - 1):
        dirty = flat.copy()
        dirty[position] = 0x0800 if signed else 0x1000  # sign bit / first unused bit
        assert not processing.bits_clean(dirty, 12)
        assert not unused_bits_clean(dirty, 2, 12, signed)


def test_repeated_views_are_independent_arrays_of_the_same_bytes():
    pixels = np.arange(2 * 4 * 4, dtype="<u2").reshape(2, 4, 4)
    data = image_file(pixels.tobytes(), Rows=4, Columns=4, frames=2)
    ds, theirs = read_both(data)
    first = ds.pixel_view()
    first.shape = (-1,)  # the description and view kept on the dataset must not change
    second = ds.pixel_view()
    assert second.shape == (2, 4, 4) and first is not second
    assert np.shares_memory(first, second) and shares_file(second, data)
    assert_same_pixels(ds.pixel_array, theirs)


def test_a_new_file_meta_gives_a_new_description():
    pixels = np.arange(16, dtype="<u2").reshape(4, 4)
    data = image_file(pixels.tobytes(), Rows=4, Columns=4)
    ds = cydicom.dcmread(data)
    assert ds.pixel_view().dtype == np.dtype("<u2")
    ds.file_meta = cydicom.dcmread(image_file(pixels.byteswap().tobytes(), Rows=4, Columns=4,
                                              transfer_syntax=ExplicitVRBigEndian)).file_meta
    assert ds.pixel_view().dtype == np.dtype(">u2")


def test_files_of_a_series_share_checked_fields_but_never_wrong_ones():
    from cydicom.pixels import description

    tags = description._FINGERPRINT_TAGS
    same = [image_file(np.full((4, 4), i, dtype="<u2").tobytes(), Rows=4, Columns=4)
            for i in range(2)]
    other = image_file(np.zeros((2, 8), dtype="<u2").tobytes(), Rows=2, Columns=8)
    prints = [cydicom.dcmread(data)._raw_fingerprint(tags) for data in same + [other]]
    assert prints[0] == prints[1] != prints[2] and None not in prints
    for data in same + [other] + same:  # alternating: each file gets its own shape
        ds, theirs = read_both(data)
        assert_same_pixels(ds.pixel_array, theirs)
        assert ds.pixel_view().shape == theirs.shape


def test_fingerprint_refuses_text_decoded_by_character_set():
    ds = cydicom.dcmread(image_file(np.zeros((4, 4), dtype="<u2").tobytes(), Rows=4,
                                    Columns=4, Modality="CT", PatientName="Doe^J"))
    assert ds._raw_fingerprint((0x00280010,)) is not None
    assert ds._raw_fingerprint((0x00080060,)) is not None     # CS: no character set
    assert ds._raw_fingerprint((0x00100010,)) is None         # PN: decoded by charset
    assert ds._raw_fingerprint((0x00280010,), max_value=1) is None  # longer than asked


def test_an_invalid_number_of_frames_warns_on_every_call():
    """The description that warned is not kept: each call warns again, as pydicom's does."""
    pixels = np.arange(16, dtype="<u2").reshape(4, 4)
    data = image_file(pixels.tobytes(), Rows=4, Columns=4, frames=0)
    ds, theirs = read_both(data)
    for _ in range(2):
        with pytest.warns(cydicom.DicomWarning, match="assuming 1 frame"):
            assert_same_pixels(ds.pixel_array, theirs)
