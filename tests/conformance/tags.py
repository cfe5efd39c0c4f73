"""Tag tables the generators draw from, taken from pydicom's data dictionaries."""
from pydicom._dicom_dict import DicomDictionary
from pydicom._private_dict import private_dictionaries

STANDARD_VRS = (
    "AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN "
    "UR US UT UV"
).split()
LONG_VRS = frozenset("OB OD OF OL OV OW SQ SV UC UN UR UT UV".split())
# Value size of the fixed-width binary VRs.
FIXED_SIZE = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "SV": 8, "UV": 8, "AT": 4,
              "OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}

SPECIFIC_CHARACTER_SET = 0x00080005
PIXEL_DATA = 0x7FE00010
BITS_ALLOCATED = 0x00280100
PIXEL_REPRESENTATION = 0x00280103
ROWS, COLUMNS = 0x00280010, 0x00280011
TRAILING_PADDING = 0xFFFCFFFC
PIXEL_TAGS = frozenset({0x7FE00008, 0x7FE00009, PIXEL_DATA})


def _tags_by_vr():
    """Public, non-meta, non-ambiguous dictionary tags, grouped by their single VR."""
    out = {}
    for tag, (vr, _vm, _name, _retired, _keyword) in DicomDictionary.items():
        group = tag >> 16
        if group in (0x0000, 0x0002, 0xFFFE) or tag & 0xFFFF == 0:
            continue
        if " or " in vr or vr in ("NONE", "UN") or tag == SPECIFIC_CHARACTER_SET or tag in PIXEL_TAGS:
            continue
        out.setdefault(vr, []).append(tag)
    return {vr: sorted(tags) for vr, tags in sorted(out.items())}


TAGS_BY_VR = _tags_by_vr()
VALUE_VRS = [vr for vr in TAGS_BY_VR if vr != "SQ"]

# Ambiguous dictionary VRs that pydicom resolves from the dataset (implicit VR only).
AMBIGUOUS_US_SS = [0x00189810, 0x00280106, 0x00280107, 0x00280108, 0x00280120, 0x00281101,
                   0x00281102, 0x00281103, 0x00283002]
AMBIGUOUS_UNRESOLVED = [0x00280071, 0x00281100]     # stay 'US or SS' with a bytes value
AMBIGUOUS_OTHER = [0x00283006, 0x54001010, 0x60003000]  # LUTData, WaveformData, OverlayData

# Even-group tags in neither the dictionary nor the repeaters (implicit VR: UN with a warning).
UNKNOWN_PUBLIC = [0x00080003, 0x00100011, 0x00180003, 0x00200001]


def _private_blocks():
    """Known private creators with the (element offset, VR) of their standard-VR entries."""
    out = {}
    for creator in ("GEMS_IDEN_01", "GEMS_PARM_01", "SIEMENS MR HEADER", "Philips Imaging DD 001",
                    "SIEMENS CSA HEADER"):
        entries = []
        for key, (vr, _vm, _name, _retired) in private_dictionaries[creator].items():
            if key[4:6] == "xx" and key[6:] != "xx" and vr in STANDARD_VRS and vr != "SQ":
                entries.append((int(key[:4], 16), int(key[6:], 16), vr))
        groups = {g for g, _e, _v in entries}
        group = min(groups)
        out[creator] = (group, [(e, vr) for g, e, vr in entries if g == group])
    return out


PRIVATE_BLOCKS = _private_blocks()
UNKNOWN_CREATORS = ["ACME 1.0", "UNKNOWN_VENDOR", "X"]


def private_block_layout(draw):
    """Draw a creator, its group and the (element offset, VR) pairs of 1-3 elements.

    Known creators use their private dictionary entries; unknown ones any value VR. Call
    from inside a hypothesis composite with its ``draw``.
    """
    from hypothesis import strategies as st

    if draw(st.booleans()):
        creator = draw(st.sampled_from(sorted(PRIVATE_BLOCKS)))
        group, entries = PRIVATE_BLOCKS[creator]
    else:
        creator = draw(st.sampled_from(UNKNOWN_CREATORS))
        group = draw(st.sampled_from([0x0009, 0x0011, 0x0029]))
        entries = [(e, draw(st.sampled_from(VALUE_VRS))) for e in range(0x01, 0x04)]
    chosen = draw(st.lists(st.sampled_from(entries), min_size=1, max_size=3,
                           unique_by=lambda e: e[0]))
    return creator, group, chosen
