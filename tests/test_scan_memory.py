"""scan() on 100,000 files stays within 200 MB beyond its result table, with no per-file leak.

Runs in a subprocess so that its peak RSS is its own. The 100,000 paths cycle over a
small set of files (generated CT files for the C path, charset files for the fallback):
memory per file is what is measured, not the disk.
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import json, os, resource, sys
    sys.path.insert(0, {root!r})
    from benchmarks.corpus import make_ct_corpus
    from tests.realfiles import bundled_files
    import cydicom

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    ct = [str(p) for p in make_ct_corpus(50, {tmp!r}, rows=64, columns=64)]
    others = [p for p in bundled_files() if "charset" in p][:10]
    paths = [(ct + others)[i % (len(ct) + len(others))] for i in range(100_000)]
    tags = ["PatientName", "PatientID", "SeriesInstanceUID", "SOPInstanceUID",
            "InstanceNumber", "ImagePositionPatient", "PixelSpacing", "Rows"]
    cydicom.scan(paths[:1000], tags).to_arrow()   # imports and first allocations
    base_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = cydicom.scan(paths, tags, threads=2).to_arrow()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    first = rss_mb()
    del table
    for _ in range(2):
        table = cydicom.scan(paths, tags, threads=2).to_arrow()
        del table
    print(json.dumps({{"base_peak": base_peak, "peak": peak, "rows": 100_000,
                      "after_first": first, "after_third": rss_mb(),
                      "table_mb": cydicom.scan(paths, tags).to_arrow().nbytes / 2**20}}))
""")


def test_scan_of_100000_files_stays_small_and_does_not_leak(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT), tmp=str(tmp_path))],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    growth = result["peak"] - result["base_peak"]
    assert growth - result["table_mb"] < 200, result
    # repeated scans hand their memory back: no per-file leak (10 bytes/file would be 1 MB)
    assert result["after_third"] - result["after_first"] < 20, result
