"""Type stubs of ``cydicom._walker`` (Cython).

The element walker is C-level only (``cimport`` it from ``_walker.pxd``); it has no
Python-visible names.
"""
