"""The exceptions cydicom raises: all are ``DicomError``, itself a ``ValueError``.

Every message names the byte offset and, where known, the tag, so a bad file can be
looked at with a hex editor.
"""


class DicomError(ValueError):
    """Base class of every error cydicom raises for bad or unsupported input."""


class InvalidDicomError(DicomError):
    """The input is not DICOM (no ``DICM`` prefix and ``force`` not given)."""


class TruncatedError(DicomError):
    """The data ends inside an element header, an item header or before a delimiter."""


class LengthError(DicomError):
    """A length field is impossible for its VR (e.g. US with 3 bytes)."""


class InvalidVRError(DicomError):
    """An element has an unknown or unusable value representation."""


class NestingError(DicomError):
    """Sequences are nested deeper than the configured limit."""


class LimitError(DicomError):
    """The input exceeds a limit that protects against hostile files (e.g. a quadratic structure)."""


class DeflateError(DicomError):
    """The deflated dataset cannot be inflated (corrupt, truncated or too large)."""


class UnsupportedTransferSyntaxError(DicomError):
    """The transfer syntax is known but cannot be handled by cydicom."""


class InvalidValueError(DicomError):
    """A value that cannot be converted (e.g. IS 'inf', which has no integer value)."""


class AmbiguousVRError(DicomError):
    """An ambiguous dictionary VR (e.g. 'US or SS') cannot be resolved from the dataset."""


class DicomWarning(UserWarning):
    """Lenient-mode warning: something was wrong with the data but reading went on."""


class PixelDataError(DicomError):
    """The pixel data or its description (group 0028) is missing, invalid or inconsistent."""


class EncapsulationError(PixelDataError):
    """Encapsulated pixel data has malformed items, offset tables or fragments."""


class DecoderError(PixelDataError):
    """A compressed frame could not be decoded; the message names transfer syntax and decoder."""


class MissingDecoderError(DecoderError):
    """No installed decoder handles the transfer syntax (the message says what to install)."""
