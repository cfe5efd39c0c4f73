"""Property tests: cydicom reads generated input as pydicom does (CONFORMANCE §6.2, 1, 3 and 4).

1. cydicom raises only DicomError subclasses (per element too), within a time budget;
3. where pydicom reads the file, cydicom reads it too, with equal elements, values and
   per-element errors;
4. where pydicom fails at file level, cydicom raises the mapped DicomError (oracle.ERROR_MAP).
Examples on which pydicom shows a quirk that cydicom does not reproduce are rejected
(oracle.QUIRK_ERRORS, and pydicom's "End of file reached before delimiter").
"""
import pytest
from hypothesis import given, strategies as st

from . import rawgen, strategies
from .oracle import (
    BUDGET_SECONDS, assert_same_as_pydicom, cydicom_available, cydicom_canonical, time_budget,
)
from .rawgen import dicom_file, deep_nesting

pytestmark = pytest.mark.skipif(not cydicom_available(), reason="cydicom is not importable")


def _tags_of(data):
    """Top-level tags of a pydicom-readable file, and some keywords, for specific_tags."""
    import io

    import pydicom
    from pydicom.datadict import keyword_for_tag

    tags = sorted(int(t) for t in pydicom.dcmread(io.BytesIO(data)).keys())
    return tags + [kw for kw in map(keyword_for_tag, tags[:3]) if kw]


@st.composite
def read_options(draw, data):
    """dcmread keyword arguments: defaults, stop_before_pixels, or a few specific_tags."""
    choice = draw(st.sampled_from(["defaults", "defaults", "stop_before_pixels", "specific_tags"]))
    if choice == "stop_before_pixels":
        return {"stop_before_pixels": True}
    if choice == "specific_tags":
        tags = _tags_of(data)
        return {"specific_tags": draw(st.lists(st.sampled_from(tags), max_size=3))
                if tags else [0x00100010]}
    return {}


@given(st.data())
def test_valid_files(data):
    """Files written by pydicom: all VRs, sequences, transfer syntaxes, charsets, private blocks."""
    raw = data.draw(strategies.dicom_files(), label="file")
    assert_same_as_pydicom(raw, **data.draw(read_options(raw), label="options"))


@given(strategies.dicom_files())
def test_valid_files_strict(raw):
    """strict=True changes nothing for valid files."""
    assert cydicom_canonical(raw, strict=True) == cydicom_canonical(raw)


@given(rawgen.raw_files(), st.booleans(), st.booleans())
def test_raw_files(raw, force, stop_before_pixels):
    """Byte-level files: odd lengths, padding, junk DS/IS, implicit private tags, explicit UN..."""
    kwargs = {"stop_before_pixels": True} if stop_before_pixels else {}
    assert_same_as_pydicom(raw.data, force=force or raw.needs_force, budget=BUDGET_SECONDS, **kwargs)


def _malformed(name, kinds):
    def check(bad, force):
        assert_same_as_pydicom(bad.data, force=force or bad.needs_force, budget=BUDGET_SECONDS)
    check.__name__ = check.__qualname__ = name
    check.__doc__ = f"Malformed input ({', '.join(kinds)}): only DicomErrors, in time, as pydicom."
    return given(rawgen.malformed_files(kinds=kinds), st.booleans())(check)


test_truncated = _malformed("test_truncated", ("truncate",))
test_flipped_bytes = _malformed("test_flipped_bytes", ("flip_bytes", "drop_bytes"))
test_overwritten_lengths = _malformed("test_overwritten_lengths", ("overwrite_length",))
test_bogus_vrs = _malformed("test_bogus_vrs", ("bogus_vr",))
test_misused_delimiters = _malformed("test_misused_delimiters", ("misuse_delimiters",))


@given(strategies.dicom_files().flatmap(lambda d: st.integers(0, len(d)).map(lambda n: d[:n])))
def test_truncated_valid_files(data):
    """pydicom-written files cut anywhere."""
    assert_same_as_pydicom(data, budget=BUDGET_SECONDS)


# ---------------------------------------------------------------------------------------------
# Deep nesting (decision 5): compared up to 100 levels, NestingError far beyond the limit
# ---------------------------------------------------------------------------------------------

NESTING_FORMS = {
    "undefined": dict(undefined_sequences=True, undefined_items=True),
    "defined": dict(undefined_sequences=False, undefined_items=False),
    "mixed": dict(undefined_sequences=True, undefined_items=False),
}


@pytest.mark.parametrize("form", sorted(NESTING_FORMS))
@pytest.mark.parametrize("depth", [10, 64, 100])
def test_nesting_within_limit(depth, form):
    data = dicom_file(deep_nesting(depth, **NESTING_FORMS[form]))
    assert_same_as_pydicom(data, budget=BUDGET_SECONDS)


def _depth_reached(data):
    """Walk the single chain of nested items down (iteratively); return (depth, error name)."""
    import cydicom

    depth = 0
    try:
        ds = cydicom.dcmread(data)
        while 0x00081140 in ds:
            ds = ds[0x00081140][0]
            depth += 1
    except cydicom.DicomError as exc:
        return depth, type(exc).__name__
    return depth, None


@pytest.mark.parametrize("form", sorted(NESTING_FORMS))
@pytest.mark.parametrize("depth", [200, 300, 1000, 5000])
def test_nesting_beyond_limit(depth, form):
    data = dicom_file(deep_nesting(depth, **NESTING_FORMS[form]))
    with time_budget(BUDGET_SECONDS):
        reached, error = _depth_reached(data)
    assert error == "NestingError", f"reached depth {reached} of {depth}, error {error}"


# ---------------------------------------------------------------------------------------------
# Decision 4: where pydicom drops a dataset at EOF before a delimiter, cydicom keeps what it read
# ---------------------------------------------------------------------------------------------

def test_eof_before_delimiter_keeps_data():
    data = dicom_file(rawgen.element(0x00080060, "CS", b"CT")
                      + rawgen.element(0x7FE00010, "OB", b"\x01\x02", length=rawgen.UNDEFINED))
    lenient = cydicom_canonical(data)
    assert lenient[0] == "ok"
    assert lenient[1]["dataset"].get(0x00080060) == ("CS", ("str", "CT"), False)
    assert cydicom_canonical(data, strict=True) == ("error", "TruncatedError")


# ---------------------------------------------------------------------------------------------
# A repeated (0008,0005): pydicom keeps the last one in its dict, and only its VR matters
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("order", ["unknown VR first", "unknown VR last"])
def test_repeated_charset_only_the_last_counts(order):
    bad = rawgen.element(0x00080005, "HS", b"ISO_IR 192")
    good = rawgen.element(0x00080005, "CS", b"ISO_IR 100")
    name = rawgen.element(0x00100010, "PN", "Müller".encode("latin-1"))
    body = (bad + name + good) if order == "unknown VR first" else (good + name + bad)
    data = dicom_file(body)
    assert_same_as_pydicom(data)
    expected = "ok" if order == "unknown VR first" else "error"
    assert cydicom_canonical(data)[0] == expected


@pytest.mark.parametrize("vr", ["CS", "PN", "LO", "SH", "UT", "LT", "UC", "AE", "UI", "IS",
                                "DS", "US", "AT", "OB", "UN"])
@pytest.mark.parametrize("value", [b"ISO_IR 100", b"ISO_IR 100\\ISO_IR 192",
                                   b"\\ISO 2022 IR 87", b"", b" "])
@pytest.mark.parametrize("where", ["top level", "item"])
def test_charset_written_with_another_vr(vr, value, where):
    """pydicom converts (0008,0005) with the VR as written: a PersonName or a number is not
    a character set (TypeError), text VRs are used as text."""
    charset = rawgen.element(0x00080005, vr, value)
    name = rawgen.element(0x00100010, "PN", "Müller".encode("latin-1"))
    body = charset + name
    if where == "item":
        body = rawgen.sequence(0x00081115, [rawgen.item(body)])
    assert_same_as_pydicom(dicom_file(body))
