"""Type stubs of ``cydicom._values`` (Cython): one converter per VR."""
from typing import Any, Final

from ._charset import decode_text as decode_text
from .errors import InvalidValueError as InvalidValueError, LengthError as LengthError

TEXT_EMPTY_VRS: Final[frozenset[str]]
CHARSET_VRS: Final[frozenset[str]]
KNOWN_VRS: Final[frozenset[str]]
LATIN1_CODECS: Final[frozenset[str]]
RETRY_ORDER: Final[tuple[str, ...]]

def empty_value(vr: str) -> str | None: ...
def convert(
    vr: str, data: bytes, little: bool = True, encodings: tuple[str, ...] = ("iso8859",)
) -> Any: ...
