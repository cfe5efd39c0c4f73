"""Generated pixel-data files for the pixel benchmarks (encoders are used here only).

Every image is a smooth CT-like 12-bit ramp with noise, stored in 16 bits with the unused
bits clean, so that lossless codecs have realistic work and ``pixel_array`` can stay a view.
Lossy JPEG (baseline, 8 bits) gets the same images scaled to 8 bits.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.filewriter import dcmwrite
from pydicom.uid import generate_uid

EXPLICIT_LE = "1.2.840.10008.1.2.1"
SYNTAXES = {
    "j2k": "1.2.840.10008.1.2.4.90",      # JPEG 2000 Lossless
    "jls": "1.2.840.10008.1.2.4.80",      # JPEG-LS Lossless
    "ljpeg": "1.2.840.10008.1.2.4.70",    # JPEG Lossless, first-order prediction
    "rle": "1.2.840.10008.1.2.5",         # RLE Lossless
    "jpeg": "1.2.840.10008.1.2.4.50",     # JPEG Baseline (lossy, 8 bits)
}


def ct_frames(frames: int, rows: int, columns: int, seed: int = 0) -> np.ndarray:
    """(frames, rows, columns) uint16 with 12 bits used."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:columns]
    body = 1000 + 800 * np.exp(-(((y - rows / 2) / (rows / 3)) ** 2 + ((x - columns / 2) / (columns / 3)) ** 2))
    out = np.empty((frames, rows, columns), dtype=np.uint16)
    for i in range(frames):
        noise = rng.normal(0, 20, size=(rows, columns))
        out[i] = np.clip(body + 300 * np.sin(i / 7 + x / 40) + noise, 0, 4095)
    return out


def _dataset(frames: int, rows: int, columns: int, bits: int = 12) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1"   # Enhanced CT
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = "CT"
    ds.PatientName = "Bench^Pixels"
    ds.Rows, ds.Columns = rows, columns
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = (8 if bits <= 8 else 16), bits, bits - 1
    ds.PixelRepresentation = 0
    return ds


def _write(path: Path, ds: Dataset, syntax: str) -> Path:
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    path.write_bytes(buffer.getvalue())
    return path


def native_file(path: Path, frames: int, rows: int, columns: int) -> Path:
    ds = _dataset(frames, rows, columns)
    ds.PixelData = ct_frames(frames, rows, columns).tobytes()
    ds["PixelData"].VR = "OW"
    return _write(path, ds, EXPLICIT_LE)


def _rle_frame(image: np.ndarray) -> bytes:
    """PS3.5 Annex G: one segment per byte (MSB first), each row PackBits-encoded on its own."""
    import imagecodecs

    segments = []
    for shift in (8, 0):
        plane = ((image >> shift) & 0xFF).astype(np.uint8)
        segments.append(b"".join(imagecodecs.packbits_encode(row.tobytes()) for row in plane))
    header = bytearray(64)
    header[0:4] = len(segments).to_bytes(4, "little")
    offset = 64
    for i, segment in enumerate(segments):
        header[4 + 4 * i:8 + 4 * i] = offset.to_bytes(4, "little")
        segment += b"\0" * (len(segment) % 2)
        segments[i] = segment
        offset += len(segment)
    return bytes(header) + b"".join(segments)


def _encoder(kind: str):
    import imagecodecs

    if kind == "j2k":
        return lambda image: bytes(imagecodecs.jpeg2k_encode(
            image, level=0, codecformat="J2K", reversible=True, bitspersample=12, numthreads=1))
    if kind == "jls":
        return lambda image: bytes(imagecodecs.jpegls_encode(image))
    if kind == "ljpeg":
        return lambda image: bytes(imagecodecs.ljpeg_encode(image, bitspersample=12))
    if kind == "rle":
        return _rle_frame
    if kind == "jpeg":
        return lambda image: bytes(imagecodecs.jpeg8_encode((image >> 4).astype(np.uint8),
                                                            level=90))
    raise ValueError(kind)


def compressed_file(path: Path, kind: str, frames: int, rows: int, columns: int) -> Path:
    """A multi-frame file of ``kind`` (j2k, jls, ljpeg, rle, jpeg) with a Basic Offset Table."""
    encode = _encoder(kind)
    images = ct_frames(frames, rows, columns, seed=1)
    ds = _dataset(frames, rows, columns, 8 if kind == "jpeg" else 12)
    ds.PixelData = encapsulate([encode(image) for image in images], has_bot=True)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    return _write(path, ds, SYNTAXES[kind])
