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


def _element(el, vr, value):
    """A pydicom DataElement for a converted cydicom element (SQ: ``value`` is built)."""
    from pydicom.dataelem import DataElement

    if vr in ("US or SS", "US or OW", "US or SS or OW", "OB or OW") and value is not None:
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


class _Level:
    """One dataset being converted: its elements still to add, and a sequence in progress."""

    def __init__(self, out, source):
        self.out = out
        self.source = source
        self.elements = iter(source)
        self.sequence = None  # (cydicom element, its items, the pydicom items built so far)


def _dataset(ds, cls=None):
    """The pydicom Dataset for ``ds``, items built before their sequence is added (as a
    recursive conversion would, so pydicom sees the same state), with an explicit stack:
    nesting up to ``max_depth`` (1000) must not exhaust Python's recursion limit."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    root = (cls or Dataset)()
    stack = [_Level(root, ds)]
    while stack:
        level = stack[-1]
        if level.sequence is not None:
            el, items, built = level.sequence
            if len(built) < len(items):
                built.append(Dataset())
                stack.append(_Level(built[-1], items[len(built) - 1]))
                continue
            level.sequence = None
            level.out.add(_element(el, "SQ", Sequence(built)))
        el = next(level.elements, None)
        if el is None:
            undefined = level.source.is_undefined_length_item
            level.out.is_undefined_length_sequence_item = bool(undefined)
            stack.pop()
            continue
        try:
            vr, value = el.vr, el.value
        except DicomError:
            level.out.add(_unconverted(el))
            continue
        if vr == "SQ":
            level.sequence = (el, value, [])
        else:
            level.out.add(_element(el, vr, value))
    return root


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
