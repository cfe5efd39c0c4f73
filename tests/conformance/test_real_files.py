"""Real files: every bundled pydicom test file and every data_store file, read by both parsers.

Each file is read with dcmread's defaults (from its path), with stop_before_pixels=True (from
bytes), and, for files without the DICM prefix, with force=True. Parameters are relative paths,
so a failure names the file.
"""
import gc
import importlib.util
import io
import os

import pydicom.data
import pytest

from .oracle import assert_same_as_pydicom, cydicom_available, cydicom_canonical

# Files (or "file::variant") left out of the comparison, with the reason. Only a documented
# pydicom quirk, or a case where cydicom keeps more data than pydicom, justifies an entry.
EXCLUDED: dict[str, str] = {
    "data_store/emri_small_jpeg_2k_lossless_too_short.dcm::default":
        "pydicom quirk 1: the encapsulated pixel data has no sequence delimiter, so pydicom "
        "returns an empty dataset; cydicom keeps all 131 elements and warns (decision 4; "
        "strict=True raises TruncatedError, tested in tests/test_errors.py)",
}

SKIP_SUFFIXES = (".txt", ".json", ".gz", ".dump", ".icc")


def _walk(root, prefix):
    found = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if name.startswith("README") or name.endswith(SKIP_SUFFIXES):
                continue
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            found.append((prefix + "/" + os.path.relpath(path, root).replace(os.sep, "/"), path))
    return found


def _data_store_dir():
    """data_store/data, located without importing the package; None if it is not installed."""
    spec = importlib.util.find_spec("data_store")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], "data")


def real_files():
    base = os.path.dirname(pydicom.data.__file__)
    files = _walk(os.path.join(base, "test_files"), "pydicom/test_files")
    files += _walk(os.path.join(base, "charset_files"), "pydicom/charset_files")
    store = _data_store_dir()
    if store and os.path.isdir(store):
        files += _walk(store, "data_store")
    return sorted(files)


FILES = dict(real_files())


def _has_dicm(path):
    with open(path, "rb") as f:
        return f.read(132)[128:132] == b"DICM"


def _params(variants):
    params = []
    for name, path in FILES.items():
        for variant in variants:
            if variant == "force" and _has_dicm(path):
                continue
            key = f"{name}::{variant}"
            reason = EXCLUDED.get(name) or EXCLUDED.get(key)
            marks = [pytest.mark.skip(reason=f"excluded: {reason}")] if reason else []
            params.append(pytest.param(name, variant, id=key, marks=marks))
    return params


def _quirk(name, source, kwargs):
    """Unlisted quirks fail, showing what cydicom read, so that an exclusion is a decision."""
    def fail(reason):
        ours = cydicom_canonical(source, **kwargs)
        if ours[0] == "ok":
            summary = f"cydicom read {len(ours[1]['dataset'])} top-level elements"
        else:
            summary = f"cydicom raised {ours[1]}"
        pytest.fail(f"{name}: {reason}; {summary}. If cydicom's reading is right, list the file "
                    "in EXCLUDED.")
    return fail


pytestmark = pytest.mark.skipif(not cydicom_available(), reason="cydicom is not importable")


@pytest.mark.parametrize("name, variant", _params(["default", "stop_before_pixels", "force"]))
def test_real_file(name, variant):
    path = FILES[name]
    if variant == "default":
        assert_same_as_pydicom(path, on_quirk=_quirk(name, path, {}))
        return
    with open(path, "rb") as f:
        data = f.read()
    kwargs = {"stop_before_pixels": True} if variant == "stop_before_pixels" else {"force": True}
    assert_same_as_pydicom(data, on_quirk=_quirk(name, data, kwargs), **kwargs)


# Views whose buffer cydicom failed to release. Freeing such a view leaves an exception set
# inside CPython (and can crash the interpreter later), so they are kept alive instead.
_LEAKED_VIEWS = []


def _released(view):
    """True if nothing holds the view's buffer any more once cydicom's objects are gone."""
    gc.collect()
    try:
        view.release()
        return True
    except BufferError:
        _LEAKED_VIEWS.append(view)
        return False


@pytest.mark.parametrize("name, variant", _params(["sources"]))
def test_sources_agree(name, variant):
    """A path, bytes, a memoryview and a file object give the same dataset."""
    path = FILES[name]
    with open(path, "rb") as f:
        data = f.read()
    force = not _has_dicm(path)
    expected = cydicom_canonical(path, force=force)
    assert cydicom_canonical(data, force=force) == expected
    assert cydicom_canonical(io.BytesIO(data), force=force) == expected
    view = memoryview(data)
    assert cydicom_canonical(view, force=force) == expected
    assert _released(view), "cydicom still holds the memoryview's buffer after the dataset is gone"
