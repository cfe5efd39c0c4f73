"""Locating real DICOM files installed by pydicom and pydicom-data (never downloaded)."""
import glob
import os

NOT_DICOM_SUFFIXES = (".txt", ".json", ".gz", ".dump", ".icc", ".py", ".pyc")


def pydicom_data_dir():
    import pydicom

    return os.path.join(os.path.dirname(pydicom.__file__), "data")


def pydicom_test_file(name):
    """Path of a file in pydicom's bundled test_files folder."""
    return os.path.join(pydicom_data_dir(), "test_files", name)


def _files_under(folder):
    return sorted(
        path for path in glob.glob(os.path.join(folder, "**"), recursive=True)
        if os.path.isfile(path) and not path.endswith(NOT_DICOM_SUFFIXES)
        and "__pycache__" not in path
    )


def bundled_files():
    """pydicom's test_files and charset_files."""
    base = pydicom_data_dir()
    return _files_under(os.path.join(base, "test_files")) + _files_under(
        os.path.join(base, "charset_files"))


def data_store_files():
    """The pydicom-data package's files ([] if it is not installed)."""
    try:
        import data_store
    except ImportError:
        return []
    return _files_under(os.path.join(os.path.dirname(data_store.__file__), "data"))
