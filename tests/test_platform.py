"""src/cydicom/_platform.h on its own: the POSIX branch built and run here, the Windows
branch cross-compiled with MinGW and run under Wine where those are installed.

cydicom's file access (``_source.pyx``, ``_scan.pyx``) goes through this header; the rest
of the suite runs it on this machine's branch inside the extension modules.
"""
import os
import shutil
import subprocess
import sysconfig

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
HEADER_DIR = os.path.join(ROOT, "src", "cydicom")
CHECK_SOURCE = os.path.join(ROOT, "tests", "platform", "platform_check.c")
WARNINGS = ["-Wall", "-Wextra", "-Werror"]


def _build_and_run(compiler, tmp_path, suffix="", runner=(), extra=(), libs=()):
    if not os.path.exists(CHECK_SOURCE):  # the sdist ships no C files
        pytest.skip("tests/platform/platform_check.c is not here (an sdist's tests)")
    binary = tmp_path / f"platform_check{suffix}"
    subprocess.run([*compiler, *WARNINGS, *extra, "-I", HEADER_DIR, CHECK_SOURCE,
                    "-o", str(binary), *libs], check=True, capture_output=True, text=True)
    if runner is None:
        return None
    folder = tmp_path / "dir with spaces ünïcödé"
    folder.mkdir()
    target, missing = folder / "file €.dcm", folder / "missing.dcm"
    if runner:  # Wine maps the Unix root to drive Z:
        target, missing = (f"Z:{p}".replace("/", "\\") for p in (target, missing))
    done = subprocess.run([*runner, str(binary), str(target), str(missing)],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, WINEDEBUG="-all"))
    return done


def test_posix_branch(tmp_path):
    if os.name != "posix":
        pytest.skip("POSIX only")
    compiler = (sysconfig.get_config_var("CC") or "cc").split()
    if shutil.which(compiler[0]) is None:
        pytest.skip("no C compiler")
    done = _build_and_run(compiler, tmp_path, extra=["-D_GNU_SOURCE"])
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr


def test_windows_branch(tmp_path):
    mingw = shutil.which("x86_64-w64-mingw32-gcc")
    if mingw is None:
        pytest.skip("no MinGW cross-compiler (apt-get install gcc-mingw-w64-x86-64)")
    wine = shutil.which("wine64") or shutil.which("wine")
    done = _build_and_run([mingw], tmp_path, ".exe", runner=(wine,) if wine else None,
                          libs=["-lshell32"])
    if done is None:
        pytest.skip("compiled for Windows; no Wine to run it (apt-get install wine64)")
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
