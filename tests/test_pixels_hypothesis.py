"""Native pixel data with random descriptions and bytes: cydicom equals pydicom, or both fail.

Covers every combination the native path distinguishes: 1/8/16/32/64 bits allocated, any
bits stored, signed or not, 1 or 3 samples, both planar configurations, YBR photometric
interpretations, frame counts, little and big endian, OB and OW, short or excess data.
"""
import io
import warnings

import numpy as np
import pydicom
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

import cydicom
import cydicom.pixels
from cydicom.pixels import description, native

from pixelgen import assert_same_pixels, image_file


@st.composite
def native_files(draw):
    bits = draw(st.sampled_from([1, 8, 16, 32, 64]))
    samples = draw(st.sampled_from([1, 3])) if bits != 1 else 1
    photometric = draw(st.sampled_from(
        ["MONOCHROME2", "MONOCHROME1"] if samples == 1 else ["RGB", "YBR_FULL", "YBR_FULL_422"]))
    rows, columns = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    if photometric == "YBR_FULL_422":
        columns += columns % 2
    frames = draw(st.integers(1, 3))
    stored = draw(st.integers(1, bits))
    syntax = draw(st.sampled_from([ExplicitVRLittleEndian, ImplicitVRLittleEndian,
                                   ExplicitVRBigEndian]))
    vr = draw(st.sampled_from(["OB", "OW"])) if bits <= 8 else "OW"
    expected = rows * columns * samples * max(bits, 8) // 8 * frames
    if bits == 1:
        expected = -(-rows * columns * frames // 8)
    if photometric == "YBR_FULL_422":
        expected = expected // 3 * 2
    size = max(0, expected + draw(st.sampled_from([0, 0, 0, -1, 1, 2, expected])))
    size += size % 2
    data = draw(st.binary(min_size=size, max_size=size))
    attrs = dict(Rows=rows, Columns=columns, SamplesPerPixel=samples, BitsAllocated=bits,
                 BitsStored=stored, HighBit=stored - 1, PixelRepresentation=draw(st.integers(0, 1)),
                 PhotometricInterpretation=photometric)
    if samples == 3:
        attrs["PlanarConfiguration"] = draw(st.integers(0, 1))
    return image_file(data, syntax, frames=frames, vr=vr, **attrs)


def pydicom_result(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "ok", pydicom.dcmread(io.BytesIO(data)).pixel_array
        except Exception as exc:
            return "error", type(exc).__name__


def assert_same_outcome(data, get_array):
    """cydicom's array equals pydicom's, or both raise; returns (dataset, pydicom's array)."""
    theirs = pydicom_result(data)
    # pydicom quirk: whole excess frames of 1-bit data are counted as a float, and
    # reshaping with it raises TypeError; cydicom returns the frames (tested below)
    assume(theirs != ("error", "TypeError"))
    ds = cydicom.dcmread(data)
    try:
        ours = get_array(ds)
    except cydicom.DicomError as exc:
        assert theirs[0] == "error", f"cydicom raised {exc!r}, pydicom returned an array"
        return ds, None
    assert theirs[0] == "ok", f"pydicom raised {theirs[1]}, cydicom returned an array"
    assert_same_pixels(ours, theirs[1])
    return ds, theirs[1]


@pytest.mark.filterwarnings("ignore")
@given(native_files())
def test_random_native_pixel_data_matches_pydicom(data):
    ds, theirs = assert_same_outcome(data, lambda ds: ds.pixel_array)
    if theirs is not None and ds.num_frames > 1:
        for index in range(ds.num_frames):
            assert_same_pixels(ds.frame(index), theirs[index])


@pytest.mark.filterwarnings("ignore")
@given(native_files())
def test_a_file_laid_out_like_an_earlier_one_matches_pydicom(data):
    """The second read of a layout skips the description (``cydicom.pixels._layouts``)."""
    try:
        cydicom.dcmread(data).pixel_view()  # describes the file: its layout is remembered
    except cydicom.DicomError:
        pass
    assert_same_outcome(data, lambda ds: ds.pixel_array)
    assert view_outcome(cydicom.dcmread(data).pixel_view) == view_outcome(
        lambda: native.view(description.describe(cydicom.dcmread(data))))


def view_outcome(get_view):
    """(dtype, shape, bytes, writeable) of a view, or the error's type."""
    try:
        view = get_view()
    except cydicom.DicomError as exc:
        return type(exc)
    return view.dtype, view.shape, view.tobytes(), view.flags.writeable


def test_excess_bit_packed_frames():
    """Where pydicom fails (the quirk above), cydicom keeps the whole extra frames."""
    data = image_file(b"\x05\x00\x00\x00", Rows=1, Columns=1, BitsAllocated=1, BitsStored=1,
                      HighBit=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert pydicom_result(data) == ("error", "TypeError")
        arr = cydicom.dcmread(data).pixel_array
    assert arr.shape == (32, 1, 1) and list(arr[:4, 0, 0]) == [1, 0, 1, 0]


@st.composite
def rle_files(draw):
    """RLE files of random images: the compressed path's reshaping and corrections."""
    from pixelgen import rle_encode

    bits = draw(st.sampled_from([8, 16, 32]))
    samples = draw(st.sampled_from([1, 3]))
    photometric = "MONOCHROME2" if samples == 1 else draw(st.sampled_from(["RGB", "YBR_FULL"]))
    rows, columns, frames = draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(1, 3))
    stored = draw(st.integers(1, bits))
    raw = draw(st.binary(min_size=frames * rows * columns * samples * bits // 8,
                         max_size=frames * rows * columns * samples * bits // 8))
    images = np.frombuffer(raw, dtype=f"<u{bits // 8}").reshape(frames, rows, columns, samples)
    encoded = [rle_encode(image, columns) for image in images]
    attrs = dict(Rows=rows, Columns=columns, SamplesPerPixel=samples, BitsAllocated=bits,
                 BitsStored=stored, HighBit=stored - 1, PixelRepresentation=draw(st.integers(0, 1)),
                 PhotometricInterpretation=photometric)
    if samples == 3:
        attrs["PlanarConfiguration"] = draw(st.integers(0, 1))
    return image_file(encoded, "1.2.840.10008.1.2.5", encapsulated=True, frames=frames, **attrs)


@pytest.mark.filterwarnings("ignore")
@given(rle_files(), st.sampled_from([1, 2]))
def test_random_rle_files_match_pydicom(data, threads):
    ds, theirs = assert_same_outcome(
        data, lambda ds: cydicom.pixels.pixel_array(ds, threads=threads))
    if theirs is not None and ds.num_frames > 1:
        assert_same_pixels(ds.frame(ds.num_frames - 1), theirs[-1])
