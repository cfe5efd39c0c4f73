"""Run hostile inputs in a child process with a memory limit and a time limit.

``run_cases({name: bytes})`` writes the inputs to a temporary folder and reads each with
``fuzz/exercise.py``'s ``read_everything`` (and ``scan_bytes``, once ``cydicom.scan``
exists) in a fresh ``python`` process whose address
space is limited (``RLIMIT_AS``: its size after the imports plus ``EXTRA_MEMORY``) and
whose run is limited in time. The result says, per input, whether it read to a Dataset or
which ``DicomError`` it raised, how long it took, and every input that did anything else
(another exception, ``MemoryError`` included; a crash; a hang).
"""
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ_DIR = os.path.join(HERE, "..", "fuzz")
# A hostile input may make cydicom allocate this much beyond its imports, no more: a
# declared 3 GiB element must not allocate it. (Generous: pydicom's to_pydicom runs too.)
EXTRA_MEMORY = 512 << 20
CASE_SECONDS = 5.0

CHILD = r"""
import json, os, resource, sys, time, traceback
sys.path.insert(0, sys.argv[2])
import cydicom
from exercise import read_everything, scan_bytes
import pydicom, numpy  # loaded before the limit: to_pydicom and pixels use them

def outcome_of(data):  # read_everything's outcome; scan() must give one row, error or not
    try:
        read_everything(data, to_pydicom=to_pydicom)
        outcome = "ok"
    except cydicom.DicomError as exc:
        outcome = type(exc).__name__
    scan_bytes(data)  # checks its row; does nothing when this build has no cydicom.scan
    return outcome

def vm_size():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
limit = vm_size() + int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
folder, to_pydicom = sys.argv[1], sys.argv[4] == "1"
out = sys.stdout
for name in sorted(os.listdir(folder)):
    with open(os.path.join(folder, name), "rb") as handle:
        data = handle.read()
    out.write(json.dumps({"start": name}) + "\n"); out.flush()
    began = time.perf_counter()
    try:
        outcome = outcome_of(data)
    except BaseException as exc:
        outcome = "BUG " + "".join(traceback.format_exception_only(exc)).strip()[-300:]
        outcome += " | " + traceback.format_tb(exc.__traceback__)[-1].strip()[-300:]
    out.write(json.dumps({"end": name, "outcome": outcome,
                          "seconds": time.perf_counter() - began}) + "\n"); out.flush()
"""


@dataclass
class Report:
    """What the child process did with each input."""
    outcomes: dict = field(default_factory=dict)    # name -> "ok" or DicomError class name
    seconds: dict = field(default_factory=dict)
    bugs: dict = field(default_factory=dict)        # name -> what went wrong
    returncode: int = 0

    def problems(self, case_seconds=CASE_SECONDS):
        """Every input that misbehaved (bugs, slow inputs, a crash), as readable lines."""
        lines = [f"{name}: {what}" for name, what in sorted(self.bugs.items())]
        lines += [f"{name}: took {s:.2f} s (limit {case_seconds} s)"
                  for name, s in sorted(self.seconds.items()) if s > case_seconds]
        return lines


def run_cases(cases, *, timeout=120, extra_memory=EXTRA_MEMORY, to_pydicom=True):
    """Read every input of ``cases`` ({name: bytes}) in a limited child process."""
    report = Report()
    with tempfile.TemporaryDirectory() as folder:
        for name, data in cases.items():
            with open(os.path.join(folder, name), "wb") as handle:
                handle.write(data)
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        command = [sys.executable, "-c", CHILD, folder, os.path.abspath(FUZZ_DIR),
                   str(extra_memory), "1" if to_pydicom else "0"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  env=env)
            stdout, stderr, report.returncode = done.stdout, done.stderr, done.returncode
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            stderr, report.returncode = "timeout", None
    started = None
    for line in stdout.splitlines():
        record = json.loads(line)
        if "start" in record:
            started = record["start"]
            continue
        started = None
        name, outcome = record["end"], record["outcome"]
        report.seconds[name] = record["seconds"]
        if outcome.startswith("BUG "):
            report.bugs[name] = outcome[4:]
        else:
            report.outcomes[name] = outcome
    if started is not None:
        report.bugs[started] = (f"the child process died or hung on it (exit "
                                f"{report.returncode}): {stderr[-2000:]}")
    elif report.returncode != 0:
        report.bugs["<child>"] = f"exit {report.returncode}: {stderr[-2000:]}"
    missing = set(cases) - set(report.outcomes) - set(report.bugs)
    if missing and started is None and report.returncode == 0:
        report.bugs["<child>"] = f"inputs never read: {sorted(missing)[:5]}"
    return report


def assert_all_handled(cases, **kwargs):
    """Every input reads to a Dataset or a DicomError, in time and within memory."""
    report = run_cases(cases, **kwargs)
    problems = report.problems()
    assert not problems, "\n".join(problems[:20])
    assert len(report.outcomes) == len(cases)
    return report
