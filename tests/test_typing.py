"""Typing: mypy is clean on the package and on README's examples; the .pyi stubs match the
compiled modules (mypy's stubtest). Both run mypy in a subprocess (a few seconds each)."""
import glob
import os
import re
import subprocess
import sys

import pytest

import cydicom

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
CYTHON_SOURCES = sorted(glob.glob(os.path.join(SRC, "cydicom", "**", "*.pyx"), recursive=True))
CYTHON_MODULES = [os.path.relpath(path, SRC)[:-4].replace(os.sep, ".") for path in CYTHON_SOURCES]

pytest.importorskip("mypy")


def _mypy(*args):
    env = dict(os.environ, MYPYPATH=SRC)  # the stubs of this source tree
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True)


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory):
    """One cache for this module's mypy runs: numpy's stubs are read once."""
    return str(tmp_path_factory.mktemp("mypy_cache"))


def readme_python_blocks():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return re.findall(r"^```python\n(.*?)^```", f.read(), re.M | re.S)


def test_every_cython_module_has_a_stub():
    assert "cydicom.dataset" in CYTHON_MODULES and os.path.exists(
        os.path.join(SRC, "cydicom", "py.typed"))
    missing = [path for path in CYTHON_SOURCES if not os.path.exists(path[:-4] + ".pyi")]
    assert missing == []


def test_mypy_is_clean_on_the_package_and_the_readme_examples(tmp_path, mypy_cache):
    blocks = readme_python_blocks()
    assert blocks, "README.md has no ```python examples"
    files = []
    for number, block in enumerate(blocks, 1):
        path = tmp_path / f"readme_example_{number}.py"
        path.write_text(block, encoding="utf-8")
        files.append(str(path))
    result = _mypy("mypy", "--cache-dir", mypy_cache, os.path.join(SRC, "cydicom"), *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_catches_a_misuse(tmp_path, mypy_cache):
    """The check above can fail: a wrong call is an error."""
    bad = tmp_path / "bad.py"
    bad.write_text("import cydicom\n"
                   "ds = cydicom.dcmread('x.dcm', stop_before_pixel=True)\n"
                   "n: str = ds.element('Rows').length\n")
    result = _mypy("mypy", "--cache-dir", mypy_cache, str(bad))
    assert result.returncode == 1
    assert 'Unexpected keyword argument "stop_before_pixel"' in result.stdout
    assert 'Incompatible types in assignment (expression has type "int"' in result.stdout


def test_stubs_match_the_compiled_modules(tmp_path):
    # the runtime side is the cydicom these tests import (a build in src/, or installed)
    runtime = os.path.dirname(os.path.dirname(cydicom.__file__))
    stubtest = [sys.executable, "-m", "mypy.stubtest"]
    usage = subprocess.run([*stubtest, "--help"], capture_output=True, text=True).stdout
    # newer mypy: Cython's extension types are "disjoint bases" (PEP 800); not a stub concern
    disjoint = ["--ignore-disjoint-bases"] if "--ignore-disjoint-bases" in usage else []
    result = subprocess.run(
        [*stubtest, *CYTHON_MODULES, "--concise", *disjoint,
         "--allowlist", os.path.join(ROOT, "tests", "stubtest_allowlist.txt"),
         "--ignore-unused-allowlist",
         "--mypy-config-file", os.path.join(ROOT, "pyproject.toml")],
        cwd=str(tmp_path), text=True, capture_output=True,
        env=dict(os.environ, MYPYPATH=SRC, PYTHONPATH=runtime))
    assert result.returncode == 0, result.stdout + result.stderr
