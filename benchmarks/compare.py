"""Side-by-side read benchmark: cydicom vs pydicom (and GDCM / dicomsdl if importable).

    python benchmarks/compare.py [--files N] [--rounds R] [--quick]
                                 [--json PATH] [--markdown [PATH]]

Benchmarks, all in one process:
  * CT corpus, ``dcmread`` + 12 common tags per file, with ``stop_before_pixels=True``
    and with the default (cydicom maps the file lazily, pydicom reads all of it);
  * a 200-frame enhanced CT: open it and read
    ``PerFrameFunctionalGroupsSequence[150].PlanePositionSequence[0].ImagePositionPatient``
    (undefined-length sequences/items as scanners write them, and a defined-length variant).

Method: the page cache is warmed first, every reader's values are checked equal to
pydicom's (as str/float lists) before any timing, libraries are interleaved within each
round (rotating the order), and the median of the rounds is reported (time.perf_counter).
``--candidate pydicom`` times pydicom against itself, to try the harness without cydicom.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

KEYWORDS = (
    "PatientName", "PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID",
    "Modality", "InstanceNumber", "ImagePositionPatient", "ImageOrientationPatient",
    "PixelSpacing", "SliceThickness", "Rows",
)
FRAME = 150
#: speedup targets (cydicom / pydicom) from the issue
TARGETS = {"ct_header": 40.0, "ct_default": 25.0, "mf_open": 100.0}


# -- readers -----------------------------------------------------------------------

@dataclass
class Reader:
    """One library: read the 12 tags of a file, and the nested per-frame value."""
    name: str
    version: str
    tags: Callable[[Path, bool], list]
    nested: Callable[[Path, bool], Any] | None = None


def dcmread_reader(name: str, mod) -> Reader:
    """A reader for any module with a pydicom-like ``dcmread`` (cydicom, pydicom)."""
    dcmread = mod.dcmread

    def tags(path, stop_before_pixels):
        with dcmread(path, stop_before_pixels=stop_before_pixels) as ds:
            return [getattr(ds, kw) for kw in KEYWORDS]

    def nested(path, stop_before_pixels=False):
        with dcmread(path, stop_before_pixels=stop_before_pixels) as ds:
            return ds.PerFrameFunctionalGroupsSequence[FRAME].PlanePositionSequence[0].ImagePositionPatient

    return Reader(name, getattr(mod, "__version__", "?"), tags, nested)


def import_candidate(module: str = "cydicom"):
    """Import the module under test; for cydicom fall back to this repo's ``src/``.

    Returns the module, or raises ImportError saying why it is unusable.
    """
    def attempt():
        sys.modules.pop(module, None)
        mod = importlib.import_module(module)
        if not hasattr(mod, "dcmread"):
            raise ImportError(f"{module} has no dcmread (not built yet?)")
        return mod

    try:
        return attempt()
    except ImportError:
        src = str(HERE.parent / "src")
        if module != "cydicom" or src in sys.path:
            raise
        sys.path.insert(0, src)
        return attempt()


def gdcm_reader() -> Reader:
    """python-gdcm via gdcm.Reader + StringFilter (tags only)."""
    import gdcm
    from pydicom.datadict import tag_for_keyword

    tags_ = [gdcm.Tag(t >> 16, t & 0xFFFF) for t in map(tag_for_keyword, KEYWORDS)]
    pixel_tag = gdcm.Tag(0x7FE0, 0x0010)

    def tags(path, stop_before_pixels):
        r = gdcm.Reader()
        r.SetFileName(str(path))
        if not (r.ReadUpToTag(pixel_tag) if stop_before_pixels else r.Read()):
            raise ValueError(f"gdcm could not read {path}")
        sf = gdcm.StringFilter()
        sf.SetFile(r.GetFile())
        return [sf.ToString(t) for t in tags_]

    return Reader("gdcm", gdcm.Version.GetVersion(), tags)


def dicomsdl_reader() -> Reader:
    """dicomsdl via attribute access (it always maps/reads the file its own way)."""
    import dicomsdl

    def tags(path, stop_before_pixels):
        ds = dicomsdl.open(str(path))
        return [getattr(ds, kw) for kw in KEYWORDS]

    def nested(path, stop_before_pixels=False):
        ds = dicomsdl.open(str(path))
        return ds.PerFrameFunctionalGroupsSequence[FRAME].PlanePositionSequence[0].ImagePositionPatient

    return Reader("dicomsdl", getattr(dicomsdl, "__version__", "?"), tags, nested)


def load_readers(candidate: str) -> tuple[list[Reader], list[str]]:
    """[candidate, pydicom, optional others] that import, plus notes on the rest."""
    import pydicom

    readers, notes = [], []
    try:
        label = candidate if candidate != "pydicom" else "pydicom-as-candidate"
        readers.append(dcmread_reader(label, import_candidate(candidate)))
    except ImportError as exc:
        notes.append(f"{candidate}: skipped ({exc})")
    readers.append(dcmread_reader("pydicom", pydicom))
    for name, factory in (("gdcm", gdcm_reader), ("dicomsdl", dicomsdl_reader)):
        try:
            readers.append(factory())
        except ImportError:
            notes.append(f"{name}: not installed, column skipped")
    return readers, notes


# -- checking ----------------------------------------------------------------------

def canon(value):
    """A comparable form: numbers (and numeric strings) as float, text as str, lists."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str):
        value = value.strip(" \x00")
        if "\\" in value:
            return [canon(v) for v in value.split("\\")]
        try:
            return float(value)
        except ValueError:
            return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (list, tuple)) or type(value).__name__ in ("MultiValue", "Sequence"):
        return [canon(v) for v in value]
    return canon(str(value))


class CheckError(RuntimeError):
    pass


def check_reader(reader: Reader, ref: Reader, ct: list[Path], multiframes: list[Path]):
    """Raise CheckError unless ``reader`` reads the same values as ``ref`` everywhere."""
    for sbp in (True, False):
        for path in ct:
            got, want = canon(reader.tags(path, sbp)), canon(ref.tags(path, sbp))
            if got != want:
                bad = [(k, g, w) for k, g, w in zip(KEYWORDS, got, want) if g != w]
                raise CheckError(f"{reader.name} differs from {ref.name} on {path} "
                                 f"(stop_before_pixels={sbp}): {bad[:3]}")
    if reader.nested is None:
        return
    for path in multiframes:
        got, want = canon(reader.nested(path)), canon(ref.nested(path))
        if got != want:
            raise CheckError(f"{reader.name} nested value {got} != {ref.name} {want} on {path}")


def warm_page_cache(paths: list[Path]) -> None:
    """Read every file once so no timed round pays for disk I/O."""
    for path in paths:
        with open(path, "rb") as f:
            while f.read(1 << 22):
                pass


# -- timing ------------------------------------------------------------------------

def timed(fn: Callable[[], Any], reps: int = 1) -> float:
    """Seconds per call of ``fn`` over ``reps`` calls."""
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


def run_interleaved(jobs: dict[str, Callable[[], Any]], rounds: int, min_time: float) -> dict:
    """Seconds per call of each job, one sample per round; every round runs all jobs,
    in rotating order.

    Each job is repeated within a round until it takes about ``min_time`` seconds.
    """
    reps = {}
    for name, fn in jobs.items():
        fn()  # warm-up
        once = timed(fn)
        reps[name] = max(1, int(min_time / max(once, 1e-9)))
    samples = {name: [] for name in jobs}
    names = list(jobs)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            samples[name].append(timed(jobs[name], reps[name]))
    return samples


@dataclass
class Bench:
    key: str
    title: str
    unit: str  # "files/s" or "ms/open"
    samples: dict  # library -> seconds per pass over the corpus (CT) or per open (MF), per round
    n_files: int = 1
    target: float | None = None

    @property
    def seconds(self) -> dict:
        """Median of the rounds, per library."""
        return {lib: statistics.median(s) for lib, s in self.samples.items()}

    def value(self, lib: str) -> float:
        s = statistics.median(self.samples[lib])
        return self.n_files / s if self.unit == "files/s" else s * 1e3

    def speedup(self, candidate: str) -> float | None:
        secs = self.seconds
        if candidate in secs and "pydicom" in secs:
            return secs["pydicom"] / secs[candidate]
        return None


def run_benchmarks(readers: list[Reader], ct: list[Path], mf: dict[str, Path],
                   rounds: int, min_time: float, frames: int) -> list[Bench]:
    """Time every benchmark for every reader; returns one Bench per table row."""
    benches = []
    for key, sbp, label in (("ct_header", True, "stop_before_pixels=True"),
                            ("ct_default", False, "default")):
        jobs = {r.name: (lambda r=r, sbp=sbp: [r.tags(p, sbp) for p in ct]) for r in readers}
        samples = run_interleaved(jobs, rounds, min_time)
        benches.append(Bench(key, f"CT: dcmread + 12 tags, {label}", "files/s", samples,
                             len(ct), TARGETS[key]))
    for kind, path in mf.items():
        for sbp in (False, True):
            jobs = {r.name: (lambda r=r, sbp=sbp: r.nested(path, sbp))
                    for r in readers if r.nested is not None}
            samples = run_interleaved(jobs, rounds, min_time)
            key = "mf_open" if kind == "undefined" and not sbp else f"mf_open_{kind}{'_sbp' * sbp}"
            title = (f"MF {frames}f: open + frame[{FRAME}] IPP, {kind} len"
                     + (", stop_before_pixels" * sbp))
            benches.append(Bench(key, title, "ms/open", samples, target=TARGETS.get(key)))
    return benches


# -- reporting ---------------------------------------------------------------------

def machine_busy_seconds() -> float | None:
    """CPU seconds all processes have used (from /proc/stat), or None off Linux."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def machine_info(readers: list[Reader]) -> dict:
    import numpy
    import pydicom

    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "numpy": numpy.__version__,
        "pydicom": pydicom.__version__,
        "libraries": {r.name: r.version for r in readers},
        "commit": commit,
    }


def fmt(bench: Bench, lib: str) -> str:
    if lib not in bench.seconds:
        return "n/a"
    v = bench.value(lib)
    return f"{v:,.0f}" if bench.unit == "files/s" else f"{v:.3f}"


def table_rows(benches: list[Bench], libs: list[str], candidate: str) -> list[list[str]]:
    rows = [["benchmark", "unit", *libs, f"{candidate}/pydicom", "target", "result"]]
    for b in benches:
        sp = b.speedup(candidate)
        target = f">= {b.target:g}x" if b.target else "-"
        result = "-" if not b.target else "SKIP" if sp is None else "PASS" if sp >= b.target else "FAIL"
        rows.append([b.title, b.unit, *(fmt(b, lib) for lib in libs),
                     f"{sp:.1f}x" if sp is not None else "n/a", target, result])
    return rows


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(rows[0]), "  ".join("-" * w for w in widths), *map(line, rows[1:])])


def markdown_table(rows: list[list[str]], info: dict, config: dict) -> str:
    out = ["| " + " | ".join(rows[0]) + " |",
           "|" + "|".join([":---", ":---"] + ["---:"] * (len(rows[0]) - 2)) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    out.append("")
    out.append(f"{info['cpu']}, {info['cores']} cores; {info['python']}, numpy {info['numpy']}, "
               f"pydicom {info['pydicom']}"
               + "".join(f", {n} {v}" for n, v in info["libraries"].items() if n != "pydicom")
               + (f" ({info['commit']})" if info["commit"] else "")
               + f"; {config['files']} CT files, median of "
               f"{config['rounds']} rounds (`python benchmarks/compare.py`).")
    return "\n".join(out)


# -- main --------------------------------------------------------------------------

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="cydicom vs pydicom read benchmark")
    p.add_argument("--files", type=int, help="CT files (default 500, 100 with --quick)")
    p.add_argument("--rounds", type=int, help="timed rounds, median reported (default 11, 3 with --quick)")
    p.add_argument("--quick", action="store_true", help="small, fast run for a smoke check")
    p.add_argument("--frames", type=int, default=200, help="frames of the enhanced file (default 200)")
    p.add_argument("--min-time", type=float, help="min seconds per timed sample (default 0.2)")
    p.add_argument("--cache-dir", type=Path, help="corpus cache (default $TMPDIR/cydicom-bench)")
    p.add_argument("--candidate", default="cydicom", help="module under test (default cydicom)")
    p.add_argument("--json", type=Path, metavar="PATH", help="write results as JSON")
    p.add_argument("--markdown", nargs="?", const="-", metavar="PATH",
                   help="write a Markdown table to PATH (stdout without PATH)")
    p.add_argument("--suite", choices=("read", "scan", "pixels", "all"), default="all",
                   help="read: dcmread benchmarks below; scan: compare_scan.py (bulk header "
                        "scans); pixels: compare_pixels.py; all (default): the three in turn")
    args = p.parse_args(argv)
    if args.suite != "read":
        status = 0 if args.suite == "all" else None
        for name in (("scan", "pixels") if args.suite == "all" else (args.suite,)):
            print(f"\n=== {name} ===")
            module = importlib.import_module(f"compare_{name}")
            status = module.main(["--quick"] * args.quick) or status
        if args.suite != "all":
            return status or 0
        print("\n=== read ===")
    files = args.files or (100 if args.quick else 500)
    rounds = args.rounds or (3 if args.quick else 11)
    min_time = args.min_time if args.min_time is not None else (0.05 if args.quick else 0.2)

    readers, notes = load_readers(args.candidate)
    candidate = readers[0].name if readers[0].name != "pydicom" else args.candidate
    info = machine_info(readers)
    print(f"machine: {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable), {info['platform']}")
    print(f"python {info['python']}, numpy {info['numpy']}, pydicom {info['pydicom']}"
          + "".join(f", {n} {v}" for n, v in info["libraries"].items() if n != "pydicom")
          + (f"; repo {info['commit']}" if info["commit"] else ""))
    for note in notes:
        print("note:", note)

    t0 = time.perf_counter()
    ct = corpus.make_ct_corpus(files, args.cache_dir)
    mf = {"undefined": corpus.make_multiframe(args.cache_dir, frames=args.frames),
          "defined": corpus.make_multiframe(args.cache_dir, frames=args.frames, undefined_length=False)}
    print(f"corpus: {files} CT files in {ct[0].parent}; enhanced {args.frames}-frame files in "
          f"{mf['undefined'].parent.parent} ({time.perf_counter() - t0:.1f}s)")
    warm_page_cache(ct + list(mf.values()))

    ref = next(r for r in readers if r.name == "pydicom")
    for reader in list(readers):
        if reader is ref:
            continue
        try:
            check_reader(reader, ref, ct, list(mf.values()))
        except CheckError as exc:
            if reader is readers[0]:
                print(f"ERROR: {exc}\nrefusing to time a reader that returns wrong values", file=sys.stderr)
                return 2
            print(f"note: {reader.name} dropped: {exc}")
            readers.remove(reader)
        except Exception as exc:  # an optional library whose API differs
            if reader is readers[0]:
                raise
            print(f"note: {reader.name} dropped: {type(exc).__name__}: {exc}")
            readers.remove(reader)
    print(f"values checked equal to pydicom for: {', '.join(r.name for r in readers if r is not ref) or 'none'}")
    print(f"timing: {rounds} rounds, interleaved, median ...\n")
    busy0, own0, wall0 = machine_busy_seconds(), time.process_time(), time.perf_counter()

    benches = run_benchmarks(readers, ct, mf, rounds, min_time, args.frames)
    libs = [r.name for r in readers]
    rows = table_rows(benches, libs, candidate)
    print(text_table(rows))
    print(f"({candidate}/pydicom = pydicom time / {candidate} time: higher is faster)")
    if busy0 is not None:
        other = machine_busy_seconds() - busy0 - (time.process_time() - own0)
        info["other_cpu_share"] = share = max(0.0, other / ((time.perf_counter() - wall0) * os.cpu_count()))
        print(f"other processes used {share:.0%} of the machine's CPU while timing"
              + (": numbers may be skewed, rerun on an idle machine" if share > 0.1 else ""))
    config = {"files": files, "rounds": rounds, "frames": args.frames, "frame_read": FRAME,
              "keywords": list(KEYWORDS), "candidate": candidate, "min_time": min_time}
    if args.json:
        args.json.write_text(json.dumps({
            "machine": info, "config": config, "notes": notes,
            "results": [{"key": b.key, "title": b.title, "unit": b.unit, "target": b.target,
                         "n_files": b.n_files, "median_seconds": b.seconds,
                         "min_seconds": {lib: min(v) for lib, v in b.samples.items()},
                         "values": {lib: b.value(lib) for lib in b.seconds},
                         "speedup": b.speedup(candidate),
                         "pass": None if b.target is None or b.speedup(candidate) is None
                         else b.speedup(candidate) >= b.target}
                        for b in benches],
        }, indent=2))
        print(f"\nJSON written to {args.json}")
    if args.markdown:
        md = markdown_table(rows, info, config)
        if args.markdown == "-":
            print("\n" + md)
        else:
            Path(args.markdown).write_text(md + "\n")
            print(f"Markdown written to {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
