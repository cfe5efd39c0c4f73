"""Frame decoders by transfer syntax, each wrapped so every failure is a ``DecoderError``.

Reference decoders (the ones pydicom 3.0.2 uses, so results are identical):
pylibjpeg-openjpeg for JPEG 2000 / HTJ2K, pylibjpeg-libjpeg for JPEG and JPEG-LS, and
cydicom's own RLE decoder (``_rle``, C, GIL released). ``imagecodecs``, when installed, is
an optional backend that releases the GIL, so frames decode in parallel threads: for JPEG
2000 / HTJ2K (the same OpenJPEG library) when there are several frames, and always for
JPEG-LS and lossless JPEG, where decoding is exact (frames it mishandles go to libjpeg).
Large lossy JPEG jobs run libjpeg in worker processes (``processes``). The tests compare
every backend with pydicom.
"""
import functools
import importlib
import zlib
from collections.abc import Callable, Sequence
from typing import Any, Literal, Optional, Union

import numpy

from cydicom.errors import DecoderError, MissingDecoderError
from cydicom.pixels import codestream
from cydicom.pixels.workers import cpu_count
from cydicom.pixels.description import (
    DEFLATED_IMAGE_FRAME, JPEG_2000_SYNTAXES, JPEG_LS_SYNTAXES, JPEG_SYNTAXES, RLE_LOSSLESS,
)

SYNTAX_NAMES = {
    "1.2.840.10008.1.2.4.50": "JPEG Baseline (Process 1)",
    "1.2.840.10008.1.2.4.51": "JPEG Extended (Process 2 & 4)",
    "1.2.840.10008.1.2.4.57": "JPEG Lossless, Non-Hierarchical (Process 14)",
    "1.2.840.10008.1.2.4.70": "JPEG Lossless, Non-Hierarchical, First-Order Prediction",
    "1.2.840.10008.1.2.4.80": "JPEG-LS Lossless",
    "1.2.840.10008.1.2.4.81": "JPEG-LS Lossy (Near-Lossless)",
    "1.2.840.10008.1.2.4.90": "JPEG 2000 Lossless",
    "1.2.840.10008.1.2.4.91": "JPEG 2000",
    "1.2.840.10008.1.2.4.201": "HTJ2K Lossless",
    "1.2.840.10008.1.2.4.202": "HTJ2K Lossless RPCL",
    "1.2.840.10008.1.2.4.203": "HTJ2K",
    RLE_LOSSLESS: "RLE Lossless",
    DEFLATED_IMAGE_FRAME: "Deflated Image Frame Compression",
}


class Backend:
    """One decoding library: its name, the module it needs and whether it frees the GIL.

    ``threaded``: the library itself spreads one frame over all cores. ``pays_off``: if
    given, whether a job of that many samples is worth it (worker processes to start).
    """

    def __init__(self, name, module, function, releases_gil, install, threaded=False,
                 pays_off: Optional[Callable[[int], bool]] = None):
        self.name = name
        self.module = module
        self.function = function
        self.releases_gil = releases_gil
        self.install = install
        self.threaded = threaded
        self.pays_off = pays_off
        # None: not loaded yet; False: the module is not installed
        self._decode: Optional[Union[Callable[[Any, Any], Any], Literal[False]]] = None

    def available(self):
        if self._decode is None:
            try:
                self._decode = self.function(importlib.import_module(self.module))
            except ImportError:
                self._decode = False
        return self._decode is not False

    def decode(self, src, desc):
        """Decoded bytes (or an array) of one encoded frame."""
        decode = self._decode
        if decode is None or decode is False:  # available() not called, or it said no
            raise MissingDecoderError(f"{self.name} is not loaded or not installed; "
                                      f"install {self.install}")
        return decode(src, desc)


def _openjpeg(module):
    decode = importlib.import_module("openjpeg.utils").decode_pixel_data
    return lambda src, desc: decode(bytes(src), version=2)


def _libjpeg(module):
    decode = importlib.import_module("libjpeg.utils").decode_pixel_data
    return lambda src, desc: decode(bytes(src), version=2)


def _libjpeg_processes(module):
    from cydicom.pixels import processes
    if not processes.available():
        raise ImportError("no interpreter to start worker processes with")

    def decode(src, desc):
        try:
            return processes.decode(src)
        except processes.WorkerUnavailable:  # workers cannot start here: in this process
            return LIBJPEG.decode(src, desc)
    return decode


def _imagecodecs(name, **options):
    def bind(module):
        function = getattr(module, name)
        codec = getattr(module, name.split("_")[0].upper(), None)
        if codec is None or not codec.available:
            raise ImportError(name)
        return lambda src, desc: function(src, **options)
    return bind


def _screened(name, sound, flaw):
    """imagecodecs' ``name`` for frames that ``sound`` accepts; pylibjpeg-libjpeg
    (pydicom's decoder, which rejects bad frames cleanly) for the others (``flaw``)."""
    def bind(module):
        fast = _imagecodecs(name)(module)

        def decode(src, desc):
            if sound(src):
                return fast(src, desc)
            if not LIBJPEG.available():
                raise MissingDecoderError(f"{syntax_name(desc.transfer_syntax)}: a frame "
                                          f"{flaw} needs {LIBJPEG.install} to decode")
            return LIBJPEG.decode(src, desc)
        return decode
    return bind


def _cydicom_rle(module):
    return lambda src, desc: module.decode_frame(
        src, desc.rows, desc.columns, desc.samples_per_pixel, desc.bits_allocated,
        desc.transfer_syntax)


def _deflate(module):
    def inflate(src, desc):
        expected = -(-desc.frame_pixels // 8) if desc.bits_allocated == 1 else (
            desc.frame_pixels * (desc.bits_allocated // 8))
        inflater = zlib.decompressobj(-15)  # raw deflate (RFC 1951), trailing bytes ignored
        data = inflater.decompress(src, expected + 1)  # never more than a frame (+1 to tell)
        if desc.bits_allocated == 1:       # each frame packs its own bits
            bits = numpy.unpackbits(numpy.frombuffer(data, numpy.uint8), bitorder="little")
            return bits[:desc.frame_pixels]
        return data
    return inflate


JPEG_LOSSLESS_SYNTAXES = frozenset(("1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"))

OPENJPEG = Backend("pylibjpeg-openjpeg", "openjpeg", _openjpeg, False, "pylibjpeg-openjpeg")
LIBJPEG = Backend("pylibjpeg-libjpeg", "libjpeg", _libjpeg, False, "pylibjpeg-libjpeg")
# one thread per frame: frames are what run in parallel
IC_JPEG2K = Backend("imagecodecs.jpeg2k", "imagecodecs",
                    _imagecodecs("jpeg2k_decode", numthreads=1), True, "imagecodecs")
# a single frame: OpenJPEG's own threads share the work of one codestream
IC_JPEG2K_THREADED = Backend("imagecodecs.jpeg2k threaded", "imagecodecs",
                             _imagecodecs("jpeg2k_decode", numthreads=cpu_count()), True,
                             "imagecodecs", threaded=True)
# CharLS can spend seconds on a scan without an EOI marker (and rejects complete ones
# that libjpeg decodes); the lossless JPEG decoder crashes on missing Huffman tables
IC_JPEGLS = Backend("imagecodecs.jpegls", "imagecodecs",
                    _screened("jpegls_decode", codestream.ends_with_eoi,
                              "without an EOI marker"), True, "imagecodecs")
IC_LJPEG = Backend("imagecodecs.ljpeg", "imagecodecs",
                   _screened("ljpeg_decode", codestream.lossless_tables_sound,
                             "without sound Huffman tables"), True, "imagecodecs")


def _processes_pay_off(samples):
    from cydicom.pixels import processes
    return processes.pays_off(samples)


# the same decoder in worker processes (``processes``): JPEG frames on several cores with
# pydicom's results
LIBJPEG_PROCESSES = Backend("pylibjpeg-libjpeg processes", "libjpeg", _libjpeg_processes, True,
                            "pylibjpeg-libjpeg", pays_off=_processes_pay_off)
RLE = Backend("cydicom RLE decoder", "cydicom.pixels._rle", _cydicom_rle, True, "cydicom")
DEFLATE = Backend("zlib", "zlib", _deflate, True, "zlib")

# per transfer syntax, in order of preference; a GIL-free one wins for parallel decoding.
# Lossless JPEG and JPEG-LS decode exactly (and 3-4x faster here) with imagecodecs, so it
# comes first; lossy JPEG stays with libjpeg, whose rounding pydicom's results have.
BACKENDS: dict[str, tuple[Backend, ...]] = {
    uid: (OPENJPEG, IC_JPEG2K, IC_JPEG2K_THREADED) for uid in JPEG_2000_SYNTAXES}
BACKENDS.update({uid: (LIBJPEG, LIBJPEG_PROCESSES) for uid in JPEG_SYNTAXES})
BACKENDS.update({uid: (IC_LJPEG, LIBJPEG, LIBJPEG_PROCESSES) for uid in JPEG_LOSSLESS_SYNTAXES})
BACKENDS.update({uid: (IC_JPEGLS, LIBJPEG, LIBJPEG_PROCESSES) for uid in JPEG_LS_SYNTAXES})
BACKENDS[RLE_LOSSLESS] = (RLE,)
BACKENDS[DEFLATED_IMAGE_FRAME] = (DEFLATE,)

_HTJ2K = frozenset(("1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
                    "1.2.840.10008.1.2.4.203"))


def syntax_name(uid):
    return f"{SYNTAX_NAMES.get(uid, 'transfer syntax')} ({uid})"


def choose(uid, frames=1, workers=1, backend=None, samples=None):
    """The backend to decode ``frames`` frames of ``uid`` with, using ``workers`` threads.

    Several frames on several threads: the first backend that frees the GIL (and pays off
    for the job's ``samples``); one frame on several cores: a backend
    that threads one frame itself; else the first available one. ``backend`` (a Backend
    name) forces a choice. MissingDecoderError if none is installed.
    """
    candidates: Sequence[Backend] = BACKENDS[uid]
    if backend is not None:
        candidates = [b for b in candidates if b.name == backend]
        if not candidates:
            raise MissingDecoderError(f"{syntax_name(uid)}: no decoder named {backend!r}; "
                                      f"known: {[b.name for b in BACKENDS[uid]]}")
    available = [b for b in candidates if b.available()]
    if uid in _HTJ2K:
        available = [b for b in available if b.module != "imagecodecs" or _ic_supports_htj2k()]
    if not available:
        names = " or ".join(b.install for b in candidates)
        raise MissingDecoderError(f"{syntax_name(uid)}: no decoder installed; install {names} "
                                  f"(pip install 'cydicom[codecs]')")
    if workers > 1:
        for b in available:
            if b.pays_off is not None and backend is None and not b.pays_off(samples or 0):
                continue
            if (b.releases_gil and not b.threaded) if frames > 1 else b.threaded:
                return b
    return available[0]


@functools.cache
def _ic_supports_htj2k():
    """True if imagecodecs' OpenJPEG decodes HTJ2K (2.5 on): the library pylibjpeg-openjpeg
    decodes it with, so the results are the same (the tests compare them on generated
    lossless and lossy HTJ2K frames)."""
    try:
        import imagecodecs
        name, _, version = imagecodecs.jpeg2k_version().partition(" ")
        return name == "openjpeg" and tuple(int(v) for v in version.split(".")[:2]) >= (2, 5)
    except (ImportError, AttributeError, ValueError):
        return False


def decode(backend, src, desc, index):
    """Decode one frame with ``backend``; any failure becomes a DecoderError."""
    _check_declared_size(src, desc, index)
    try:
        return backend.decode(src, desc)
    except DecoderError:
        raise
    except Exception as exc:
        raise DecoderError(f"{syntax_name(desc.transfer_syntax)}: {backend.name} failed to "
                           f"decode frame {index}: {type(exc).__name__}: {exc}") from exc


def _check_declared_size(src, desc, index):
    """A frame whose header declares more samples than the described frame, or more
    JPEG 2000 tiles than MAX_J2K_TILES, is refused before a decoder allocates for it; a
    JPEG frame declaring 0 rows before any decoder loops on it (``codestream.jpeg_rows``)."""
    uid = desc.transfer_syntax
    if uid not in JPEG_2000_SYNTAXES and uid not in JPEG_SYNTAXES and uid not in JPEG_LS_SYNTAXES:
        return
    declared = codestream.declared_size(src, uid in JPEG_2000_SYNTAXES)
    if declared is None:
        return
    samples, tiles = declared
    if samples == 0 and uid not in JPEG_2000_SYNTAXES and codestream.jpeg_rows(src) == 0:
        raise DecoderError(f"{syntax_name(uid)}: frame {index} declares 0 rows (to be set by "
                           f"a DNL marker, which DICOM does not use): not decoded")
    if samples > desc.frame_pixels:
        raise DecoderError(f"{syntax_name(uid)}: frame {index} declares {samples} samples, "
                           f"more than the {desc.rows} x {desc.columns} x "
                           f"{desc.samples_per_pixel} of the pixel description")
    if tiles is not None and tiles > codestream.MAX_J2K_TILES:
        raise DecoderError(f"{syntax_name(uid)}: frame {index} declares {tiles} tiles "
                           f"(at most {codestream.MAX_J2K_TILES} are decoded)")


def as_bytes_view(decoded):
    """A flat uint8 view of what a backend returned (bytes, bytearray or ndarray)."""
    if isinstance(decoded, numpy.ndarray):
        return numpy.ascontiguousarray(decoded).reshape(-1).view(numpy.uint8)
    return numpy.frombuffer(decoded, dtype=numpy.uint8)
