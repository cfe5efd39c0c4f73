"""The harness checked against itself, and pydicom's behaviour pinned.

* pydicom on both sides of the comparison must always agree (this proves only the harness);
* the canonical form equates what CONFORMANCE §6.3 says is equal, and nothing else;
* a few "(verified)" rules of CONFORMANCE are pinned as expectations of pydicom 3.0.2, so that a
  pydicom upgrade that changes one of them fails here first.
"""
import struct
import time
import warnings

import pydicom
import pytest
from hypothesis import given, strategies as st
from pydicom.multival import MultiValue
from pydicom.tag import BaseTag
from pydicom.uid import UID
from pydicom.valuerep import DSfloat, IS, ISfloat, PersonName

from . import oracle, rawgen, strategies
from .oracle import (
    Identity, _plain_scalar, _plain_value, _pydicom_scalar, _pydicom_value, assert_same_as_pydicom,
    compare_outcomes, pydicom_canonical, pydicom_outcome,
)
from .rawgen import (
    DEFLATED, EXPLICIT_BE, IMPLICIT_LE, ITEM, ITEM_DELIMITER, UNDEFINED, deep_nesting, delimiter,
    dicom_file, element, file_meta, item, sequence,
)


def test_pinned_pydicom_version():
    assert pydicom.__version__ == "3.0.2"


# ---------------------------------------------------------------------------------------------
# The canonical form
# ---------------------------------------------------------------------------------------------

def _is(text):
    with warnings.catch_warnings():       # IS warns about values that are not plain integers
        warnings.simplefilter("ignore")
        return IS(text)


@pytest.mark.parametrize("theirs, ours", [
    (DSfloat("1.5"), 1.5),
    (DSfloat(" 1e3 "), 1000.0),
    (_is("1e2"), 100),
    (IS("7"), 7),
    (ISfloat("1.5"), 1.5),
    (BaseTag(0x00100010), 0x00100010),
    (UID("1.2.3"), "1.2.3"),
    (PersonName("A^B"), "A^B"),
    (PersonName(""), ""),
    (float("nan"), float("nan")),
    (b"\x00\x01", b"\x00\x01"),
    (None, None),
])
def test_equivalent_scalars(theirs, ours):
    assert _pydicom_scalar(theirs) == _plain_scalar(ours)


@pytest.mark.parametrize("theirs, ours", [
    (None, ""),
    (PersonName(""), None),
    (DSfloat("1"), 1),               # DS is always a float
    (IS("1"), 1.0),                  # IS is an int unless it has a fraction
    (0.0, -0.0),                     # bit patterns, not ==
    (float("nan"), -float("nan")),
    (b"", ""),
    ("1", 1),
    (True, 1),
])
def test_different_scalars(theirs, ours):
    assert _pydicom_scalar(theirs) != _plain_scalar(ours)


def test_plain_scalar_rejects_wrapper_types():
    for value in (DSfloat("1.5"), IS("1"), UID("1.2"), BaseTag(1), MultiValue(str, ["a"])):
        assert _plain_scalar(value)[0] == "UNHANDLED"


def test_lists_and_multivalues_are_equal():
    assert _pydicom_value("CS", MultiValue(str, ["A", "B"])) == _plain_value("CS", ["A", "B"])
    assert _pydicom_value("US", [1, 2]) == _plain_value("US", [1, 2])
    assert _pydicom_value("AT", MultiValue(BaseTag, [])) == _plain_value("AT", [])
    assert _pydicom_value("AT", MultiValue(BaseTag, [16])) != _plain_value("AT", 16)
    assert _pydicom_value("SQ", pydicom.Sequence([])) == _plain_value("SQ", [])
    assert _pydicom_value("SQ", pydicom.Sequence([])) != _plain_value("SQ", None)


def test_comparison_detects_a_difference():
    data = dicom_file(element(0x00100010, "PN", b"A^B "))
    theirs = pydicom_canonical(data)
    changed = ("ok", {**theirs[1], "dataset": {0x00100010: ("PN", ("str", "A^C"), False)}})
    with pytest.raises(AssertionError, match=r"\(0010,0010\)"):
        compare_outcomes(theirs, changed)
    with pytest.raises(AssertionError, match="cydicom raised"):
        compare_outcomes(theirs, ("error", "TruncatedError"))
    with pytest.raises(AssertionError, match="returned a dataset"):
        compare_outcomes(("error", "InvalidDicomError"), theirs)
    with pytest.raises(AssertionError, match="expected one of"):
        compare_outcomes(("error", "InvalidDicomError"), ("error", "LengthError"))
    compare_outcomes(("error", "OSError"), ("error", "TruncatedError"))


def test_per_element_error_names_are_not_compared():
    a = ("ok", {"preamble": None, "file_meta": {}, "dataset": {1: ("ERR", "OSError")}})
    b = ("ok", {"preamble": None, "file_meta": {}, "dataset": {1: ("ERR", "TruncatedError")}})
    compare_outcomes(a, b)
    c = ("ok", {"preamble": None, "file_meta": {}, "dataset": {1: ("ERR-NOT-DICOMERROR", "TypeError", "")}})
    with pytest.raises(AssertionError):
        compare_outcomes(a, c)


def test_time_budget():
    with pytest.raises(oracle.BudgetExceeded):
        with oracle.time_budget(0.2):
            time.sleep(1)
    with oracle.time_budget(1):
        pass


# ---------------------------------------------------------------------------------------------
# pydicom on both sides: the harness agrees with itself
# ---------------------------------------------------------------------------------------------

def _both_pydicom(data, **kwargs):
    assert_same_as_pydicom(data, reader=pydicom_canonical, error_map=Identity(), **kwargs)


@given(rawgen.raw_files(), st.booleans())
def test_harness_raw_files(raw, force):
    _both_pydicom(raw.data, force=force or raw.needs_force)


@given(strategies.dicom_files())
def test_harness_valid_files(data):
    _both_pydicom(data)


@given(rawgen.malformed_files(), st.booleans())
def test_harness_malformed_files(bad, force):
    _both_pydicom(bad.data, force=force or bad.needs_force)


# ---------------------------------------------------------------------------------------------
# pydicom 3.0.2 behaviour the contract relies on (CONFORMANCE "(verified)" items)
# ---------------------------------------------------------------------------------------------

def _implicit(*elements):
    return dicom_file(b"".join(elements), IMPLICIT_LE)


def _explicit(*elements, ts=rawgen.EXPLICIT_LE):
    return dicom_file(b"".join(elements), ts)


def _i(tag, vr, value, **kwargs):
    return element(tag, vr, value, implicit=True, **kwargs)


E = element
PN, CS, LO, US = 0x00100010, 0x00080060, 0x00100020, 0x00280010
DS, IS_, SQ = 0x00180050, 0x00200013, 0x00081140

PINNED = {
    # §1.1: invalid DS/IS fall back to a str, the VR stays
    "DS junk -> str": (_explicit(E(DS, "DS", b"abc ")), {DS: ("DS", ("str", "abc"), False)}),
    "IS junk -> str": (_explicit(E(IS_, "IS", b"x ")), {IS_: ("IS", ("str", "x"), False)}),
    "DS NUL -> list of str": (_explicit(E(DS, "DS", b"1.5\x00\\2")),
                              {DS: ("DS", ("list", [("str", "1.5"), ("str", "2")]), False)}),
    # §1.6: Python's float()/int()
    "IS 1e2 -> 100": (_explicit(E(IS_, "IS", b"1e2 ")), {IS_: ("IS", ("int", 100), False)}),
    "IS 1.0 -> 1": (_explicit(E(IS_, "IS", b"1.0 ")), {IS_: ("IS", ("int", 1), False)}),
    "IS 1.5 -> ISfloat": (_explicit(E(IS_, "IS", b"1.5 ")),
                          {IS_: ("IS", ("float", struct.pack("<d", 1.5).hex(), "1.5"), False)}),
    "IS 1_0 -> 10": (_explicit(E(IS_, "IS", b"1_0 ")), {IS_: ("IS", ("int", 10), False)}),
    "DS 1_000 -> 1000.0": (_explicit(E(DS, "DS", b"1_000 ")),
                           {DS: ("DS", ("float", struct.pack("<d", 1000.0).hex(), "1000.0"), False)}),
    # §1.9: explicit UN on a public tag takes the dictionary VR
    "UN on US tag -> US": (_explicit(E(US, "UN", b"\x07\x00")), {US: ("US", ("int", 7), False)}),
    "UN on LO tag -> LO": (_explicit(E(0x00081088, "UN", b"abc ")),
                           {0x00081088: ("LO", ("str", "abc"), False)}),
    # §1.2: AT of a length other than 4 is a list
    "AT 6 bytes -> list of 1": (_explicit(E(0x00209165, "AT", b"\x10\x00\x20\x00\x30\x00")),
                                {0x00209165: ("AT", ("list", [("int", 0x00100020)]), False)}),
    "AT 2 bytes -> empty list": (_explicit(E(0x00209165, "AT", b"\x10\x00")),
                                 {0x00209165: ("AT", ("list", []), False)}),
    # §1.2: a numeric header with no value bytes left gives ''
    "US header only -> ''": (file_meta() + E(US, "US", b"", length=2), {US: ("US", ("str", ""), False)}),
    "FD header only -> ''": (file_meta() + E(0x00189087, "FD", b"", length=8),
                             {0x00189087: ("FD", ("str", ""), False)}),
    # §3.5: a lowercase first VR switches the whole dataset to implicit VR
    "lowercase VR switch": (_explicit(E(CS, "cs", b"CT"), E(PN, "PN", b"A^B ")),
                            {CS: ("CS", ("str", "CT\x10\x00\x10\x00PN\x04\x00A^B"), False)}),
    # §0: the last duplicate wins
    "duplicate keeps last": (_explicit(E(CS, "CS", b"CT"), E(CS, "CS", b"MR")),
                             {CS: ("CS", ("str", "MR"), False)}),
    # §1.3: empty values
    "empty values": (_explicit(E(CS, "CS", b""), E(PN, "PN", b""), E(DS, "DS", b""), E(IS_, "IS", b"  "),
                               E(US, "US", b""), E(SQ, "SQ", b"")),
                     {CS: ("CS", ("str", ""), False), PN: ("PN", ("str", ""), False),
                      DS: ("DS", None, False), IS_: ("IS", ("str", ""), False),
                      US: ("US", None, False), SQ: ("SQ", ("seq", []), False)}),
    # §1.2: CS strips the whole value only
    "CS inner spaces kept": (_explicit(E(0x00080008, "CS", b"A \\ B ")),
                             {0x00080008: ("CS", ("list", [("str", "A "), ("str", " B")]), False)}),
    "PN trailing = dropped": (_explicit(E(PN, "PN", b"A^B=C^D== ")), {PN: ("PN", ("str", "A^B=C^D"), False)}),
    "AE keeps NUL": (_explicit(E(0x00400001, "AE", b" A\x00 \\ B ")),
                     {0x00400001: ("AE", ("list", [("str", "A\x00"), ("str", "B")]), False)}),
    "UI only NULs -> ''": (_explicit(E(0x00080018, "UI", b"\x00\x00")),
                           {0x00080018: ("UI", ("str", ""), False)}),
    # §1.1 item 5: wrong numeric length is a per-element error
    "US 3 bytes -> error": (_explicit(E(US, "US", b"\x01\x02\x03")), {US: ("ERR", "BytesLengthException")}),
    "unknown VR -> error": (_explicit(E(CS, "XX", b"CT")), {CS: ("ERR", "NotImplementedError")}),
    # §3.5: delimiters at top level
    "item delimiter ends top level": (_explicit(E(CS, "CS", b"CT"), delimiter(ITEM_DELIMITER),
                                                E(PN, "PN", b"A^B ")),
                                      {CS: ("CS", ("str", "CT"), False)}),
    "item tag at top level -> error": (_explicit(E(CS, "CS", b"CT"), delimiter(ITEM), E(PN, "PN", b"A^B ")),
                                       {CS: ("CS", ("str", "CT"), False), PN: ("PN", ("str", "A^B"), False),
                                        ITEM: ("ERR", "NotImplementedError")}),
    # §2: charsets
    "CS is latin-1 whatever the charset": (
        _explicit(E(0x00080005, "CS", b"ISO_IR 192"), E(CS, "CS", "é".encode())),
        {0x00080005: ("CS", ("str", "ISO_IR 192"), False), CS: ("CS", ("str", "Ã©"), False)}),
    "no charset is latin-1": (_explicit(E(PN, "PN", "Mü".encode())), {PN: ("PN", ("str", "MÃ¼"), False)}),
    # §3.6, §3.10: implicit VR lookups
    "private dictionary": (
        _implicit(_i(0x00090010, "LO", b"GEMS_IDEN_01"), _i(0x00091001, "LO", b"ab"),
                  _i(0x00091002, "SH", b"cd"), _i(0x00110010, "LO", b"ACME"), _i(0x00111001, "LO", b"ab")),
        {0x00090010: ("LO", ("str", "GEMS_IDEN_01"), False), 0x00091001: ("LO", ("str", "ab"), False),
         0x00091002: ("SH", ("str", "cd"), False), 0x00110010: ("LO", ("str", "ACME"), False),
         0x00111001: ("UN", ("bytes", b"ab"), False)}),
    "group lengths": (_implicit(_i(0x00080000, "UL", b"\x04\x00\x00\x00"),
                                _i(0x00090000, "UL", b"\x04\x00\x00\x00")),
                      {0x00080000: ("UL", ("int", 4), False),
                       0x00090000: ("UN", ("bytes", b"\x04\x00\x00\x00"), False)}),
    "unknown public tag -> UN": (_implicit(_i(0x00080003, "UL", b"\x04\x00\x00\x00")),
                                 {0x00080003: ("UN", ("bytes", b"\x04\x00\x00\x00"), False)}),
    # §1.8: ambiguous VRs
    "unresolvable ambiguous VR": (_implicit(_i(0x00280071, "US", b"\x01\x00")),
                                  {0x00280071: ("US or SS", ("bytes", b"\x01\x00"), False)}),
    "US or SS with PixelRepresentation 1": (
        _implicit(_i(0x00280103, "US", b"\x01\x00"), _i(0x00280106, "US", b"\xff\xff")),
        {0x00280103: ("US", ("int", 1), False), 0x00280106: ("SS", ("int", -1), False)}),
    "US or SS without PixelRepresentation": (_implicit(_i(0x00280106, "US", b"\xff\xff")),
                                             {0x00280106: ("US", ("int", 65535), False)}),
    "US or SS, PixelData but no PixelRepresentation": (
        _implicit(_i(0x00280106, "US", b"\xff\xff"), _i(0x7FE00010, "OW", b"\x00\x00")),
        {0x00280106: ("ERR", "AttributeError"), 0x7FE00010: ("OW", ("bytes", b"\x00\x00"), False)}),
    "LUT descriptor explicit SS +65536": (
        _explicit(E(0x00281101, "SS", struct.pack("<hhh", -1, 0, 16))),
        {0x00281101: ("SS", ("list", [("int", 65535), ("int", 0), ("int", 16)]), False)}),
    "LUT descriptor ambiguous keeps -1": (
        _implicit(_i(0x00280103, "US", b"\x01\x00"), _i(0x00281101, "SS", struct.pack("<hhh", -1, 0, 16))),
        {0x00280103: ("US", ("int", 1), False),
         0x00281101: ("SS", ("list", [("int", -1), ("int", 0), ("int", 16)]), False)}),
    # §3.7, §3.8: sequences
    "undefined-length UN -> SQ": (
        _explicit(sequence(SQ, [item(_i(PN, "PN", b"AB"), undefined=True)], vr="UN", undefined=True)),
        {SQ: ("SQ", ("seq", [{"undefined_length_item": True,
                              "elements": {PN: ("PN", ("str", "AB"), False)}}]), True)}),
    "implicit items in an explicit SQ": (
        _explicit(sequence(SQ, [item(_i(PN, "PN", b"AB") + _i(LO, "LO", b"CD"))])),
        {SQ: ("SQ", ("seq", [{"undefined_length_item": False,
                              "elements": {PN: ("PN", ("str", "AB"), False),
                                           LO: ("LO", ("str", "CD"), False)}}]), False)}),
    "SQ length past its content": (_explicit(E(SQ, "SQ", b"", length=2), E(PN, "PN", b"AB")),
                                   {SQ: ("ERR", "OSError"), 0x00104E50: ("UN", ("bytes", b""), False)}),
    # §3.4: deflate ignores trailing bytes; BE values
    "deflate trailing garbage": (_explicit(E(CS, "CS", b"CT"), ts=DEFLATED) + b"garbage",
                                 {CS: ("CS", ("str", "CT"), False)}),
    "big endian US": (_explicit(element(US, "US", b"\x00\x07", little=False), ts=EXPLICIT_BE),
                      {US: ("US", ("int", 7), False)}),
    # found by the conformance runs, not in CONFORMANCE yet
    "private element whose creator fails -> error": (
        _explicit(E(0x00090010, "XX", b"ACME"), E(0x00091001, "UL", b"\x01\x00\x00\x00")),
        {0x00090010: ("ERR", "NotImplementedError"), 0x00091001: ("ERR", "NotImplementedError")}),
    "partial header at the end of an item is ignored": (
        _explicit(sequence(SQ, [item(E(PN, "PN", b"AB") + b"\x10\x00")])),
        {SQ: ("SQ", ("seq", [{"undefined_length_item": False,
                              "elements": {PN: ("PN", ("str", "AB"), False)}}]), False)}),
    "IS inf -> OverflowError": (_explicit(E(IS_, "IS", b"inf ")), {IS_: ("ERR", "OverflowError")}),
    "charset with a non-text VR -> file-level TypeError": (
        _explicit(E(0x00080005, "US", b"ISO IR 100")), ("error", "TypeError")),
    "charset with an unknown VR -> file-level NotImplementedError": (
        _explicit(E(0x00080005, "XX", b"ISO_IR 100")), ("error", "NotImplementedError")),
    # file-level outcomes
    "no DICM": (b"\x00" * 140, ("error", "InvalidDicomError")),
    "truncated 4-byte length": (file_meta() + E(CS, "CS", b"CT") + b"\x10\x00\x10\x00OB\x00\x00\x01",
                                ("error", "error")),
    "deep undefined nesting": (_explicit(deep_nesting(300)), ("error", "RecursionError")),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_pydicom_behaviour(name):
    data, expected = PINNED[name]
    outcome = pydicom_canonical(data)
    if isinstance(expected, tuple):
        assert outcome == expected
    else:
        assert outcome[0] == "ok", outcome
        assert outcome[1]["dataset"] == expected


def test_pinned_force_on_short_input():
    empty = ("ok", {"preamble": None, "file_meta": {}, "dataset": {}})
    for n in range(8):
        assert pydicom_canonical(b"\x08\x00\x60\x00CS\x02\x00"[:n], force=True) == empty


def test_pinned_partial_meta_header():
    outcome = pydicom_canonical(b"\x00" * 128 + b"DICM\x02\x00")
    assert outcome == ("ok", {"preamble": b"\x00" * 128, "file_meta": {}, "dataset": {}})


def test_pinned_empty_specific_tags_keeps_everything():
    data = _explicit(E(PN, "PN", b"A^B "), E(CS, "CS", b"CT"))
    assert pydicom_canonical(data, specific_tags=[]) == pydicom_canonical(data)


def test_pinned_eof_before_delimiter_quirk():
    data = _explicit(E(CS, "CS", b"CT"), E(0x7FE00010, "OB", b"\x01\x02", length=UNDEFINED))
    outcome, quirks = pydicom_outcome(data)
    assert outcome[0] == "ok" and outcome[1]["dataset"] == {}
    assert any("eof-before-delimiter" in q for q in quirks)


def test_pinned_swallowed_error_quirk():
    """A NotImplementedError inside an undefined-length item empties the top level."""
    bad_charset = E(0x00080005, "CQ", b"ISO_IR 100")
    data = _explicit(E(CS, "CS", b"CT"), sequence(SQ, [item(bad_charset)], undefined=True))
    outcome, quirks = pydicom_outcome(data)
    assert outcome[0] == "ok" and outcome[1]["dataset"] == {}
    assert any("swallowed-error" in q for q in quirks)


def test_pinned_deep_nesting_150_reads():
    outcome = pydicom_canonical(_explicit(deep_nesting(150)))
    assert outcome[0] == "ok"
