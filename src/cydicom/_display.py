"""Text for people: ``repr``/``str`` of datasets, elements and sequences, and ``cydicom dump``.

One formatter serves both. A line shows tag, VR, (for dump) length, keyword and a short
value preview; sequence items follow their sequence, indented. Binary values of 1 MiB or
more with an explicit OB/OW/... VR are previewed from their raw bytes, so showing a file
does not copy its pixel data; long lists are previewed from their first values.
"""
from html import escape

from .dataset import format_tag

REPR_LINES = 60             # repr() of a Dataset stops after this many lines (str() shows all)
BYTES_SHOWN = 16            # leading bytes shown, in hex, for a binary value
LIST_SHOWN = 16             # leading values of a list formatted for its preview
# binary values at least this long are previewed from their raw bytes, not converted (a
# copy); below it a copy costs less than the numpy import that finding the raw VR needs
BULK_LENGTH = 1 << 20
# explicit VRs whose value is the raw bytes as they are (UN is resolved, so it is not here)
RAW_BYTES_VRS = {(ord(vr[0]) << 8) | ord(vr[1]): vr for vr in ("OB", "OD", "OF", "OL", "OV", "OW")}


def _plural(count, noun):
    return f"{count} {noun}{'' if count == 1 else 's'}"


def shorten(text, width):
    """``text`` cut to ``width`` characters, ending in '...' when cut."""
    return text if len(text) <= width else text[: width - 3] + "..."


def preview(vr, value, width):
    """A one-line preview of a converted value."""
    if vr == "SQ":
        return f"<{_plural(len(value), 'item')}>"
    if isinstance(value, (bytes, memoryview)):
        return _bytes_preview(value)
    if isinstance(value, list):
        return _list_preview(value, width)
    return shorten(repr(value), width)


def _list_preview(values, width):
    text = repr(values[:LIST_SHOWN])
    if len(values) > LIST_SHOWN:
        text = text[:-1] + ", ...]"
    elif len(text) <= width:
        return text
    count = f" ({len(values)} values)"
    return shorten(text, max(width - len(count), 16)) + count


def _bytes_preview(data):
    head = bytes(data[:BYTES_SHOWN]).hex(" ")
    more = " ..." if len(data) > BYTES_SHOWN else ""
    return f"<{len(data)} bytes> {head}{more}".rstrip()


def element_name(tag, keyword):
    """The keyword, or what kind of tag it is when the dictionary has none."""
    if keyword:
        return keyword
    if tag >> 16 & 1:
        return "(private creator)" if 0x10 <= tag & 0xFFFF <= 0xFF else "(private)"
    return "(unknown)"


class Formatter:
    """Lines describing elements; ``lengths``/``offsets`` add dump's columns.

    ``errors`` counts the elements whose value could not be read (shown inline),
    ``truncated`` those whose data ended before their declared length.
    """

    def __init__(self, *, width=80, lengths=False, offsets=False, max_depth=None):
        self.width = width
        self.lengths = lengths
        self.offsets = offsets
        self.max_depth = max_depth
        self.errors = 0
        self.truncated = 0

    def vr_and_preview(self, element, raw_vr=None):
        """The element's VR and value preview; an unreadable value is shown, not raised."""
        try:
            if raw_vr is not None:
                vr, text = raw_vr, _bytes_preview(element.raw)
            else:
                vr = element.vr
                text = preview(vr, element.value, self.width)
        except ValueError as exc:  # a DicomError, or the file was closed before reading
            self.errors += 1
            return "??", f"<error: {exc}>"
        if element.is_truncated:
            self.truncated += 1
            text += f"  [truncated: {element.value_length} of {element.length} bytes]"
        return vr, text

    def line(self, element, level=0, raw_vr=None):
        """One element as text, indented by its nesting ``level``."""
        vr, text = self.vr_and_preview(element, raw_vr)
        name = element_name(element.tag, element.keyword)
        where = f"@{element.offset:<8} " if self.offsets else ""
        head = f"{where}{'  ' * level}{format_tag(element.tag)} {vr}"
        if self.lengths:
            length = "undefined" if element.is_undefined_length else str(element.length)
            return f"{head} {length:>9} {name:<36} {text}"
        return f"{head} {name}: {text}"

    def lines(self, ds, level=0):
        """Every element of ``ds`` with the items of its sequences, depth first."""
        bulk = None
        for element in ds:
            raw_vr = None
            if element.value_length >= BULK_LENGTH:
                bulk = _raw_bytes_vrs(ds) if bulk is None else bulk
                raw_vr = bulk.get(element.tag)
            yield self.line(element, level, raw_vr)
            if raw_vr is None and self._descend(level):
                yield from self._item_lines(element, level)

    def _descend(self, level):
        return self.max_depth is None or level // 2 < self.max_depth

    def _item_lines(self, element, level):
        try:
            if element.vr != "SQ":
                return
            items = element.value
        except ValueError:
            return  # already shown on the element's own line
        for number, item in enumerate(items, 1):
            where = " " * 10 if self.offsets else ""
            yield f"{where}{'  ' * (level + 1)}(FFFE,E000) item {number}"
            yield from self.lines(item, level + 2)


def _raw_bytes_vrs(ds):
    """tag -> VR of the explicit OB/OW/... elements of one level (their value is their bytes)."""
    table = ds.element_table()
    return {int(tag): RAW_BYTES_VRS[int(vr)] for tag, vr in zip(table["tag"], table["vr"])
            if int(vr) in RAW_BYTES_VRS}


def dataset_text(ds, limit=None):
    """The elements of ``ds`` (and its sequence items), one per line; at most ``limit`` lines."""
    lines: list[str] = []
    for line in Formatter().lines(ds):
        if limit is not None and len(lines) == limit:
            shown = sum(1 for text in lines if text.startswith("("))
            lines.append(f"... and {len(ds) - shown} more top-level elements, "
                         f"{len(ds)} in all (str() shows everything)")
            break
        lines.append(line)
    return "\n".join(lines) if lines else "<empty Dataset>"


def dataset_repr(ds):
    """``repr(Dataset)``: the first ``REPR_LINES`` lines of ``dataset_text``."""
    return dataset_text(ds, REPR_LINES)


def element_repr(element):
    """``repr(Element)``: one line."""
    return Formatter().line(element)


def sequence_repr(sequence):
    """``repr(Sequence)``: short, like pydicom's."""
    return f"<Sequence of {_plural(len(sequence), 'item')}>"


def sequence_text(sequence):
    """``str(Sequence)``: every item's elements, indented under an item line."""
    lines = [sequence_repr(sequence)]
    formatter = Formatter()
    for number, item in enumerate(sequence, 1):
        lines.append(f"  (FFFE,E000) item {number}")
        lines.extend(formatter.lines(item, 2))
    return "\n".join(lines)


def dataset_html(ds):
    """``_repr_html_`` for Jupyter: the ``repr`` lines as a table, nesting kept as indent."""
    rows = []
    for line in dataset_repr(ds).splitlines():
        stripped = line.lstrip(" ")
        pad = (len(line) - len(stripped)) // 2
        rows.append(f'<tr><td style="text-align:left;font-family:monospace;'
                    f'padding-left:{pad * 1.5 + 0.3:.1f}em">{escape(stripped)}</td></tr>')
    return f"<table>{''.join(rows)}</table>"
