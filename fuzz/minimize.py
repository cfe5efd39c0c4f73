"""Shrink an input that makes a harness raise, keeping the same failure.

    python fuzz/minimize.py fuzz_read.py crash-<sha1> fuzz/regressions/<what-it-is>.dcm

Removes ever smaller chunks of the input while the harness still raises the same
exception type from the same line. For Python-level findings (libFuzzer's own
``-minimize_crash`` does not work under atheris); a sanitizer crash needs a fresh
process per attempt and is shrunk by hand.
"""
import importlib.util
import os
import sys
import traceback


def failure(test_one_input, data):
    """(exception type, file, line) of what ``test_one_input(data)`` raises, or None."""
    try:
        test_one_input(data)
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return type(exc).__name__, os.path.basename(frame.filename), frame.lineno
    return None


def shrink(test_one_input, data):
    """The smallest input found by deleting chunks (halving their size) that fails alike."""
    wanted = failure(test_one_input, data)
    if wanted is None:
        raise SystemExit("the input does not fail")
    chunk = max(1, len(data) // 2)
    while True:
        changed, start = False, 0
        while start < len(data):
            candidate = data[:start] + data[start + chunk:]
            if failure(test_one_input, candidate) == wanted:
                data, changed = candidate, True
            else:
                start += chunk
        if chunk == 1 and not changed:
            return data, wanted
        chunk = max(1, chunk // 2) if not changed else chunk


def main():
    harness, source, target = sys.argv[1:4]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    spec = importlib.util.spec_from_file_location("harness", os.path.join(here, harness))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(source, "rb") as handle:
        data = handle.read()
    small, wanted = shrink(module.test_one_input, data)
    with open(target, "wb") as handle:
        handle.write(small)
    print(f"{len(data)} -> {len(small)} bytes, still {wanted[0]} at {wanted[1]}:{wanted[2]}")


if __name__ == "__main__":
    main()
