"""Pixel data of a cydicom ``Dataset``: zero-copy views, frames, decoders.

``Dataset.pixel_array``, ``pixel_view()``, ``num_frames``, ``frame(i)`` and
``iter_frames()`` call the functions here; they take extra options (``threads``,
``backend``) when called directly.
"""
from cydicom.pixels import _layouts, compressed, native
from cydicom.pixels.description import PixelDescription, describe

__all__ = ["PixelDescription", "describe", "frame", "iter_frames", "num_frames",
           "pixel_array", "pixel_view"]


def pixel_array(ds, *, threads=None, backend=None):
    """pydicom's ``pixel_array`` with its defaults: read-only zero-copy when nothing changes.

    Compressed multi-frame data decodes on ``threads`` threads (default: every core) when
    the decoder releases the GIL; ``backend`` forces a decoder by name.
    """
    if ds._pixel_cache is None:  # not described yet: maybe laid out like a file that was
        arr = _layouts.native_array(ds)
        if arr is not None:
            return arr
    desc = describe(ds)
    if desc.encapsulated:
        return compressed.array(desc, threads=threads, backend=backend)
    return native.array(desc)


def pixel_view(ds):
    """The native pixel data as stored: a read-only array sharing the file's memory.

    Never processed (no bit masking, no colour conversion); PixelDataError for data that
    has no such view (compressed, bit-packed, YBR_FULL_422 or big endian 8-bit OW).
    """
    if ds._pixel_cache is None:  # not described yet: maybe laid out like a file that was
        view = _layouts.native_view(ds)
        if view is not None:
            return view
    desc = describe(ds)
    if desc.encapsulated:
        from cydicom.errors import PixelDataError
        raise PixelDataError(f"Compressed pixel data ({desc.transfer_syntax}) has no "
                             "zero-copy view: use pixel_array or frame(i)")
    return native.view(desc)


def num_frames(ds):
    """Frames in the pixel data (for native data, including whole frames past NumberOfFrames)."""
    desc = describe(ds)
    if desc.encapsulated:
        return desc.frames
    return native.frame_count(desc, desc.element.value_length)


def frame(ds, index, *, threads=None, backend=None):
    """Frame ``index`` as pydicom's ``pixel_array`` would give it; only that frame is decoded.

    A JPEG 2000 frame is decoded by OpenJPEG's own ``threads`` (default: every core) when
    imagecodecs is installed.
    """
    desc = describe(ds)
    if desc.encapsulated:
        return compressed.array(desc, index=index, threads=threads, backend=backend)
    return native.array(desc, index=index)


def iter_frames(ds, *, threads=None, backend=None):
    """Yield each frame in turn (compressed frames are decoded one at a time)."""
    desc = describe(ds)
    if desc.encapsulated:
        frames = compressed.encoded_frames(desc)
        for index in range(desc.frames):
            yield compressed.array(desc, index=index, threads=threads, backend=backend,
                                   frames=frames)
    else:
        for index in range(native.frame_count(desc, desc.element.value_length)):
            yield native.array(desc, index=index)
