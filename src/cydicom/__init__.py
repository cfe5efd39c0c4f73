"""cydicom: fast, lazy DICOM reading with pydicom's semantics and a Cython core."""
from .dataset import Dataset, Element, Sequence
from .errors import (
    AmbiguousVRError,
    DeflateError,
    DicomError,
    DicomWarning,
    InvalidDicomError,
    InvalidVRError,
    InvalidValueError,
    LengthError,
    LimitError,
    NestingError,
    TruncatedError,
    UnsupportedTransferSyntaxError,
)
from .filereader import dcmread

__version__ = "0.1.0"

__all__ = [
    "AmbiguousVRError", "Dataset", "DeflateError", "DicomError", "DicomWarning", "Element",
    "InvalidDicomError", "InvalidVRError", "InvalidValueError", "LengthError", "LimitError", "NestingError", "Sequence",
    "TruncatedError", "UnsupportedTransferSyntaxError", "dcmread", "__version__",
]
