"""cydicom: fast, lazy DICOM reading with pydicom's semantics and a Cython core."""
from .dataset import Dataset, Element, Sequence
from .errors import (
    AmbiguousVRError,
    DecoderError,
    DeflateError,
    EncapsulationError,
    DicomError,
    DicomWarning,
    InvalidDicomError,
    InvalidVRError,
    InvalidValueError,
    LengthError,
    LimitError,
    MissingDecoderError,
    NestingError,
    PixelDataError,
    TruncatedError,
    UnsupportedTransferSyntaxError,
)
from .filereader import dcmread
from .scanning import ScanResult, scan

__version__ = "0.1.0"

__all__ = [
    "AmbiguousVRError", "Dataset", "DeflateError", "DicomError", "DicomWarning", "Element",
    "InvalidDicomError", "InvalidVRError", "InvalidValueError", "LengthError", "LimitError", "NestingError", "Sequence",
    "TruncatedError", "UnsupportedTransferSyntaxError", "dcmread", "__version__",
    "PixelDataError", "EncapsulationError", "DecoderError", "MissingDecoderError",
    "ScanResult", "scan",
]
