"""JPEG frames decoded by pylibjpeg-libjpeg in worker processes, for several cores at once.

pylibjpeg-libjpeg (pydicom's JPEG decoder, whose rounding pydicom's results have) holds
the GIL: threads decode one frame at a time. Each worker here is a fresh interpreter
running ``_jpeg_worker`` (``python -c``), never the user's ``__main__`` (multiprocessing's
spawn and forkserver re-run an unguarded script; fork copies a threaded process). It
finds its modules on this process's ``sys.path`` (not the working directory). Workers
start on first use and stay until the process exits or ``shutdown()``; a thread decoding
a frame takes an idle worker, so ``threads`` workers decode ``threads`` frames at once.
A worker that dies (a decoder crash on a hostile frame) costs only that frame: a
``WorkerError`` (``decoders.decode`` makes it a ``DecoderError``), and a new worker next
time. A worker that cannot start (``WorkerUnavailable``: no usable interpreter) turns
the workers off for this process.
"""
import atexit
import os
import subprocess
import sys
import threading
from typing import IO

_lock = threading.Lock()
_idle: list = []
_workers: set = set()  # every worker started and not stopped, idle or busy
_unavailable = False
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# ``python -c`` puts the working directory first on sys.path: a numpy.py there must not
# run in a worker (the parent, run as a script, never looks there)
WORKER_CODE = ("import sys\n"
               "if sys.path and sys.path[0] in ('', '.'):\n"
               "    del sys.path[0]\n"
               "from cydicom.pixels._jpeg_worker import main\n"
               "main()\n")
READY = b"R"  # a worker's first byte: its imports worked
# Decoding in workers pays off from this many samples per job when they are running (as
# for threads), and from START_MIN_SAMPLES when they must be started first (~0.2 s here,
# against ~7 ms per 512 x 512 frame: ~50 frames to win it back on 2 cores)
RUNNING_MIN_SAMPLES = 1 << 18
START_MIN_SAMPLES = 1 << 23
PIPE_BYTES = 1 << 20
WARM_HEAP = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728"


class WorkerError(Exception):
    """A frame a worker could not decode (its decoder's message), or a worker that died."""


class WorkerUnavailable(WorkerError):
    """A worker could not start (its interpreter or imports failed): decode in-process."""


def available():
    """True if worker processes can be started (an interpreter to run, not frozen, and
    none failed to start before)."""
    return bool(sys.executable) and not getattr(sys, "frozen", False) and not _unavailable


def _environment():
    env = dict(os.environ)
    paths = [_PACKAGE_ROOT] + [p for p in sys.path if isinstance(p, str) and p not in ("", ".")]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))  # this process's modules
    env["OPENBLAS_NUM_THREADS"] = "1"  # numpy in a worker needs no thread pool
    # glibc keeps the worker's freed buffers instead of unmapping them: a decode then
    # reuses pages rather than faulting in fresh ones (costly in VMs, several per frame)
    env["GLIBC_TUNABLES"] = ":".join(filter(None, [env.get("GLIBC_TUNABLES"), WARM_HEAP]))
    return env


class _Worker:
    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER_CODE], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_environment())
        requests, responses = self.process.stdin, self.process.stdout
        if requests is None or responses is None:  # never: both are pipes
            raise WorkerUnavailable("the decoding worker process has no pipes")
        self.requests: IO[bytes] = requests
        self.responses: IO[bytes] = responses
        self.synced = True
        _widen(requests)
        _widen(responses)
        try:
            ready = responses.read(1)
        except BaseException:
            self.kill()
            raise
        if ready != READY:
            self.kill()
            raise WorkerUnavailable(f"the decoding worker process could not start "
                                    f"(status {self.process.returncode})")

    def decode(self, src):
        """The decoded bytes of one frame; WorkerError if it fails or the worker died.

        ``synced`` is False from the request until its whole response is read: a worker
        interrupted in between (an exception, Ctrl-C) would answer the next request with
        this one's bytes, so it is stopped, never reused.
        """
        self.synced = False
        try:
            self.requests.write(len(src).to_bytes(8, "little"))
            self.requests.write(src)
            self.requests.flush()
            header = self.responses.read(9)
            if len(header) == 9:
                length = int.from_bytes(header[1:], "little")
                payload = self.responses.read(length)
                if len(payload) == length:
                    self.synced = True
                    if header[0] == 0:
                        return payload
                    raise WorkerError(payload.decode("utf-8", "replace"))
        except (OSError, ValueError):  # a broken or closed pipe: the worker is gone
            pass
        self.kill()
        raise WorkerError(f"the decoding worker process exited "
                          f"(status {self.process.returncode})")

    def alive(self):
        return self.process.poll() is None

    def close(self):
        """Let an idle worker exit (the end of its input), or stop it after 5 s."""
        try:
            self.requests.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.responses.close()

    def kill(self):
        """Stop a worker now (out of step with its pipes, or dead)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.abandon()

    def abandon(self):
        """Close this process's ends of the pipes (the worker exits when no process
        holds its input open any more)."""
        for pipe in (self.requests, self.responses):
            try:
                pipe.close()
            except OSError:
                pass


def _widen(pipe):
    """A 1 MiB pipe buffer where the system allows it (Linux): a decoded frame then passes
    in one or two writes, not in 16 of the default 64 KiB (each a switch between processes)."""
    try:
        import fcntl
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


def _take():
    global _unavailable
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.alive():
                return worker
            _workers.discard(worker)
            worker.kill()  # died while idle (killed from outside): reap it
    try:
        worker = _Worker()
    except WorkerUnavailable:
        _unavailable = True
        raise
    except OSError as exc:  # no interpreter to run, too many processes, ...
        _unavailable = True
        raise WorkerUnavailable(f"cannot start a decoding worker process: {exc}") from exc
    with _lock:
        _workers.add(worker)
    return worker


def decode(src):
    """Decode one JPEG / JPEG-LS frame (bytes-like) in a worker: pylibjpeg-libjpeg's bytes."""
    worker = _take()
    try:
        return worker.decode(bytes(src))
    finally:
        with _lock:
            if worker.synced:
                _idle.append(worker)
            else:
                _workers.discard(worker)
        if not worker.synced:
            worker.kill()


def pays_off(samples):
    """True if decoding ``samples`` samples in workers beats one thread (see above)."""
    if not available():
        return False
    return samples >= (RUNNING_MIN_SAMPLES if running() else START_MIN_SAMPLES)


def running():
    """Idle workers of this process (tests)."""
    with _lock:
        return len(_idle)


@atexit.register
def shutdown():
    """Stop every idle worker (they are started again when needed)."""
    with _lock:
        workers = list(_idle)
        _idle.clear()
        _workers.difference_update(workers)
    for worker in workers:
        worker.close()


def _after_fork_in_child():
    """A forked child does not own its parent's workers: it closes its copies of their
    pipes (or the parent would wait for them to exit) and starts its own when needed."""
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork
    for worker in _workers:
        worker.abandon()
    _workers.clear()
    _idle.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
