"""scan(): values equal dcmread's for every requested tag on every real file, errors as rows."""
import os
import warnings

import pytest

import cydicom
from cydicom import dcmread
from cydicom.scanning import TagSpec, scan, tag_spec
from tests.realfiles import bundled_files, data_store_files, pydicom_test_file

KIND_INT, KIND_FLOAT, KIND_STR, KIND_BYTES = 0, 1, 2, 3
REAL_FILES = bundled_files() + data_store_files()


def _read(path, force=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dcmread(path, stop_before_pixels=True, force=force)


def _public_tags(paths, force=False):
    """Every public, non-sequence top-level tag before the pixel data in ``paths``."""
    tags = set()
    for path in paths:
        try:
            ds = _read(path, force)
        except Exception:
            continue
        for tag in ds.tags():
            if tag >= 0x7FE00010 or (tag >> 16) & 1 or tag >> 16 in (0, 2):
                continue
            try:
                spec = tag_spec(tag)
            except ValueError:
                continue
            tags.add(spec.tag)
    return sorted(tags)


def _same(a, b):
    """Equal, with NaN equal to NaN (FD/FL values may be NaN)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return a == b and type(a) is type(b)


class DoesNotFit(Exception):
    """dcmread's value has no place in the column's type (the scan gives null + error)."""


def _item(spec: TagSpec, value):
    if spec.kind in (KIND_INT, KIND_FLOAT) and (value is None or
                                                 isinstance(value, str) and not value.strip()):
        return None  # blank number text: dcmread keeps the text, the column a null
    if (spec.kind == KIND_INT and isinstance(value, float) and value.is_integer()
            and -(2**63) <= value < 2**63):
        return int(value)
    if spec.kind == KIND_FLOAT and isinstance(value, int):
        return float(value)
    if spec.kind == KIND_STR and isinstance(value, str):
        return str(value)
    if spec.kind == KIND_INT and isinstance(value, int) and -(2**63) <= value < 2**63:
        return value  # (UV values of 2**63 and more do not fit the int64 column)
    if spec.kind == KIND_FLOAT and isinstance(value, float):
        return value
    raise DoesNotFit(value)


def expected_cell(ds, spec: TagSpec):
    """What the scan column must hold for ``spec`` given dcmread's dataset.

    Returns (value, conversion_failed).
    """
    if spec.tag not in ds:
        return None, False
    element = ds.element(spec.tag)
    if spec.kind == KIND_BYTES:
        return (bytes(element.raw) or None), False
    try:
        value = ds[spec.tag]
    except (cydicom.DicomError, ValueError, TypeError):
        return None, True
    values = list(value) if isinstance(value, list) else [value]
    if element.value_length == 0:
        return ([] if spec.is_list else "" if spec.kind == KIND_STR else None), False
    try:
        if spec.is_list:
            return [_item(spec, v) for v in values], False
        if value is None or value == [] or (value == "" and spec.kind != KIND_STR):
            return None, False
        if len(values) > 1:
            if spec.kind == KIND_STR:
                return "\\".join(_item(spec, v) for v in values), False
            return None, True
        return _item(spec, values[0]), False
    except DoesNotFit:
        return None, True


def _longest_readable_prefix(path, force):
    """dcmread of the longest prefix of the file it reads without raising, or None."""
    data = open(path, "rb").read()
    for cut in range(len(data) - 1, 0, -1):
        try:
            return dcmread(data[:cut], stop_before_pixels=True, force=force)
        except Exception:
            continue
    return None


def assert_scan_matches_dcmread(paths, tags, force=False, threads=1):
    with warnings.catch_warnings():
        return _assert_scan_matches_dcmread(paths, tags, force, threads)


def _assert_scan_matches_dcmread(paths, tags, force, threads):
    result = scan(paths, tags, threads=threads, force=force)
    rows = result.to_pylist()
    assert [row["path"] for row in rows] == list(paths)
    checked = 0
    for row in rows:
        path = row["path"]
        warnings.simplefilter("ignore")  # dcmread's lenient-mode warnings (caught per test)
        try:
            ds = _read(path, force)
        except Exception as exc:
            if row["error"] is not None:
                assert type(exc).__name__ in row["error"]
                assert all(row[spec.name] is None for spec in result.specs)
                continue
            # a scan reads only as far as the largest wanted tag, so damage beyond it is
            # not seen; its values must be those of the part of the file dcmread can read
            ds = _longest_readable_prefix(path, force)
            assert ds is not None, f"{path}: dcmread raised {exc!r}, scan did not"
        failed_any = False
        for spec in result.specs:
            expected, failed = expected_cell(ds, spec)
            failed_any |= failed
            got = row[spec.name]
            if failed:
                assert got is None, f"{path} {spec.name}: {got!r} where dcmread fails"
                continue
            assert _same(got, expected), (
                f"{path} {spec.name}: scan {got!r}, dcmread {expected!r}")
            checked += 1
        if not failed_any:
            assert row["error"] is None, f"{path}: unexpected error {row['error']}"
        else:
            assert row["error"] is not None
    return result, checked


@pytest.fixture(scope="module")
def bundled_tags():
    return _public_tags(REAL_FILES)


def test_every_public_tag_of_every_real_file_equals_dcmread(bundled_tags):
    result, checked = assert_scan_matches_dcmread(REAL_FILES, bundled_tags)
    assert len(bundled_tags) > 300 and checked > 10000
    assert result.error_count < len(REAL_FILES) // 4


def test_force_reads_files_without_preamble_like_dcmread(bundled_tags):
    files = [p for p in REAL_FILES if "NoMeta" in p or "no_preamble" in p.lower()
             or p.endswith(("rtplan.dcm", "CT_small.dcm"))]
    assert any("NoMeta" in p for p in files)
    result, checked = assert_scan_matches_dcmread(files, bundled_tags, force=True)
    assert result.error_count == 0 and checked > 100


def test_headline_tags_on_the_real_files_take_the_c_path():
    """The fast path, not the fallback, serves ordinary files (checked via the errors
    a fallback-only reading could not produce: none, and through the values)."""
    tags = ["PatientID", "SeriesInstanceUID", "InstanceNumber", "ImagePositionPatient",
            "PixelSpacing", "SliceThickness", "Rows", "Columns", "PatientName", "StudyDate"]
    assert_scan_matches_dcmread(REAL_FILES, tags)


def test_one_and_two_threads_give_identical_tables(bundled_tags):
    paths = REAL_FILES * 3
    one = scan(paths, bundled_tags[:120], threads=1).to_arrow()
    two = scan(paths, bundled_tags[:120], threads=2).to_arrow()
    assert one.equals(two)


def test_non_dicom_unreadable_and_missing_files_are_rows(tmp_path):
    good = pydicom_test_file("CT_small.dcm")
    text = tmp_path / "notes.txt"
    text.write_text("not a DICOM file at all")
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    directory = tmp_path / "sub"
    directory.mkdir()
    missing = tmp_path / "missing.dcm"
    paths = [good, str(text), str(empty), str(missing), str(directory)]
    rows = scan(paths, ["PatientID", "Rows"]).to_pylist()
    assert rows[0]["PatientID"] == "1CT1" and rows[0]["error"] is None
    assert "InvalidDicomError" in rows[1]["error"]
    assert "InvalidDicomError" in rows[2]["error"]
    assert "FileNotFoundError" in rows[3]["error"]
    assert rows[4]["error"] is not None  # a directory cannot be read as a file
    assert all(row["PatientID"] is None for row in rows[1:])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without permission bits")
def test_unreadable_file_is_a_row(tmp_path):
    locked = tmp_path / "locked.dcm"
    locked.write_bytes(open(pydicom_test_file("CT_small.dcm"), "rb").read())
    locked.chmod(0)
    (row,) = scan([str(locked)], ["PatientID"]).to_pylist()
    assert "PermissionError" in row["error"]


def test_source_directory_glob_and_iterable(tmp_path):
    data = open(pydicom_test_file("CT_small.dcm"), "rb").read()
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").mkdir()
    for name in ("1.dcm", "a/2.dcm", "a/b/3.dcm"):
        (tmp_path / name).write_bytes(data)
    assert len(scan(str(tmp_path), ["PatientID"])) == 3
    assert len(scan(tmp_path, ["PatientID"], recursive=False)) == 1
    assert len(scan(str(tmp_path / "**" / "*.dcm"), ["PatientID"])) == 3
    assert len(scan(iter([tmp_path / "1.dcm"]), ["PatientID"])) == 1


def test_tag_forms_and_column_types():
    path = pydicom_test_file("CT_small.dcm")
    result = scan([path], ["PatientID", 0x00280010, (0x0028, 0x0011), "(0020,0032)", "0x00180050"])
    assert result.column_names == ["path", "PatientID", "Rows", "Columns",
                                   "ImagePositionPatient", "SliceThickness", "error"]
    table = result.to_arrow()
    assert str(table.schema.field("Rows").type) == "int64"
    assert str(table.schema.field("SliceThickness").type) == "double"
    assert str(table.schema.field("ImagePositionPatient").type) == "list<item: double>"
    assert scan([path], "PatientID,Rows").column_names[1:3] == ["PatientID", "Rows"]
    with pytest.raises(ValueError):
        scan([path], ["NotAKeyword"])
    with pytest.raises(ValueError):
        scan([path], ["ReferencedImageSequence"])
    with pytest.raises(ValueError):
        scan([path], ["PatientID", "PatientID"])


def test_private_tags_are_raw_bytes():
    path = pydicom_test_file("CT_small.dcm")
    ds = _read(path)
    private = next(tag for tag in ds.tags() if (tag >> 16) & 1 and tag < 0x7FE00010)
    (row,) = scan([path], [private]).to_pylist()
    assert row[f"{private:08X}"] == bytes(ds.element(private).raw)


def test_on_error_modes(tmp_path):
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"nope")
    good = pydicom_test_file("CT_small.dcm")
    assert len(scan([good, str(bad)], ["PatientID"], on_error="skip")) == 1
    skipped = scan([good, str(bad)], ["PatientID", "ImagePositionPatient"], on_error="skip")
    assert skipped.to_pylist()[0]["ImagePositionPatient"][0] == pytest.approx(-158.135803)
    with pytest.raises(cydicom.DicomError, match="bad.dcm"):
        scan([good, str(bad)], ["PatientID"], on_error="raise")
    with pytest.raises(ValueError):
        scan([good], ["PatientID"], on_error="ignore")


def test_progress_callback_counts_every_file(tmp_path):
    seen = []
    paths = [pydicom_test_file("CT_small.dcm")] * 600 + [str(tmp_path / "missing")]
    scan(paths, ["PatientID"], threads=2, progress=lambda *a: seen.append(a))
    assert seen[-1] == (601, 601, 1)


def test_outputs_agree(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    result = scan(REAL_FILES[:60], ["PatientID", "ImagePositionPatient", "Rows", "PatientName",
                                    "PixelSpacing", "StudyDate"])
    table = result.to_arrow()
    assert table.to_pylist() == result.to_pylist()
    result.write_parquet(tmp_path / "index.parquet")
    assert pq.read_table(tmp_path / "index.parquet").equals(table)
    result.write_csv(tmp_path / "index.csv")
    lines = (tmp_path / "index.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(result.column_names) and len(lines) == 61
    assert isinstance(table, pa.Table)


def test_generated_ct_series_take_the_c_path_only(tmp_path):
    from benchmarks.corpus import make_ct_corpus

    paths = [str(p) for p in make_ct_corpus(24, tmp_path, n_series=2)]
    tags = _public_tags(paths)
    result, checked = assert_scan_matches_dcmread(paths, tags, threads=2)
    assert result.fallback_count == 0 and result.error_count == 0
    assert checked > 24 * 80


def _hypothesis_files():
    from hypothesis import strategies as st

    from tests.conformance import rawgen, strategies

    valid = strategies.dicom_files()
    truncated = valid.flatmap(lambda d: st.integers(0, len(d)).map(lambda n: d[:n]))
    raw = rawgen.raw_files().map(lambda f: f.data)
    return st.lists(st.one_of(valid, valid, raw, truncated), min_size=1, max_size=4)


def test_generated_datasets_equal_dcmread(tmp_path_factory):
    from hypothesis import given, settings

    @given(files=_hypothesis_files())
    @settings(deadline=None)
    def check(files):
        folder = tmp_path_factory.mktemp("scan")
        paths = []
        for i, data in enumerate(files):
            path = folder / f"{i}.dcm"
            path.write_bytes(data)
            paths.append(str(path))
        tags = set(_public_tags(paths)[:200]) | {tag_spec("PatientID").tag, tag_spec("Rows").tag}
        assert_scan_matches_dcmread(paths, sorted(tags))

    check()


def test_a_fifo_does_not_block_the_scan(tmp_path):
    fifo = tmp_path / "pipe.dcm"
    os.mkfifo(fifo)
    (row,) = scan([str(fifo)], ["PatientID"]).to_pylist()
    assert "Illegal seek" in row["error"]  # opened without blocking, then pread refuses


def _sequence_paths(paths, limit=400):
    """"Seq[i].Value" and "Seq[0].Seq[0].Value" specs found in the files' first items."""
    found = []
    for path in paths:
        try:
            ds = _read(path)
            elements = list(ds)
        except Exception:
            continue
        for element in elements:
            if element.vr != "SQ" or not element.keyword or element.tag >= 0x7FE00010:
                continue
            try:
                items = ds[element.tag]
                for index in {0, len(items) - 1} if items else ():
                    for inner in items[index]:
                        if not inner.keyword or (inner.tag >> 16) & 1:
                            continue
                        if inner.vr != "SQ":
                            found.append(f"{element.keyword}[{index}].{inner.keyword}")
                        elif index == 0 and items[0][inner.tag]:
                            for leaf in items[0][inner.tag][0]:
                                if leaf.keyword and leaf.vr != "SQ" and not (leaf.tag >> 16) & 1:
                                    found.append(f"{element.keyword}[0].{inner.keyword}[0]."
                                                 f"{leaf.keyword}")
            except Exception:
                continue
    return sorted(set(found))[:limit]


def _navigate(ds, spec):
    """The dataset holding the path's value (None if a hop is missing), and the value tag."""
    current, tag = ds, spec.tag
    for index, next_tag in spec.path:
        items = current.get(tag)
        if not items or len(items) <= index:
            return None, next_tag
        current, tag = items[index], next_tag
    return current, tag


def test_values_inside_sequences_equal_dcmread():
    import dataclasses

    from benchmarks.corpus import make_multiframe

    files = REAL_FILES + [str(make_multiframe(frames=20)),
                          str(make_multiframe(frames=20, undefined_length=False))]
    specs = [tag_spec(p) for p in _sequence_paths(files)]
    assert len(specs) > 100
    result = scan(files, [s.name for s in specs])
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for row in result.to_pylist():
            try:
                ds = _read(row["path"])
            except Exception:
                assert row["error"] is not None
                continue
            for spec in specs:
                try:
                    holder, leaf = _navigate(ds, spec)
                except Exception:
                    continue  # dcmread fails on the way: the row says so
                if holder is None:
                    assert row[spec.name] is None
                    continue
                expected, failed = expected_cell(holder, dataclasses.replace(spec, tag=leaf,
                                                                             path=None))
                got = row[spec.name]
                if failed:
                    assert got is None
                    continue
                assert _same(got, expected), (
                    f"{row['path']} {spec.name}: scan {got!r}, dcmread {expected!r}")
                checked += 1
    assert checked > 1000
    assert result.fallback_count < len(files) // 4


def test_sequence_path_errors():
    with pytest.raises(ValueError, match="item index"):
        tag_spec("ReferencedImageSequence.ReferencedSOPInstanceUID")
    with pytest.raises(ValueError, match="not a sequence"):
        tag_spec("PatientID[0].PatientName")
    with pytest.raises(ValueError, match="ends in a sequence"):
        tag_spec("ReferencedImageSequence[0].ReferencedImageSequence")
    spec = tag_spec("SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing")
    assert spec.is_list and spec.path == ((0, 0x00289110), (0, 0x00280030))


@pytest.mark.parametrize("vr", ["CS", "PN", "LO", "US", "OB"])
def test_charset_written_with_another_vr_scans_as_dcmread(tmp_path, vr):
    from conformance import rawgen

    body = (rawgen.element(0x00080005, vr, b"ISO_IR 100")
            + rawgen.element(0x00100010, "PN", "Müller".encode("latin-1"))
            + rawgen.element(0x00100020, "LO", b"ID1 "))
    path = tmp_path / f"charset-{vr}.dcm"
    path.write_bytes(rawgen.dicom_file(body))
    assert_scan_matches_dcmread([str(path)], ["PatientName", "PatientID"])
