"""Pixel-test helpers: synthetic image files (written with pydicom, generation only),
RLE encoding, and comparisons with pydicom's arrays."""
import io
import struct
import warnings

import numpy as np
import pydicom
from pydicom.pixels.encoders.native import _encode_segment

import cydicom

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, encapsulate_extended
from pydicom.filewriter import dcmwrite
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

PLACEHOLDERS = {22: "1.2.840.10008.1.2.4.50", 24: "1.2.840.10008.1.2.4.201"}
IMAGE_DEFAULTS = dict(Rows=4, Columns=4, SamplesPerPixel=1, BitsAllocated=16, BitsStored=16,
                      HighBit=15, PixelRepresentation=0, PhotometricInterpretation="MONOCHROME2")


def image_file(pixel_data, transfer_syntax=ExplicitVRLittleEndian, *, encapsulated=False,
               frames=None, extended=False, vr=None, **attrs):
    """The bytes of a DICOM file with ``pixel_data`` (bytes, or a list of encoded frames)."""
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = generate_uid()
    values = dict(IMAGE_DEFAULTS, **attrs)
    if values["SamplesPerPixel"] == 3:
        values.setdefault("PlanarConfiguration", 0)
    for keyword, value in values.items():
        if value is not None:
            setattr(ds, keyword, value)
    if frames is not None:
        ds.NumberOfFrames = frames
    if encapsulated:
        if extended:
            data, ds.ExtendedOffsetTable, ds.ExtendedOffsetTableLengths = encapsulate_extended(
                pixel_data)
        elif isinstance(pixel_data, list):
            data = encapsulate(pixel_data, has_bot=True)
        else:
            data = pixel_data
        ds.PixelData = data
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
    else:
        ds.PixelData = pixel_data
        ds["PixelData"].VR = vr or ("OW" if values["BitsAllocated"] > 8 else "OB")
    # pydicom writes only the syntaxes it knows: newer ones go in as a placeholder of the
    # same padded length (explicit VR little endian, encapsulated), patched afterwards
    placeholder = PLACEHOLDERS.get(len(transfer_syntax) + len(transfer_syntax) % 2)
    known = UID(transfer_syntax).is_transfer_syntax
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = transfer_syntax if known else placeholder
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    data = buffer.getvalue()
    if not known:
        padded = transfer_syntax.encode().ljust(len(placeholder), b"\0")
        data = data.replace(placeholder.encode(), padded, 1)
    return data


def read_both(data):
    """(cydicom dataset, pydicom's pixel_array) for the file bytes ``data``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pydicom.dcmread(io.BytesIO(data)).pixel_array
    return cydicom.dcmread(data), theirs


def assert_same_pixels(ours, theirs):
    """Shape, dtype kind and size, and values equal (byte order aside)."""
    assert ours.shape == theirs.shape
    assert (ours.dtype.kind, ours.dtype.itemsize) == (theirs.dtype.kind, theirs.dtype.itemsize)
    assert np.array_equal(ours, theirs.astype(theirs.dtype.newbyteorder("=")))


def shares_file(arr, data):
    return np.shares_memory(arr, np.frombuffer(data, dtype=np.uint8))


def rle_frame_from_segments(segments):
    """An RLE frame: the 64-byte header, then the segments."""
    offsets, position = [], 64
    for segment in segments:
        offsets.append(position)
        position += len(segment)
    header = struct.pack("<L", len(segments)) + b"".join(struct.pack("<L", o) for o in offsets)
    return header.ljust(64, b"\x00") + b"".join(segments)


def rle_encode(image, columns):
    """RLE frame of a (rows, columns, samples) little-endian image, MSB segment first."""
    raw = image.tobytes()
    size, samples = image.dtype.itemsize, image.shape[2]
    return rle_frame_from_segments([
        bytes(_encode_segment(raw[s * size + k::samples * size], columns))
        for s in range(samples) for k in reversed(range(size))])
