"""The sdist builds from a clean copy of the tree, and installs and works from there.

Slow (~1 minute: the extensions are compiled), needs git and PyPI access for the isolated
build environments, as CI has. Only files git knows (tracked, or new and not ignored) are
copied, so local build outputs cannot leak into the sdist.
"""
import os
import shutil
import subprocess
import sys
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = (".py", ".pyx", ".pxd", ".pyi", ".h", "py.typed")
NEVER_SHIPPED = (".c", ".so", ".pyd", ".o")

pytest.importorskip("build")


def _source_files():
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout (e.g. the sdist's own tests)")
    names = [name.decode() for name in listing.split(b"\0") if name]
    return [name for name in names if os.path.isfile(os.path.join(ROOT, name))]


def _clean_env():
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_ROOT_USER_ACTION="ignore")
    return env


def _run(*args, cwd):
    result = subprocess.run(args, cwd=cwd, env=_clean_env(), capture_output=True, text=True)
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def test_sdist_builds_from_a_clean_copy_and_installs(tmp_path):
    files = _source_files()
    tree = tmp_path / "tree"
    for name in files:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), tree / name)
    _run(sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path / "dist"),
         str(tree), cwd=tmp_path)
    (sdist,) = (tmp_path / "dist").glob("cydicom-*.tar.gz")

    with tarfile.open(sdist) as archive:
        shipped = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    package_sources = {name for name in files
                       if name.startswith("src/cydicom/") and name.endswith(SHIPPED)}
    assert package_sources <= shipped, package_sources - shipped
    assert {"LICENSE", "README.md", "pyproject.toml", "setup.py",
            "tools/smoke_test.py"} <= shipped
    assert not [name for name in shipped if name.endswith(NEVER_SHIPPED)]

    venv = tmp_path / "venv"
    # system site packages: numpy (and pydicom) come from there; cydicom must not
    _run(sys.executable, "-m", "venv", "--system-site-packages", str(venv), cwd=tmp_path)
    python = str(venv / ("Scripts" if os.name == "nt" else "bin") / "python")
    _run(python, "-m", "pip", "install", "--quiet", "--no-deps", str(sdist), cwd=tmp_path)
    out = _run(python, os.path.join(ROOT, "tools", "smoke_test.py"), cwd=tmp_path)
    assert f"from {venv}" in out and out.rstrip().endswith(": OK"), out

    # the installed package carries the typing information (stubs, py.typed)
    installed = out.split(" from ", 1)[1].rsplit(": OK", 1)[0]
    typing_files = {os.path.relpath(name, "src/cydicom") for name in package_sources
                    if name.endswith((".pyi", "py.typed"))}
    assert typing_files and all(os.path.exists(os.path.join(installed, name))
                                for name in typing_files)
