"""Side-by-side pixel-data benchmark: cydicom vs pydicom (and dicomsdl if importable).

    python benchmarks/compare_pixels.py [--quick] [--rounds R] [--only CASES] [--json PATH]
                                        [--markdown [PATH]]

Cases (files generated at start by ``pixel_corpus``, in a temporary folder):
  * a 200-frame 256x256 native file, 12 of 16 bits stored, already opened by each library:
    ``pixel_view()`` and ``pixel_array`` (which checks the unused bits) against pydicom's
    ``pydicom.pixels.pixel_array(ds)`` (``ds.pixel_array`` would return a cached array);
  * the same file and a 512x512 slice, opening included: open + ``pixel_view()``,
    open + ``pixel_array``;
  * one frame (index 100) of a 200-frame JPEG 2000 file, without decoding the others,
    against pydicom's ``pixel_array(path, index=100)`` and against ``ds.pixel_array[100]``;
  * full decode of multi-frame JPEG 2000, JPEG-LS, JPEG lossless and RLE files.

Except for the "opened" cases, every timed operation includes opening the file. Before
timing, every result is checked equal to pydicom's. Libraries alternate within each round
(the order rotates); in a round each library repeats its operation for about 0.1 s (at
least once); the median of the rounds is reported, with the ratio pydicom time / cydicom
time. glibc's allocator is pinned to a warm heap for every library, and for the native
cases opening included pydicom is also timed in a plain loop in a process of its own
(``PLAIN_LOOP_CASES``).
Decoding uses every core the process may run on (``os.sched_getaffinity``): the load
average and a control (2 threads hashing in C vs 1) are printed, since a busy machine
makes multi-core ratios pessimistic.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import pixel_corpus  # noqa: E402

#: pydicom's decoding plugin for compressed data: the reference is pydicom with the
#: pylibjpeg decoders (cydicom's own stack); with python-gdcm installed pydicom would pick
#: GDCM first, which gets a column of its own ("pydicom+gdcm").
PYDICOM_PLUGIN = "pylibjpeg"

#: speedup targets (pydicom time / cydicom time) from the issue
TARGETS = {"mf_native_view": 500.0, "mf_native_array": 8.0, "mf_opened_view": 500.0,
           "mf_opened_array": 8.0, "j2k_full": 1.7, "rle_full": 5.0}


#: pydicom's time for the native files depends on whether glibc gives its large buffers
#: heap pages used before (a warm heap: what glibc's adaptive mmap threshold gives a
#: long-running process; 14-20 ms for the 200-frame file here) or fresh pages, each faulted
#: in (a plain loop of dcmread + pixel_array in a script: glibc trims the 52 MB freed by
#: each call; 41-48 ms here, the issue's 44 ms). Which one a round of an interleaved
#: benchmark got depended on the rounds before, so the benchmark pins a warm heap for every
#: library, and times pydicom's plain loop for these cases in a process of its own.
PLAIN_LOOP_CASES = ("slice_view", "slice_array", "mf_native_view", "mf_native_array")
PLAIN = "pydicom, plain loop"


class Allocator:
    """glibc's malloc thresholds, pinned (no-op where glibc's ``mallopt`` is missing)."""
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3

    def __init__(self):
        self.mallopt = None
        if platform.libc_ver()[0] == "glibc":
            import ctypes
            import ctypes.util

            self.mallopt = getattr(ctypes.CDLL(ctypes.util.find_library("c")), "mallopt",
                                   None)

    @property
    def available(self) -> bool:
        return self.mallopt is not None

    def warm_heap(self):
        """Buffers up to 32 MiB from the heap, which keeps its pages when they are freed."""
        if self.mallopt is not None:
            if not (self.mallopt(self.M_MMAP_THRESHOLD, 32 << 20)
                    and self.mallopt(self.M_TRIM_THRESHOLD, 1 << 30)):
                raise RuntimeError("mallopt refused the thresholds")


def plain_loop(path: Path, rounds: int, seconds: float) -> float:
    """pydicom's dcmread + pixel_array of ``path`` in a loop, in a new Python process with
    the allocator as glibc sets it: the median over ``rounds`` of the mean time per call."""
    script = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import compare_pixels; "
              f"print(compare_pixels._plain_loop({str(path)!r}, {rounds}, {seconds}))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.split()[-1])


def _plain_loop(path: str, rounds: int, seconds: float) -> float:
    import pydicom

    def op():
        return pydicom.dcmread(path).pixel_array

    op()
    start = time.perf_counter()
    op()
    calls = max(1, math.ceil(seconds / (time.perf_counter() - start)))
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            op()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


ALLOCATOR = Allocator()


def import_cydicom():
    """cydicom from this checkout's src/ when it is built there, else the installed one."""
    src = HERE.parent / "src"
    if (src / "cydicom").is_dir() and any((src / "cydicom").glob("dataset*.so")):
        sys.path.insert(0, str(src))
    import cydicom

    return cydicom


@dataclass
class Case:
    """One operation, timed per library: name -> callable(source) returning an array.

    The source is the path, or with ``opened`` the library's dataset, read once before
    timing (the operation alone is timed then).
    """
    name: str
    label: str
    path: Path
    ops: dict[str, Callable] = field(default_factory=dict)
    opened: dict[str, Callable] | None = None
    lossy: bool = False  # other JPEG decoders round differently: within 1 of pydicom's

    def sources(self) -> dict:
        return {name: self.opened[name](self.path) if self.opened else self.path
                for name in self.ops}


def build_cases(root: Path, quick: bool, cydicom) -> list[Case]:
    import pydicom
    import pydicom.pixels

    frames = 40 if quick else 200
    codec_frames = 10 if quick else 50
    slice_path = pixel_corpus.native_file(root / "slice.dcm", 1, 512, 512)
    mf_path = pixel_corpus.native_file(root / "mf.dcm", frames, 256, 256)
    paths = {kind: pixel_corpus.compressed_file(root / f"{kind}.dcm", kind,
                                                frames if kind == "j2k" else codec_frames,
                                                *((512, 512) if kind == "jpeg" else (256, 256)))
             for kind in pixel_corpus.SYNTAXES}
    index = frames // 2

    def py_array(path, plugin=PYDICOM_PLUGIN):
        ds = pydicom.dcmread(path)
        if _pydicom_has(ds.file_meta.TransferSyntaxUID, plugin):
            ds.pixel_array_options(decoding_plugin=plugin)
        return ds.pixel_array

    def cy_array(path):
        with cydicom.dcmread(path) as ds:
            return ds.pixel_array

    def cy_view(path):
        with cydicom.dcmread(path) as ds:
            return ds.pixel_view()

    opened = {"pydicom": pydicom.dcmread, "cydicom": cydicom.dcmread}
    cases = [
        Case("mf_opened_view", f"{frames}-frame native, opened: pixel_view()", mf_path,
             {"pydicom": pydicom.pixels.pixel_array, "cydicom": lambda ds: ds.pixel_view()}, opened=opened),
        Case("mf_opened_array", f"{frames}-frame native, opened: pixel_array", mf_path,
             {"pydicom": pydicom.pixels.pixel_array, "cydicom": lambda ds: ds.pixel_array}, opened=opened),
        Case("slice_view", "512x512 slice: pixel_view()", slice_path,
             {"pydicom": py_array, "cydicom": cy_view}),
        Case("slice_array", "512x512 slice: pixel_array", slice_path,
             {"pydicom": py_array, "cydicom": cy_array}),
        Case("mf_native_view", f"{frames}-frame native: pixel_view()", mf_path,
             {"pydicom": py_array, "cydicom": cy_view}),
        Case("mf_native_array", f"{frames}-frame native: pixel_array", mf_path,
             {"pydicom": py_array, "cydicom": cy_array}),
        Case("j2k_one_frame", f"JPEG 2000, {frames} frames: frame {index} only", paths["j2k"],
             {"pydicom": lambda p: pydicom.pixels.pixel_array(
                 p, index=index, decoding_plugin=PYDICOM_PLUGIN),
              "cydicom": lambda p: cydicom.dcmread(p).frame(index)}),
        Case("j2k_frame_vs_all", f"JPEG 2000: frame {index} vs pydicom's pixel_array[{index}]",
             paths["j2k"],
             {"pydicom": lambda p: py_array(p)[index],
              "cydicom": lambda p: cydicom.dcmread(p).frame(index)}),
    ]
    for kind, title in (("j2k", "JPEG 2000"), ("jls", "JPEG-LS"), ("ljpeg", "JPEG lossless"),
                        ("rle", "RLE"), ("jpeg", "JPEG baseline (lossy) 512x512")):
        n = frames if kind == "j2k" else codec_frames
        case = Case(f"{kind}_full", f"{title}, {n} frames: pixel_array", paths[kind],
                    {"pydicom": py_array, "cydicom": cy_array}, lossy=kind == "jpeg")
        if _pydicom_has(pixel_corpus.SYNTAXES[kind], "gdcm"):
            case.ops["pydicom+gdcm"] = lambda p: py_array(p, "gdcm")
        cases.append(case)
    _add_dicomsdl(cases)
    return cases


def _pydicom_has(uid: str, plugin: str) -> bool:
    """True if pydicom can decode compressed ``uid`` with ``plugin`` (installed)."""
    from pydicom.pixels.decoders.base import get_decoder
    from pydicom.uid import UID

    if not UID(uid).is_compressed:
        return False
    try:
        return plugin in get_decoder(uid).available_plugins
    except NotImplementedError:
        return False


def _dicomsdl_array(df):
    """All frames' stored values in one array: dicomsdl's ``copyFrameData`` per frame (its
    ``pixelData()`` gives one frame, rescaled to float32)."""
    info = df.getPixelDataInfo()
    frames, rows, columns = info["NumberOfFrames"] or 1, info["Rows"], info["Cols"]
    if info["SamplesPerPixel"] != 1:
        raise NotImplementedError("the benchmark files are single-sample")
    out = np.empty((frames, rows, columns), dtype=info["dtype"])
    for index in range(frames):
        df.copyFrameData(index, out[index])
    return out[0] if frames == 1 else out


def _add_dicomsdl(cases):
    try:
        import dicomsdl
    except ImportError:
        return
    for case in cases:
        if not case.name.endswith(("_array", "_full")):
            continue
        if case.opened is not None:
            case.opened["dicomsdl"] = lambda p: dicomsdl.open(str(p))
            case.ops["dicomsdl"] = _dicomsdl_array
        else:
            case.ops["dicomsdl"] = lambda p: _dicomsdl_array(dicomsdl.open(str(p)))


def check(case: Case):
    """Every library's result equals pydicom's before anything is timed."""
    sources = case.sources()
    reference = case.ops["pydicom"](sources["pydicom"])
    for name, op in case.ops.items():
        result = op(sources[name])
        if result.shape == reference.shape and np.array_equal(result, reference):
            continue
        if (case.lossy and name not in ("pydicom", "cydicom") and result.shape == reference.shape
                and np.abs(result.astype(np.int64) - reference).max() <= 1):
            continue
        raise AssertionError(f"{case.name}: {name} differs from pydicom")


def calls_per_round(case: Case, sources: dict, seconds: float) -> dict[str, int]:
    """How often each library's operation runs per round: enough for ``seconds`` (at least
    once), so the cold first call after the other libraries' turn weighs as little for a
    50 us operation as for a 50 ms one."""
    calls = {}
    for name, op in case.ops.items():
        start = time.perf_counter()
        op(sources[name])
        once = time.perf_counter() - start
        calls[name] = max(1, min(10_000, math.ceil(seconds / max(once, 1e-7))))
    return calls


def time_case(case: Case, rounds: int, seconds: float) -> dict[str, float]:
    """Median seconds per operation, per library, over interleaved rounds."""
    samples = {name: [] for name in case.ops}
    names = list(case.ops)
    sources = case.sources()
    calls = calls_per_round(case, sources, seconds)
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            op = case.ops[name]
            source = sources[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(calls[name]):
                op(source)
            samples[name].append((time.perf_counter() - start) / calls[name])
    return {name: statistics.median(values) for name, values in samples.items()}


def two_core_control(threads: int = 2) -> float:
    """Speedup of ``threads`` threads hashing in C (GIL released): what the machine allows.

    Near 1.0 means the cores are busy elsewhere, and multi-core ratios below mean little.
    """
    import hashlib
    from concurrent.futures import ThreadPoolExecutor

    data = b"\0" * (16 << 20)
    jobs = range(4 * threads)

    def timed(workers):
        with ThreadPoolExecutor(workers) as pool:
            start = time.perf_counter()
            list(pool.map(lambda _: hashlib.sha256(data).digest(), jobs))
            return time.perf_counter() - start

    return statistics.median(timed(1) for _ in range(3)) / statistics.median(
        timed(threads) for _ in range(3))


def run(quick: bool, rounds: int | None, only: list[str] | None = None) -> dict:
    cydicom = import_cydicom()
    import pydicom

    rounds = rounds or (3 if quick else 7)
    ALLOCATOR.warm_heap()
    plain_loops: dict[Path, float] = {}  # one per file: the view and array cases share it
    results = []
    with tempfile.TemporaryDirectory(prefix="cydicom-pixels-") as tmp:
        cases = [case for case in build_cases(Path(tmp), quick, cydicom)
                 if not only or case.name in only]
        for case in cases:
            check(case)
            medians = time_case(case, rounds, 0.02 if quick else 0.1)
            if case.name in PLAIN_LOOP_CASES:
                medians[PLAIN] = plain_loops.get(case.path) or plain_loop(
                    case.path, rounds, 0.2 if quick else 1.0)
                plain_loops[case.path] = medians[PLAIN]
            ratio = medians["pydicom"] / medians["cydicom"]
            plain_ratio = medians[PLAIN] / medians["cydicom"] if PLAIN in medians else None
            results.append({"case": case.name, "label": case.label, "seconds": medians,
                            "ratio": ratio, "plain_ratio": plain_ratio,
                            "target": TARGETS.get(case.name)})
            other = "".join(f"   {name} {seconds * 1e3:9.3f} ms" for name, seconds in
                            medians.items() if name not in ("pydicom", "cydicom"))
            if plain_ratio is not None:
                other += f" (x{plain_ratio:.1f})"
            print(f"  {case.label:<45} pydicom {medians['pydicom'] * 1e3:9.3f} ms   "
                  f"cydicom {medians['cydicom'] * 1e3:9.3f} ms   x{ratio:8.1f}{other}",
                  flush=True)
    control = two_core_control()
    print(f"  control: 2 threads hashing in C run x{control:.2f} faster than 1", flush=True)
    return {
        "python": platform.python_version(), "cpus": len(os.sched_getaffinity(0)),
        "allocator_pinned": ALLOCATOR.available,
        "two_thread_control": control,
        "load_average": os.getloadavg(), "rounds": rounds, "quick": quick,
        "versions": {"cydicom": cydicom.__version__, "pydicom": pydicom.__version__,
                     "numpy": np.__version__},
        "results": results,
    }


def markdown(report: dict) -> str:
    """The results as a table. A target is judged against pydicom's plain loop where that
    was timed (the setting of the issue's 44 ms), else against pydicom."""
    extra = [name for name in ("pydicom+gdcm", "dicomsdl")
             if any(name in r["seconds"] for r in report["results"])]
    lines = ["| case | pydicom | cydicom | speedup | pydicom, plain loop (speedup) | target |"
             + "".join(f" {n} |" for n in extra),
             "|---|---:|---:|---:|---:|---:|" + "---:|" * len(extra)]
    for r in report["results"]:
        s = r["seconds"]
        plain = r.get("plain_ratio")
        judged = plain if plain is not None else r["ratio"]
        target = (f"{r['target']:g}x" + (" met" if judged >= r["target"] else " **missed**")
                  if r["target"] else "")
        plain_cell = f"{s[PLAIN] * 1e3:.2f} ms ({plain:.1f}x)" if plain is not None else ""
        line = (f"| {r['label']} | {s['pydicom'] * 1e3:.2f} ms | {s['cydicom'] * 1e3:.3f} ms "
                f"| {r['ratio']:.1f}x | {plain_cell} | {target} |")
        for name in extra:
            line += f" {s[name] * 1e3:.2f} ms |" if name in s else " |"
        lines.append(line)
    load = ", ".join(f"{x:.2f}" for x in report["load_average"])
    lines.append(f"\n{report['cpus']} CPUs, load average {load} at the end; 2 threads hashing "
                 f"in C ran x{report['two_thread_control']:.2f} faster than one; medians of "
                 f"{report['rounds']} rounds; glibc's allocator "
                 f"{'pinned to a warm heap' if report['allocator_pinned'] else 'not pinned'} (pydicom's plain loop: its own process, glibc's defaults)"
                 f"; Python {report['python']}, "
                 f"pydicom {report['versions']['pydicom']}.")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames and rounds")
    parser.add_argument("--rounds", type=int, help="timing rounds (default 7, quick 3)")
    parser.add_argument("--only", help="comma-separated case names (e.g. mf_native_view)")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    parser.add_argument("--markdown", nargs="?", const="-", help="print (or write) a table")
    args = parser.parse_args(argv)
    print(f"cydicom pixel benchmark ({'quick' if args.quick else 'full'})", flush=True)
    report = run(args.quick, args.rounds, args.only.split(",") if args.only else None)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if args.markdown:
        table = markdown(report)
        if args.markdown == "-":
            print(table)
        else:
            Path(args.markdown).write_text(table + "\n")
    return report


if __name__ == "__main__":
    main()
