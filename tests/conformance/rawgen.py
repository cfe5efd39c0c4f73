"""Byte-level DICOM: a writer, raw-dataset strategies and malformed mutations.

pydicom's writer cannot produce odd lengths, padding variants, invalid DS/IS, implicit private
tags, group lengths, explicit UN, per-item VR switches or broken structure, so these inputs are
written byte by byte (CONFORMANCE §6.1, §6.2, §7.2). The writer records where every length, VR,
item and delimiter lies, so the mutations can aim at them.
"""
import struct
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field

from hypothesis import strategies as st

from .tags import private_block_layout
from .tags import (
    AMBIGUOUS_OTHER, AMBIGUOUS_UNRESOLVED, AMBIGUOUS_US_SS, BITS_ALLOCATED, FIXED_SIZE, LONG_VRS,
    PIXEL_DATA, PIXEL_REPRESENTATION, SPECIFIC_CHARACTER_SET, TAGS_BY_VR,
    TRAILING_PADDING, UNKNOWN_PUBLIC, VALUE_VRS,
)

ITEM, ITEM_DELIMITER, SEQUENCE_DELIMITER = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
UNDEFINED = 0xFFFFFFFF

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"   # any other UID: read as explicit VR little endian


# ---------------------------------------------------------------------------------------------
# The writer
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Span:
    """Where a field lies: kind is element/length/vr/item/delimiter; depth 0 is the top level."""
    kind: str
    offset: int
    size: int
    depth: int


class RawWriter:
    """Writes DICOM elements exactly as told, with no validation."""

    def __init__(self, *, implicit, little):
        self.implicit, self.little = implicit, little
        self.buf = bytearray()
        self.spans = []
        self.depth = 0

    def _mark(self, kind, offset, size):
        self.spans.append(Span(kind, offset, size, self.depth))

    def _u16(self, v):
        return struct.pack("<H" if self.little else ">H", v)

    def _u32(self, v):
        return struct.pack("<L" if self.little else ">L", v)

    def _tag(self, tag):
        return self._u16(tag >> 16) + self._u16(tag & 0xFFFF)

    def header(self, tag, vr, length):
        """Write an element header; return (offset, size) of its length field."""
        self._mark("element", len(self.buf), 0)
        self.buf += self._tag(tag)
        vr = vr.encode("latin-1") if isinstance(vr, str) else vr
        if self.implicit:
            size = 4
        else:
            self._mark("vr", len(self.buf), 2)
            self.buf += vr
            size = 4 if vr.decode("latin-1") in LONG_VRS else 2
            if size == 4:
                self.buf += b"\x00\x00"
        offset = len(self.buf)
        self._mark("length", offset, size)
        self.buf += self._u32(length) if size == 4 else self._u16(length & 0xFFFF)
        return offset, size

    def element(self, tag, vr, value=b"", *, length=None):
        self.header(tag, vr, len(value) if length is None else length)
        self.buf += value

    def _patch(self, offset, size, value):
        self.buf[offset:offset + size] = self._u32(value) if size == 4 else self._u16(value & 0xFFFF)

    @contextmanager
    def sequence(self, tag, vr="SQ", *, undefined):
        offset, size = self.header(tag, vr, UNDEFINED if undefined else 0)
        start = len(self.buf)
        self.depth += 1
        yield
        self.depth -= 1
        if undefined:
            self.delimiter(SEQUENCE_DELIMITER)
        else:
            self._patch(offset, size, len(self.buf) - start)

    @contextmanager
    def item(self, *, undefined, implicit=None):
        """An item; implicit=True/False switches the VR mode inside it."""
        self._mark("item", len(self.buf), 8)
        self.buf += self._tag(ITEM)
        offset = len(self.buf)
        self.buf += self._u32(UNDEFINED if undefined else 0)
        start = len(self.buf)
        saved = self.implicit
        self.implicit = saved if implicit is None else implicit
        self.depth += 1
        yield
        self.depth -= 1
        self.implicit = saved
        if undefined:
            self.delimiter(ITEM_DELIMITER)
        else:
            self._patch(offset, 4, len(self.buf) - start)

    def delimiter(self, tag, length=0):
        self._mark("delimiter", len(self.buf), 8)
        self.buf += self._tag(tag) + self._u32(length)

    def raw(self, data):
        self.buf += data


# Plans: what to write, drawn first so that tags can be sorted before anything is written.
#   ("elem", tag, vr, value)                      a defined-length element
#   ("seq", tag, vr, undefined, [item plans])     vr is SQ, or UN for undefined-length UN
#   ("item", undefined, implicit_or_None, [plans])
#   ("encaps", tag, [fragments])                  undefined-length OB with items and a delimiter

def write_dataset(w, plans):
    for plan in plans:
        kind = plan[0]
        if kind == "elem":
            _, tag, vr, value = plan
            w.element(tag, vr, value)
        elif kind == "seq":
            _, tag, vr, undefined, items = plan
            with w.sequence(tag, vr, undefined=undefined):
                for _, item_undefined, implicit, body in items:
                    with w.item(undefined=item_undefined, implicit=implicit):
                        write_dataset(w, body)
        elif kind == "encaps":
            _, tag, fragments = plan
            with w.sequence(tag, "OB", undefined=True):
                for fragment in fragments:
                    w.raw(w._tag(ITEM) + w._u32(len(fragment)) + fragment)
        else:
            raise ValueError(kind)


def encode_dataset(plans, *, implicit, little):
    w = RawWriter(implicit=implicit, little=little)
    write_dataset(w, plans)
    return bytes(w.buf), w.spans


# ---------------------------------------------------------------------------------------------
# Small helpers for hand-written cases (CONFORMANCE §7.2)
# ---------------------------------------------------------------------------------------------

def element(tag, vr, value=b"", *, implicit=False, little=True, length=None):
    w = RawWriter(implicit=implicit, little=little)
    w.element(tag, vr, value, length=length)
    return bytes(w.buf)


def item(body, *, little=True, undefined=False):
    e = "<" if little else ">"
    if undefined:
        return (struct.pack(f"{e}HHL", 0xFFFE, 0xE000, UNDEFINED) + body
                + struct.pack(f"{e}HHL", 0xFFFE, 0xE00D, 0))
    return struct.pack(f"{e}HHL", 0xFFFE, 0xE000, len(body)) + body


def delimiter(tag, *, little=True, length=0):
    return struct.pack("<HHL" if little else ">HHL", tag >> 16, tag & 0xFFFF, length)


def sequence(tag, items, *, implicit=False, little=True, undefined=False, vr="SQ"):
    body = b"".join(items)
    if undefined:
        return (element(tag, vr, b"", implicit=implicit, little=little, length=UNDEFINED) + body
                + delimiter(SEQUENCE_DELIMITER, little=little))
    return element(tag, vr, body, implicit=implicit, little=little)


def pad_uid(uid):
    uid = uid.encode() if isinstance(uid, str) else uid
    return uid + b"\x00" * (len(uid) % 2)


def file_meta(transfer_syntax=EXPLICIT_LE, *, preamble=b"\x00" * 128, extra=b""):
    """Preamble, DICM and a minimal explicit VR LE file meta naming transfer_syntax."""
    body = extra + element(0x00020010, "UI", pad_uid(transfer_syntax))
    group_length = element(0x00020000, "UL", struct.pack("<L", len(body)))
    return (preamble + b"DICM" if preamble is not None else b"") + group_length + body


def dicom_file(body, transfer_syntax=EXPLICIT_LE):
    """A complete file: file meta for transfer_syntax, then the (already encoded) body."""
    if transfer_syntax == DEFLATED:
        body = deflate(body)
    return file_meta(transfer_syntax) + body


def deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


def deep_nesting(depth, *, undefined_sequences=True, undefined_items=True, implicit=False,
                 little=True):
    """A body with `depth` sequences nested inside each other, built inside out (no recursion)."""
    body = element(0x00100020, "LO", b"ID", implicit=implicit, little=little)
    for _ in range(depth):
        body = sequence(0x00081140, [item(body, little=little, undefined=undefined_items)],
                        implicit=implicit, little=little, undefined=undefined_sequences)
    return body


# ---------------------------------------------------------------------------------------------
# Raw values
# ---------------------------------------------------------------------------------------------

PAD = st.sampled_from([b"", b"", b" ", b"\x00", b"  ", b" \x00", b"\x00\x00"])
TEXTISH = st.binary(max_size=20).map(lambda b: b.replace(b"\x1b", b""))

SAMPLES = {
    "DS": [b"1.5", b" 12 ", b"1e2", b"1_000", b"-0", b"+.5", b"1.", b"inf", b"nan", b"-Infinity",
           b"0x10", b"\t3\n", b"1e400", b"abc", b"-", b"12345678901234567890"],
    "IS": [b"1", b" 12 ", b"-7", b"1e2", b"1_0", b"1.0", b"1.5", b"\t3\n", b"+4", b"x",
           b"99999999999999999999", b"0x10", b"inf"],
    "UI": [b"1.2.840.10008.1.2", b" 1.2 ", b"1.2\x00", b"1..2", b"0"],
    "PN": [b"A^B=C^D==", b"=A^B", b"A^B \\ C ", b"Yamada^Tarou", b"^^^^", b"A=B=C=D"],
    "DA": [b"20200101", b" 2020 ", b"2020", b"20200101-20201231"],
    "TM": [b"235960", b"12", b"123045.5", b"25"],
    "DT": [b"20200101120000", b"2020010112+0100"],
    "CS": [b"A \\ B ", b" A\x00\\B\x00", b"ORIGINAL\\PRIMARY", b"lower"],
    "AE": [b" AE TITLE ", b"A\x00"],
    "UR": [b"http://x/y z ", b"a\\b\x00"],
}
COMMON = [b"\\", b"", b" ", b"\x00", b"A\\B\\", b"\xe9\xe8", b"\xc3\xa9", b"\x80\xff"]


@st.composite
def raw_value(draw, vr, charset_samples=()):
    """Raw value bytes for vr, mostly well-formed; odd lengths and junk included."""
    if vr in FIXED_SIZE:
        if draw(st.integers(0, 19)) == 0:                  # not a multiple of the size
            return draw(st.binary(min_size=1, max_size=FIXED_SIZE[vr] * 2 + 1))
        n = draw(st.integers(0, 4)) * FIXED_SIZE[vr]
        return draw(st.binary(min_size=n, max_size=n))
    if vr in ("OB", "UN"):
        return draw(st.binary(max_size=16))
    pool = SAMPLES.get(vr, []) + COMMON + list(charset_samples)
    one = st.one_of(TEXTISH, st.sampled_from(pool))
    values = draw(st.lists(one, min_size=1, max_size=3))
    return b"\\".join(values) + draw(PAD)


# ---------------------------------------------------------------------------------------------
# Character sets: (0008,0005) values and text encoded in them
# ---------------------------------------------------------------------------------------------

def _encoded_samples():
    from pydicom.charset import convert_encodings, encode_string
    texts = {
        b"ISO_IR 100": ["Müller^Jürgen", "Ærø"],
        b"ISO_IR 192": ["Müller^中文", "한국어"],
        b"GB18030": ["王^小东", "中文"],
        b"\\ISO 2022 IR 87": ["Yamada^Tarou=山田^太郎=やまだ^たろう"],
        b"\\ISO 2022 IR 149": ["Hong^Gildong=洪^吉洞=홍^길동"],
        b"ISO_IR 13": ["ﾔﾏﾀﾞ^ﾀﾛｳ"],
        b"ISO_IR 126": ["Διονυσιος"],
        b"ISO_IR 144": ["Люкceмбypг"],
    }
    out = {}
    for term, strings in texts.items():
        encodings = convert_encodings(term.decode().split("\\"))
        if len(encodings) == 1:              # one codec: plain Python encoding
            out[term] = [s.encode(encodings[0]) for s in strings]
        else:                                # ISO 2022: pydicom writes the escape sequences
            out[term] = [encode_string(s, encodings) for s in strings]
    return out


ENCODED_TEXT = _encoded_samples()
CHARSET_TERMS = list(ENCODED_TEXT) + [
    b"", b"ISO_IR 6", b"ISO 2022 IR 6\\ISO 2022 IR 87", b"ISO IR 100", b"ISO-IR 192",
    b"latin_1", b"UNKNOWN CS", b"ISO_IR 192\\ISO_IR 100", b"ISO_IR 100\\GB18030",
]
TEXT_VRS = ("SH", "LO", "ST", "LT", "UC", "UT", "PN")


# ---------------------------------------------------------------------------------------------
# Raw datasets
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ctx:
    """How one dataset level is encoded, and text samples in its character set."""
    implicit: bool
    little: bool
    samples: tuple = ()

    def us(self, value):
        return struct.pack("<H" if self.little else ">H", value)

    def ul(self, value):
        return struct.pack("<L" if self.little else ">L", value)


@st.composite
def _plain_element(draw, ctx):
    vr = draw(st.sampled_from(VALUE_VRS))
    if draw(st.integers(0, 9)) == 0:                 # explicit VR differs from the dictionary
        tag = draw(st.sampled_from(TAGS_BY_VR[draw(st.sampled_from(VALUE_VRS))]))
    else:
        tag = draw(st.sampled_from(TAGS_BY_VR[vr]))
    value = draw(raw_value(vr, ctx.samples if vr in TEXT_VRS else ()))
    if not ctx.implicit and draw(st.integers(0, 14)) == 0:
        vr = "UN"                                    # explicit UN on a public tag
    return [("elem", tag, vr, value)]


@st.composite
def _private_block(draw, ctx):
    """A creator and 1-3 of its elements; known creators use their private dictionary VRs."""
    creator, group, chosen = private_block_layout(draw)
    block = draw(st.integers(0x10, 0x12))
    creator_value = creator.encode() + draw(st.sampled_from([b"", b" ", b"\x00"]))
    plans = [("elem", (group << 16) | block, "LO", creator_value)]
    for offset, vr in chosen:
        value = draw(raw_value(vr))
        written_vr = vr if ctx.implicit else draw(st.sampled_from([vr, vr, "UN"]))
        plans.append(("elem", (group << 16) | (block << 8) | offset, written_vr, value))
    if draw(st.integers(0, 4)) == 0:                 # private group length: UN in implicit VR
        plans.append(("elem", group << 16, "UL", ctx.ul(0)))
    return plans


@st.composite
def _ambiguous(draw, ctx):
    """'US or SS' and friends; pydicom resolves them from PixelRepresentation (implicit only)."""
    tag = draw(st.sampled_from(AMBIGUOUS_US_SS + AMBIGUOUS_UNRESOLVED + AMBIGUOUS_OTHER))
    vr = "OW" if tag in AMBIGUOUS_OTHER else draw(st.sampled_from(["US", "SS"]))
    plans = [("elem", tag, vr, draw(st.binary(max_size=3).map(lambda b: b * 2)))]
    if draw(st.booleans()):
        plans.append(("elem", PIXEL_REPRESENTATION, "US", ctx.us(draw(st.integers(0, 1)))))
    if draw(st.integers(0, 3)) == 0:
        plans.append(("elem", PIXEL_DATA, "OW", b"\x00\x00"))
    return plans


@st.composite
def _group_length(draw, ctx):
    group = draw(st.sampled_from([0x0008, 0x0010, 0x0018, 0x0020]))
    return [("elem", group << 16, "UL", draw(st.binary(min_size=4, max_size=4)))]


@st.composite
def _unknown_public(draw, ctx):
    vr = draw(st.sampled_from(VALUE_VRS))
    return [("elem", draw(st.sampled_from(UNKNOWN_PUBLIC)), vr, draw(raw_value(vr)))]


@st.composite
def _items(draw, ctx, depth, allow_switch):
    items = []
    for _ in range(draw(st.integers(0, 2))):
        inner = ctx
        switch = None
        if allow_switch and draw(st.integers(0, 5)) == 0:
            switch, inner = True, Ctx(True, ctx.little, ctx.samples)   # implicit items, explicit SQ
        body = draw(raw_dataset(inner, depth + 1))
        items.append(("item", draw(st.booleans()), switch, body))
    return items


@st.composite
def _sequence(draw, ctx, depth):
    undefined = draw(st.booleans())
    choice = draw(st.integers(0, 5))
    implicit_ctx = Ctx(True, ctx.little, ctx.samples)
    if choice == 0 and not ctx.implicit:             # undefined-length UN: read as SQ
        tag = draw(st.sampled_from(TAGS_BY_VR[draw(st.sampled_from(["SQ", "LO", "US"]))]))
        items = draw(_items(implicit_ctx, depth, allow_switch=False))
        items = [("item", u, True, body) for _, u, _s, body in items]
        return [("seq", tag, "UN", True, items)]
    if choice == 1 and ctx.implicit and undefined:   # unknown private tag: SQ if an item follows
        items = draw(_items(ctx, depth, allow_switch=False))
        return [("elem", 0x00090010, "LO", b"ACME 1.0"), ("seq", 0x00091001, "SQ", True, items)]
    tag = draw(st.sampled_from(TAGS_BY_VR["SQ"]))
    items = draw(_items(ctx, depth, allow_switch=not ctx.implicit))
    return [("seq", tag, "SQ", undefined, items)]


MAKERS = [_plain_element] * 6 + [_private_block, _ambiguous, _group_length, _unknown_public]


def _by_tag(plans):
    return sorted(plans, key=lambda p: p[1])


@st.composite
def raw_dataset(draw, ctx, depth=0):
    """Plans for one dataset level, sorted by tag (rarely unsorted or with a duplicate)."""
    plans = []
    for _ in range(draw(st.integers(0, 7))):
        plans += draw(draw(st.sampled_from(MAKERS))(ctx))
    if depth < 2 and draw(st.integers(0, 2)) == 0:
        plans += draw(_sequence(ctx, depth))
    if depth > 0 and draw(st.integers(0, 9)) == 0:   # an item's own charset (empty resets it)
        plans.append(("elem", SPECIFIC_CHARACTER_SET, "CS", draw(st.sampled_from(CHARSET_TERMS))))
    if len(plans) > 1 and draw(st.integers(0, 19)) == 0:
        return plans                                 # file order, duplicates kept
    last = {}
    for plan in plans:
        last[plan[1]] = plan
    return _by_tag(last.values())


@st.composite
def _pixel_plans(draw, ctx):
    bits = draw(st.sampled_from([8, 16]))
    plans = [("elem", BITS_ALLOCATED, "US", ctx.us(bits))]
    if draw(st.booleans()):
        fragments = draw(st.lists(st.binary(max_size=12).map(lambda b: b + b"\x00" * (len(b) % 2)),
                                  max_size=3))
        plans.append(("encaps", PIXEL_DATA, [b""] + fragments))
    else:
        plans.append(("elem", PIXEL_DATA, "OW" if bits == 16 else "OB",
                      draw(st.binary(max_size=16)).ljust(2, b"\x00")))
    if draw(st.booleans()):
        plans.append(("elem", TRAILING_PADDING, "OB", b"\x00" * 2 * draw(st.integers(0, 2))))
    return plans


@dataclass
class RawFile:
    """A generated file: its bytes, the spans of its fields and whether it needs force=True."""
    data: bytes
    spans: list = field(default_factory=list)
    needs_force: bool = False
    transfer_syntax: str = ""


TRANSFER_SYNTAXES = [(IMPLICIT_LE, True, True), (EXPLICIT_LE, False, True),
                     (EXPLICIT_BE, False, False), (DEFLATED, False, True),
                     (JPEG_BASELINE, False, True)]


@st.composite
def _meta(draw, ts):
    uid = pad_uid(ts)
    if draw(st.integers(0, 4)) == 0:
        uid = ts.encode() + draw(st.sampled_from([b" ", b"\x00", b" \x00"]))
    body = b""
    if draw(st.booleans()):
        body += element(0x00020001, "OB", b"\x00\x01")
        body += element(0x00020002, "UI", pad_uid("1.2.840.10008.5.1.4.1.1.7"))
        body += element(0x00020003, "UI", pad_uid("1.2.3.4.5"))
    body += element(0x00020010, "UI", uid)
    if draw(st.booleans()):
        body += element(0x00020012, "UI", pad_uid("1.2.3"))
    how = draw(st.sampled_from(["right", "right", "wrong", "missing"]))
    if how == "missing":
        return body
    n = len(body) if how == "right" else draw(st.sampled_from([0, 2, len(body) + 10]))
    return element(0x00020000, "UL", struct.pack("<L", n)) + body


@st.composite
def _command_set(draw, ctx):
    """Group 0000 after the file meta: pydicom reads it as implicit VR little endian and
    merges it into the dataset, whose character set then decodes its text."""
    body = element(0x00000002, "UI", pad_uid("1.2.840.10008.5.1.4.1.1.7"), implicit=True)
    body += element(0x00000100, "US", struct.pack("<H", draw(st.integers(0, 0xFFFF))),
                    implicit=True)
    if draw(st.booleans()):
        body += element(0x00000902, "LO", draw(raw_value("LO", ctx.samples)), implicit=True)
    body += element(0x00004000, "LT", draw(raw_value("LT", ctx.samples)), implicit=True)
    if draw(st.booleans()):
        body = element(0x00000000, "UL", struct.pack("<L", len(body)), implicit=True) + body
    return body


@st.composite
def raw_files(draw):
    """RawFile objects: preamble (or not), file meta (or not) and a raw dataset."""
    ts, implicit, little = draw(st.sampled_from(TRANSFER_SYNTAXES))
    framing = draw(st.sampled_from(["dicm"] * 8 + ["no_preamble", "bare"]))
    if framing == "bare" and ts not in (IMPLICIT_LE, EXPLICIT_LE):
        framing = "dicm"
    charset = draw(st.sampled_from([None] * 3 + CHARSET_TERMS))
    ctx = Ctx(implicit, little, tuple(ENCODED_TEXT.get(charset, ())))
    plans = draw(raw_dataset(ctx))
    if charset is not None:
        cs = ("elem", SPECIFIC_CHARACTER_SET, "CS", charset)
        rest = [p for p in plans if p[1] != SPECIFIC_CHARACTER_SET]
        plans = _by_tag(rest + [cs]) if rest == _by_tag(rest) else [cs] + rest
    if draw(st.integers(0, 3)) == 0:
        plans = [p for p in plans if p[1] < BITS_ALLOCATED] + draw(_pixel_plans(ctx))
    body, spans = encode_dataset(plans, implicit=implicit, little=little)
    if ts == DEFLATED:
        body, spans = deflate(body), []          # spans would point into the inflated bytes
    if framing == "bare":
        return RawFile(body, spans, needs_force=True, transfer_syntax="")
    preamble = b""
    if framing == "dicm":
        preamble = draw(st.sampled_from([b"\x00" * 128, b"\xff" * 128, bytes(range(128))])) + b"DICM"
    prefix = preamble + draw(_meta(ts))
    if draw(st.integers(0, 5)) == 0:
        prefix += draw(_command_set(ctx))
    shifted = [Span(s.kind, s.offset + len(prefix), s.size, s.depth) for s in spans]
    return RawFile(prefix + body, shifted, needs_force=framing != "dicm", transfer_syntax=ts)


def raw_file_bytes():
    return raw_files().map(lambda f: f.data)


# ---------------------------------------------------------------------------------------------
# Malformed mutations (CONFORMANCE §6.2)
# ---------------------------------------------------------------------------------------------

U32 = [0, 1, 2, 3, 7, 0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFF0, 0xFFFFFFFE, 0xFFFFFFFF]
U16 = [0, 1, 2, 3, 7, 0xFF, 0x7FFF, 0xFFFE, 0xFFFF]
BOGUS_VRS = [b"XX", b"cs", b"\x00\x00", b"  ", b"Ba", b"U\xb5", b"AA", b"ZZ", b"SQ", b"UN",
             b"UT", b"OB", b"US", b"\xff\xff"]


def _spans(raw, *kinds):
    return [s for s in raw.spans if s.kind in kinds]


def _start(raw):
    return 132 if raw.data[128:132] == b"DICM" else 0


@st.composite
def _truncate(draw, raw):
    data = raw.data
    marks = [s.offset + d for s in raw.spans for d in (0, 1, s.size - 1, s.size) if s.size]
    if marks and draw(st.booleans()):
        n = draw(st.sampled_from(marks))
    else:
        n = draw(st.integers(0, len(data)))
    return data[:max(0, min(n, len(data)))]


@st.composite
def _flip_bytes(draw, raw):
    data = bytearray(raw.data)
    start = _start(raw)
    if len(data) > start:
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(start, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


@st.composite
def _overwrite_length(draw, raw):
    """A length field (or, without spans, any 4 bytes) gets a boundary value."""
    data = bytearray(raw.data)
    lengths = _spans(raw, "length")
    if lengths and draw(st.integers(0, 3)) > 0:
        span = draw(st.sampled_from(lengths))
        offset, size = span.offset, span.size
    elif len(data) >= _start(raw) + 4:
        offset, size = draw(st.integers(_start(raw), len(data) - 4)), 4
    else:
        return bytes(data)
    order = draw(st.sampled_from("<>"))
    if draw(st.booleans()):                          # a near miss: the right length +- a bit
        old = int.from_bytes(data[offset:offset + size], "little" if order == "<" else "big")
        new = (old + draw(st.sampled_from([-8, -2, -1, 1, 2, 8, 0x100]))) % (1 << (8 * size))
    else:
        new = draw(st.sampled_from(U32 if size == 4 else U16))
    data[offset:offset + size] = struct.pack(order + ("L" if size == 4 else "H"), new)
    return bytes(data)


@st.composite
def _bogus_vr(draw, raw):
    data = bytearray(raw.data)
    vrs = _spans(raw, "vr")
    if not vrs:
        return bytes(data)
    for span in draw(st.lists(st.sampled_from(vrs), min_size=1, max_size=2)):
        new = draw(st.sampled_from(BOGUS_VRS + [bytes(data[span.offset:span.offset + 2]).lower()]))
        data[span.offset:span.offset + 2] = new
    return bytes(data)


def _little(raw):
    return raw.transfer_syntax != EXPLICIT_BE


@st.composite
def _misuse_delimiters(draw, raw):
    """Delimiters where they do not belong, missing, or with a non-zero length."""
    data = raw.data
    little = _little(raw)
    what = draw(st.sampled_from(["insert", "insert", "delete", "nonzero", "item_in_top"]))
    if what == "delete":
        spans = _spans(raw, "delimiter")
        if spans:
            s = draw(st.sampled_from(spans))
            return data[:s.offset] + data[s.offset + 8:]
        what = "insert"
    if what == "nonzero":
        spans = _spans(raw, "delimiter")
        if spans:
            s = draw(st.sampled_from(spans))
            n = struct.pack("<L" if little else ">L", draw(st.sampled_from([1, 4, 0xFFFFFFFF])))
            return data[:s.offset + 4] + n + data[s.offset + 8:]
        what = "insert"
    boundaries = _spans(raw, "element")
    if not boundaries:
        return data + delimiter(ITEM_DELIMITER, little=little)
    s = draw(st.sampled_from(boundaries))
    if what == "item_in_top":
        extra = item(b"", little=little, undefined=draw(st.booleans()))
    else:
        tag = draw(st.sampled_from([ITEM_DELIMITER, SEQUENCE_DELIMITER, ITEM]))
        extra = delimiter(tag, little=little)
    return data[:s.offset] + extra + data[s.offset:]


@st.composite
def _drop_bytes(draw, raw):
    data = raw.data
    start = _start(raw)
    if len(data) <= start:
        return data
    i = draw(st.integers(start, len(data) - 1))
    return data[:i] + data[i + draw(st.integers(1, 8)):]


MUTATIONS = {
    "truncate": _truncate,
    "flip_bytes": _flip_bytes,
    "overwrite_length": _overwrite_length,
    "bogus_vr": _bogus_vr,
    "misuse_delimiters": _misuse_delimiters,
    "drop_bytes": _drop_bytes,
}


SAME_LAYOUT = {"flip_bytes", "overwrite_length", "bogus_vr"}   # offsets stay valid after these


@dataclass
class Malformed:
    kind: str
    data: bytes
    needs_force: bool


@st.composite
def malformed_files(draw, kinds=tuple(MUTATIONS), base=None):
    """A raw file damaged by one or two mutations of the given kinds."""
    raw = draw(base if base is not None else raw_files())
    applied = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(list(kinds)))
        spans = raw.spans if kind in SAME_LAYOUT else []
        raw = RawFile(draw(MUTATIONS[kind](raw)), spans, raw.needs_force, raw.transfer_syntax)
        applied.append(kind)
    return Malformed("+".join(applied), raw.data, raw.needs_force)
