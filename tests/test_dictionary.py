"""cydicom._dictionary against pydicom 3.0.2's data dictionaries."""
import random

import pytest
from pydicom import datadict
from pydicom._dicom_dict import DicomDictionary, RepeatersDictionary
from pydicom._private_dict import private_dictionaries

from cydicom import _dictionary as cd

HEX = "0123456789ABCDEF"


def ref_vr(tag):
    try:
        return datadict._dictionary_vr_fast(tag)
    except KeyError:
        return None


def ref_entry(tag):
    try:
        return datadict.get_entry(tag)
    except KeyError:
        return None


def ref_private_vr(tag, creator):
    try:
        return datadict.private_dictionary_VR(tag, creator)
    except KeyError:
        return None


def test_every_dictionary_tag():
    for tag, (vr, vm, _name, retired, keyword) in DicomDictionary.items():
        assert cd.dictionary_vr(tag) == vr, hex(tag)
        assert cd.dictionary_vm(tag) == vm, hex(tag)
        assert cd.keyword_for_tag(tag) == keyword == datadict.keyword_for_tag(tag), hex(tag)
        assert cd.dictionary_is_retired(tag) == datadict.dictionary_is_retired(tag), hex(tag)


def test_every_repeater_mask():
    for mask_x in RepeatersDictionary:
        for digit in "0A5F":  # "F" in a group gives an odd (private) group: no match
            tag = int(mask_x.replace("x", digit), 16)
            entry = ref_entry(tag)
            assert cd.dictionary_vr(tag) == (entry and entry[0]), hex(tag)
            assert cd.dictionary_vm(tag) == (entry and entry[1]), hex(tag)
            assert cd.keyword_for_tag(tag) == (entry[4] if entry else ""), hex(tag)
            assert cd.dictionary_is_retired(tag) == (entry and "retired" in entry[3].lower()), hex(tag)


def test_random_tags_vr():
    rng = random.Random(20240601)
    groups = sorted({t >> 16 for t in DicomDictionary})
    tags = [rng.getrandbits(32) for _ in range(200_000)]
    # Random elements in dictionary groups and their odd neighbours, where hits are likely.
    tags += [(rng.choice(groups) + rng.randint(0, 1)) << 16 | rng.getrandbits(16) for _ in range(50_000)]
    tags += [0, 0xFFFFFFFF, 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD, 0x7FE00010, 0x00080000]
    for tag in tags:
        assert cd.dictionary_vr(tag) == ref_vr(tag), hex(tag)


def test_repeater_group_sweeps():
    # Every element of the 50xx/60xx/7Fxx groups that a mask or dictionary tag could hit.
    elems = set(range(0x200))
    for key in list(RepeatersDictionary) + [f"{t:08X}" for t in DicomDictionary]:
        if key[:2] in ("50", "60", "7F"):
            elems.update(int(key[4:].replace("x", d), 16) for d in HEX)
    elems.update(e ^ 1 for e in list(elems))
    elems.update({0x1000, 0x1001, 0x1002, 0x3000, 0x3001, 0x4000, 0xFFFF})
    for top in (0x50, 0x60, 0x7F):
        for group in range(top << 8, (top << 8) + 0x100):
            for elem in elems:
                tag = group << 16 | elem
                assert cd.dictionary_vr(tag) == ref_vr(tag), hex(tag)
    # Groups with masks on the element; all elements.
    for group in (0x0020, 0x0028, 0x1000, 0x1001, 0x1010):
        for elem in range(0x10000):
            tag = group << 16 | elem
            assert cd.dictionary_vr(tag) == ref_vr(tag), hex(tag)


def test_keyword_for_tag_random():
    rng = random.Random(7)
    groups = sorted({t >> 16 for t in DicomDictionary})
    tags = [rng.getrandbits(32) for _ in range(30_000)]
    tags += [(rng.choice(groups) + rng.randint(0, 1)) << 16 | rng.getrandbits(16) for _ in range(30_000)]
    tags += [0x50000000 | rng.getrandbits(24) for _ in range(10_000)]
    tags += [0x60000000 | rng.getrandbits(24) for _ in range(10_000)]
    for tag in tags:
        assert cd.keyword_for_tag(tag) == datadict.keyword_for_tag(tag), hex(tag)
        entry = ref_entry(tag)
        assert cd.dictionary_vm(tag) == (entry[1] if entry else None), hex(tag)


def test_unknown_tag_results():
    tag = 0x00090010  # private: never in the standard dictionary
    assert cd.dictionary_vr(tag) is None
    assert cd.dictionary_vm(tag) is None
    assert cd.keyword_for_tag(tag) == ""
    assert cd.dictionary_is_retired(tag) is None
    assert cd.keyword_for_tag(0x60010010) == ""  # odd group: repeaters are not tried
    assert cd.keyword_for_tag(0x60000010) == "OverlayRows"


def test_tag_range_checked():
    for bad in (-1, 1 << 32):
        with pytest.raises(OverflowError):
            cd.dictionary_vr(bad)
        with pytest.raises(OverflowError):
            cd.private_dictionary_vr(bad, "GEMS_ACQU_01")


def test_tag_for_keyword():
    keywords = [k for k in datadict.keyword_dict if k]
    assert len(keywords) == len(datadict.keyword_dict) - 1
    for keyword in keywords:
        assert cd.tag_for_keyword(keyword) == datadict.tag_for_keyword(keyword), keyword
    for keyword in [v[4] for v in RepeatersDictionary.values()] + ["patientname", "PatientName ", "Foo", "0x00100010"]:
        assert cd.tag_for_keyword(keyword) is None is datadict.tag_for_keyword(keyword), keyword
    # Deliberate difference: pydicom maps "" to the last keyword-less tag.
    assert cd.tag_for_keyword("") is None
    assert cd.tag_for_keyword(None) is None


def private_tags(key, rng):
    """Tags whose pydicom lookup keys could reach `key` (x nibbles filled several ways)."""
    fills = ["0" * 8, "1" * 8, "F" * 8] + ["".join(rng.choice(HEX) for _ in range(8)) for _ in range(3)]
    return {int("".join(f[i] if c == "x" else c for i, c in enumerate(key)), 16) for f in fills}


def test_private_dictionary_every_entry():
    rng = random.Random(99)
    n = 0
    for creator, entries in private_dictionaries.items():
        for key in entries:
            for tag in private_tags(key, rng):
                assert cd.private_dictionary_vr(tag, creator) == ref_private_vr(tag, creator), (creator, key, hex(tag))
                n += 1
    assert n > 10_000


def test_private_dictionary_hits_by_key_form():
    # Exact keys match; "ggggeexx" keys never do (pydicom never builds such a lookup key).
    for creator, entries in private_dictionaries.items():
        for key, (vr, *_rest) in entries.items():
            if "x" not in key:
                assert cd.private_dictionary_vr(int(key, 16), creator) == vr == ref_private_vr(int(key, 16), creator)
            elif key.endswith("xx") and key[:6].count("x") == 0:
                tag = int(key.replace("x", "0"), 16)
                assert cd.private_dictionary_vr(tag, creator) == ref_private_vr(tag, creator)
    assert cd.private_dictionary_vr(0x00091001, "GEMS_GENIE_1") == "SH"  # key "0009xx01"


def test_private_dictionary_misses():
    rng = random.Random(5)
    creators = list(private_dictionaries)
    variants = []
    for c in creators[:200]:
        variants += [c.lower(), c.upper(), c + " ", " " + c, c[:-1], c + "\x00", c + "\u00e9"]
    for _ in range(100_000):
        tag = rng.getrandbits(32) if rng.random() < 0.5 else (rng.choice((0x0009, 0x0019, 0x0029, 0x0043)) << 16 | rng.getrandbits(16))
        creator = rng.choice(creators) if rng.random() < 0.8 else rng.choice(variants)
        assert cd.private_dictionary_vr(tag, creator) == ref_private_vr(tag, creator), (creator, hex(tag))
    for creator in ("", "x", "\ud800", "GEMS_ACQU_01\ud800", None, b"GEMS_ACQU_01", 3):
        assert cd.private_dictionary_vr(0x00191002, creator) is None
        assert ref_private_vr(0x00191002, creator) is None


def test_special_private_vrs():
    found = {
        vr: (creator, key)
        for creator, entries in private_dictionaries.items()
        for key, (vr, *_rest) in entries.items()
        if vr in ("US or SS", "OB_OW", "UN")
    }
    assert set(found) == {"US or SS", "OB_OW", "UN"}
    for vr, (creator, key) in found.items():
        tag = int(key.replace("x", "1"), 16)
        assert cd.private_dictionary_vr(tag, creator) == vr == ref_private_vr(tag, creator)


def test_vr_codes():
    assert cd.vr_str_to_code("US") == 0x5553
    assert cd.vr_code_to_str(0x5553) == "US"
    specials = ["US or SS", "US or OW", "US or SS or OW", "OB or OW", "NONE", "OB_OW"]
    assert [cd.vr_str_to_code(s) for s in specials] == [1, 2, 3, 4, 5, 6]
    all_vrs = {v[0] for v in DicomDictionary.values()} | {v[0] for v in RepeatersDictionary.values()}
    all_vrs |= {v[0] for d in private_dictionaries.values() for v in d.values()}
    for vr in all_vrs:
        assert cd.vr_code_to_str(cd.vr_str_to_code(vr)) == vr
    for bad in (0, -1, 7, 0x0055, 0x5500, 0x10000, 0x7F41):
        with pytest.raises(ValueError):
            cd.vr_code_to_str(bad)
    for bad in ("", "U", "USS", "us or ss", "\u00e9A"):
        with pytest.raises(ValueError):
            cd.vr_str_to_code(bad)
