"""Read bytes with cydicom and touch everything a user could touch.

Shared by the atheris harnesses and the tests: ``read_everything(data)`` returns normally or
raises a ``cydicom.DicomError``; anything else (another exception, a crash, a hang, a huge
allocation) is a bug. APIs that are not on every branch yet (pixels, scans) are used when
they exist.
"""
import os
import tempfile
import warnings

import cydicom

# Bounds on how much of a hostile file is walked: enough to reach every code path, not
# enough for a fuzzer input to spend seconds in Python.
MAX_ELEMENTS = 20_000
MAX_FRAMES = 4
PIXEL_API = ("num_frames", "frame", "pixel_array")


class Budget:
    """Counts elements visited, so one input cannot run for minutes in Python."""

    def __init__(self, limit=MAX_ELEMENTS):
        self.left = limit

    def take(self):
        self.left -= 1
        return self.left >= 0


def touch_dataset(ds, budget):
    """Every element's header, raw bytes, VR and value, recursively into sequence items.

    Iterative (an explicit stack): hostile nesting must not exhaust the Python stack here.
    A ``DicomError`` of one element is expected (conversion errors are per element); the
    next elements are still touched.
    """
    stack = [ds]
    while stack and budget.take():  # a level counts as one element (empty items are cheap)
        level = stack.pop()
        level.element_table()
        for el in level:
            if not budget.take():
                return
            el.tag, el.length, el.offset, el.value_length, el.is_truncated, el.keyword
            bytes(el.raw)
            try:
                vr, value = el.vr, el.value
            except cydicom.DicomError:
                continue
            repr(el)
            if vr == "SQ":
                stack.extend(value)


def touch_pixels(ds):
    """Frames and the pixel array, through whichever pixel API this build has."""
    if not all(hasattr(ds, name) for name in PIXEL_API):
        return
    try:
        frames = ds.num_frames
        for index in range(min(int(frames or 0), MAX_FRAMES)):
            ds.frame(index)
        ds.pixel_array
    except cydicom.DicomError:
        pass


def read_everything(data, *, force=True, to_pydicom=True, pixels=True):
    """dcmread ``data`` (bytes) and touch every element, the pydicom copy and the pixels."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with cydicom.dcmread(data, force=force) as ds:
            touch_dataset(ds, Budget())
            if ds.file_meta is not None:
                touch_dataset(ds.file_meta, Budget())
            repr(ds)
            if to_pydicom:
                ds.to_pydicom()
            if pixels:
                touch_pixels(ds)
        return ds


SCAN_TAGS = ("PatientID", "Rows", "ImagePositionPatient", "SeriesInstanceUID")
# Tag sets the scan harness rotates through: top-level only, values inside sequences by
# path (the general walker's item hops), private and group-length tags, the last tags before
# Pixel Data.
SCAN_TAG_SETS = (
    SCAN_TAGS,
    ("SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing",
     "ReferencedImageSequence[1].ReferencedSOPInstanceUID", "PatientName", "WindowCenter"),
    ((0x0009, 0x0010), (0x0029, 0x1010), (0x0008, 0x0000), "LUTDescriptor", "PixelSpacing"),
    ("SpecificCharacterSet", "StudyDescription", "ExtendedOffsetTable", "FloatPixelData"),
)


def scan_bytes(data, tags=SCAN_TAGS, *, force=False):
    """``cydicom.scan`` over ``data`` written to a temporary file (None without scan)."""
    scan = getattr(cydicom, "scan", None)
    if scan is None:
        return None
    fd, path = tempfile.mkstemp(suffix=".dcm")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        rows = scan([path], list(tags), threads=1, on_error="record", force=force).to_pylist()
    finally:
        os.unlink(path)
    if len(rows) != 1:
        raise AssertionError(f"scan of one file gave {len(rows)} rows")
    row = rows[0]
    if not isinstance(row, dict) or not isinstance(row.get("error") or "", str):
        raise AssertionError(f"scan row is not a dict with an error string or None: {row!r}")
    return row
