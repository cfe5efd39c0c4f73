"""The pydicom oracle, the cydicom reader and the comparison between them (CONFORMANCE §0, §6, §7.3).

Both readers return an *outcome*: ``("ok", canon)`` or ``("error", exception class name)``.
``canon`` is a plain, comparable structure::

    {"preamble": bytes | None, "file_meta": {tag: element}, "dataset": {tag: element}}
    element = (vr, value, is_undefined_length) | ("ERR", exception class name)
    value   = None | ("int", n) | ("float", ieee_bits, repr) | ("str", s) | ("bytes", b)
            | ("list", [value, ...]) | ("seq", [{"undefined_length_item": bool,
                                                  "elements": {tag: element}}, ...])

pydicom's wrapper types and cydicom's plain types meet in it as §6.3 says: DSfloat, ISfloat and
float by IEEE bit pattern; IS, BaseTag and int by value; PersonName and UID as str; MultiValue and
list as list. The kind of each value (None, str, int, float, bytes, list) stays exact.
"""
import faulthandler
import io
import logging
import os
import signal
import struct
import threading
import time
import warnings
from contextlib import contextmanager

# A pydicom warning that means "I returned an empty (or partial) dataset" (quirk 1).
EOF_BEFORE_DELIMITER = "End of file reached before delimiter"
# pydicom's read_dataset also swallows a NotImplementedError (e.g. an unknown VR on the
# (0008,0005) of an item in an undefined-length sequence) with only logger.error, and returns
# the dataset it was reading empty (undefined length) or cut short (defined length).
SWALLOWED_ERROR_FUNCTION = "read_dataset"

# pydicom file-level outcomes that cydicom does not reproduce (CONFORMANCE decisions 5, 6).
QUIRK_ERRORS = {
    "RecursionError": "pydicom recurses ~200 levels deep; cydicom raises NestingError instead",
    "ValueError": "a NUL in a charset term (quirk 11)",
}

# pydicom file-level exception name -> the cydicom exception names that may stand for it.
ERROR_MAP = {
    "InvalidDicomError": {"InvalidDicomError"},
    "error": {"TruncatedError", "DeflateError"},            # struct.error, zlib.error
    "OSError": {"TruncatedError"},
    "BytesLengthException": {"LengthError"},
    "NotImplementedError": {"InvalidVRError", "UnsupportedTransferSyntaxError"},
}


class Identity(dict):
    """An error map for pydicom-on-both-sides runs: every name maps to itself."""

    def get(self, key, default=None):
        return {key}


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------

def _float(x):
    x = float(x)
    return ("float", struct.pack("<d", x).hex(), repr(x))


def _pydicom_scalar(x):
    """pydicom value -> canonical scalar (wrapper types by what they stand for)."""
    from pydicom.valuerep import PersonName

    if x is None:
        return None
    if isinstance(x, bool):
        return ("UNHANDLED", type(x).__name__, repr(x))
    if isinstance(x, bytes):
        return ("bytes", bytes(x))
    if isinstance(x, PersonName):
        return ("str", str(x))
    if isinstance(x, float):                 # DSfloat, ISfloat, FL/FD
        return _float(x)
    if isinstance(x, int):                   # IS, BaseTag, US/SS/...
        return ("int", int(x))
    if isinstance(x, str):                   # UID, fallbacks of invalid DS/IS, text
        return ("str", str(x))
    return ("UNHANDLED", type(x).__name__, repr(x))


def _plain_scalar(x):
    """cydicom value -> canonical scalar; anything that is not plain Python stands out."""
    t = type(x)
    if x is None:
        return None
    if t is bytes:
        return ("bytes", x)
    if t is str:
        return ("str", x)
    if t is float:
        return _float(x)
    if t is int:
        return ("int", x)
    return ("UNHANDLED", t.__name__, repr(x))


def _pydicom_value(vr, value):
    from pydicom.multival import MultiValue
    from pydicom.sequence import Sequence

    if isinstance(value, Sequence):
        return ("seq", [_pydicom_item(item) for item in value])
    if isinstance(value, (MultiValue, list)):
        return ("list", [_pydicom_scalar(x) for x in value])
    return _pydicom_scalar(value)


def _plain_value(vr, value):
    if type(value) is list:
        if vr == "SQ" or any(_looks_like_dataset(x) for x in value):
            return ("seq", [_cydicom_item(item) for item in value])
        return ("list", [_plain_scalar(x) for x in value])
    if vr == "SQ" and value is not None and not isinstance(value, (str, bytes)):
        return ("seq", [_cydicom_item(item) for item in value])
    return _plain_scalar(value)


def _looks_like_dataset(x):
    return hasattr(x, "is_undefined_length_item") and hasattr(x, "__iter__")


# ---------------------------------------------------------------------------------------------
# pydicom: materialise every element, one at a time, recursively (CONFORMANCE §0)
# ---------------------------------------------------------------------------------------------

def _pydicom_elements(ds):
    out = {}
    for tag in sorted(ds._dict):
        try:
            elem = ds[tag]
            vr = str(elem.VR)
            out[int(tag)] = (vr, _pydicom_value(vr, elem.value), bool(elem.is_undefined_length))
        except RecursionError:
            raise
        except Exception as exc:             # a per-element error, raised on access
            out[int(tag)] = ("ERR", type(exc).__name__)
    return out


def _pydicom_item(item):
    return {"undefined_length_item": bool(item.is_undefined_length_sequence_item),
            "elements": _pydicom_elements(item)}


def _source(data):
    return io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data


class _ErrorRecords(logging.Handler):
    """Collects the ERROR records pydicom logs while reading."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def _raised_in(exc, function):
    """True if the innermost frame of exc's traceback is `function`."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_name == function


@contextmanager
def _watch_charset_nul(quirks):
    """Flag quirk 11 wherever it happens: a charset term with a NUL makes pydicom raise
    ValueError, which becomes a file-level error, or inside a sequence a retry of other VRs
    that ends in a TypeError for the whole sequence."""
    import pydicom.charset as charset

    original = charset._python_encoding_for_corrected_encoding

    def watched(encoding):
        if isinstance(encoding, str) and "\x00" in encoding:
            quirks.add("charset-nul: a NUL in a charset term (quirk 11)")
        return original(encoding)

    charset._python_encoding_for_corrected_encoding = watched
    try:
        yield
    finally:
        charset._python_encoding_for_corrected_encoding = original


def pydicom_outcome(data, **kwargs):
    """Read with pydicom's defaults; return (outcome, quirks seen on the way)."""
    from pydicom import dcmread

    quirks = set()
    errors = _ErrorRecords()
    logger = logging.getLogger("pydicom")
    logger.addHandler(errors)
    with warnings.catch_warnings(record=True) as caught, _watch_charset_nul(quirks):
        warnings.simplefilter("always")
        try:
            fds = dcmread(_source(data), **kwargs)
            outcome = ("ok", {"preamble": fds.preamble,
                              "file_meta": _pydicom_elements(fds.file_meta),
                              "dataset": _pydicom_elements(fds)})
        except RecursionError:
            outcome = ("error", "RecursionError")
        except Exception as exc:             # struct.error, zlib.error, OSError, ...
            outcome = ("error", type(exc).__name__)
            if isinstance(exc, TypeError) and _raised_in(exc, "read_dataset"):
                # EOF before a delimiter in a deflated file: pydicom's EOFError handler builds
                # its warning with `" in file " + fp.name`, and the inflated buffer's name is None
                quirks.add("eof-before-delimiter (deflated): pydicom's warning raises TypeError")
        finally:
            logger.removeHandler(errors)
    if any(r.funcName == SWALLOWED_ERROR_FUNCTION for r in errors.records):
        quirks.add("swallowed-error: pydicom logged an error and dropped the dataset it was reading")
    if any(EOF_BEFORE_DELIMITER in str(w.message) for w in caught):
        quirks.add("eof-before-delimiter: pydicom drops the dataset it was reading")
    if outcome[0] == "error" and outcome[1] in QUIRK_ERRORS:
        quirks.add(f"{outcome[1]}: {QUIRK_ERRORS[outcome[1]]}")
    return outcome, quirks


def pydicom_canonical(data, **kwargs):
    """("ok", canon) or ("error", exception class name), as pydicom reads `data`."""
    return pydicom_outcome(data, **kwargs)[0]


# ---------------------------------------------------------------------------------------------
# cydicom: the same form, built from cydicom's own elements
# ---------------------------------------------------------------------------------------------

def _dicom_error():
    import cydicom
    return cydicom.DicomError


def _cydicom_elements(ds):
    dicom_error = _dicom_error()
    out = {}
    previous = -1
    count = 0
    for elem in ds:
        tag = elem.tag
        count += 1
        if type(tag) is not int or tag <= previous:
            out["__invariant__"] = f"tags not ascending ints: {previous!r} then {tag!r}"
        previous = tag
        try:
            vr = elem.vr
            value = _plain_value(vr, elem.value)
            out[tag] = (vr if type(vr) is str else ("UNHANDLED", repr(vr)), value,
                        bool(elem.is_undefined_length))
        except dicom_error as exc:
            out[tag] = ("ERR", type(exc).__name__)
        except RecursionError:
            raise
        except Exception as exc:             # never allowed: stands out as a mismatch
            out[tag] = ("ERR-NOT-DICOMERROR", type(exc).__name__, str(exc)[:200])
    if len(ds) != count:
        out["__invariant__"] = f"len(ds) == {len(ds)} but iteration gave {count} elements"
    return out


def _cydicom_item(item):
    if not _looks_like_dataset(item):
        return ("UNHANDLED", type(item).__name__, _short(item))
    return {"undefined_length_item": bool(item.is_undefined_length_item),
            "elements": _cydicom_elements(item)}


def cydicom_canonical(data, **kwargs):
    """("ok", canon) or ("error", DicomError subclass name), as cydicom reads `data`.

    Any exception that is not a DicomError propagates, so the test fails on it.
    """
    import cydicom

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = cydicom.dcmread(data, **kwargs)
        except cydicom.DicomError as exc:
            return ("error", type(exc).__name__)
        meta = ds.file_meta
        return ("ok", {"preamble": ds.preamble,
                       "file_meta": _cydicom_elements(meta) if meta is not None else None,
                       "dataset": _cydicom_elements(ds)})


def cydicom_available():
    try:
        import cydicom
        return callable(getattr(cydicom, "dcmread", None))
    except ImportError:
        return False


# ---------------------------------------------------------------------------------------------
# Comparison (CONFORMANCE §6.2 properties 1, 3, 4)
# ---------------------------------------------------------------------------------------------

def _short(x, limit=300):
    text = repr(x)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def _key_name(key):
    return f"({key >> 16:04X},{key & 0xFFFF:04X})" if isinstance(key, int) else str(key)


def _sort_key(key):
    return (isinstance(key, str), key if isinstance(key, str) else int(key))


def _is_error(x):
    return type(x) is tuple and x[:1] == ("ERR",)


def _is_sequence_element(x):
    return type(x) is tuple and len(x) == 3 and type(x[1]) is tuple and x[1][:1] == ("seq",)


def first_difference(theirs, ours):
    """The first place where two canonical forms differ, described, or None if they are equal.

    Per-element errors are equal whatever their class. Iterative, so deep nesting is fine.
    """
    stack = [("$", theirs, ours)]
    while stack:
        path, a, b = stack.pop()
        if _is_error(a) and _is_error(b):
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            pending = []
            for key in sorted(set(a) | set(b), key=_sort_key):
                sub = f"{path}/{_key_name(key)}"
                if key not in b:
                    return f"{sub}: only pydicom has it: {_short(a[key])}"
                if key not in a:
                    return f"{sub}: only cydicom has it: {_short(b[key])}"
                pending.append((sub, a[key], b[key]))
            stack.extend(reversed(pending))
        elif _is_sequence_element(a) and _is_sequence_element(b):
            (vr_a, (_, items_a), und_a), (vr_b, (_, items_b), und_b) = a, b
            if (vr_a, und_a) != (vr_b, und_b):
                return (f"{path}: pydicom (VR, undefined length) {(vr_a, und_a)} != cydicom "
                        f"{(vr_b, und_b)}")
            if len(items_a) != len(items_b):
                return f"{path}: pydicom has {len(items_a)} items, cydicom {len(items_b)}"
            stack.extend(reversed([(f"{path}[{i}]", x, y)
                                   for i, (x, y) in enumerate(zip(items_a, items_b))]))
        elif a != b:
            return f"{path}: pydicom {_short(a)} != cydicom {_short(b)}"
    return None


def compare_outcomes(theirs, ours, error_map=ERROR_MAP):
    """Raise AssertionError unless `ours` is what `theirs` (pydicom) says it must be."""
    if theirs[0] == "error":
        assert ours[0] == "error", (
            f"pydicom raised {theirs[1]} at file level; cydicom returned a dataset")
        allowed = error_map.get(theirs[1])
        if allowed is not None:
            assert ours[1] in allowed, (
                f"pydicom raised {theirs[1]}; cydicom raised {ours[1]}, expected one of "
                f"{sorted(allowed)}")
        return
    assert ours[0] == "ok", f"cydicom raised {ours[1]} where pydicom read the file"
    diff = first_difference(theirs[1], ours[1])
    if diff:
        raise AssertionError(diff)


def _skip(reason):
    import hypothesis
    if hypothesis.currently_in_test_context():
        hypothesis.reject()
    import pytest
    pytest.skip(reason)


def assert_same_as_pydicom(data, *, reader=None, error_map=ERROR_MAP, on_quirk=_skip, budget=None,
                           **kwargs):
    """cydicom (or `reader`) must read `data` as pydicom does, apart from the quirks.

    A pydicom quirk calls on_quirk(reason): hypothesis rejects the example, pytest skips.
    With `budget` (seconds), the reader must finish in time. Returns pydicom's outcome.
    """
    theirs, quirks = pydicom_outcome(data, **kwargs)
    if quirks:
        on_quirk("pydicom quirk: " + "; ".join(sorted(quirks)))
        return theirs
    read = reader or cydicom_canonical
    if budget is None:
        ours = read(data, **kwargs)
    else:
        with time_budget(budget):
            ours = read(data, **kwargs)
    compare_outcomes(theirs, ours, error_map)
    return theirs


# ---------------------------------------------------------------------------------------------
# Time budget for malformed input
# ---------------------------------------------------------------------------------------------

class BudgetExceeded(AssertionError):
    pass


@contextmanager
def time_budget(seconds):
    """Fail if the block takes longer than `seconds`.

    SIGALRM interrupts Python code; if the block hangs inside C and never returns to the
    interpreter, faulthandler dumps the stacks and ends the process after 3x the budget.
    """
    main = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")

    def _alarm(signum, frame):
        raise BudgetExceeded(f"still running after {seconds} s")

    if main:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(3 * seconds, exit=True)
    start = time.perf_counter()
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        if main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    elapsed = time.perf_counter() - start
    if elapsed > seconds:
        raise BudgetExceeded(f"took {elapsed:.2f} s, budget {seconds} s")


BUDGET_SECONDS = float(os.environ.get("CYDICOM_TIME_BUDGET", "5"))
