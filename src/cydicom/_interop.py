"""``Dataset.to_pydicom()``: an equivalent pydicom Dataset built from cydicom's elements.

Values are the ones cydicom converted (pydicom only wraps them in its own types, as
when a user assigns them). An element cydicom cannot convert is kept as UN with its raw
bytes, so nothing is lost. pydicom is imported only here.
"""
import warnings

from .errors import DicomError


def _unconverted(el):
    """An element cydicom cannot convert: UN with its raw bytes, never converted by pydicom.

    (pydicom would replace UN by the dictionary VR of a public tag and convert the bytes
    again, failing the same way.)
    """
    from pydicom.dataelem import DataElement

    elem = DataElement(el.tag, "UN", bytes(el.raw), el.offset, el.is_undefined_length,
                       already_converted=True)
    elem.VR = "UN"
    return elem


def _element(el):
    from pydicom.dataelem import DataElement
    from pydicom.sequence import Sequence

    try:
        vr, value = el.vr, el.value
    except DicomError:
        return _unconverted(el)
    if vr == "SQ":
        value = Sequence([_dataset(item) for item in value])
    elif vr in ("US or SS", "US or OW", "US or SS or OW", "OB or OW") and value is not None:
        value = bytes(value)
    try:
        elem = DataElement(el.tag, vr, value, el.offset, el.is_undefined_length)
    except (ValueError, TypeError, OverflowError):
        # a value pydicom's setter rejects (e.g. an invalid IS kept as str, as pydicom's
        # own reader keeps it): store it unconverted, as pydicom does when reading
        elem = DataElement(el.tag, vr, value, el.offset, el.is_undefined_length,
                           already_converted=True)
    if vr == "SQ":
        elem.value.is_undefined_length = el.is_undefined_length
    return elem


def _dataset(ds, cls=None):
    from pydicom.dataset import Dataset

    out = (cls or Dataset)()
    for el in ds:
        out.add(_element(el))
    out.is_undefined_length_sequence_item = bool(ds.is_undefined_length_item)
    return out


def to_pydicom(ds):
    """Convert a cydicom Dataset (and its file meta, preamble) to a pydicom Dataset."""
    from pydicom.dataset import FileDataset, FileMetaDataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        body = _dataset(ds)
        meta = ds.file_meta
        if meta is None:
            return body
        file_meta = _dataset(meta, FileMetaDataset)
        out = FileDataset("", body, preamble=ds.preamble, file_meta=file_meta,
                          is_implicit_VR=ds.is_implicit_VR,
                          is_little_endian=ds.is_little_endian)
    return out
