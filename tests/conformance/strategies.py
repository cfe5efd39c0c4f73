"""Valid DICOM files written by pydicom (CONFORMANCE §6.1, §7.1).

Every VR, nested sequences with defined and undefined lengths (sequence and item), the four
uncompressed transfer syntaxes including deflated, the listed character sets, private blocks with
known and unknown creators, and native pixel data followed by trailing padding.
"""
import functools
import io
import string

from hypothesis import strategies as st
from pydicom import dcmwrite
from pydicom import uid as U
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

from .tags import private_block_layout
from .tags import (
    BITS_ALLOCATED, COLUMNS, PIXEL_DATA, PIXEL_REPRESENTATION, ROWS, TAGS_BY_VR,
    TRAILING_PADDING, VALUE_VRS,
)

SAFE_G0 = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "\\")
CS_ALPHA = string.ascii_uppercase + string.digits + " _"
UR_ALPHA = string.ascii_letters + string.digits + ":/?#[]@!$&'()*+,;=%-._~"


def _text(alpha, n):
    return st.text(alphabet=alpha, max_size=n)


def _unpadded(s):
    return s.strip(" ") == s


def _multi(one, n=4):
    return st.one_of(one, st.lists(one, min_size=2, max_size=n))


def _truncate_to(k):
    return lambda b: b[: len(b) // k * k]


def uid_strings():
    part = st.one_of(st.just("0"), st.integers(1, 10**12).map(str))
    return st.lists(part, min_size=2, max_size=8).map(".".join).filter(lambda s: len(s) <= 64)


def _dates():
    return st.dates().map(lambda d: d.strftime("%Y%m%d")).filter(lambda s: len(s) == 8)


def value_for(vr, alpha):
    """Values pydicom writes and reads back unchanged (no stray padding, no invalid numbers)."""
    return _value_strategies(alpha)[vr]


@functools.lru_cache(maxsize=None)
def _value_strategies(alpha):
    no_caret = alpha.replace("^", "").replace("=", "")
    return {
        "AE": _multi(_text(SAFE_G0, 16).filter(_unpadded)),
        "AS": st.tuples(st.integers(0, 999), st.sampled_from("DWMY")).map(lambda t: f"{t[0]:03d}{t[1]}"),
        "CS": _multi(_text(CS_ALPHA, 16).filter(_unpadded)),
        "DA": _multi(_dates()),
        "DT": _multi(_dates().map(lambda d: d + "120000")),
        "TM": _multi(st.sampled_from(["12", "1230", "123045", "123045.5", "235959.123456"])),
        "DS": _multi(st.floats(allow_nan=False, allow_infinity=False).map(repr)
                     .filter(lambda s: len(s) <= 16)),
        "IS": _multi(st.integers(-2**31, 2**31 - 1).map(str)),
        "UI": _multi(uid_strings()),
        "UR": _text(UR_ALPHA, 64),
        "SH": _multi(_text(alpha, 16).filter(_unpadded)),
        "LO": _multi(_text(alpha, 64).filter(_unpadded)),
        "UC": _multi(_text(alpha, 200).filter(_unpadded)),
        "ST": _text(alpha + "\\", 1024).filter(_unpadded),
        "LT": _text(alpha + "\\\r\n", 2000).filter(_unpadded),
        "UT": _text(alpha + "\\\r\n", 4000).filter(_unpadded),
        "PN": _multi(st.lists(_text(no_caret, 12), min_size=1, max_size=5).map("^".join)),
        "US": _multi(st.integers(0, 0xFFFF)),
        "SS": _multi(st.integers(-0x8000, 0x7FFF)),
        "UL": _multi(st.integers(0, 0xFFFFFFFF)),
        "SL": _multi(st.integers(-2**31, 2**31 - 1)),
        "UV": _multi(st.integers(0, 2**64 - 1)),
        "SV": _multi(st.integers(-2**63, 2**63 - 1)),
        "FL": _multi(st.floats(width=32)),
        "FD": _multi(st.floats()),
        "AT": _multi(st.integers(0, 0xFFFFFFFF)),
        "OB": st.binary(max_size=64).map(_truncate_to(2)),
        "OW": st.binary(max_size=32).map(_truncate_to(2)),
        "OF": st.binary(max_size=32).map(_truncate_to(4)),
        "OL": st.binary(max_size=32).map(_truncate_to(4)),
        "OD": st.binary(max_size=32).map(_truncate_to(8)),
        "OV": st.binary(max_size=32).map(_truncate_to(8)),
    }


# (Specific Character Set, an alphabet that it encodes)
CHARSETS = [
    (None, SAFE_G0),
    ("ISO_IR 100", SAFE_G0 + "äöüßéèÅ"),
    ("ISO_IR 101", SAFE_G0 + "ąčęł"),
    ("ISO_IR 144", SAFE_G0 + "ДЖЗИЯ"),
    ("ISO_IR 126", SAFE_G0 + "ΑΒΓΔ"),
    ("ISO_IR 192", SAFE_G0 + "äöü中文日本語한국어"),
    ("GB18030", SAFE_G0 + "中文"),
    (["", "ISO 2022 IR 87"], SAFE_G0 + "山田太郎"),
    (["", "ISO 2022 IR 149"], SAFE_G0 + "홍길동"),
]

TRANSFER_SYNTAXES = [U.ImplicitVRLittleEndian, U.ExplicitVRLittleEndian, U.ExplicitVRBigEndian,
                     U.DeflatedExplicitVRLittleEndian]


@st.composite
def elements(draw, alpha):
    vr = draw(st.sampled_from(VALUE_VRS))
    tag = draw(st.sampled_from(TAGS_BY_VR[vr]))
    return DataElement(tag, vr, draw(st.one_of(st.just(None), value_for(vr, alpha))))


@st.composite
def private_block(draw, alpha):
    """A private creator and 1-3 of its elements, with a known or an unknown creator."""
    creator, group, chosen = private_block_layout(draw)
    return creator, group, [(offset, vr, draw(value_for(vr, alpha))) for offset, vr in chosen]


def datasets(alpha, depth=0):
    @st.composite
    def _dataset(draw):
        ds = Dataset()
        for elem in draw(st.lists(elements(alpha), max_size=12)):
            ds[elem.tag] = elem
        if draw(st.integers(0, 3)) == 0:
            creator, group, entries = draw(private_block(alpha))
            block = ds.private_block(group, creator, create=True)
            for offset, vr, value in entries:
                block.add_new(offset, vr, value)
        if depth < 3 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS_BY_VR["SQ"]))
            items = draw(st.lists(datasets(alpha, depth + 1), max_size=3))
            for item in items:
                item.is_undefined_length_sequence_item = draw(st.booleans())
            ds[tag] = DataElement(tag, "SQ", Sequence(items))
            ds[tag].is_undefined_length = draw(st.booleans())
        return ds

    return _dataset()


@st.composite
def pixel_module(draw, ds):
    """Native pixel data (8 or 16 bits), sometimes followed by trailing padding."""
    rows, columns = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    bits = draw(st.sampled_from([8, 16]))
    ds[ROWS] = DataElement(ROWS, "US", rows)
    ds[COLUMNS] = DataElement(COLUMNS, "US", columns)
    ds[BITS_ALLOCATED] = DataElement(BITS_ALLOCATED, "US", bits)
    ds[PIXEL_REPRESENTATION] = DataElement(PIXEL_REPRESENTATION, "US", draw(st.integers(0, 1)))
    n = rows * columns * bits // 8
    data = draw(st.binary(min_size=n, max_size=n))
    ds[PIXEL_DATA] = DataElement(PIXEL_DATA, "OW" if bits == 16 else "OB", data + b"\x00" * (n % 2))
    if draw(st.booleans()):
        ds[TRAILING_PADDING] = DataElement(TRAILING_PADDING, "OB", b"\x00" * 2 * draw(st.integers(0, 3)))


@st.composite
def dicom_files(draw):
    """Bytes of a complete file written by pydicom with enforce_file_format=True."""
    charset, alpha = draw(st.sampled_from(CHARSETS))
    ds = draw(datasets(alpha))
    if charset is not None:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = draw(uid_strings())
    if draw(st.integers(0, 3)) == 0:
        draw(pixel_module(ds))
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = draw(st.sampled_from(TRANSFER_SYNTAXES))
    buf = io.BytesIO()
    dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()
