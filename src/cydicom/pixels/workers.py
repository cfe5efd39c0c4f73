"""The thread pool that frames decode on and large buffers are checked on."""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

_pool = None
_lock = threading.Lock()


def cpu_count():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def executor(workers):
    """A shared pool with at least ``workers`` threads (created on first use)."""
    global _pool
    with _lock:
        if _pool is None or _pool._max_workers < workers:
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cydicom-pixels")
        return _pool


def split(n, parts):
    """``parts`` contiguous ranges covering range(n), sizes differing by at most one."""
    bounds = [n * k // parts for k in range(parts + 1)]
    return [range(bounds[k], bounds[k + 1]) for k in range(parts)]
