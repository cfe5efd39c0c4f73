"""Encapsulated (compressed) pixel data -> pydicom's ``pixel_array``, frames decoded in parallel.

Per frame, in order: the codestream header is read (precision, signedness, colour hints),
the frame is decoded (threads when the backend releases the GIL), and its samples are
stored in the output as pydicom stores them (the decoded container size follows the
codestream precision, the output keeps Bits Allocated). Then the whole array is reshaped,
bit-corrected and colour-converted as pydicom does.
"""
import warnings

import numpy

from cydicom.errors import DecoderError, DicomWarning, EncapsulationError
from cydicom.pixels import decoders, encaps, processing
from cydicom.pixels import workers as workers_module
from cydicom.pixels.codestream import j2k_parameters, jpeg_parameters
from cydicom.pixels.description import (
    JPEG_2000_SYNTAXES, JPEG_BASELINE, JPEG_LS_SYNTAXES, JPEG_SYNTAXES, RLE_LOSSLESS, dtype_for,
)

PARALLEL_MIN_SAMPLES = 1 << 18


class _Frames:
    """The encoded frames of one dataset and the running state pydicom keeps while decoding."""

    def __init__(self, desc):
        self.desc = desc
        self.value = desc.element.raw
        self.fragments = encaps.frame_fragments(self.value, desc.frames, desc.extended_offsets)
        self.photometric = desc.photometric
        self.planar = 0 if desc.transfer_syntax in (RLE_LOSSLESS, *JPEG_LS_SYNTAXES) else (
            desc.planar_configuration)
        self.signed = desc.pixel_representation
        self.precision = desc.bits_stored

    def encoded(self, index):
        return encaps.frame_bytes(self.value, self.fragments[index])

    def inspect(self, src):
        """Read the frame's header; returns the Bits Allocated of the decoded samples."""
        desc, uid = self.desc, self.desc.transfer_syntax
        if uid in JPEG_2000_SYNTAXES:
            info = j2k_parameters(src)
            self.signed = info.get("is_signed", desc.pixel_representation)
            self.precision = info.get("precision", desc.bits_stored)
            if self.photometric in ("YBR_ICT", "YBR_RCT"):
                self.photometric = "RGB"  # OpenJPEG applies the inverse transform
            return _container_bits(self.precision, 32, desc.bits_allocated)
        if uid in JPEG_LS_SYNTAXES or uid in JPEG_SYNTAXES:
            info = jpeg_parameters(src)
            self._conform_colour(info)
            if uid in JPEG_LS_SYNTAXES:
                self.precision = info.get("precision", desc.bits_stored)
                return _container_bits(self.precision, 16, desc.bits_allocated)
        return desc.bits_allocated

    def _conform_colour(self, info):
        """pydicom's ``_conform_jpg_colorspace``: trust RGB component IDs and JFIF markers."""
        if self.desc.samples_per_pixel != 3:
            return
        current = self.photometric
        if info.get("component_ids") in ([82, 71, 66], [114, 103, 98]) and current != "RGB":
            self.photometric = "RGB"
            _warn(f"The (0028,0004) 'Photometric Interpretation' value is '{current}' however "
                  "the encoded image's codestream uses component IDs that indicate it should "
                  "be 'RGB'")
            return
        target = "YBR_FULL_422" if self.desc.transfer_syntax == JPEG_BASELINE else "YBR_FULL"
        for marker in info.get("app", {}).values():
            if marker.startswith(b"JFIF") and "YBR" not in current:
                self.photometric = target
                _warn(f"The (0028,0004) 'Photometric Interpretation' value is '{current}' "
                      "however the encoded image's codestream contains a JFIF APP marker "
                      f"which indicates it should be '{target}'")
                return


def _container_bits(precision, largest, default):
    for bits in (8, 16, 32):
        if bits <= largest and 0 < precision <= bits:
            return bits
    return default


def _warn(message):
    warnings.warn(message, DicomWarning, stacklevel=5)


def _decode_all(frames, indices, backend, workers):
    """Decoded frames (flat uint8 arrays) for ``indices``, in order.

    With several workers, each task decodes a contiguous run of frames: per-task overhead
    (futures, GIL hand-offs) would otherwise be a large share of a fast frame (RLE).
    """
    desc = frames.desc
    sources = [frames.encoded(i) for i in indices]

    def run(chunk):
        return [decoders.as_bytes_view(decoders.decode(backend, sources[k], desc, indices[k]))
                for k in chunk]

    n = len(indices)
    if workers <= 1 or n <= 1:
        return run(range(n))
    chunks = workers_module.split(n, min(n, workers * 2))
    return [data for part in workers_module.executor(workers).map(run, chunks) for data in part]


def encoded_frames(desc):
    """The encoded frames of ``desc``'s pixel data, split once (for repeated ``array`` calls)."""
    return _Frames(desc)


def array(desc, index=None, threads=None, backend=None, frames=None):
    """Decoded pixel data (all frames, or frame ``index``) equal to pydicom's ``pixel_array``.

    ``threads``: decoding threads (default: all cores when the backend frees the GIL);
    ``backend``: a decoder name from ``cydicom.pixels.decoders`` to force one;
    ``frames``: what ``encoded_frames(desc)`` returned, to avoid splitting again.
    """
    frames = frames if frames is not None else _Frames(desc)
    available = len(frames.fragments)
    if index is not None:
        if not 0 <= index < available:
            raise IndexError(f"frame index {index} out of range: the pixel data has "
                             f"{available} frame(s)")
        indices = [index]
    else:
        if available < desc.frames:
            raise EncapsulationError(f"The encapsulated pixel data holds {available} frames, "
                                     f"fewer than the (0028,0008) 'Number of Frames' value "
                                     f"of {desc.frames}")
        indices = list(range(available))
    if threads is None:  # threads pay off from a few frames of 256 x 256 on
        small = len(indices) > 1 and len(indices) * desc.frame_pixels < PARALLEL_MIN_SAMPLES
        threads = 1 if small else workers_module.cpu_count()
    workers = threads
    chosen = decoders.choose(desc.transfer_syntax, len(indices), workers, backend,
                             len(indices) * desc.frame_pixels)
    if not chosen.releases_gil or chosen.threaded:
        workers = 1
    container = [frames.inspect(frames.encoded(i)) for i in indices]
    decoded = _decode_all(frames, indices, chosen, workers)
    pixels = desc.frame_pixels
    wanted = 1 if index is not None else desc.frames
    kept = []
    for k, data in enumerate(decoded):
        dtype = dtype_for(desc.keyword, container[k], desc.pixel_representation)
        if k >= wanted:  # frames past Number of Frames: kept when their size is right
            if data.nbytes == pixels * dtype.itemsize:
                kept.append((data, dtype))
            continue
        if data.nbytes != pixels * dtype.itemsize:
            raise DecoderError(
                f"{decoders.syntax_name(desc.transfer_syntax)}: {chosen.name} decoded frame "
                f"{indices[k]} to {data.nbytes} bytes, expected {pixels * dtype.itemsize}")
        kept.append((data, dtype))
    if len(kept) > wanted:
        _warn(f"{len(kept)} frames have been found in the encapsulated pixel data, which is "
              f"larger than the given (0028,0008) 'Number of Frames' value of {wanted}: "
              "returning all of them")
    out = numpy.empty(pixels * len(kept), dtype=desc.dtype)
    for k, (data, dtype) in enumerate(kept):
        out[k * pixels:(k + 1) * pixels] = data.view(dtype)
    _correct_bits(out, desc, frames)
    arr = processing.reshape(out, desc, len(kept), frames.planar)
    if processing.needs_rgb(frames.photometric):
        arr = processing.ybr_full_to_rgb(arr)
    return arr


def _correct_bits(flat, desc, frames):
    """pydicom's sign correction (JPEG 2000, JPEG-LS) or unused-bits correction (others)."""
    uid = desc.transfer_syntax
    if uid in JPEG_2000_SYNTAXES:
        if frames.photometric in ("MONOCHROME1", "MONOCHROME2") and (
                bool(frames.signed) != bool(desc.pixel_representation)):
            processing.keep_low_bits(flat, frames.precision)
    elif uid in JPEG_LS_SYNTAXES:
        if desc.pixel_representation == 1:
            processing.keep_low_bits(flat, frames.precision)
    elif desc.keyword == "PixelData":
        processing.keep_low_bits(flat, desc.bits_stored)
