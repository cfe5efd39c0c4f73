# cython: language_level=3
"""Native pixel data of a file whose image layout was seen before, in a few microseconds.

The files of a series share their group 0028 bytes (``Dataset._raw_fingerprint``). Once
the full description (``description.describe``) of one of them gave a plain, exact-length,
warning-free native view, its layout (dtype, shape, lengths) is remembered by (transfer
syntax, pixel data tag, fingerprint). A later file with the same key gets its view from
here, without building a ``PixelDescription``: its group 0028 values, transfer syntax and
pixel data tag are those of a file that passed the description, and the checks below
cover the rest (one pixel data element, no Extended Offset Table, the exact length).
Anything else returns None and the caller takes the full path, which gives the errors
and warnings.
"""
from cpython.object cimport PyTypeObject
from cpython.ref cimport Py_INCREF
from libc.stdint cimport uint32_t, uint64_t

cimport numpy as cnp

from cydicom._walker cimport ElementRecord, table_find
from cydicom.dataset cimport Dataset, Source

import numpy

cdef extern from "Python.h":
    object PyMemoryView_FromObject(object obj)
    Py_buffer *PyMemoryView_GET_BUFFER(object mview)

cdef extern from "numpy/arrayobject.h":
    # steals a reference to ``descr``
    object PyArray_NewFromDescr(PyTypeObject *subtype, cnp.dtype descr, int nd,
                                cnp.npy_intp *dims, cnp.npy_intp *strides, void *data,
                                int flags, object obj)

cnp.import_array()

from cydicom.pixels import processing

# group 0028 elements the layout depends on (description._GROUP_0028): set on first use
cdef tuple _fingerprint_tags = None
cdef dict _layouts = {}
cdef int MAX_LAYOUTS = 256

cdef uint32_t PIXEL_DATA = 0x7FE00010
cdef uint32_t FLOAT_PIXEL_DATA = 0x7FE00008
cdef uint32_t DOUBLE_FLOAT_PIXEL_DATA = 0x7FE00009
cdef uint32_t EXTENDED_OFFSET_TABLE = 0x7FE00001
cdef uint32_t EXTENDED_OFFSET_TABLE_LENGTHS = 0x7FE00002
cdef uint32_t TRANSFER_SYNTAX_UID = 0x00020010


cdef class Layout:
    """How to view a remembered file's native pixel data."""
    cdef readonly object dtype
    cdef readonly tuple shape
    cdef readonly uint64_t count        # samples in the view
    cdef readonly uint64_t length       # value length without and with the padding byte
    cdef readonly uint64_t padded
    cdef readonly int check_bits        # pixel_array: bits stored to check, 0 for none
    cdef readonly bint array_is_view    # pixel_array == the view when the bits are clean


def remember(tuple key, tuple fingerprint_tags, dtype, tuple shape, uint64_t count,
             uint64_t length, uint64_t padded, int check_bits, bint array_is_view):
    """Keep a layout for ``key`` = (transfer syntax, pixel tag, fingerprint)."""
    global _fingerprint_tags
    if _fingerprint_tags is None:
        _fingerprint_tags = fingerprint_tags
    elif fingerprint_tags != _fingerprint_tags:
        raise ValueError("every layout must be keyed by the same group 0028 tags")
    if len(_layouts) >= MAX_LAYOUTS:
        _layouts.clear()
    cdef Layout layout = Layout.__new__(Layout)
    layout.dtype = dtype
    layout.shape = shape
    layout.count = count
    layout.length = length
    layout.padded = padded
    layout.check_bits = check_bits
    layout.array_is_view = array_is_view
    _layouts[key] = layout


def forget():
    """Drop every remembered layout (tests)."""
    _layouts.clear()


cdef Py_ssize_t _pixel_record(Dataset ds, uint32_t *tag):
    """Index of the one pixel data element of ``ds`` (none of the others, no EOT), or -1."""
    cdef Py_ssize_t found = -1, index
    cdef uint32_t candidate
    if ds._foreign is not None:
        return -1
    if (table_find(&ds._table, EXTENDED_OFFSET_TABLE) >= 0
            or table_find(&ds._table, EXTENDED_OFFSET_TABLE_LENGTHS) >= 0):
        return -1
    for candidate in (PIXEL_DATA, FLOAT_PIXEL_DATA, DOUBLE_FLOAT_PIXEL_DATA):
        index = table_find(&ds._table, candidate)
        if index >= 0:
            if found >= 0:
                return -1
            found = index
            tag[0] = candidate
    return found


cdef Layout _match(Dataset ds, Py_ssize_t *index):
    """The remembered layout of ``ds``'s pixel data (``index``: its record), or None."""
    if not _layouts:
        return None
    meta = ds.file_meta
    if not isinstance(meta, Dataset):
        return None
    uid = meta.get(TRANSFER_SYNTAX_UID)
    if type(uid) is not str:
        return None
    cdef uint32_t tag = 0
    index[0] = _pixel_record(ds, &tag)
    if index[0] < 0:
        return None
    fingerprint = ds._raw_fingerprint(_fingerprint_tags)
    if fingerprint is None:
        return None
    layout = _layouts.get((uid, tag, fingerprint))
    if layout is None:
        return None
    cdef Layout found = <Layout>layout
    cdef ElementRecord *rec = &ds._table.records[index[0]]
    if rec.value_length != found.length and rec.value_length != found.padded:
        return None  # the full path has something to say (an error or a warning)
    return found


cdef object _view(Dataset ds, Layout layout, Py_ssize_t index):
    """A read-only array over the pixel data's bytes, made in one step (no memoryview
    slice, no frombuffer and reshape: a few microseconds of a 40 us open + view)."""
    cdef ElementRecord *rec = &ds._table.records[index]
    cdef Source source = ds._source
    cdef cnp.npy_intp dims[4]
    cdef int ndim = len(layout.shape), axis
    cdef cnp.dtype dtype = layout.dtype
    source.ensure(rec.value_offset, rec.value_length)
    # The array's base holds a buffer of the file: a mapping is unmapped only after the
    # array goes, even if the dataset is closed first.
    base = PyMemoryView_FromObject(source.obj)
    cdef Py_buffer *buffer = PyMemoryView_GET_BUFFER(base)
    cdef uint64_t samples = 1
    if ndim > 4:
        raise AssertionError("a remembered layout has more than 4 axes")
    for axis in range(ndim):
        dims[axis] = layout.shape[axis]
        samples *= <uint64_t>dims[axis]
    # the layout was checked against the value length when matched: checked again here,
    # since this array is made from a pointer
    if (samples != layout.count or rec.value_offset > <uint64_t>buffer.len
            or samples * <uint64_t>dtype.itemsize > <uint64_t>buffer.len - rec.value_offset
            or samples * <uint64_t>dtype.itemsize > rec.value_length):
        raise AssertionError("a remembered layout does not fit its pixel data")
    Py_INCREF(dtype)  # PyArray_NewFromDescr steals a reference
    arr = PyArray_NewFromDescr(<PyTypeObject *>cnp.ndarray, dtype, ndim, dims, NULL,
                               <char *>buffer.buf + rec.value_offset, 0, None)
    cnp.set_array_base(arr, base)
    return arr


def native_view(Dataset ds):
    """``pixel_view()`` of ``ds`` if its layout is remembered, else None."""
    cdef Py_ssize_t index = -1
    cdef Layout layout = _match(ds, &index)
    if layout is None:
        return None
    return _view(ds, layout, index)


def native_array(Dataset ds):
    """``pixel_array`` of ``ds`` if its layout is remembered, else None.

    The view itself when the unused bits are clean (checked in C), else a copy with
    pydicom's shift applied, as ``native.array`` does.
    """
    cdef Py_ssize_t index = -1
    cdef Layout layout = _match(ds, &index)
    if layout is None or not layout.array_is_view:
        return None
    arr = _view(ds, layout, index)
    if layout.check_bits:
        flat = arr.reshape(-1)
        checked = processing.low_bits_kept(flat, layout.check_bits)
        if checked is not flat:
            arr = checked.reshape(layout.shape)
    return arr
