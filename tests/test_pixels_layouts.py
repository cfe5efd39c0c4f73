"""Files laid out like one described before get their native pixels without a description
(``cydicom.pixels._layouts``): the same arrays, warnings and errors as pydicom's.

Each test describes a first file, then reads others with equal group 0028 bytes and checks
whether the description was skipped (``description._describe`` is counted).
"""
import io
import os
import warnings

import numpy as np
import pydicom
import pytest
from pydicom.uid import ExplicitVRBigEndian, ImplicitVRLittleEndian

import cydicom
from cydicom.pixels import _layouts, description

from pixelgen import assert_same_pixels, image_file, read_both, shares_file

ATTRS = dict(Rows=4, Columns=4, frames=3, BitsStored=12, HighBit=11)


@pytest.fixture
def described(monkeypatch):
    """Forget earlier layouts; count the full descriptions made from now on. Files are
    read from a 4 KiB prefix (not the header size other tests' files left)."""
    _layouts.forget()
    monkeypatch.setattr(cydicom.filereader, "_prefix_hint", cydicom.filereader.MIN_PREFIX)
    calls = []
    original = description._describe

    def counting(ds):
        calls.append(ds)
        return original(ds)

    monkeypatch.setattr(description, "_describe", counting)
    return calls


def series(values, transfer_syntax=None, **attrs):
    """File bytes, one per array of ``values`` (uint16 frames unless the dtype says)."""
    attrs = dict(ATTRS, **attrs)
    extra = {"transfer_syntax": transfer_syntax} if transfer_syntax else {}
    return [image_file(np.asarray(v).tobytes(), **extra, **attrs) for v in values]


def clean_frames(seed, dtype="<u2", bits=12):
    return np.random.default_rng(seed).integers(0, 1 << bits, size=(3, 4, 4)).astype(dtype)


def test_the_second_file_of_a_series_skips_the_description(described):
    first, second = series([clean_frames(0), clean_frames(1)])
    cydicom.dcmread(first).pixel_view()
    assert len(described) == 1
    ds, theirs = read_both(second)
    view, arr = ds.pixel_view(), ds.pixel_array
    assert len(described) == 1  # neither call described the second file
    assert_same_pixels(view, theirs)
    assert_same_pixels(arr, theirs)
    for result in (view, arr):
        assert shares_file(result, second) and not result.flags.writeable


def test_dirty_unused_bits_in_a_later_file_are_shifted_in_a_copy(described):
    dirty = clean_frames(1)
    dirty[2, 3, 3] |= 0x8000
    first, second = series([clean_frames(0), dirty])
    cydicom.dcmread(first).pixel_array
    ds, theirs = read_both(second)
    arr = ds.pixel_array
    assert len(described) == 1
    assert_same_pixels(arr, theirs)
    assert arr.flags.writeable and not shares_file(arr, second)
    assert ds.pixel_view()[2, 3, 3] == dirty[2, 3, 3]  # the view stays raw


@pytest.mark.parametrize("value, expected", [(-2048, "clean"), (-2049, "shifted"),
                                             (2047, "clean"), (2048, "shifted")])
def test_signed_samples_are_checked_for_sign_extension(described, value, expected):
    frames = np.zeros((3, 4, 4), dtype="<i2")
    frames[1, 2, 2] = value
    first, second = series([np.zeros((3, 4, 4), "<i2"), frames], PixelRepresentation=1)
    cydicom.dcmread(first).pixel_view()
    ds, theirs = read_both(second)
    arr = ds.pixel_array
    assert len(described) == 1
    assert_same_pixels(arr, theirs)
    assert shares_file(arr, second) is (expected == "clean")


@pytest.mark.parametrize("excess", [b"", b"\0\0", b"\0" * 32],
                         ids=["exact", "excess-padding", "one-more-frame"])
def test_other_lengths_take_the_full_path_with_its_warnings(described, excess):
    first = series([clean_frames(0)])[0]
    cydicom.dcmread(first).pixel_view()
    data = image_file(clean_frames(1).tobytes() + excess, **ATTRS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds, theirs = read_both(data)
        arr = ds.pixel_array
    assert_same_pixels(arr, theirs)
    ours = [w for w in caught if issubclass(w.category, cydicom.DicomWarning)]
    assert bool(ours) is bool(excess)
    assert len(described) == (2 if excess else 1)


def test_too_little_data_is_the_full_paths_error(described):
    first = series([clean_frames(0)])[0]
    cydicom.dcmread(first).pixel_view()
    short = image_file(clean_frames(1).tobytes()[:-2], **ATTRS)
    with pytest.raises(cydicom.PixelDataError, match="less than expected"):
        cydicom.dcmread(short).pixel_view()
    assert len(described) == 2


@pytest.mark.parametrize("syntax", [ExplicitVRBigEndian, ImplicitVRLittleEndian])
def test_another_transfer_syntax_is_described(described, syntax):
    little = series([clean_frames(0)])[0]
    cydicom.dcmread(little).pixel_view()
    values = clean_frames(1, ">u2" if syntax == ExplicitVRBigEndian else "<u2")
    other = series([values], syntax)[0]
    ds, theirs = read_both(other)
    assert_same_pixels(ds.pixel_array, theirs)
    assert len(described) == 2
    ds, theirs = read_both(series([clean_frames(2)], syntax)[0] if syntax != ExplicitVRBigEndian
                           else other)
    assert_same_pixels(ds.pixel_view(), theirs)
    # little endian syntaxes are remembered; big endian ones are always described
    assert len(described) == (3 if syntax == ExplicitVRBigEndian else 2)


def test_another_file_meta_is_followed(described):
    little, big = series([clean_frames(0)])[0], series(
        [clean_frames(0, ">u2")], ExplicitVRBigEndian)[0]
    cydicom.dcmread(little).pixel_view()
    ds = cydicom.dcmread(little)
    ds.file_meta = cydicom.dcmread(big).file_meta
    assert ds.pixel_view().dtype == np.dtype(">u2")


def float_file(seed, keyword, dtype, bits_allocated):
    """A 2-frame 3x3 float image whose value holds 18 samples of Bits Allocated bits."""
    ds = pydicom.Dataset()
    for name, value in dict(Rows=3, Columns=3, NumberOfFrames=2, SamplesPerPixel=1,
                            BitsAllocated=bits_allocated,
                            PhotometricInterpretation="MONOCHROME2").items():
        setattr(ds, name, value)
    count = 18 * bits_allocated // 8 // np.dtype(dtype).itemsize
    setattr(ds, keyword, np.random.default_rng(seed).normal(size=count).astype(dtype).tobytes())
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.3", f"1.2.3.{seed}"
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


@pytest.mark.parametrize("keyword, dtype, bits_allocated", [
    ("FloatPixelData", "<f4", 64), ("DoubleFloatPixelData", "<f8", 32),
    ("FloatPixelData", "<f4", 16)])
def test_float_data_with_another_bits_allocated_fails_like_pydicom(
        described, keyword, dtype, bits_allocated):
    first, second = (float_file(seed, keyword, dtype, bits_allocated) for seed in range(2))
    for data in (first, second):  # nothing is remembered from the first file
        for get in (lambda ds: ds.pixel_array, lambda ds: ds.pixel_view()):
            with pytest.raises(cydicom.PixelDataError, match="'Bits Allocated' value"):
                get(cydicom.dcmread(data))
    with pytest.raises(ValueError):  # pydicom cannot shape the samples either
        pydicom.dcmread(io.BytesIO(second)).pixel_array
    assert len(described) == 4


@pytest.mark.parametrize("keyword, dtype", [("FloatPixelData", "<f4"),
                                            ("DoubleFloatPixelData", "<f8")])
def test_float_pixel_data(described, keyword, dtype):
    datas = []
    for seed in range(2):
        ds = pydicom.Dataset()
        for name, value in dict(Rows=3, Columns=3, NumberOfFrames=2, SamplesPerPixel=1,
                                BitsAllocated=8 * np.dtype(dtype).itemsize,
                                PhotometricInterpretation="MONOCHROME2").items():
            setattr(ds, name, value)
        values = np.random.default_rng(seed).normal(size=(2, 3, 3)).astype(dtype)
        setattr(ds, keyword, values.tobytes())
        ds.file_meta = pydicom.dataset.FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
        ds.SOPClassUID, ds.SOPInstanceUID = "1.2.3", f"1.2.3.{seed}"
        buffer = io.BytesIO()
        pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
        datas.append(buffer.getvalue())
    cydicom.dcmread(datas[0]).pixel_view()
    ds, theirs = read_both(datas[1])
    arr = ds.pixel_array
    assert len(described) == 1
    assert_same_pixels(arr, theirs)
    assert shares_file(arr, datas[1])


def test_ybr_full_views_are_remembered_but_arrays_converted(described):
    rgb = dict(Rows=2, Columns=2, frames=None, SamplesPerPixel=3, BitsAllocated=8,
               BitsStored=8, HighBit=7, PhotometricInterpretation="YBR_FULL")
    first, second = [image_file(bytes(range(seed, seed + 12)), **rgb) for seed in (0, 40)]
    cydicom.dcmread(first).pixel_view()
    ds, theirs = read_both(second)
    assert ds.pixel_view().tobytes() == bytes(range(40, 52))
    assert len(described) == 1
    assert_same_pixels(ds.pixel_array, theirs)  # converted to RGB, as pydicom does
    assert len(described) == 2


def test_planar_configuration_1_is_always_described(described):
    rgb = dict(Rows=2, Columns=2, frames=None, SamplesPerPixel=3, BitsAllocated=8,
               BitsStored=8, HighBit=7, PhotometricInterpretation="RGB",
               PlanarConfiguration=1)
    first, second = [image_file(bytes(range(seed, seed + 12)), **rgb) for seed in (0, 40)]
    cydicom.dcmread(first).pixel_view()
    ds, theirs = read_both(second)
    assert_same_pixels(ds.pixel_view(), theirs)
    assert len(described) == 2


def test_a_closed_dataset_still_refuses(described):
    first, second = series([clean_frames(0), clean_frames(1)])
    cydicom.dcmread(first).pixel_view()
    ds = cydicom.dcmread(second)
    ds.close()
    with pytest.raises(ValueError, match="closed"):
        ds.pixel_view()


def test_a_mapped_file_view_outlives_close(described, tmp_path):
    values = np.random.default_rng(7).integers(0, 4096, size=(40, 64, 64)).astype("<u2")
    big = image_file(values.tobytes(), Rows=64, Columns=64, frames=40, BitsStored=12,
                     HighBit=11)
    for index in range(2):  # read as a header prefix; the pixel data mapped when used
        (tmp_path / f"big{index}.dcm").write_bytes(big)
    with cydicom.dcmread(tmp_path / "big0.dcm") as ds:
        ds.pixel_view()
    with cydicom.dcmread(tmp_path / "big1.dcm") as ds:
        view = ds.pixel_view()
    assert len(described) == 1
    assert not view.flags.writeable and not view.flags.owndata
    assert view.shape == (40, 64, 64) and np.array_equal(view, values)
    if os.path.exists("/proc/self/maps"):  # unmapped when the last view goes
        mapped = str(tmp_path / "big1.dcm")
        with open("/proc/self/maps") as maps:
            assert any(mapped in line for line in maps)
        del view
        with open("/proc/self/maps") as maps:
            assert not any(mapped in line for line in maps)
