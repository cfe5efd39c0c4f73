"""Write the fuzzers' seed corpus: pydicom's test files and generated datasets.

    python fuzz/build_corpus.py [OUT_DIR] [--max-size BYTES]

OUT_DIR defaults to fuzz/corpus (not committed). Real files larger than ``--max-size``
(default 64 KiB) are cut to that many bytes: a fuzzer input that big mostly repeats
pixel data, and the header is what the reader parses. pydicom's files are found where
pydicom and pydicom-data are installed; nothing is downloaded.
"""
import argparse
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from realfiles import bundled_files, data_store_files  # noqa: E402
from seeds import generated_seeds  # noqa: E402


def corpus_inputs(max_size):
    """(name, bytes) of every seed: generated first, then real files (cut to max_size)."""
    for name, data in generated_seeds().items():
        yield f"gen-{name}", data
    for path in bundled_files() + data_store_files():
        with open(path, "rb") as handle:
            data = handle.read(max_size)
        if data:
            yield "real-" + os.path.basename(path), data


def write_corpus(out_dir, max_size=64 * 1024):
    """Write every seed to ``out_dir`` once (names carry a content hash); returns the count."""
    os.makedirs(out_dir, exist_ok=True)
    seen = set()
    for name, data in corpus_inputs(max_size):
        digest = hashlib.sha1(data).hexdigest()[:12]
        if digest in seen:
            continue
        seen.add(digest)
        with open(os.path.join(out_dir, f"{name}-{digest}"), "wb") as handle:
            handle.write(data)
    return len(seen)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default=os.path.join(HERE, "corpus"))
    parser.add_argument("--max-size", type=int, default=64 * 1024)
    args = parser.parse_args(argv)
    count = write_corpus(args.out_dir, args.max_size)
    print(f"{count} seed files in {args.out_dir}")


if __name__ == "__main__":
    main()
