"""What the pixel data is: group 0028 and the transfer syntax -> numpy dtype, shape, lengths.

Follows pydicom 3.0.2's ``as_pixel_options`` and ``RunnerBase._validate_options``: the same
elements are required and the same values rejected, with a ``PixelDataError`` in place of
pydicom's AttributeError / ValueError.
"""
import warnings
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy

from cydicom.errors import DicomWarning, PixelDataError, UnsupportedTransferSyntaxError
from cydicom.pixels import _layouts
from cydicom.pixels.processing import needs_rgb

if TYPE_CHECKING:
    from cydicom.dataset import Dataset, Element

PIXEL_KEYWORDS = {0x7FE00010: "PixelData", 0x7FE00008: "FloatPixelData",
                  0x7FE00009: "DoubleFloatPixelData"}

NATIVE_SYNTAXES = {
    "1.2.840.10008.1.2": True,          # uid -> little endian
    "1.2.840.10008.1.2.1": True,
    "1.2.840.10008.1.2.1.99": True,     # deflated dataset, native pixels
    "1.2.840.10008.1.2.2": False,
}
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_SYNTAXES = frozenset((JPEG_BASELINE, "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57",
                           "1.2.840.10008.1.2.4.70"))
JPEG_LS_SYNTAXES = frozenset(("1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"))
JPEG_2000_SYNTAXES = frozenset(("1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91",
                                "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
                                "1.2.840.10008.1.2.4.203"))
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
DEFLATED_IMAGE_FRAME = "1.2.840.10008.1.2.8.1"
ENCAPSULATED_SYNTAXES = (JPEG_SYNTAXES | JPEG_LS_SYNTAXES | JPEG_2000_SYNTAXES
                         | {RLE_LOSSLESS, DEFLATED_IMAGE_FRAME})

KNOWN_PHOTOMETRIC = frozenset((
    "MONOCHROME1", "MONOCHROME2", "PALETTE COLOR", "RGB", "YBR_FULL", "YBR_FULL_422",
    "YBR_PARTIAL_420", "YBR_PARTIAL_422", "YBR_ICT", "YBR_RCT", "HSV", "ARGB", "CMYK", "XYB"))

_GROUP_0028 = {  # keyword -> (tag, label used in messages)
    "SamplesPerPixel": (0x00280002, "Samples per Pixel"),
    "PhotometricInterpretation": (0x00280004, "Photometric Interpretation"),
    "PlanarConfiguration": (0x00280006, "Planar Configuration"),
    "NumberOfFrames": (0x00280008, "Number of Frames"),
    "Rows": (0x00280010, "Rows"),
    "Columns": (0x00280011, "Columns"),
    "BitsAllocated": (0x00280100, "Bits Allocated"),
    "BitsStored": (0x00280101, "Bits Stored"),
    "PixelRepresentation": (0x00280103, "Pixel Representation"),
}


@dataclass(eq=False)
class PixelDescription:
    """The pixel data of one dataset: where it is and how to read it.

    ``encapsulated``, ``little_endian``, ``dtype``, ``frame_pixels`` and ``frame_bytes``
    are computed once, when the description is made (they are read on every frame).
    """

    transfer_syntax: str
    keyword: str                 # PixelData, FloatPixelData or DoubleFloatPixelData
    element: "Element"           # the cydicom Element (offset, value_length, raw)
    dataset: "Dataset"           # the cydicom Dataset the element belongs to
    rows: int
    columns: int
    frames: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    planar_configuration: int
    photometric: str
    # (offsets, lengths) when both EOT elements are present
    extended_offsets: Optional[tuple[Any, Any]] = None
    encapsulated: bool = field(init=False)
    little_endian: bool = field(init=False)
    #: the dtype pydicom gives the data (file byte order for native data)
    dtype: numpy.dtype = field(init=False)
    #: samples in one frame (rows * columns * samples per pixel)
    frame_pixels: int = field(init=False)
    #: bytes of one native frame; a float for bit-packed frames not ending on a byte
    frame_bytes: Union[int, float] = field(init=False)

    def __post_init__(self):
        self.encapsulated = self.transfer_syntax in ENCAPSULATED_SYNTAXES
        self.little_endian = NATIVE_SYNTAXES.get(self.transfer_syntax, True)
        # unsupported sizes (24-bit...) fail here, before any data is touched
        self.dtype = dtype_for(self.keyword, self.bits_allocated, self.pixel_representation,
                               self.little_endian)
        self.frame_pixels = n = self.rows * self.columns * self.samples_per_pixel
        if self.bits_allocated == 1:
            if self.encapsulated:
                self.frame_bytes = n // 8 + (n % 8 > 0)
            else:
                self.frame_bytes = n // 8 if n % 8 == 0 else n / 8
            return
        n *= self.bits_allocated // 8
        if self.photometric == "YBR_FULL_422" and not self.encapsulated:
            n = n // 3 * 2
        self.frame_bytes = n

    @cached_property
    def vr(self):
        """The pixel element's VR as written (implicit files: 'OW', as pydicom corrects it)."""
        return _raw_vr(self.dataset, self.element.tag)

    def shape(self, frames=None):
        """pydicom's output shape: no frame axis for one frame, samples last."""
        frames = self.frames if frames is None else frames
        plane: tuple[int, ...]
        if self.samples_per_pixel == 1:
            plane = (self.rows, self.columns)
        else:
            plane = (self.rows, self.columns, self.samples_per_pixel)
        return plane if frames == 1 else (frames,) + plane


@lru_cache(maxsize=256)
def dtype_for(keyword, bits_allocated, pixel_representation, little_endian=True):
    """numpy dtype for pixel samples, as pydicom's ``DecodeRunner.pixel_dtype``."""
    dtype: numpy.dtype[Any]
    if keyword == "FloatPixelData":
        dtype = numpy.dtype("float32")
    elif keyword == "DoubleFloatPixelData":
        dtype = numpy.dtype("float64")
    else:
        name = "u1" if bits_allocated == 1 else "ui"[pixel_representation] + str(bits_allocated // 8)
        if name[1:] not in ("1", "2", "4", "8"):
            raise PixelDataError(f"Bits Allocated {bits_allocated} needs the data type "
                                 f"'{name}', which NumPy does not support")
        dtype = numpy.dtype(name)
    return dtype.newbyteorder("<" if little_endian else ">")


def _pixel_element(ds):
    present = [tag for tag in PIXEL_KEYWORDS if tag in ds]
    if not present:
        raise PixelDataError("The dataset has no Pixel Data, Float Pixel Data or Double "
                             "Float Pixel Data element")
    if len(present) > 1:
        raise PixelDataError("Only one of Pixel Data, Float Pixel Data and Double Float "
                             "Pixel Data may be present")
    return present[0], ds.element(present[0])


def _raw_vr(ds, tag):
    if ds.is_implicit_VR:
        return "OW" if tag == 0x7FE00010 else ("OF" if tag == 0x7FE00008 else "OD")
    table = ds.element_table()
    code = int(table["vr"][table["tag"] == tag][0])
    return chr(code >> 8) + chr(code & 0xFF)


def _transfer_syntax(ds):
    meta = ds.file_meta
    uid = meta.get("TransferSyntaxUID") if meta is not None else None
    if not uid:
        raise PixelDataError("Unable to decode the pixel data: the file meta has no "
                             "(0002,0010) Transfer Syntax UID")
    if not isinstance(uid, str):  # a corrupted VR can make it a list or bytes
        raise PixelDataError(f"Invalid (0002,0010) Transfer Syntax UID {uid!r}")
    if uid not in NATIVE_SYNTAXES and uid not in ENCAPSULATED_SYNTAXES:
        raise UnsupportedTransferSyntaxError(
            f"Pixel data in transfer syntax {uid} cannot be decoded by cydicom")
    return uid


def _int_or_none(value):
    if isinstance(value, list):  # VM > 1 where one value is expected: as pydicom, an error
        raise PixelDataError(f"Expected one value, got {value!r}")
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise PixelDataError(f"Invalid integer value {value!r}") from None
    return value


def describe(ds):
    """The ``PixelDescription`` of a cydicom dataset; PixelDataError when it is unusable.

    Kept on the dataset (whose elements never change) while its ``file_meta`` is the same
    object, so repeated ``pixel_view()``/``frame(i)`` calls cost microseconds. A description
    that warned is not kept: each call warns again, as pydicom's does.
    """
    cached = ds._pixel_cache
    if cached is not None and cached[0] is ds.file_meta:
        return cached[1]
    desc, warned = _describe(ds)
    if not warned:
        ds._pixel_cache = (ds.file_meta, desc)
    return desc


def _describe(ds):
    """(description, whether a warning was given)."""
    tag, element = _pixel_element(ds)
    keyword = PIXEL_KEYWORDS[tag]
    uid = _transfer_syntax(ds)
    fingerprint = ds._raw_fingerprint(_FINGERPRINT_TAGS)
    key = (keyword, fingerprint)
    fields = _FIELDS_BY_FINGERPRINT.get(key) if fingerprint is not None else None
    warned = False
    if fields is None:
        fields, warned = _image_fields(ds, keyword)
        if fingerprint is not None and not warned:
            if len(_FIELDS_BY_FINGERPRINT) >= 256:
                _FIELDS_BY_FINGERPRINT.clear()
            _FIELDS_BY_FINGERPRINT[key] = fields
    eot = None
    if 0x7FE00001 in ds:
        if 0x7FE00002 not in ds:
            raise PixelDataError("Extended Offset Table without Extended Offset Table Lengths")
        eot = (ds.get(0x7FE00001), ds.get(0x7FE00002))
    desc = PixelDescription(transfer_syntax=uid, keyword=keyword, element=element, dataset=ds,
                            extended_offsets=eot, **fields)
    if fingerprint is not None and not warned and eot is None:
        _remember_layout(desc, (uid, tag, fingerprint))
    return desc, warned


def _remember_layout(desc, key):
    """Let files with this layout skip the description (``_layouts``) when their native
    view is plain: little endian, whole bytes, no YBR_FULL_422, samples last."""
    if (desc.encapsulated or not desc.little_endian or desc.bits_allocated == 1
            or desc.photometric == "YBR_FULL_422"
            or (desc.samples_per_pixel != 1 and desc.planar_configuration != 0)):
        return
    length = desc.frame_bytes * desc.frames
    check_bits = (desc.bits_stored if desc.keyword == "PixelData"
                  and desc.bits_stored < desc.bits_allocated else 0)
    _layouts.remember(key, _FINGERPRINT_TAGS, desc.dtype, desc.shape(),
                      desc.frame_pixels * desc.frames, length, length + length % 2,
                      check_bits, not needs_rgb(desc.photometric))


# The files of a series share their group 0028 bytes: the validated image fields are kept
# by the raw encoding of those elements (Dataset._raw_fingerprint), a few microseconds
# instead of nine conversions per file.
_FINGERPRINT_TAGS = tuple(tag for tag, _ in _GROUP_0028.values())
_FIELDS_BY_FINGERPRINT: dict = {}


def _image_fields(ds, keyword):
    """The checked image fields of the description (a dict), and whether a warning was given."""
    values = {name: ds.get(etag) for name, (etag, _) in _GROUP_0028.items()}
    frames = _int_or_none(values["NumberOfFrames"]) if 0x00280008 in ds else 1
    warned = frames in (None, 0)
    if warned:
        warnings.warn(f"A value of '{frames}' for (0028,0008) 'Number of Frames' is invalid, "
                      "assuming 1 frame", DicomWarning, stacklevel=5)
        frames = 1
    _require(values, "BitsAllocated")
    ba = _int_or_none(values["BitsAllocated"])
    if not 1 <= ba <= 64 or (ba != 1 and ba % 8):
        raise PixelDataError(f"A (0028,0100) 'Bits Allocated' value of '{ba}' is invalid, "
                             "it must be 1 or a multiple of 8 and in the range (1, 64)")
    if keyword != "PixelData" and ba != (32 if keyword == "FloatPixelData" else 64):
        # pydicom reads 32- or 64-bit floats whatever Bits Allocated says, then fails to
        # shape them (a ValueError, as this is)
        raise PixelDataError(f"A (0028,0100) 'Bits Allocated' value of '{ba}' is invalid "
                             f"for {keyword}, it must be "
                             f"{32 if keyword == 'FloatPixelData' else 64}")
    bs = _int_or_none(values["BitsStored"])
    if keyword == "PixelData":
        _require(values, "BitsStored")
        if not 1 <= bs <= ba:
            raise PixelDataError(f"A (0028,0101) 'Bits Stored' value of '{bs}' is invalid, "
                                 f"it must be in the range (1, {ba})")
    columns = _checked_size(values, "Columns")
    if frames < 1:
        raise PixelDataError(f"A (0028,0008) 'Number of Frames' value of '{frames}' is invalid")
    _require(values, "PhotometricInterpretation")
    photometric = values["PhotometricInterpretation"]
    if not isinstance(photometric, str) or photometric not in KNOWN_PHOTOMETRIC:
        raise PixelDataError(f"Unknown (0028,0004) 'Photometric Interpretation' value "
                             f"'{photometric}'")
    pr = _int_or_none(values["PixelRepresentation"])
    if keyword == "PixelData":
        _require(values, "PixelRepresentation")
        if pr not in (0, 1):
            raise PixelDataError(f"A (0028,0103) 'Pixel Representation' value of '{pr}' is "
                                 "invalid, it must be 0 or 1")
    rows = _checked_size(values, "Rows")
    _require(values, "SamplesPerPixel")
    spp = _int_or_none(values["SamplesPerPixel"])
    if spp not in (1, 3):
        raise PixelDataError(f"A (0028,0002) 'Samples per Pixel' value of '{spp}' is "
                             "invalid, it must be 1 or 3")
    pc = _int_or_none(values["PlanarConfiguration"])
    if spp == 3:
        _require(values, "PlanarConfiguration")
        if pc not in (0, 1):
            raise PixelDataError(f"A (0028,0006) 'Planar Configuration' value of '{pc}' is "
                                 "invalid, it must be 0 or 1")
    fields = dict(rows=rows, columns=columns, frames=frames, samples_per_pixel=spp,
                  bits_allocated=ba, bits_stored=bs if bs is not None else ba,
                  pixel_representation=pr if pr is not None else 0,
                  planar_configuration=pc if pc is not None else 0, photometric=photometric)
    return fields, warned


def _require(values, name):
    if values[name] is None:
        tag, label = _GROUP_0028[name]
        raise PixelDataError(f"Missing required element: ({tag >> 16:04X},{tag & 0xFFFF:04X}) "
                             f"'{label}'")


def _checked_size(values, name):
    _require(values, name)
    value = _int_or_none(values[name])
    if not 0 < value <= 0xFFFF:
        tag, label = _GROUP_0028[name]
        raise PixelDataError(f"A ({tag >> 16:04X},{tag & 0xFFFF:04X}) '{label}' value of "
                             f"'{value}' is invalid, it must be in the range (1, 65535)")
    return value
