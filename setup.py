"""Build the Cython extension modules of cydicom.

Environment switches:
  CYDICOM_DEBUG=1     annotate + linetrace + bounds/wraparound checks on
  CYDICOM_SANITIZE=1  clang with -fsanitize=address,undefined,fuzzer-no-link (for atheris;
                      fuzz/build_sanitized.sh builds it in a separate directory)
"""
import glob
import os
import sys

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("CYDICOM_DEBUG") == "1"
SANITIZE = os.environ.get("CYDICOM_SANITIZE") == "1"

if sys.platform == "win32":  # MSVC
    compile_args = ["/O2"] if not DEBUG else ["/Od", "/Zi"]
else:
    compile_args = ["-O3"] if not (DEBUG or SANITIZE) else ["-O1", "-g"]
link_args = []
if SANITIZE:
    os.environ.setdefault("CC", "clang")
    os.environ.setdefault("LDSHARED", "clang -shared")
    # any undefined behaviour aborts, so that the fuzzer records the input
    flags = ["-fsanitize=address,undefined,fuzzer-no-link", "-fno-sanitize-recover=all",
             "-fno-omit-frame-pointer"]
    compile_args += flags
    link_args += flags

directives = {
    "language_level": "3",
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "cdivision": True,
    "initializedcheck": DEBUG,
    "embedsignature": True,
}
if DEBUG:
    directives["linetrace"] = True


def module_name(path):
    """src/cydicom/pixels/_rle.pyx -> cydicom.pixels._rle"""
    return os.path.splitext(os.path.relpath(path, "src"))[0].replace(os.sep, ".")


extensions = [
    Extension(
        module_name(path),
        [path],
        include_dirs=["src/cydicom", numpy.get_include()],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
        + ([("CYTHON_TRACE_NOGIL", "1")] if DEBUG else []),
    )
    for path in sorted(glob.glob("src/cydicom/*.pyx") + glob.glob("src/cydicom/*/*.pyx"))
]

setup(
    ext_modules=cythonize(extensions, compiler_directives=directives, annotate=DEBUG),
)
