"""Specific Character Set (0008,0005): DICOM terms to Python codecs, and text decoding.

Follows pydicom 3.0.2's ``charset.convert_encodings`` and ``decode_bytes``. Values without
an ESC byte decode here with the first codec; values with ISO 2022 escape sequences go to
``pydicom.charset.decode_bytes`` (imported only then), so the rare code-extension path is
bit-exact with pydicom without re-implementing it.
"""
import codecs
import re
import warnings

from .errors import DicomWarning, InvalidValueError

DEFAULT_ENCODING = "iso8859"  # latin-1: what pydicom uses when no charset is given
DEFAULT_ENCODINGS = (DEFAULT_ENCODING,)

PYTHON_ENCODING = {
    "": "iso8859", "ISO_IR 6": "iso8859", "ISO_IR 13": "shift_jis",
    "ISO_IR 100": "latin_1", "ISO_IR 101": "iso8859_2", "ISO_IR 109": "iso8859_3",
    "ISO_IR 110": "iso8859_4", "ISO_IR 126": "iso_ir_126", "ISO_IR 127": "iso_ir_127",
    "ISO_IR 138": "iso_ir_138", "ISO_IR 144": "iso_ir_144", "ISO_IR 148": "iso_ir_148",
    "ISO_IR 166": "iso_ir_166", "ISO 2022 IR 6": "iso8859", "ISO 2022 IR 13": "shift_jis",
    "ISO 2022 IR 87": "iso2022_jp", "ISO 2022 IR 100": "latin_1",
    "ISO 2022 IR 101": "iso8859_2", "ISO 2022 IR 109": "iso8859_3",
    "ISO 2022 IR 110": "iso8859_4", "ISO 2022 IR 126": "iso_ir_126",
    "ISO 2022 IR 127": "iso_ir_127", "ISO 2022 IR 138": "iso_ir_138",
    "ISO 2022 IR 144": "iso_ir_144", "ISO 2022 IR 148": "iso_ir_148",
    "ISO 2022 IR 149": "euc_kr", "ISO 2022 IR 159": "iso2022_jp_2",
    "ISO 2022 IR 166": "iso_ir_166", "ISO 2022 IR 58": "iso_ir_58",
    "ISO_IR 192": "UTF8", "GB18030": "GB18030", "ISO 2022 GBK": "GBK",
    "ISO 2022 58": "GB2312", "GBK": "GBK",
}
STAND_ALONE = ("ISO_IR 192", "GBK", "GB18030")
ESC = 0x1B


def _warn(message):
    warnings.warn(message, DicomWarning, stacklevel=4)


def _corrected_encoding(term):
    """A misspelt or non-DICOM term: fix ISO_IR/ISO 2022 spellings, accept Python codecs."""
    patched = None
    if re.match("^ISO[^_]IR", term) is not None:
        patched = "ISO_IR" + term[6:]
    elif re.match("^(?=ISO.2022.IR.)(?!ISO 2022 IR )", term) is not None:
        patched = "ISO 2022 IR " + term[12:]
    if patched:
        if patched in PYTHON_ENCODING:
            _warn(f"Incorrect value for Specific Character Set '{term}' - assuming '{patched}'")
            return PYTHON_ENCODING[patched]
        _warn(f"Incorrect value for Specific Character Set '{term}' - using default encoding")
        return DEFAULT_ENCODING
    try:
        codecs.lookup(term)
        return term
    except ValueError:  # a NUL inside the term: pydicom fails here too
        raise InvalidValueError(f"Specific Character Set term {term!r} contains a NUL") from None
    except LookupError:
        _warn(f"Unknown encoding '{term}' - using default encoding instead")
        return DEFAULT_ENCODING


def convert_encodings(value):
    """The Python codecs for a (0008,0005) value (str, list of str or None)."""
    if not value:
        terms = ["ISO_IR 6"]
    elif isinstance(value, str):
        terms = [value]
    elif isinstance(value, list):
        terms = list(value)
        if not terms[0]:
            terms[0] = "ISO_IR 6"
    else:  # e.g. (0008,0005) written with a numeric VR: pydicom fails with a TypeError
        raise InvalidValueError(f"Specific Character Set value {value!r} is not text")
    result = []
    for term in terms:
        if not isinstance(term, str):  # e.g. (0008,0005) written with a numeric VR
            raise InvalidValueError(f"Specific Character Set term {term!r} is not text")
        encoding = PYTHON_ENCODING.get(term)
        result.append(encoding if encoding is not None else _corrected_encoding(term))
    if len(terms) > 1:
        if terms[0] in STAND_ALONE:
            _warn(f"Value '{terms[0]}' for Specific Character Set does not allow code "
                  f"extensions, ignoring: {', '.join(terms[1:])}")
            return result[:1]
        for i in range(len(terms) - 1, 0, -1):
            if terms[i] in STAND_ALONE:
                _warn(f"Value '{terms[i]}' cannot be used as code extension, ignoring it")
                del result[i]
    return result


def decode_text(data, encodings):
    """Decode the bytes of an SH/LO/ST/LT/UC/UT/PN value (pydicom's ``decode_bytes``)."""
    if ESC in data:
        from pydicom.charset import decode_bytes  # ISO 2022 code extensions only
        from pydicom.valuerep import TEXT_VR_DELIMS

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return decode_bytes(bytes(data), list(encodings), TEXT_VR_DELIMS)
    encoding = encodings[0]
    try:
        return data.decode(encoding)
    except LookupError:
        _warn(f"Unknown encoding '{encoding}' - using default encoding instead")
        return data.decode(DEFAULT_ENCODING)
    except UnicodeError:
        _warn(f"Failed to decode byte string with encoding '{encoding}' - "
              "using replacement characters in decoded string")
        return data.decode(encoding, errors="replace")
